/*
 * The list statement, assembled from the allow-list below: the only SQL
 * text that is not a constant. Pure, so the benchmark's pgbench run can
 * print the very statement the server sends.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/tasks_sql.h"
#include "core/strbuf.h"

/*
 * Sort keys from an allow-list: the ORDER BY, the keyset condition after a
 * cursor ($11 value, $12 id), and the cursor value of a row. Nulls of
 * due_at sort last both ways; ties are broken by id.
 */
static const struct task_sort task_sorts[] = {
	{ "created_at", "t.created_at ASC, t.id ASC",
	  "(t.created_at, t.id) > ($V::timestamptz, $I::uuid)", NULL,
	  CURSOR_TIME },
	{ "-created_at", "t.created_at DESC, t.id DESC",
	  "(t.created_at, t.id) < ($V::timestamptz, $I::uuid)", NULL,
	  CURSOR_TIME },
	{ "updated_at", "t.updated_at ASC, t.id ASC",
	  "(t.updated_at, t.id) > ($V::timestamptz, $I::uuid)", NULL,
	  CURSOR_TIME },
	{ "-updated_at", "t.updated_at DESC, t.id DESC",
	  "(t.updated_at, t.id) < ($V::timestamptz, $I::uuid)", NULL,
	  CURSOR_TIME },
	{ "priority", "t.priority ASC, t.id ASC",
	  "(t.priority, t.id) > ($V::task_priority, $I::uuid)", NULL,
	  CURSOR_PRIORITY },
	{ "-priority", "t.priority DESC, t.id DESC",
	  "(t.priority, t.id) < ($V::task_priority, $I::uuid)", NULL,
	  CURSOR_PRIORITY },
	{ "title", "t.title ASC, t.id ASC",
	  "(t.title, t.id) > ($V::text, $I::uuid)", NULL,
	  CURSOR_TEXT },
	{ "-title", "t.title DESC, t.id DESC",
	  "(t.title, t.id) < ($V::text, $I::uuid)", NULL,
	  CURSOR_TEXT },
	{ "due_at", "t.due_at ASC NULLS LAST, t.id ASC",
	  "(t.due_at > $V::timestamptz OR (t.due_at = $V::timestamptz AND "
	  "t.id > $I::uuid) OR t.due_at IS NULL)",
	  "t.due_at IS NULL AND t.id > $I::uuid",
	  CURSOR_TIME_NULL },
	{ "-due_at", "t.due_at DESC NULLS LAST, t.id DESC",
	  "(t.due_at < $V::timestamptz OR (t.due_at = $V::timestamptz AND "
	  "t.id < $I::uuid) OR t.due_at IS NULL)",
	  "t.due_at IS NULL AND t.id < $I::uuid",
	  CURSOR_TIME_NULL },
};


/* The sort for a key, or NULL when the key is not allowed. */
const struct task_sort *
tasks_sort_find(const char *key)
{
	size_t		i;

	for (i = 0; i < sizeof(task_sorts) / sizeof(task_sorts[0]); i++) {
		if (!strcmp(task_sorts[i].key, key))
			return (&task_sorts[i]);
	}
	return (NULL);
}

/*
 * q as a prefix query, built in SQL from the parameter: quotes and
 * backslashes doubled, so every whitespace-separated word is one quoted
 * operand (never tsquery syntax), each with :* and all joined by &.
 * to_tsquery runs each through the 'simple' parser, as the indexed
 * vector was (lower-cased; "e-mail" is a phrase of its parts; a word of
 * punctuation only drops out). Only immutable functions of the value, so
 * the planner folds it to a constant and estimates it with the GIN
 * index's statistics. All whitespace or punctuation: NULL, no match.
 */
#define SQL_PREFIX_TSQUERY(P)						\
	"to_tsquery('simple', '''' || replace(NULLIF(btrim("		\
	"regexp_replace(replace(replace(" P ", '\\', '\\\\'), "	\
	"'''', ''''''), '\\s+', ' ', 'g'), ' '), ''), ' ', "		\
	"''':* & ''') || ''':*')"

static void	sql_add(struct strbuf *, const char *, int, int);
static int	sql_param(const char **, int *, const char *);

/*
 * The list statement and its parameters, in order. One row per task of
 * the page (limit + 1, the extra one only says a next page exists), each
 * with the total and whether it is exact; one row with no task when the
 * page is empty. The active filters apply to both; the keyset condition
 * to the page only.
 *
 * The total never counts more than TASK_TOTAL_CAP + 1 rows: unfiltered
 * and completed-only lists read the user's counters (migration 0005), any
 * other filter counts up to the cap and says when it stopped there.
 * Returns NULL when out of memory.
 */
char *
tasks_list_sql(const struct task_list_query *lq, const char **params,
    int *nparams)
{
	struct strbuf	b, f, m, w;
	int		v, i, lim, off, user, done, tag, cv;
	int		counted, filters, few;
	size_t		owner_len, q_start;

	strbuf_init(&f);
	strbuf_init(&m);
	strbuf_init(&w);
	q_start = 0;
	*nparams = 0;
	done = tag = filters = 0;

	user = sql_param(params, nparams, lq->user_id);
	sql_add(&f, "t.user_id = $P", user, 0);
	owner_len = f.len;
	if (lq->completed != NULL) {
		done = sql_param(params, nparams, lq->completed);
		sql_add(&f, " AND t.completed = $P::boolean", done, 0);
	}
	counted = 1;
	if (lq->priority != NULL) {
		sql_add(&f, " AND t.priority = $P::task_priority",
		    sql_param(params, nparams, lq->priority), 0);
		counted = 0;
		filters++;
	}
	if (lq->tags != NULL) {
		tag = sql_param(params, nparams, lq->tags);
		sql_add(&f, " AND t.tags @> $P::text[]", tag, 0);
		counted = 0;
		filters++;
	}
	if (lq->due_before != NULL) {
		sql_add(&f, " AND t.due_at < $P::timestamptz",
		    sql_param(params, nparams, lq->due_before), 0);
		counted = 0;
		filters++;
	}
	if (lq->due_after != NULL) {
		sql_add(&f, " AND t.due_at > $P::timestamptz",
		    sql_param(params, nparams, lq->due_after), 0);
		counted = 0;
		filters++;
	}
	if (lq->overdue != NULL && !strcmp(lq->overdue, "true")) {
		sql_add(&f, " AND t.due_at < now() AND NOT t.completed", 0, 0);
		counted = 0;
		filters++;
	}
	if (lq->overdue != NULL && !strcmp(lq->overdue, "false")) {
		sql_add(&f, " AND NOT coalesce(t.due_at < now() AND "
		    "NOT t.completed, false)", 0, 0);
		counted = 0;
		filters++;
	}
	if (lq->q != NULL) {
		/*
		 * The owner-keyed lexemes of migrations 0005 and 0011. The
		 * last clause: the many-matches page below rewrites it.
		 */
		q_start = f.len;
		sql_add(&f, " AND t.owned_search @@ "
		    "api_owned_tsquery($I, " SQL_PREFIX_TSQUERY("$P::text") ")",
		    sql_param(params, nparams, lq->q), user);
		counted = 0;
		filters++;
	}

	if (strbuf_failed(&f)) {
		strbuf_free(&f);
		return (NULL);
	}

	/*
	 * The matches' filter, for the capped count and the page, when the
	 * last count found few: with q and no tag, q's lexemes carry the
	 * owner, so the search index finds the matches alone; the owner
	 * test stays, as a recheck no index can serve, or the planner ANDs
	 * in the tags index's entries of the owner (all 100,000 of a big
	 * user's, read for a q matching 100). Not for many matches: a scan
	 * of the owner's rows is right then, and without an owner index to
	 * lead, the planner may read the whole table.
	 */
	if (lq->q != NULL && tag == 0 && lq->few_matches) {
		sql_add(&m, "(t.user_id = $P) IS TRUE", user, 0);
		strbuf_str(&m, f.data + owner_len);
	} else
		strbuf_str(&m, f.data);

	/*
	 * The page's filter when the last count stopped at the cap and q
	 * is on: q becomes a test no index serves, so the page walks the
	 * sort's index of the owner and stops at a page, which at more
	 * than 10,000 matches comes within a few thousand rows. The search
	 * index would fetch and sort every match (the planner's estimate
	 * for a prefix q is fixed, so it cannot tell).
	 */
	if (lq->q != NULL && lq->many_matches) {
		strbuf_add(&w, f.data, q_start);
		strbuf_str(&w, " AND (");
		strbuf_str(&w, f.data + q_start + sizeof(" AND ") - 1);
		strbuf_str(&w, ") IS TRUE");
	} else
		strbuf_str(&w, f.data);

	lim = sql_param(params, nparams, lq->limit);
	off = sql_param(params, nparams, lq->offset);

	strbuf_init(&b);
	few = 0;
	if (counted && done == 0) {
		sql_add(&b, "SELECT c.total, c.total_exact, " TASK_COLS
		    " FROM (SELECT coalesce(sum(k.total), 0)::bigint AS total, "
		    "true AS total_exact FROM task_counts k "
		    "WHERE k.user_id = $P)", user, 0);
	} else if (counted) {
		sql_add(&b, "SELECT c.total, c.total_exact, " TASK_COLS
		    " FROM (SELECT coalesce(sum(CASE WHEN $V::boolean THEN "
		    "k.completed ELSE k.total - k.completed END), 0)::bigint "
		    "AS total, true AS total_exact FROM task_counts k "
		    "WHERE k.user_id = $I)", done, user);
	} else if (filters == 1 && tag != 0 && lq->ntags == 1 && done == 0) {
		/* One tag alone: its count is kept too. */
		sql_add(&b, "SELECT c.total, c.total_exact, " TASK_COLS
		    " FROM (SELECT coalesce(sum(k.n), 0)::bigint AS total, "
		    "true AS total_exact FROM tag_counts k WHERE k.user_id = $I "
		    "AND k.name = ($V::text[])[1])", tag, user);
	} else {
		/*
		 * Counted up to the cap, unless the count remembered for this
		 * user and these filters was taken at the user's current write
		 * version: the ELSE's subquery is only run when needed, and
		 * OFFSET 0 keeps n one value (pulled up, each use of c.n
		 * would count again).
		 */
		few = lq->few_matches;
		cv = sql_param(params, nparams, lq->count_version);
		sql_add(&b, "SELECT least(c.n, " TASK_TOTAL_CAP_SQL ") AS "
		    "total, c.n <= " TASK_TOTAL_CAP_SQL " AS total_exact, "
		    "c.v AS count_version, " TASK_COLS " FROM (SELECT h.v, "
		    "CASE WHEN h.v = $P::bigint ", cv, 0);
		sql_add(&b, "THEN $P::bigint ELSE (SELECT count(*) FROM "
		    "(SELECT FROM tasks t WHERE ",
		    sql_param(params, nparams, lq->count_value), 0);
		strbuf_str(&b, m.data);
		sql_add(&b, " LIMIT " TASK_TOTAL_CAP_SQL " + 1) m) END AS n "
		    "FROM (SELECT (SELECT e.n FROM event_heads e WHERE "
		    "e.user_id = $P) AS v) h OFFSET 0)", user, 0);
	}
	if (few) {
		/*
		 * Few matches, as the last count said: the matches first
		 * (the fence keeps the sort's index out of the choice), then
		 * sorted. Walking a sort index and testing each row would
		 * read the owner's rows until it found a page, which is the
		 * plan a prefix q gets on the planner's fixed estimate.
		 */
		sql_add(&b, " c LEFT JOIN LATERAL (SELECT t.* FROM (SELECT * "
		    "FROM tasks t WHERE ", 0, 0);
		strbuf_str(&b, m.data);
		sql_add(&b, " OFFSET 0) t WHERE true", 0, 0);
	} else {
		sql_add(&b, " c LEFT JOIN LATERAL (SELECT t.* FROM tasks t "
		    "WHERE ", 0, 0);
		strbuf_str(&b, w.data);
	}

	if (lq->has_cursor) {
		if (lq->cursor_value == NULL && lq->sort->after_null != NULL) {
			i = sql_param(params, nparams, lq->cursor_id);
			sql_add(&b, " AND ", 0, 0);
			sql_add(&b, lq->sort->after_null, 0, i);
		} else {
			v = sql_param(params, nparams, lq->cursor_value);
			i = sql_param(params, nparams, lq->cursor_id);
			sql_add(&b, " AND ", 0, 0);
			sql_add(&b, lq->sort->after, v, i);
		}
	}

	sql_add(&b, " ORDER BY ", 0, 0);
	strbuf_str(&b, lq->sort->order);
	sql_add(&b, " LIMIT $P::int + 1", lim, 0);
	sql_add(&b, " OFFSET $P::int) t ON true ORDER BY ", off, 0);
	strbuf_str(&b, lq->sort->order);

	if (strbuf_failed(&f) || strbuf_failed(&m) || strbuf_failed(&w) ||
	    strbuf_failed(&b)) {
		strbuf_free(&f);
		strbuf_free(&m);
		strbuf_free(&w);
		strbuf_free(&b);
		return (NULL);
	}
	strbuf_free(&f);
	strbuf_free(&m);
	strbuf_free(&w);
	return (b.data);
}

/*
 * The count cache's key of a list whose total is counted up to the cap:
 * the user and every filter that decides the count (not the sort or the
 * page). 0 when the total is not counted that way, or depends on the
 * clock (overdue), so it must not be remembered.
 */
int
tasks_count_key(const struct task_list_query *lq, struct strbuf *b)
{
	const char	*parts[7];
	size_t		i;

	if (lq->overdue != NULL)
		return (0);
	if (lq->priority == NULL && lq->tags == NULL &&
	    lq->due_before == NULL && lq->due_after == NULL && lq->q == NULL)
		return (0);
	/* One tag alone is answered from its counter. */
	if (lq->tags != NULL && lq->ntags == 1 && lq->completed == NULL &&
	    lq->priority == NULL && lq->due_before == NULL &&
	    lq->due_after == NULL && lq->q == NULL)
		return (0);

	parts[0] = lq->user_id;
	parts[1] = lq->completed;
	parts[2] = lq->priority;
	parts[3] = lq->tags;
	parts[4] = lq->due_before;
	parts[5] = lq->due_after;
	parts[6] = lq->q;
	/* "-" marks an absent filter; a value holding the separator is
	 * not cached, so two filter sets never share a key. */
	for (i = 0; i < 7; i++) {
		if (parts[i] != NULL && strchr(parts[i], '\x1f') != NULL)
			return (0);
		if (parts[i] == NULL) {
			strbuf_str(b, "-\x1f");
		} else {
			strbuf_str(b, "=");
			strbuf_str(b, parts[i]);
			strbuf_str(b, "\x1f");
		}
	}
	return (!strbuf_failed(b));
}

/* Appends text with $P (and $V) replaced by parameter p, $I by i. */
static void
sql_add(struct strbuf *b, const char *text, int p, int i)
{
	const char	*s, *start;

	for (start = s = text; *s != '\0'; s++) {
		if (s[0] != '$' || (s[1] != 'P' && s[1] != 'V' && s[1] != 'I'))
			continue;
		strbuf_add(b, start, (size_t)(s - start));
		strbuf_printf(b, "$%d", s[1] == 'I' ? i : p);
		start = ++s + 1;
	}
	strbuf_add(b, start, (size_t)(s - start));
}

/* Adds a parameter; returns its number. */
static int
sql_param(const char **params, int *n, const char *value)
{
	params[*n] = value;
	return (++(*n));
}
