/*
 * Cursor decoding (cursor.c) and the list statement it feeds
 * (tasks_sql.c).
 *
 * Byte 0 picks the sort (and, bit 7, whether the rest is the cursor as
 * sent or the JSON inside it, base64url-encoded here so the fuzzer works
 * on JSON); byte 1 picks the list filters. Properties of an accepted
 * cursor:
 *  - its id is a UUID; its value has the sort's type (an RFC 3339 instant
 *    in years 1..9999 with an offset PostgreSQL takes, one of the
 *    priorities, text of at most 256 characters), null only for due_at;
 *  - encoded again it decodes to the same cursor;
 *  - the SQL text of the list never depends on the cursor's contents:
 *    only its value's nullness picks the keyset condition, and value and
 *    id travel as the last two parameters.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/cursor.h"
#include "core/fields.h"
#include "fuzz.h"
#include "core/rfc3339.h"
#include "api/tasks_sql.h"

#define UNIX_0001	(-62135596800LL)
#define UNIX_9999	253402300799LL

static const char *sort_keys[] = {
	"created_at", "-created_at", "updated_at", "-updated_at", "priority",
	"-priority", "title", "-title", "due_at", "-due_at"
};
#define NSORTS	(sizeof(sort_keys) / sizeof(sort_keys[0]))

static void	check_value(const struct task_sort *, const struct cursor *);
static void	check_again(const struct task_sort *, const struct cursor *);
static void	check_sql(const struct task_sort *, const struct cursor *,
		    uint8_t);
static char	*list_sql(const struct task_sort *, uint8_t, const char *,
		    const char *, const char **, int *);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct task_sort	*sort;
	struct cursor		c;
	char			*s;
	uint8_t			filters;

	if (size < 2)
		return (0);
	if ((sort = tasks_sort_find(sort_keys[(data[0] & 0x7f) % NSORTS])) ==
	    NULL)
		fuzz_fail("sort %s not found", sort_keys[data[0] % NSORTS]);
	filters = data[1];
	if (data[0] & 0x80)
		s = fuzz_b64url(data + 2, size - 2);
	else
		s = fuzz_strndup(data + 2, size - 2);

	if (cursor_decode(s, sort->key, sort->kind, &c)) {
		check_value(sort, &c);
		check_again(sort, &c);
		check_sql(sort, &c, filters);
	}
	free(s);
	return (0);
}

static void
check_value(const struct task_sort *sort, const struct cursor *c)
{
	const char	*off;
	int64_t		secs;
	int		usec;

	if (!uuid_valid(c->id))
		fuzz_fail("cursor id \"%s\" is no UUID", c->id);
	if (c->value_null) {
		if (sort->kind != CURSOR_TIME_NULL)
			fuzz_fail("null value for sort %s", sort->key);
		return;
	}

	switch (sort->kind) {
	case CURSOR_TIME:
	case CURSOR_TIME_NULL:
		if (!rfc3339_parse(c->value, &secs, &usec))
			fuzz_fail("time value \"%s\" is no RFC 3339", c->value);
		if (secs < UNIX_0001 || secs > UNIX_9999)
			fuzz_known("18.4", "cursor value \"%s\" is outside "
			    "years 1..9999", c->value);
		/* PostgreSQL refuses offsets from 16 hours on (a 500). */
		off = c->value + strlen(c->value) - 6;
		if ((off[0] == '+' || off[0] == '-') &&
		    (off[1] - '0') * 10 + (off[2] - '0') >= 16)
			fuzz_known("18.5", "cursor value \"%s\" has an offset "
			    "PostgreSQL refuses", c->value);
		break;
	case CURSOR_PRIORITY:
		if (strcmp(c->value, "low") && strcmp(c->value, "medium") &&
		    strcmp(c->value, "high") && strcmp(c->value, "urgent"))
			fuzz_fail("priority value \"%s\"", c->value);
		break;
	case CURSOR_TEXT:
		if (utf8_length(c->value) > CURSOR_VALUE_MAX)
			fuzz_fail("text value of %zu characters",
			    utf8_length(c->value));
		break;
	}
}

/* The same cursor, encoded as task_cursor() would, decodes the same. */
static void
check_again(const struct task_sort *sort, const struct cursor *c)
{
	struct cursor	again;
	json_t		*doc;
	char		*text, *enc;

	doc = json_pack("{s:s,s:o,s:s}", "k", sort->key, "v",
	    c->value_null ? json_null() : json_string(c->value), "id", c->id);
	if (doc == NULL)
		fuzz_fail("cursor value \"%s\" is not UTF-8", c->value);
	if ((text = json_dumps(doc, JSON_COMPACT)) == NULL)
		abort();
	enc = fuzz_b64url(text, strlen(text));
	if (strlen(enc) <= CURSOR_MAX) {
		if (!cursor_decode(enc, sort->key, sort->kind, &again))
			fuzz_fail("cursor %s does not decode again", text);
		if (again.value_null != c->value_null ||
		    strcmp(again.value, c->value) || strcmp(again.id, c->id))
			fuzz_fail("cursor %s decodes differently", text);
	}
	free(enc);
	free(text);
	json_decref(doc);
}

static void
check_sql(const struct task_sort *sort, const struct cursor *c,
    uint8_t filters)
{
	const char	*params[TASK_LIST_PARAMS_MAX];
	const char	*dparams[TASK_LIST_PARAMS_MAX];
	const char	*value;
	char		*sql, *dsql;
	int		n, dn;

	value = c->value_null ? NULL : c->value;
	sql = list_sql(sort, filters, value, c->id, params, &n);
	dsql = list_sql(sort, filters, value == NULL ? NULL : "dummy value",
	    "00000000-0000-0000-0000-000000000000", dparams, &dn);
	if (sql == NULL || dsql == NULL)
		abort();

	if (strcmp(sql, dsql) || n != dn)
		fuzz_fail("list SQL depends on the cursor's contents:\n%s\n%s",
		    sql, dsql);
	if (n > TASK_LIST_PARAMS_MAX || params[n - 1] != c->id)
		fuzz_fail("cursor id is not the last parameter (%d)", n);
	if (value != NULL && params[n - 2] != value)
		fuzz_fail("cursor value is not the parameter before the id");
	if (value == NULL && sort->after_null == NULL)
		fuzz_fail("null cursor value for %s", sort->key);
	free(sql);
	free(dsql);
}

static char *
list_sql(const struct task_sort *sort, uint8_t f, const char *value,
    const char *id, const char **params, int *n)
{
	struct task_list_query	lq;

	memset(&lq, 0, sizeof(lq));
	lq.sort = sort;
	lq.user_id = "user";
	lq.completed = (f & 0x01) ? "true" : NULL;
	lq.priority = (f & 0x02) ? "high" : NULL;
	lq.tags = (f & 0x04) ? "{\"a\"}" : NULL;
	lq.due_before = (f & 0x08) ? "2026-01-01T00:00:00.000000Z" : NULL;
	lq.due_after = (f & 0x10) ? "2025-01-01T00:00:00.000000Z" : NULL;
	lq.overdue = (f & 0x20) ? ((f & 0x40) ? "true" : "false") : NULL;
	lq.q = (f & 0x80) ? "word" : NULL;
	lq.limit = "20";
	lq.offset = "0";
	lq.has_cursor = 1;
	lq.cursor_value = value;
	lq.cursor_id = id;
	return (tasks_list_sql(&lq, params, n));
}
