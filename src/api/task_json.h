/*
 * Tasks rendered to JSON from the database's binary rows: the database
 * sends plain columns (its cheapest answer) and we write the JSON.
 */
#ifndef __H_TASK_JSON_H
#define __H_TASK_JSON_H

#include <libpq-fe.h>

#include "core/strbuf.h"
#include "api/tasks_sql.h"
#include "db/db_rows.h"

/* Where each task column is in a result. */
struct task_cols {
	int	id, user_id, title, description, completed, completed_at;
	int	priority, due_at, remind_at, recurrence, tags, created_at;
	int	updated_at, version;
};

int	task_cols_find(const PGresult *, struct task_cols *);
int	task_json(struct strbuf *, const PGresult *, int,
	    const struct task_cols *);
void	task_etag(const PGresult *, int, const struct task_cols *,
	    char [16]);
void	task_id(const PGresult *, int, const struct task_cols *, char [UUID_TEXT_SIZE]);
int	task_cursor(struct strbuf *, const PGresult *, int,
	    const struct task_cols *, const struct task_sort *);

#endif
