/*
 * The SQL of the tasks resource. Every statement answers with the JSON the
 * client gets, so a request is one round trip. Values only ever travel as
 * parameters; the few pieces spliced into the text (sort order, keyset
 * condition) come from the allow-list in tasks.c.
 */
#ifndef __H_TASKS_SQL_H
#define __H_TASKS_SQL_H

#define TASK_JSON							\
	"json_build_object('id', t.id, 'user_id', t.user_id, "		\
	"'title', t.title, 'description', t.description, "		\
	"'completed', t.completed, 'completed_at', api_ts(t.completed_at), " \
	"'priority', t.priority, 'due_at', api_ts(t.due_at), "		\
	"'remind_at', api_ts(t.remind_at), 'recurrence', t.recurrence, " \
	"'tags', to_json(t.tags), 'created_at', api_ts(t.created_at), "	\
	"'updated_at', api_ts(t.updated_at))"

#define TASK_ETAG	"'\"' || t.version || '\"'"

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
	"SELECT 'created' AS outcome, " TASK_JSON "::text AS body, "	\
	"t.id::text AS id, " TASK_ETAG " AS etag FROM ins t"

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
	"SELECT 'created' AS outcome, " TASK_JSON "::text AS body, "	\
	"t.id::text AS id, " TASK_ETAG " AS etag FROM ins t "		\
	"UNION ALL "							\
	"SELECT CASE WHEN p.request_hash = $4 THEN 'replayed' "		\
	"ELSE 'conflict' END, " TASK_JSON "::text, t.id::text, "	\
	TASK_ETAG " FROM prior p LEFT JOIN tasks t ON t.id = p.task_id"

#define SQL_TASK_GET							\
	"SELECT " TASK_JSON "::text AS body, " TASK_ETAG " AS etag "	\
	"FROM tasks t WHERE t.id = $2 AND t.user_id = $1"

/*
 * PUT and PATCH: $3 the normalized body, $4 the If-Match version (NULL:
 * unconditional). "current" tells a missing task (NULL) from a stale
 * ETag; "valid" is false when the result would recur without a due date.
 */
#define SQL_TASK_UPDATE							\
	"WITH cur AS (SELECT t.version, "				\
	"(" NEW_RECURRENCE("$3::jsonb") ") IS NULL OR "			\
	"(" NEW_DUE("$3::jsonb") ") IS NOT NULL AS valid "		\
	"FROM tasks t WHERE t.id = $2 AND t.user_id = $1), "		\
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
	"FROM cur WHERE t.id = $2 AND t.user_id = $1 AND cur.valid "	\
	"AND ($4::int IS NULL OR t.version = $4::int) RETURNING t.*) "	\
	"SELECT (SELECT version FROM cur) AS current, "			\
	"(SELECT valid FROM cur) AS valid, "				\
	"(SELECT " TASK_JSON "::text FROM upd t) AS body, "		\
	"(SELECT " TASK_ETAG " FROM upd t) AS etag"

#define SQL_TASK_DELETE							\
	"WITH cur AS (SELECT version FROM tasks "			\
	"WHERE id = $2 AND user_id = $1), "				\
	"del AS (DELETE FROM tasks WHERE id = $2 AND user_id = $1 "	\
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
	"WITH cur AS (SELECT * FROM tasks WHERE id = $2 AND user_id = $1 " \
	"AND ($3::int IS NULL OR version = $3::int) FOR UPDATE), "	\
	"known AS (SELECT version FROM tasks "				\
	"WHERE id = $2 AND user_id = $1), "				\
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
	"SELECT (SELECT version FROM known) AS current, "		\
	"(SELECT " TASK_JSON "::text FROM upd t) AS body, "		\
	"(SELECT " TASK_ETAG " FROM upd t) AS etag, "			\
	"(SELECT id::text FROM nxt) AS next_id"

#define SQL_TAGS							\
	"SELECT json_build_object('items', coalesce(json_agg("		\
	"json_build_object('name', s.name, 'task_count', s.n) "		\
	"ORDER BY s.name), '[]'::json))::text AS body FROM "		\
	"(SELECT unnest(tags) AS name, count(*) AS n FROM tasks "	\
	"WHERE user_id = $1 GROUP BY 1) s"

/*
 * The list: $1 user, $2 completed, $3 priority, $4 tags (all must
 * match), $5 due_before, $6 due_after, $7 overdue, $8 q, $9 limit,
 * $10 offset, $11/$12 the cursor's value and id. A NULL filter is off;
 * PostgreSQL plans each call with the actual values, so an off filter
 * costs nothing and the indexes apply.
 */
#define SQL_TASK_FILTERS						\
	"t.user_id = $1 "						\
	"AND ($2::boolean IS NULL OR t.completed = $2::boolean) "	\
	"AND ($3::task_priority IS NULL OR t.priority = $3::task_priority) " \
	"AND ($4::text[] IS NULL OR t.tags @> $4::text[]) "		\
	"AND ($5::timestamptz IS NULL OR t.due_at < $5::timestamptz) "	\
	"AND ($6::timestamptz IS NULL OR t.due_at > $6::timestamptz) "	\
	"AND ($7::boolean IS NULL OR ($7::boolean AND t.due_at < now() " \
	"AND NOT t.completed) OR (NOT $7::boolean AND NOT "		\
	"coalesce(t.due_at < now() AND NOT t.completed, false))) "	\
	"AND ($8::text IS NULL OR "					\
	"t.search @@ plainto_tsquery('simple', $8::text)) "

/* Spliced: order (twice), keyset condition, sort key, cursor value. */
#define SQL_TASK_LIST_FMT						\
	"WITH page AS (SELECT t.* FROM tasks t WHERE " SQL_TASK_FILTERS	\
	"AND ($12::uuid IS NULL OR %s) ORDER BY %s "			\
	"LIMIT $9::int + 1 OFFSET $10::int), "				\
	"shown AS (SELECT * FROM page t ORDER BY %s LIMIT $9::int) "	\
	"SELECT json_build_object("					\
	"'items', coalesce((SELECT json_agg(" TASK_JSON " ORDER BY %s) " \
	"FROM shown t), '[]'::json), "					\
	"'total', (SELECT count(*) FROM tasks t WHERE " SQL_TASK_FILTERS "), " \
	"'limit', $9::int, 'offset', $10::int, "			\
	"'next_cursor', CASE WHEN (SELECT count(*) FROM page) > $9::int " \
	"THEN (SELECT api_cursor('%s', %s, t.id) FROM shown t "		\
	"ORDER BY %s OFFSET $9::int - 1 LIMIT 1) END)::text AS body"

#endif
