/*
 * The SQL of the tasks resource. Every statement answers with the JSON the
 * client gets, so a request is one round trip. Values only ever travel as
 * parameters; the few pieces spliced into the text (sort order, keyset
 * condition) come from the allow-list in tasks.c.
 */
#ifndef __H_TASKS_SQL_H
#define __H_TASKS_SQL_H

#include "api/cursor.h"
#include "core/strbuf.h"

/* The columns a task answer is rendered from (task_json.c). */
#define TASK_COLS							\
	"t.id, t.user_id, t.title, t.description, t.completed, "	\
	"t.completed_at, t.priority, t.due_at, t.remind_at, "		\
	"t.recurrence, t.tags, t.created_at, t.updated_at, t.version"

/*
 * One task by id ($2) of its owner ($1). The owner test is not an index
 * condition (IS TRUE), so the primary key is the only index that fits and
 * the plan cannot turn to an owner-led index on stale statistics.
 */
#define TASK_BY_ID(T)							\
	T "id = $2 AND (" T "user_id = $1) IS TRUE"

/*
 * A validated, normalized body ($P, jsonb) applied to a row t: absent keys
 * keep t's value (merge patch), JSON null clears. POST and PUT send every
 * field, so the same expressions serve all three.
 */
#define NEW_TITLE(P)							\
	"CASE WHEN " P " ? 'title' THEN " P "->>'title' ELSE t.title END"
#define NEW_DESCRIPTION(P)						\
	"CASE WHEN " P " ? 'description' THEN " P "->>'description' "	\
	"ELSE t.description END"
#define NEW_COMPLETED(P)						\
	"CASE WHEN " P " ? 'completed' THEN (" P "->>'completed')::boolean " \
	"ELSE t.completed END"
#define NEW_PRIORITY(P)							\
	"CASE WHEN " P " ? 'priority' THEN (" P "->>'priority')::task_priority " \
	"ELSE t.priority END"
#define NEW_DUE(P)							\
	"CASE WHEN " P " ? 'due_at' THEN (" P "->>'due_at')::timestamptz " \
	"ELSE t.due_at END"
#define NEW_REMIND(P)							\
	"CASE WHEN " P " ? 'remind_at' THEN (" P "->>'remind_at')::timestamptz " \
	"ELSE t.remind_at END"
#define NEW_RECURRENCE(P)						\
	"CASE WHEN " P " ? 'recurrence' THEN " P "->>'recurrence' "	\
	"ELSE t.recurrence END"
#define NEW_TAGS(P)							\
	"CASE WHEN " P " ? 'tags' THEN ARRAY(SELECT "			\
	"jsonb_array_elements_text(" P "->'tags')) ELSE t.tags END"

/* Insert: the defaults row (t) overlaid with the body ($2). */
#define SQL_TASK_CREATE							\
	"WITH t AS (SELECT ''::text AS title, ''::text AS description, "	\
	"false AS completed, 'medium'::task_priority AS priority, "	\
	"NULL::timestamptz AS due_at, NULL::timestamptz AS remind_at, "	\
	"NULL::text AS recurrence, '{}'::text[] AS tags), "		\
	"v AS (SELECT " NEW_TITLE("$2::jsonb") " AS title, "		\
	NEW_DESCRIPTION("$2::jsonb") " AS description, "		\
	NEW_COMPLETED("$2::jsonb") " AS completed, "			\
	NEW_PRIORITY("$2::jsonb") " AS priority, "			\
	NEW_DUE("$2::jsonb") " AS due_at, "				\
	NEW_REMIND("$2::jsonb") " AS remind_at, "			\
	NEW_RECURRENCE("$2::jsonb") " AS recurrence, "			\
	NEW_TAGS("$2::jsonb") " AS tags FROM t), "

#define SQL_TASK_INSERT_COLUMNS						\
	"(id, user_id, title, description, completed, completed_at, "	\
	"priority, due_at, remind_at, recurrence, recurrence_day, tags) "

#define SQL_TASK_INSERT_VALUES(ID)					\
	"SELECT " ID ", $1, v.title, v.description, v.completed, "	\
	"CASE WHEN v.completed THEN now() END, v.priority, v.due_at, "	\
	"v.remind_at, v.recurrence, CASE WHEN v.recurrence IS NOT NULL "	\
	"THEN extract(day FROM v.due_at AT TIME ZONE 'UTC')::smallint END, " \
	"v.tags FROM v"

#define SQL_TASK_POST							\
	SQL_TASK_CREATE							\
	"ins AS (INSERT INTO tasks " SQL_TASK_INSERT_COLUMNS		\
	SQL_TASK_INSERT_VALUES("gen_random_uuid()") " RETURNING *) "	\
	"SELECT 'created' AS outcome, " TASK_COLS " FROM ins t"

/*
 * With an Idempotency-Key ($3, request hash $4): the key is claimed first
 * (or re-claimed once expired); only a claim inserts. A retry finds the
 * key and answers the task it made, or a conflict when the body differs.
 */
#define SQL_TASK_POST_IDEMPOTENT					\
	SQL_TASK_CREATE							\
	"nid AS (SELECT gen_random_uuid() AS id), "			\
	"claim AS (INSERT INTO idempotency_keys "			\
	"(user_id, key, request_hash, task_id) "			\
	"SELECT $1, $3, $4, nid.id FROM nid "				\
	"ON CONFLICT (user_id, key) DO UPDATE SET "			\
	"request_hash = EXCLUDED.request_hash, task_id = EXCLUDED.task_id, " \
	"created_at = now() WHERE idempotency_keys.created_at < "	\
	"now() - interval '24 hours' RETURNING task_id), "		\
	"ins AS (INSERT INTO tasks " SQL_TASK_INSERT_COLUMNS		\
	SQL_TASK_INSERT_VALUES("(SELECT task_id FROM claim)")		\
	" WHERE EXISTS (SELECT 1 FROM claim) RETURNING *), "		\
	"prior AS (SELECT k.request_hash, k.task_id FROM idempotency_keys k " \
	"WHERE k.user_id = $1 AND k.key = $3 "				\
	"AND NOT EXISTS (SELECT 1 FROM claim)) "			\
	"SELECT 'created' AS outcome, " TASK_COLS " FROM ins t "		\
	"UNION ALL "							\
	"SELECT CASE WHEN p.request_hash = $4 THEN 'replayed' "		\
	"ELSE 'conflict' END, " TASK_COLS " "				\
	"FROM prior p LEFT JOIN tasks t ON t.id = p.task_id "		\
	"AND (t.user_id = $1) IS TRUE"

#define SQL_TASK_GET							\
	"SELECT " TASK_COLS " FROM tasks t WHERE " TASK_BY_ID("t.")

/*
 * PUT and PATCH: $3 the normalized body, $4 the If-Match version (NULL:
 * unconditional). "current" tells a missing task (NULL) from a stale
 * ETag; "valid" is false when the result would recur without a due date.
 */
#define SQL_TASK_UPDATE							\
	"WITH cur AS (SELECT t.version, "				\
	"(" NEW_RECURRENCE("$3::jsonb") ") IS NULL OR "			\
	"(" NEW_DUE("$3::jsonb") ") IS NOT NULL AS valid "		\
	"FROM tasks t WHERE " TASK_BY_ID("t.") "), "		\
	"upd AS (UPDATE tasks t SET "					\
	"title = " NEW_TITLE("$3::jsonb") ", "				\
	"description = " NEW_DESCRIPTION("$3::jsonb") ", "		\
	"completed = " NEW_COMPLETED("$3::jsonb") ", "			\
	"completed_at = CASE WHEN NOT (" NEW_COMPLETED("$3::jsonb") ") "	\
	"THEN NULL WHEN t.completed THEN t.completed_at ELSE now() END, " \
	"priority = " NEW_PRIORITY("$3::jsonb") ", "			\
	"due_at = " NEW_DUE("$3::jsonb") ", "				\
	"remind_at = " NEW_REMIND("$3::jsonb") ", "			\
	"recurrence = " NEW_RECURRENCE("$3::jsonb") ", "		\
	"recurrence_day = CASE WHEN (" NEW_RECURRENCE("$3::jsonb") ") "	\
	"IS NULL THEN NULL WHEN $3::jsonb ? 'due_at' OR "		\
	"t.recurrence_day IS NULL THEN extract(day FROM ("		\
	NEW_DUE("$3::jsonb") ") AT TIME ZONE 'UTC')::smallint "		\
	"ELSE t.recurrence_day END, "					\
	"tags = " NEW_TAGS("$3::jsonb") ", "				\
	"version = t.version + 1, updated_at = now() "			\
	"FROM cur WHERE " TASK_BY_ID("t.") " AND cur.valid "		\
	"AND ($4::int IS NULL OR t.version = $4::int) RETURNING t.*) "	\
	"SELECT cur.version AS current, cur.valid, " TASK_COLS " "	\
	"FROM cur LEFT JOIN upd t ON true"

#define SQL_TASK_DELETE							\
	"WITH cur AS (SELECT version FROM tasks "			\
	"WHERE " TASK_BY_ID("") "), "					\
	"del AS (DELETE FROM tasks WHERE " TASK_BY_ID("") " "		\
	"AND ($3::int IS NULL OR version = $3::int) RETURNING 1) "	\
	"SELECT (SELECT version FROM cur) AS current, "			\
	"(SELECT count(*) FROM del) AS deleted"

/*
 * Toggle completion. Completing a recurring task that has not spawned yet
 * inserts its next occurrence in the same statement, so both happen or
 * neither; next_task_id remembers it, so re-opening and completing again
 * does not make a second one.
 */
#define SQL_TASK_COMPLETE						\
	"WITH cur AS (SELECT * FROM tasks WHERE " TASK_BY_ID("") " "	\
	"AND ($3::int IS NULL OR version = $3::int) FOR UPDATE), "	\
	"known AS (SELECT version FROM tasks "				\
	"WHERE " TASK_BY_ID("") "), "					\
	"spawn AS (SELECT gen_random_uuid() AS id, "			\
	"api_next_due(c.due_at, c.recurrence, c.recurrence_day) AS due "	\
	"FROM cur c WHERE NOT c.completed AND c.recurrence IS NOT NULL "	\
	"AND c.due_at IS NOT NULL AND c.next_task_id IS NULL), "	\
	"nxt AS (INSERT INTO tasks (id, user_id, title, description, "	\
	"priority, tags, recurrence, recurrence_day, due_at, remind_at) "	\
	"SELECT s.id, c.user_id, c.title, c.description, c.priority, "	\
	"c.tags, c.recurrence, c.recurrence_day, s.due, "		\
	"c.remind_at + (s.due - c.due_at) FROM cur c, spawn s "		\
	"RETURNING id), "						\
	"upd AS (UPDATE tasks t SET completed = NOT c.completed, "	\
	"completed_at = CASE WHEN c.completed THEN NULL ELSE now() END, " \
	"next_task_id = coalesce(t.next_task_id, (SELECT id FROM nxt)), " \
	"version = t.version + 1, updated_at = now() "			\
	"FROM cur c WHERE t.id = c.id RETURNING t.*) "			\
	"SELECT known.version AS current, (SELECT id FROM nxt) AS next_id, " \
	TASK_COLS " FROM known LEFT JOIN upd t ON true"

/* The tag counts kept by migration 0005's triggers, summed over slots. */
#define SQL_TAGS							\
	"SELECT json_build_object('items', coalesce(json_agg("		\
	"json_build_object('name', s.name, 'task_count', s.n) "		\
	"ORDER BY s.name), '[]'::json))::text AS body FROM "		\
	"(SELECT k.name, sum(k.n)::bigint AS n FROM tag_counts k "	\
	"WHERE k.user_id = $1 GROUP BY k.name HAVING sum(k.n) > 0) s"

/*
 * A sort key of the list: its ORDER BY, the keyset condition after a
 * cursor ($11 value, $12 id), the cursor value of a row, and its type.
 */
struct task_sort {
	const char		*key;
	const char		*order;
	const char		*after;		/* $V value, $I id */
	const char		*after_null;	/* cursor value null (due_at) */
	enum cursor_kind	kind;
};

/*
 * A list request: the filters given (NULL: off), the sort, the page. The
 * statement holds only the active filters, numbered in order, so the
 * planner sees the simplest query for each request.
 */
struct task_list_query {
	const struct task_sort	*sort;
	const char		*user_id;
	const char		*completed;
	const char		*priority;
	const char		*tags;		/* text[] literal */
	int			ntags;		/* names in tags */
	const char		*due_before;
	const char		*due_after;
	const char		*overdue;	/* "true" or "false" */
	const char		*q;
	const char		*limit;
	const char		*offset;
	int			has_cursor;
	const char		*cursor_value;	/* NULL: null value */
	const char		*cursor_id;
	/*
	 * A capped total counted before (core/count_cache.h): the user's
	 * write version it was counted at and the count, both decimal text,
	 * or NULL. The statement uses the count only if the version it reads
	 * is the same, and answers the version in count_version.
	 */
	const char		*count_version;
	const char		*count_value;
	/* The last count (any version) found at most TASK_FEW_MATCHES. */
	int			few_matches;
	/* The last count (any version) stopped at the cap. */
	int			many_matches;
};

#define TASK_LIST_PARAMS_MAX	14

/* A filtered list counts at most this many matches for its total. */
#define TASK_TOTAL_CAP		10000
#define TASK_TOTAL_CAP_SQL	"10000"
/* Up to this many matches a page is read from the matches, not a walk. */
#define TASK_FEW_MATCHES	1000

const struct task_sort	*tasks_sort_find(const char *);
char			*tasks_list_sql(const struct task_list_query *,
			    const char **, int *);
int			 tasks_count_key(const struct task_list_query *,
			    struct strbuf *);

#endif
