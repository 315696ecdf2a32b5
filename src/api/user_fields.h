/*
 * The body of PATCH /users/me as a field table, without Kore, so the fuzz
 * targets check the very table users.c validates with. Include it from
 * one .c file of a program only.
 */
#ifndef __H_USER_FIELDS_H
#define __H_USER_FIELDS_H

#include "core/fields.h"

static const struct field_spec user_patch_fields[] = {
	{ "timezone", FIELD_STRING, 0, 0, 1, 64, NULL },
	{ "webhook_url", FIELD_URL, 0, 1, 0, 2048, NULL },
	{ "webhook_secret", FIELD_STRING, 0, 1, 16, 256, NULL },
};

#endif
