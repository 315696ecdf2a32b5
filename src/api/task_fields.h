/*
 * The body of a task (POST, PUT, PATCH) as a field table. A header of its
 * own, without Kore, so the fuzz targets check the very table tasks.c
 * validates with. Include it from one .c file of a program only.
 */
#ifndef __H_TASK_FIELDS_H
#define __H_TASK_FIELDS_H

#include "core/fields.h"

static const char * const task_priorities[] = {
	"low", "medium", "high", "urgent", NULL
};
static const char * const task_recurrences[] = {
	"daily", "weekly", "monthly", NULL
};

/* The body of POST, PUT and PATCH; PATCH requires nothing. */
static const struct field_spec task_fields[] = {
	{ "title", FIELD_STRING, 1, 0, 1, 200, NULL },
	{ "description", FIELD_STRING, 0, 0, 0, 4000, NULL },
	{ "completed", FIELD_BOOL, 0, 0, 0, 0, NULL },
	{ "priority", FIELD_ENUM, 0, 0, 0, 0, task_priorities },
	{ "due_at", FIELD_DATETIME, 0, 1, 0, 0, NULL },
	{ "remind_at", FIELD_DATETIME, 0, 1, 0, 0, NULL },
	{ "recurrence", FIELD_ENUM, 0, 1, 0, 0, task_recurrences },
	{ "tags", FIELD_TAGS, 0, 0, 0, 10, NULL },
};
#define TASK_NFIELDS	(sizeof(task_fields) / sizeof(task_fields[0]))

#endif
