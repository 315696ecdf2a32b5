/*
 * Prints a statement the server runs, as a pgbench script: "list" (the
 * default task list), "get" (one task) or "post" (a create with
 * bench/post.lua's body, normalized as the server sends it). Parameters become pgbench
 * variables (:user, :id) or the literals the server would send; filters
 * that are off are NULL, as the server sends them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/tasks_sql.h"

int	main(int, char **);

int
main(int argc, char **argv)
{
	struct task_list_query	lq;
	const char		*sql, *p, *args[TASK_LIST_PARAMS_MAX];
	const char		*with[TASK_LIST_PARAMS_MAX + 1];
	char			*list;
	long			n;
	int			nargs, i;

	if (argc != 2) {
		fprintf(stderr, "usage: print-sql list|get|post\n");
		return (2);
	}

	list = NULL;
	if (!strcmp(argv[1], "list")) {
		/* GET /api/v1/tasks?limit=20, as the server builds it. */
		memset(&lq, 0, sizeof(lq));
		lq.sort = tasks_sort_find("-created_at");
		lq.user_id = ":user";
		lq.limit = "'20'";
		lq.offset = "'0'";
		if ((list = tasks_list_sql(&lq, args, &nargs)) == NULL)
			return (1);
		sql = list;
		for (i = 0; i < nargs; i++)
			with[i + 1] = args[i];
	} else if (!strcmp(argv[1], "post")) {
		sql = SQL_TASK_POST;
		with[1] = ":user";
		with[2] = "'{\"title\": \"bench task\", \"priority\": \"high\", "
		    "\"tags\": [\"bench\", \"load\"], \"due_at\": "
		    "\"2026-12-01T10:00:00.000000Z\", \"description\": \"\", "
		    "\"completed\": false, \"remind_at\": null, "
		    "\"recurrence\": null}'";
	} else {
		sql = SQL_TASK_GET;
		with[1] = ":user";
		with[2] = ":id";
	}

	for (p = sql; *p != '\0'; p++) {
		if (*p == '$' && p[1] >= '0' && p[1] <= '9') {
			n = strtol(p + 1, (char **)&p, 10);
			fputs(with[n], stdout);
			p--;
		} else {
			putchar(*p);
		}
	}
	printf(";\n");
	free(list);
	return (0);
}
