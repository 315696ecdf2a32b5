/*
 * Unit tests for src/api/tasks_sql.c (cmocka): the list statement, the
 * only SQL assembled at run time. Every value a client sends must travel
 * as a $N parameter, numbered densely in order; the text holds only the
 * allow-listed sort and the active filters.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/tasks_sql.h"

/* Values no SQL text could contain by chance. */
#define USER		"user-1'); DROP TABLE tasks; --"
#define LIMIT		"20"
#define OFFSET		"40"
#define CUR_ID		"0b9f4c1e-6f0a-4c8e-9a55-1d2f3e4a5b6c"

static char	*build(struct task_list_query *, const char **, int *);
static void	 query(struct task_list_query *, const char *);
static void	 has(const char *, const char *);
static int	 count(const char *, const char *);
static void	 values_not_in_text(const char *, const char **, int);

/* The unfiltered first page, all of it: the counters give its total. */
static void
test_unfiltered_exact(void **state)
{
	struct task_list_query	lq;
	const char		*params[TASK_LIST_PARAMS_MAX];
	char			*sql;
	int			n;

	(void)state;

	query(&lq, "-created_at");
	sql = build(&lq, params, &n);
	assert_string_equal(sql,
	    "SELECT c.total, c.total_exact, " TASK_COLS " FROM (SELECT "
	    "coalesce(sum(k.total), 0)::bigint AS total, true AS total_exact "
	    "FROM task_counts k WHERE k.user_id = $1) c LEFT JOIN LATERAL "
	    "(SELECT t.* FROM tasks t WHERE t.user_id = $1 ORDER BY "
	    "t.created_at DESC, t.id DESC LIMIT $2::int + 1 OFFSET $3::int) "
	    "t ON true ORDER BY t.created_at DESC, t.id DESC");
	assert_int_equal(n, 3);
	assert_string_equal(params[0], USER);
	assert_string_equal(params[1], LIMIT);
	assert_string_equal(params[2], OFFSET);
	free(sql);
}

/* completed alone still reads the counters, with the flag a parameter. */
static void
test_completed_only(void **state)
{
	struct task_list_query	lq;
	const char		*params[TASK_LIST_PARAMS_MAX];
	char			*sql;
	int			n;

	(void)state;

	query(&lq, "title");
	lq.completed = "true";
	sql = build(&lq, params, &n);
	assert_int_equal(n, 4);
	assert_string_equal(params[1], "true");
	assert_string_equal(params[2], LIMIT);
	assert_string_equal(params[3], OFFSET);
	has(sql, "sum(CASE WHEN $2::boolean THEN k.completed ELSE "
	    "k.total - k.completed END)");
	has(sql, "FROM task_counts k WHERE k.user_id = $1)");
	has(sql, "WHERE t.user_id = $1 AND t.completed = $2::boolean "
	    "ORDER BY t.title ASC, t.id ASC LIMIT $3::int + 1 "
	    "OFFSET $4::int) t ON true ORDER BY t.title ASC, t.id ASC");
	assert_null(strstr(sql, "least("));
	free(sql);
}

/* One tag alone has a kept count; two tags, or a tag and more, count. */
static void
test_tags(void **state)
{
	struct task_list_query	lq;
	const char		*params[TASK_LIST_PARAMS_MAX];
	char			*sql;
	int			n;

	(void)state;

	query(&lq, "priority");
	lq.tags = "{\"work\"}";
	lq.ntags = 1;
	sql = build(&lq, params, &n);
	assert_int_equal(n, 4);
	assert_string_equal(params[1], "{\"work\"}");
	has(sql, "FROM tag_counts k WHERE k.user_id = $1 AND "
	    "k.name = ($2::text[])[1])");
	has(sql, "WHERE t.user_id = $1 AND t.tags @> $2::text[] ORDER BY");
	assert_int_equal(count(sql, "t.tags @> $2::text[]"), 1);
	free(sql);

	lq.tags = "{\"home\",\"work\"}";
	lq.ntags = 2;
	sql = build(&lq, params, &n);
	/* And the remembered count's version and value (none: NULL). */
	assert_int_equal(n, 6);
	assert_null(params[4]);
	assert_null(params[5]);
	assert_null(strstr(sql, "tag_counts"));
	has(sql, "SELECT least(c.n, 10000) AS total, c.n <= 10000 AS "
	    "total_exact, ");
	/* The filter in the count and in the page, the same parameter. */
	assert_int_equal(count(sql, "t.tags @> $2::text[]"), 2);
	has(sql, "SELECT h.v, CASE WHEN h.v = $5::bigint THEN $6::bigint "
	    "ELSE (SELECT count(*) FROM (SELECT FROM tasks t WHERE ");
	has(sql, "LIMIT 10000 + 1) m) END AS n FROM (SELECT (SELECT e.n "
	    "FROM event_heads e WHERE e.user_id = $1) AS v) h OFFSET 0) c "
	    "LEFT JOIN LATERAL (SELECT t.* FROM tasks t WHERE ");
	free(sql);

	/* A tag with completed: no kept count for the pair. */
	lq.ntags = 1;
	lq.completed = "false";
	sql = build(&lq, params, &n);
	assert_int_equal(n, 7);
	assert_string_equal(params[1], "false");
	assert_string_equal(params[2], "{\"home\",\"work\"}");
	assert_null(strstr(sql, "tag_counts"));
	assert_null(strstr(sql, "task_counts"));
	assert_int_equal(count(sql, "t.user_id = $1 AND t.completed = "
	    "$2::boolean AND t.tags @> $3::text[]"), 2);
	free(sql);
}

/* Every filter and a cursor: eleven parameters, in a fixed order. */
static void
test_all_filters_and_cursor(void **state)
{
	static const char	*want[] = {
		USER, "false", "urgent", "{\"a\",\"b\"}",
		"2026-12-01T00:00:00.000000Z", "2026-01-01T00:00:00.000000Z",
		"it's \\ a $1 test", LIMIT, "0", "41", "9999",
		"2026-06-01T12:00:00.000000Z", CUR_ID
	};
	struct task_list_query	lq;
	const char		*params[TASK_LIST_PARAMS_MAX];
	char			*sql;
	int			n, i;

	(void)state;

	query(&lq, "-created_at");
	lq.completed = want[1];
	lq.priority = want[2];
	lq.tags = want[3];
	lq.ntags = 2;
	lq.due_before = want[4];
	lq.due_after = want[5];
	lq.overdue = "true";
	lq.q = want[6];
	lq.offset = want[8];
	lq.count_version = want[9];
	lq.count_value = want[10];
	lq.has_cursor = 1;
	lq.cursor_value = want[11];
	lq.cursor_id = want[12];
	sql = build(&lq, params, &n);
	assert_int_equal(n, 13);
	for (i = 0; i < n; i++)
		assert_string_equal(params[i], want[i]);

	assert_int_equal(count(sql, "t.user_id = $1 AND "
	    "t.completed = $2::boolean AND t.priority = $3::task_priority AND "
	    "t.tags @> $4::text[] AND t.due_at < $5::timestamptz AND "
	    "t.due_at > $6::timestamptz AND t.due_at < now() AND NOT "
	    "t.completed AND t.owned_search @@ "
	    "api_owned_tsquery($1, to_tsquery('simple', '''' || "
	    "replace(NULLIF(btrim(regexp_replace(replace(replace($7::text, "
	    "'\\', '\\\\'), '''', ''''''), '\\s+', ' ', 'g'), ' '), ''), "
	    "' ', ''':* & ''') || ''':*'))"), 2);
	/* The keyset condition narrows the page, never the total. */
	assert_int_equal(count(sql, " AND (t.created_at, t.id) < "
	    "($12::timestamptz, $13::uuid) ORDER BY t.created_at DESC, "
	    "t.id DESC LIMIT $8::int + 1 OFFSET $9::int) t ON true"), 1);
	has(sql, "LIMIT 10000 + 1) m)");
	has(sql, "CASE WHEN h.v = $10::bigint THEN $11::bigint ELSE");
	free(sql);
}

static void
test_overdue(void **state)
{
	struct task_list_query	lq;
	const char		*params[TASK_LIST_PARAMS_MAX];
	char			*sql;
	int			n;

	(void)state;

	query(&lq, "-created_at");
	lq.overdue = "false";
	sql = build(&lq, params, &n);
	/* A constant condition: no parameter for it (the two are the
	 * remembered count's). */
	assert_int_equal(n, 5);
	assert_int_equal(count(sql, "WHERE t.user_id = $1 AND NOT "
	    "coalesce(t.due_at < now() AND NOT t.completed, false)"), 2);
	assert_null(strstr(sql, "task_counts"));
	free(sql);

	lq.overdue = "true";
	sql = build(&lq, params, &n);
	assert_int_equal(n, 5);
	assert_int_equal(count(sql, "WHERE t.user_id = $1 AND t.due_at < "
	    "now() AND NOT t.completed"), 2);
	free(sql);

	/* Anything else is no filter (tasks.c validates it before). */
	lq.overdue = "yes";
	sql = build(&lq, params, &n);
	assert_int_equal(n, 3);
	assert_null(strstr(sql, "now()"));
	has(sql, "FROM task_counts k");
	free(sql);
}

/* Each allowed sort, its order twice and its keyset condition once. */
static void
test_every_sort(void **state)
{
	static const struct {
		const char		*key, *order, *after;
		enum cursor_kind	 kind;
	} sorts[] = {
		{ "created_at", "t.created_at ASC, t.id ASC",
		  "(t.created_at, t.id) > ($4::timestamptz, $5::uuid)",
		  CURSOR_TIME },
		{ "-created_at", "t.created_at DESC, t.id DESC",
		  "(t.created_at, t.id) < ($4::timestamptz, $5::uuid)",
		  CURSOR_TIME },
		{ "updated_at", "t.updated_at ASC, t.id ASC",
		  "(t.updated_at, t.id) > ($4::timestamptz, $5::uuid)",
		  CURSOR_TIME },
		{ "-updated_at", "t.updated_at DESC, t.id DESC",
		  "(t.updated_at, t.id) < ($4::timestamptz, $5::uuid)",
		  CURSOR_TIME },
		{ "priority", "t.priority ASC, t.id ASC",
		  "(t.priority, t.id) > ($4::task_priority, $5::uuid)",
		  CURSOR_PRIORITY },
		{ "-priority", "t.priority DESC, t.id DESC",
		  "(t.priority, t.id) < ($4::task_priority, $5::uuid)",
		  CURSOR_PRIORITY },
		{ "title", "t.title ASC, t.id ASC",
		  "(t.title, t.id) > ($4::text, $5::uuid)", CURSOR_TEXT },
		{ "-title", "t.title DESC, t.id DESC",
		  "(t.title, t.id) < ($4::text, $5::uuid)", CURSOR_TEXT },
		{ "due_at", "t.due_at ASC NULLS LAST, t.id ASC",
		  "(t.due_at > $4::timestamptz OR (t.due_at = $4::timestamptz "
		  "AND t.id > $5::uuid) OR t.due_at IS NULL)",
		  CURSOR_TIME_NULL },
		{ "-due_at", "t.due_at DESC NULLS LAST, t.id DESC",
		  "(t.due_at < $4::timestamptz OR (t.due_at = $4::timestamptz "
		  "AND t.id < $5::uuid) OR t.due_at IS NULL)",
		  CURSOR_TIME_NULL },
	};
	const struct task_sort	*s;
	struct task_list_query	lq;
	const char		*params[TASK_LIST_PARAMS_MAX];
	char			*sql, tail[256];
	size_t			i;
	int			n;

	(void)state;

	for (i = 0; i < sizeof(sorts) / sizeof(sorts[0]); i++) {
		s = tasks_sort_find(sorts[i].key);
		assert_non_null(s);
		assert_string_equal(s->key, sorts[i].key);
		assert_int_equal(s->kind, sorts[i].kind);

		/* Offset: the order, no keyset condition. */
		query(&lq, sorts[i].key);
		sql = build(&lq, params, &n);
		assert_int_equal(n, 3);
		assert_int_equal(count(sql, sorts[i].order), 2);
		(void)snprintf(tail, sizeof(tail), "t ON true ORDER BY %s",
		    sorts[i].order);
		assert_string_equal(sql + strlen(sql) - strlen(tail), tail);
		assert_null(strstr(sql, "::uuid"));
		free(sql);

		/* Cursor: value and id the last two parameters. */
		lq.has_cursor = 1;
		lq.cursor_value = "VALUE'--";
		lq.cursor_id = CUR_ID;
		sql = build(&lq, params, &n);
		assert_int_equal(n, 5);
		assert_string_equal(params[3], "VALUE'--");
		assert_string_equal(params[4], CUR_ID);
		(void)snprintf(tail, sizeof(tail), "WHERE t.user_id = $1 AND "
		    "%s ORDER BY %s LIMIT $2::int + 1", sorts[i].after,
		    sorts[i].order);
		assert_int_equal(count(sql, tail), 1);
		free(sql);
	}
}

/* After the last non-null due date, only the nulls are left. */
static void
test_null_cursor(void **state)
{
	struct task_list_query	lq;
	const char		*params[TASK_LIST_PARAMS_MAX];
	char			*sql;
	int			n;

	(void)state;

	query(&lq, "due_at");
	lq.has_cursor = 1;
	lq.cursor_value = NULL;
	lq.cursor_id = CUR_ID;
	sql = build(&lq, params, &n);
	assert_int_equal(n, 4);
	assert_string_equal(params[3], CUR_ID);
	has(sql, "WHERE t.user_id = $1 AND t.due_at IS NULL AND "
	    "t.id > $4::uuid ORDER BY t.due_at ASC NULLS LAST, t.id ASC");
	free(sql);

	query(&lq, "-due_at");
	lq.has_cursor = 1;
	lq.cursor_value = NULL;
	lq.cursor_id = CUR_ID;
	lq.priority = "low";
	sql = build(&lq, params, &n);
	assert_int_equal(n, 7);
	assert_string_equal(params[1], "low");
	assert_string_equal(params[6], CUR_ID);
	has(sql, "AND t.priority = $2::task_priority AND t.due_at IS NULL "
	    "AND t.id < $7::uuid ORDER BY t.due_at DESC NULLS LAST, "
	    "t.id DESC LIMIT $3::int + 1 OFFSET $4::int");
	free(sql);
}

/* Which lists remember their count, under which key. */
static void
test_count_key(void **state)
{
	struct task_list_query	lq;
	struct strbuf		b;

	(void)state;

	/* Counters answer these: nothing to remember. */
	query(&lq, "-created_at");
	strbuf_init(&b);
	assert_int_equal(tasks_count_key(&lq, &b), 0);
	lq.completed = "true";
	assert_int_equal(tasks_count_key(&lq, &b), 0);
	lq.completed = NULL;
	lq.tags = "{\"work\"}";
	lq.ntags = 1;
	assert_int_equal(tasks_count_key(&lq, &b), 0);
	strbuf_free(&b);

	/* One tag with completed is counted: remembered. */
	lq.completed = "true";
	strbuf_init(&b);
	assert_int_equal(tasks_count_key(&lq, &b), 1);
	assert_string_equal(b.data, "=" USER "\x1f=true\x1f-\x1f="
	    "{\"work\"}\x1f-\x1f-\x1f-\x1f");
	strbuf_free(&b);

	/* The same filters of another user, or another value: other keys. */
	lq.completed = NULL;
	lq.tags = NULL;
	lq.ntags = 0;
	lq.q = "milk";
	strbuf_init(&b);
	assert_int_equal(tasks_count_key(&lq, &b), 1);
	assert_string_equal(b.data, "=" USER "\x1f-\x1f-\x1f-\x1f-\x1f-"
	    "\x1f=milk\x1f");
	strbuf_free(&b);
	lq.user_id = "other";
	strbuf_init(&b);
	assert_int_equal(tasks_count_key(&lq, &b), 1);
	assert_string_equal(b.data, "=other\x1f-\x1f-\x1f-\x1f-\x1f-"
	    "\x1f=milk\x1f");
	strbuf_free(&b);

	/* The clock moves overdue's count: never remembered. */
	lq.overdue = "true";
	strbuf_init(&b);
	assert_int_equal(tasks_count_key(&lq, &b), 0);
	strbuf_free(&b);

	/* A value holding the separator could make two sets one key. */
	lq.overdue = NULL;
	lq.q = "a\x1f=b";
	strbuf_init(&b);
	assert_int_equal(tasks_count_key(&lq, &b), 0);
	strbuf_free(&b);
}

/* Few matches: the page is read from the matches, then sorted. */
static void
test_few_matches(void **state)
{
	struct task_list_query	lq;
	const char		*params[TASK_LIST_PARAMS_MAX];
	char			*sql;
	int			n;

	(void)state;

	query(&lq, "title");
	lq.q = "zeb";
	lq.count_version = "7";
	lq.count_value = "12";
	lq.few_matches = 1;
	sql = build(&lq, params, &n);
	assert_int_equal(n, 6);
	assert_string_equal(params[4], "7");
	assert_string_equal(params[5], "12");
	/* q alone: the owner is a recheck in the count and the matches. */
	has(sql, "(SELECT count(*) FROM (SELECT FROM tasks t WHERE "
	    "(t.user_id = $1) IS TRUE AND t.owned_search @@ ");
	has(sql, "c LEFT JOIN LATERAL (SELECT t.* FROM (SELECT * FROM "
	    "tasks t WHERE (t.user_id = $1) IS TRUE AND t.owned_search @@ ");
	has(sql, " OFFSET 0) t WHERE true ORDER BY t.title ASC, t.id ASC "
	    "LIMIT $3::int + 1 OFFSET $4::int) t ON true");
	free(sql);

	/* With a tag, the owner leads the tags index: it stays indexable. */
	query(&lq, "title");
	lq.q = "zeb";
	lq.tags = "{work}";
	lq.ntags = 1;
	lq.count_version = "987654";
	lq.count_value = "4321";
	lq.few_matches = 1;
	sql = build(&lq, params, &n);
	has(sql, "(SELECT * FROM tasks t WHERE t.user_id = $1 AND "
	    "t.tags @> $2::text[] AND t.owned_search @@ ");
	assert_null(strstr(sql, "IS TRUE"));
	free(sql);

	/* Not known to be many: the planner chooses the page's way. */
	query(&lq, "title");
	lq.q = "about";
	sql = build(&lq, params, &n);
	has(sql, "c LEFT JOIN LATERAL (SELECT t.* FROM tasks t WHERE "
	    "t.user_id = $1 AND t.owned_search @@ ");
	assert_null(strstr(sql, "IS TRUE"));
	free(sql);

	/*
	 * The last count stopped at the cap: the page's q is a test no
	 * index serves (it walks the owner's sort index), the count's is
	 * still the search index's.
	 */
	query(&lq, "title");
	lq.q = "about";
	lq.priority = "high";
	lq.count_version = "987654";
	lq.count_value = "10001";
	lq.many_matches = 1;
	sql = build(&lq, params, &n);
	has(sql, "c LEFT JOIN LATERAL (SELECT t.* FROM tasks t WHERE "
	    "t.user_id = $1 AND t.priority = $2::task_priority AND "
	    "(t.owned_search @@ api_owned_tsquery($1, ");
	has(sql, "''':*'))) IS TRUE ORDER BY t.title ASC, t.id ASC");
	has(sql, "(SELECT FROM tasks t WHERE t.user_id = $1 AND "
	    "t.priority = $2::task_priority AND t.owned_search @@ ");
	free(sql);

	/* Many matches without q: nothing to rewrite. */
	query(&lq, "title");
	lq.priority = "high";
	lq.count_version = "987654";
	lq.count_value = "10001";
	lq.many_matches = 1;
	sql = build(&lq, params, &n);
	assert_null(strstr(sql, "IS TRUE"));
	free(sql);

	/* Not for a list its counters answer. */
	query(&lq, "title");
	lq.few_matches = 1;
	sql = build(&lq, params, &n);
	has(sql, "FROM task_counts k");
	assert_null(strstr(sql, "OFFSET 0"));
	free(sql);
}

static void
test_unknown_sorts(void **state)
{
	static const char	*bad[] = {
		"", "-", "--created_at", "+created_at", "created", "CREATED_AT",
		"created_at ", " created_at", "created_at,id", "id", "-id",
		"t.created_at", "created_at; DROP TABLE tasks", "due_at DESC",
		"description", "tags", "user_id", "version",
	};
	size_t			i;

	(void)state;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (tasks_sort_find(bad[i]) != NULL)
			fail_msg("sort \"%s\" allowed", bad[i]);
	}
	assert_non_null(tasks_sort_find("-created_at"));
}

/* Hostile values, dollar signs and placeholders included, stay data. */
static void
test_values_are_parameters(void **state)
{
	struct task_list_query	lq;
	const char		*params[TASK_LIST_PARAMS_MAX];
	char			*sql;
	int			n;

	(void)state;

	query(&lq, "title");
	lq.completed = "true' OR '1'='1";
	lq.priority = "$P $V $I $1";
	lq.tags = "{\"x'); --\"}";
	lq.ntags = 1;
	lq.due_before = "now()";
	lq.due_after = "$$ dollar $$";
	lq.q = "'; SELECT pg_sleep(10); --";
	lq.limit = "1; DELETE FROM tasks";
	lq.offset = "0 UNION SELECT";
	lq.has_cursor = 1;
	lq.cursor_value = "zz' OR true --";
	lq.cursor_id = "not a uuid'";
	sql = build(&lq, params, &n);
	assert_int_equal(n, 13);
	assert_string_equal(params[2], "$P $V $I $1");
	assert_null(strstr(sql, "$P"));
	assert_null(strstr(sql, "$V"));
	assert_null(strstr(sql, "$I"));
	assert_null(strstr(sql, "$$"));
	assert_null(strstr(sql, "pg_sleep"));
	assert_null(strstr(sql, "DELETE"));
	assert_null(strstr(sql, "UNION"));
	free(sql);
}

/* The statement and its parameters, with the checks every one must pass. */
static char *
build(struct task_list_query *lq, const char **params, int *n)
{
	char	*sql;

	*n = -1;
	sql = tasks_list_sql(lq, params, n);
	assert_non_null(sql);
	assert_in_range(*n, 1, TASK_LIST_PARAMS_MAX);
	values_not_in_text(sql, params, *n);
	return (sql);
}

static void
query(struct task_list_query *lq, const char *sort)
{
	memset(lq, 0, sizeof(*lq));
	lq->sort = tasks_sort_find(sort);
	assert_non_null(lq->sort);
	lq->user_id = USER;
	lq->limit = LIMIT;
	lq->offset = OFFSET;
}

static void
has(const char *sql, const char *frag)
{
	if (strstr(sql, frag) == NULL)
		fail_msg("\"%s\" not in:\n%s", frag, sql);
}

static int
count(const char *sql, const char *frag)
{
	const char	*p;
	int		n;

	for (n = 0, p = sql; (p = strstr(p, frag)) != NULL; p++)
		n++;
	return (n);
}

/*
 * No value appears in the text, and the placeholders are exactly
 * $1..$n: each used, none past the last parameter, no $ otherwise.
 */
static void
values_not_in_text(const char *sql, const char **params, int n)
{
	const char	*p;
	char		*end;
	long		k;
	int		used[TASK_LIST_PARAMS_MAX + 1], i;

	for (i = 0; i < n; i++) {
		/* Numbers and booleans are words the SQL itself has. */
		if (params[i] != NULL && strcmp(params[i], LIMIT) &&
		    strcmp(params[i], OFFSET) && strcmp(params[i], "0") &&
		    strcmp(params[i], "true") && strcmp(params[i], "false") &&
		    strstr(sql, params[i]) != NULL)
			fail_msg("parameter %d \"%s\" in the text", i + 1,
			    params[i]);
	}
	memset(used, 0, sizeof(used));
	for (p = sql; (p = strchr(p, '$')) != NULL; p++) {
		k = strtol(p + 1, &end, 10);
		if (end == p + 1 || k < 1 || k > n)
			fail_msg("bad placeholder at \"%.20s\" (%d params)", p,
			    n);
		used[k] = 1;
	}
	for (i = 1; i <= n; i++) {
		if (!used[i])
			fail_msg("$%d unused", i);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unfiltered_exact),
		cmocka_unit_test(test_completed_only),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_all_filters_and_cursor),
		cmocka_unit_test(test_overdue),
		cmocka_unit_test(test_every_sort),
		cmocka_unit_test(test_null_cursor),
		cmocka_unit_test(test_count_key),
		cmocka_unit_test(test_few_matches),
		cmocka_unit_test(test_unknown_sorts),
		cmocka_unit_test(test_values_are_parameters),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
