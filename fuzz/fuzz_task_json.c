/*
 * Task JSON and cursors (task_json.c) from rows built in memory: libpq's
 * PQmakeEmptyPGresult, PQsetResultAttrs and PQsetvalue make the binary
 * result a list query answers, without a server.
 *
 * Byte 0: bit 0 chooses malformed rows (every binary column any bytes,
 * any length: what a broken server or pooler could send) over rows the
 * database could hold (valid UTF-8 text, a title of at most 200
 * characters, instants in years 1..9999, tags as stored); bits 1-4 the
 * sort of the cursor. The rest fills the columns in order.
 *
 * Properties of a valid row: it renders as a JSON object that has
 * exactly the row's values, each timestamp text parsing back to the
 * row's instant (to the millisecond); its ETag matches itself; and the
 * cursor the server renders after it decodes, for its sort, to the row's
 * id and exact value (finding 18.5 when it is too long to be accepted).
 * A malformed row is refused or rendered without a crash.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "api/cursor.h"
#include "fuzz.h"
#include "db/db_rows.h"
#include "core/etag.h"
#include "core/rfc3339.h"
#include "core/strbuf.h"
#include "api/task_json.h"
#include "api/tasks_sql.h"

/* Microseconds since 2000-01-01 of 0001-01-01 and of 9999-12-31 23:59:59.999999. */
#define PG_USEC_0001	(-63082281600000000LL)
#define PG_USEC_9999	(252455615999999999LL)
#define PG_EPOCH	946684800LL

enum col {
	C_TOTAL, C_ID, C_USER, C_TITLE, C_DESC, C_COMPLETED, C_COMPLETED_AT,
	C_PRIORITY, C_DUE, C_REMIND, C_RECURRENCE, C_TAGS, C_CREATED,
	C_UPDATED, C_VERSION, NCOLS
};

static const char *const col_names[NCOLS] = {
	"total", "id", "user_id", "title", "description", "completed",
	"completed_at", "priority", "due_at", "remind_at", "recurrence",
	"tags", "created_at", "updated_at", "version"
};

static const char *const sorts[] = {
	"created_at", "-created_at", "updated_at", "-updated_at", "priority",
	"-priority", "title", "-title", "due_at", "-due_at"
};

/* The fuzzer's bytes, consumed; zeros once they run out. */
struct input {
	const uint8_t	*p;
	size_t		left;
};

/* One column of the row: value (NULL: SQL null) and length. */
struct cell {
	char		*v;
	int		len;
	int64_t		usec;	/* timestamps */
};

static uint64_t	take(struct input *, int);
static char	*take_bytes(struct input *, size_t, size_t *);
static char	*take_text(struct input *, size_t, size_t);
static void	make_valid(struct input *, struct cell *);
static void	make_raw(struct input *, struct cell *);
static void	put_ts(struct cell *, int64_t);
static void	check_json(const char *, const struct cell *);
static void	check_ts(json_t *, const char *, const struct cell *);
static void	check_text(json_t *, const char *, const struct cell *);
static void	check_cursor(PGresult *, const struct task_cols *,
		    const struct task_sort *, const struct cell *,
		    const char *);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	PGresAttDesc		attrs[NCOLS];
	struct cell		cells[NCOLS];
	struct task_cols	cols;
	const struct task_sort	*sort;
	struct input		in;
	struct strbuf		b, cur;
	PGresult		*res;
	char			etag[16], hdr[40], id[37];
	int			i, raw, ok;

	if (size < 1)
		return (0);
	raw = data[0] & 1;
	if ((sort = tasks_sort_find(sorts[((data[0] >> 1) & 0x0f) % 10])) ==
	    NULL)
		fuzz_fail("sort not found");
	in.p = data + 1;
	in.left = size - 1;
	memset(cells, 0, sizeof(cells));
	if (raw)
		make_raw(&in, cells);
	else
		make_valid(&in, cells);

	memset(attrs, 0, sizeof(attrs));
	for (i = 0; i < NCOLS; i++) {
		attrs[i].name = (char *)(uintptr_t)col_names[i];
		attrs[i].format = 1;
		attrs[i].typlen = -1;
		attrs[i].atttypmod = -1;
	}
	if ((res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK)) == NULL ||
	    !PQsetResultAttrs(res, NCOLS, attrs))
		abort();
	for (i = 0; i < NCOLS; i++) {
		if (!PQsetvalue(res, 0, i, cells[i].v, cells[i].v == NULL ? -1 :
		    cells[i].len))
			abort();
	}
	if (!task_cols_find(res, &cols))
		fuzz_fail("task_cols_find misses a column");

	strbuf_init(&b);
	ok = task_json(&b, res, 0, &cols);
	if (!raw) {
		if (!ok)
			fuzz_fail("a valid row did not render");
		check_json(b.data, cells);

		task_etag(res, 0, &cols, etag);
		(void)snprintf(hdr, sizeof(hdr), "\"1\", W/%s", etag);
		if (!etag_matches(etag, etag) || !etag_matches(hdr, etag) ||
		    !etag_matches("*", etag))
			fuzz_fail("ETag %s does not match itself", etag);
		task_id(res, 0, &cols, id);
		check_cursor(res, &cols, sort, cells, id);
	} else {
		strbuf_init(&cur);
		if (task_cursor(&cur, res, 0, &cols, sort) &&
		    (cur.len < 2 || cur.data[0] != '"' ||
		    cur.data[cur.len - 1] != '"'))
			fuzz_fail("cursor not a JSON string: %s", cur.data);
		strbuf_free(&cur);
		task_etag(res, 0, &cols, etag);
	}
	strbuf_free(&b);

	PQclear(res);
	for (i = 0; i < NCOLS; i++)
		free(cells[i].v);
	return (0);
}

static uint64_t
take(struct input *in, int n)
{
	uint64_t	v;

	for (v = 0; n > 0; n--) {
		v = v << 8 | (in->left > 0 ? *in->p : 0);
		if (in->left > 0) {
			in->p++;
			in->left--;
		}
	}
	return (v);
}

/* Up to max bytes, the count taken from the input first. */
static char *
take_bytes(struct input *in, size_t max, size_t *len)
{
	size_t		n;
	char		*s;

	n = (size_t)(take(in, 2) % (max + 1));
	if (n > in->left)
		n = in->left;
	s = fuzz_strndup(in->p, n);
	in->p += n;
	in->left -= n;
	*len = n;
	return (s);
}

/* Valid UTF-8 of at most maxchars characters (and maxbytes input). */
static char *
take_text(struct input *in, size_t maxbytes, size_t maxchars)
{
	char		*raw, *s;
	size_t		len, i, n;

	raw = take_bytes(in, maxbytes, &len);
	s = fuzz_utf8((const uint8_t *)raw, len, NULL);
	free(raw);
	for (i = 0, n = 0; s[i] != '\0'; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && n++ == maxchars) {
			s[i] = '\0';
			break;
		}
	}
	return (s);
}

static void
put_ts(struct cell *c, int64_t usec)
{
	uint64_t	u;
	int		i;

	c->usec = usec;
	c->len = 8;
	if ((c->v = malloc(8)) == NULL)
		abort();
	u = (uint64_t)usec;
	for (i = 0; i < 8; i++)
		c->v[i] = (char)(u >> (56 - 8 * i));
}

static void
make_valid(struct input *in, struct cell *c)
{
	static const char *const prio[] = { "low", "medium", "high",
	    "urgent" };
	static const char *const rec[] = { "daily", "weekly", "monthly" };
	static const char tagch[] = "abcdefghijklmnopqrstuvwxyz0123456789_-";
	const int	ts[] = { C_COMPLETED_AT, C_DUE, C_REMIND, C_CREATED,
			    C_UPDATED };
	uint64_t	u;
	size_t		i, n, k, len, off;
	char		*arr;
	uint32_t	v;

	c[C_TOTAL].v = fuzz_strndup((const uint8_t *)"\0\0\0\0\0\0\0\1", 8);
	c[C_TOTAL].len = 8;
	c[C_ID].v = take_bytes(in, 16, &len);
	c[C_ID].v = realloc(c[C_ID].v, 16);
	memset(c[C_ID].v + len, 0x5a, 16 - len);
	c[C_ID].len = 16;
	c[C_USER].v = take_text(in, 64, 64);
	c[C_TITLE].v = take_text(in, 1024, 200);
	c[C_DESC].v = take_text(in, 1024, 4000);
	c[C_COMPLETED].v = fuzz_strndup((const uint8_t *)"\1", 1);
	c[C_COMPLETED].v[0] = (char)(take(in, 1) & 1);
	c[C_COMPLETED].len = 1;
	c[C_PRIORITY].v = strdup(prio[take(in, 1) % 4]);
	u = take(in, 1) % 4;
	c[C_RECURRENCE].v = u == 3 ? NULL : strdup(rec[u]);
	for (i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		u = take(in, 8);
		if ((u & 1) && ts[i] != C_CREATED && ts[i] != C_UPDATED)
			continue;
		put_ts(&c[ts[i]], PG_USEC_0001 + (int64_t)((u >> 1) %
		    (uint64_t)(PG_USEC_9999 - PG_USEC_0001 + 1)));
	}

	/* text[]: ndim 1, no nulls, element oid 25, size n, lower bound 1. */
	n = take(in, 1) % 11;
	if ((arr = malloc(20 + n * 36)) == NULL)
		abort();
	memset(arr, 0, 20);
	arr[3] = n > 0 ? 1 : 0;
	arr[11] = 25;
	arr[15] = (char)n;
	arr[19] = 1;
	for (i = 0, off = 20; i < n; i++) {
		v = (uint32_t)(1 + take(in, 1) % 32);
		arr[off] = arr[off + 1] = arr[off + 2] = 0;
		arr[off + 3] = (char)v;
		off += 4;
		for (k = 0; k < v; k++)
			arr[off++] = tagch[take(in, 1) % (sizeof(tagch) - 1)];
	}
	c[C_TAGS].v = arr;
	c[C_TAGS].len = n > 0 ? (int)off : 12;

	c[C_VERSION].v = malloc(4);
	v = (uint32_t)take(in, 4);
	memcpy(c[C_VERSION].v, (char[4]){ (char)(v >> 24), (char)(v >> 16),
	    (char)(v >> 8), (char)v }, 4);
	c[C_VERSION].len = 4;

	for (i = C_USER; i < NCOLS; i++) {
		if (c[i].v != NULL && c[i].len == 0 && i != C_TAGS)
			c[i].len = (int)strlen(c[i].v);
	}
}

/* Every column any bytes (text columns valid UTF-8), null when empty. */
static void
make_raw(struct input *in, struct cell *c)
{
	size_t		i, len;
	char		*s;

	for (i = 0; i < NCOLS; i++) {
		s = take_bytes(in, 300, &len);
		if (i == C_USER || i == C_TITLE || i == C_DESC ||
		    i == C_PRIORITY || i == C_RECURRENCE) {
			c[i].v = fuzz_utf8((const uint8_t *)s, len, &len);
			free(s);
		} else {
			c[i].v = s;
		}
		c[i].len = (int)len;
		if (len == 0 && (take(in, 1) & 1)) {
			free(c[i].v);
			c[i].v = NULL;
		}
	}
}

static void
check_json(const char *text, const struct cell *c)
{
	json_t		*doc, *tags, *v;
	char		id[37];
	const unsigned char *p;
	size_t		i, n, len;

	if ((doc = json_loads(text, JSON_REJECT_DUPLICATES, NULL)) == NULL ||
	    !json_is_object(doc) || json_object_size(doc) != 13)
		fuzz_fail("task JSON is not an object of 13 keys: %s", text);
	pg_uuid_text((const unsigned char *)c[C_ID].v, id);
	if (!json_is_string(json_object_get(doc, "id")) ||
	    strcmp(json_string_value(json_object_get(doc, "id")), id))
		fuzz_fail("id is not %s", id);
	check_text(doc, "user_id", &c[C_USER]);
	check_text(doc, "title", &c[C_TITLE]);
	check_text(doc, "description", &c[C_DESC]);
	check_text(doc, "priority", &c[C_PRIORITY]);
	check_text(doc, "recurrence", &c[C_RECURRENCE]);
	if (!json_is_boolean(json_object_get(doc, "completed")) ||
	    json_is_true(json_object_get(doc, "completed")) !=
	    (c[C_COMPLETED].v[0] != 0))
		fuzz_fail("completed is not the row's");
	check_ts(doc, "completed_at", &c[C_COMPLETED_AT]);
	check_ts(doc, "due_at", &c[C_DUE]);
	check_ts(doc, "remind_at", &c[C_REMIND]);
	check_ts(doc, "created_at", &c[C_CREATED]);
	check_ts(doc, "updated_at", &c[C_UPDATED]);

	tags = json_object_get(doc, "tags");
	p = (const unsigned char *)c[C_TAGS].v;
	n = c[C_TAGS].len > 12 ? p[15] : 0;
	if (!json_is_array(tags) || json_array_size(tags) != n)
		fuzz_fail("tags are not the row's %zu", n);
	for (i = 0, p += 20; i < n; i++) {
		len = p[3];
		v = json_array_get(tags, i);
		if (!json_is_string(v) || json_string_length(v) != len ||
		    memcmp(json_string_value(v), p + 4, len))
			fuzz_fail("tag %zu is not the row's", i);
		p += 4 + len;
	}
	json_decref(doc);
}

static void
check_text(json_t *doc, const char *name, const struct cell *c)
{
	json_t		*v;

	v = json_object_get(doc, name);
	if (c->v == NULL) {
		if (!json_is_null(v))
			fuzz_fail("%s is not null", name);
		return;
	}
	if (!json_is_string(v) || json_string_length(v) != strlen(c->v) ||
	    strcmp(json_string_value(v), c->v))
		fuzz_fail("%s is not the row's text", name);
}

/* Rendered to the millisecond: the instant, floored to it. */
static void
check_ts(json_t *doc, const char *name, const struct cell *c)
{
	json_t		*v;
	int64_t		secs, want;
	int		usec;

	v = json_object_get(doc, name);
	if (c->v == NULL) {
		if (!json_is_null(v))
			fuzz_fail("%s is not null", name);
		return;
	}
	if (!json_is_string(v) || json_string_length(v) != 24 ||
	    !rfc3339_parse(json_string_value(v), &secs, &usec))
		fuzz_fail("%s is not RFC 3339 with milliseconds: %s", name,
		    json_string_value(v));
	want = c->usec - ((c->usec % 1000) + 1000) % 1000;
	if ((secs - PG_EPOCH) * 1000000 + usec != want)
		fuzz_fail("%s \"%s\" is not the row's instant %lld", name,
		    json_string_value(v), (long long)c->usec);
}

static void
check_cursor(PGresult *res, const struct task_cols *cols,
    const struct task_sort *sort, const struct cell *c, const char *id)
{
	const struct cell	*col;
	struct strbuf		b;
	struct cursor		cur;
	char			*s;
	const char		*key;
	int64_t			secs;
	int			usec;

	strbuf_init(&b);
	if (!task_cursor(&b, res, 0, cols, sort) || b.len < 2 ||
	    b.data[0] != '"' || b.data[b.len - 1] != '"')
		fuzz_fail("no cursor for a valid row");
	s = fuzz_strndup((const uint8_t *)b.data + 1, b.len - 2);
	strbuf_free(&b);

	if (strlen(s) > CURSOR_MAX) {
		fuzz_known("18.5", "the cursor after a row (sort %s) is %zu "
		    "characters, over the %d accepted", sort->key, strlen(s),
		    CURSOR_MAX);
		free(s);
		return;
	}
	if (!cursor_decode(s, sort->key, sort->kind, &cur))
		fuzz_fail("the server's own cursor %s does not decode for "
		    "sort %s", s, sort->key);
	if (strcmp(cur.id, id))
		fuzz_fail("cursor id %s is not the row's %s", cur.id, id);

	key = sort->key[0] == '-' ? sort->key + 1 : sort->key;
	col = !strcmp(key, "created_at") ? &c[C_CREATED] :
	    !strcmp(key, "updated_at") ? &c[C_UPDATED] :
	    !strcmp(key, "due_at") ? &c[C_DUE] :
	    !strcmp(key, "priority") ? &c[C_PRIORITY] : &c[C_TITLE];
	if (col->v == NULL) {
		if (!cur.value_null)
			fuzz_fail("cursor value of a null %s is not null", key);
	} else if (sort->kind == CURSOR_TIME ||
	    sort->kind == CURSOR_TIME_NULL) {
		if (!rfc3339_parse(cur.value, &secs, &usec) ||
		    (secs - PG_EPOCH) * 1000000 + usec != col->usec)
			fuzz_fail("cursor instant %s is not the row's %lld",
			    cur.value, (long long)col->usec);
	} else if (strcmp(cur.value, col->v)) {
		fuzz_fail("cursor value \"%s\" is not the row's \"%s\"",
		    cur.value, col->v);
	}
	free(s);
}
