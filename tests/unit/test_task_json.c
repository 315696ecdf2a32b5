/*
 * Unit tests for src/api/task_json.c and src/db/db_rows.c (cmocka): task
 * JSON, ETags, ids and cursors from binary rows made in memory with
 * libpq's PQmakeEmptyPGresult, PQsetResultAttrs and PQsetvalue, as a
 * list query answers them, without a server.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <libpq-fe.h>

#include "api/task_json.h"
#include "api/tasks_sql.h"
#include "core/b64url.h"
#include "core/strbuf.h"
#include "db/db_rows.h"

/* Type oids of the columns (pg_type.dat); task_priority is an enum's. */
#define OID_BOOL	16
#define OID_INT8	20
#define OID_INT4	23
#define OID_TEXT	25
#define OID_TEXTARR	1009
#define OID_TSTZ	1184
#define OID_UUID	2950
#define OID_PRIORITY	16400

#define UUID_TEXT	"0b9f4c1e-6f0a-4c8e-9a55-1d2f3e4a5b6c"
#define UUID_BYTES	"\x0b\x9f\x4c\x1e\x6f\x0a\x4c\x8e\x9a\x55\x1d\x2f" \
			"\x3e\x4a\x5b\x6c"

/* Microseconds since 2000-01-01 UTC (checked with Python's datetime). */
#define US_COMPLETED	INT64_C(849005845123456)	/* 2026-11-26T10:57:25.123456 */
#define US_CREATED	INT64_C(820638245678901)	/* 2026-01-02T03:04:05.678901 */
#define US_UPDATED	INT64_C(849005845999999)	/* 2026-11-26T10:57:25.999999 */
#define US_0001		INT64_C(-63082281600000000)
#define US_9999		INT64_C(252455615999999999)
#define US_1970		INT64_C(-946684800000000)

/* The list query's columns: a total first, the task's in TASK_COLS order. */
enum col {
	C_TOTAL, C_ID, C_USER, C_TITLE, C_DESC, C_COMPLETED, C_COMPLETED_AT,
	C_PRIORITY, C_DUE, C_REMIND, C_RECURRENCE, C_TAGS, C_CREATED,
	C_UPDATED, C_VERSION, NCOLS
};

/* One value of a row: bytes and length, NULL for SQL null. */
struct cell {
	char	v[512];
	int	len;
	int	null;
};

struct row {
	struct cell	c[NCOLS];
};

static void		 row_default(struct row *);
static PGresult		*result(const struct row *, int);
static void		 set_null(struct row *, int);
static void		 set_text(struct row *, int, const char *);
static void		 set_bytes(struct row *, int, const void *, int);
static void		 set_ts(struct row *, int, int64_t);
static void		 set_int4(struct row *, int, int32_t);
static void		 set_int8(struct row *, int, int64_t);
static void		 set_tags(struct row *, int, const char **);
static char		*json_of(const struct row *, int *);
static char		*cursor_of(const struct row *, const char *);

#define TASK_JSON							\
	"{\"id\":\"" UUID_TEXT "\",\"user_id\":\"auth0|alice\","	\
	"\"title\":\"Buy \\\"milk\\\"\\n\",\"description\":\"\","	\
	"\"completed\":true,\"completed_at\":\"2026-11-26T10:57:25.123Z\"," \
	"\"priority\":\"high\",\"due_at\":null,\"remind_at\":null,"	\
	"\"recurrence\":null,\"tags\":[\"home\",\"\xc3\xbc\"],"		\
	"\"created_at\":\"2026-01-02T03:04:05.678Z\","			\
	"\"updated_at\":\"2026-11-26T10:57:25.999Z\"}"

/* A whole task, byte for byte: milliseconds cut, not rounded. */
static void
test_json_exact(void **state)
{
	struct row	r;
	char		*s;
	int		ok;

	(void)state;

	row_default(&r);
	s = json_of(&r, &ok);
	assert_true(ok);
	assert_string_equal(s, TASK_JSON);
	free(s);
}

static void
test_json_values(void **state)
{
	static const char	*none[] = { NULL };
	static const char	*odd[] = { "a\"b", "c\\d", "", NULL };
	struct row		r;
	char			*s;
	int			ok;

	(void)state;

	row_default(&r);
	set_text(&r, C_DESC, "line\r\n\ttab\x01");
	set_bytes(&r, C_COMPLETED, "\0", 1);
	set_null(&r, C_COMPLETED_AT);
	set_ts(&r, C_DUE, 0);
	set_ts(&r, C_REMIND, -1);
	set_text(&r, C_RECURRENCE, "weekly");
	set_tags(&r, C_TAGS, odd);
	s = json_of(&r, &ok);
	assert_true(ok);
	assert_string_equal(s,
	    "{\"id\":\"" UUID_TEXT "\",\"user_id\":\"auth0|alice\","
	    "\"title\":\"Buy \\\"milk\\\"\\n\","
	    "\"description\":\"line\\r\\n\\ttab\\u0001\","
	    "\"completed\":false,\"completed_at\":null,"
	    "\"priority\":\"high\",\"due_at\":\"2000-01-01T00:00:00.000Z\","
	    "\"remind_at\":\"1999-12-31T23:59:59.999Z\","
	    "\"recurrence\":\"weekly\",\"tags\":[\"a\\\"b\",\"c\\\\d\",\"\"],"
	    "\"created_at\":\"2026-01-02T03:04:05.678Z\","
	    "\"updated_at\":\"2026-11-26T10:57:25.999Z\"}");
	free(s);

	/* No tags is [] (ndim 0), and null text columns are null. */
	row_default(&r);
	set_tags(&r, C_TAGS, none);
	set_null(&r, C_USER);
	set_null(&r, C_DESC);
	set_bytes(&r, C_COMPLETED, "\x02", 1);
	s = json_of(&r, &ok);
	assert_true(ok);
	assert_non_null(strstr(s, ",\"tags\":[],"));
	assert_non_null(strstr(s, "\"user_id\":null,"));
	assert_non_null(strstr(s, "\"description\":null,"));
	/* Any nonzero byte is true, as PostgreSQL only sends 1. */
	assert_non_null(strstr(s, "\"completed\":true,"));
	free(s);
}

/* The extremes of the range, and before the epoch of either kind. */
static void
test_json_times(void **state)
{
	struct row	r;
	char		*s;
	int		ok;

	(void)state;

	row_default(&r);
	set_ts(&r, C_COMPLETED_AT, US_0001);
	set_ts(&r, C_DUE, US_9999);
	set_ts(&r, C_REMIND, US_1970 - 500);
	set_ts(&r, C_CREATED, -999999);
	set_ts(&r, C_UPDATED, -1000001);
	s = json_of(&r, &ok);
	assert_true(ok);
	assert_non_null(strstr(s,
	    "\"completed_at\":\"0001-01-01T00:00:00.000Z\""));
	assert_non_null(strstr(s, "\"due_at\":\"9999-12-31T23:59:59.999Z\""));
	assert_non_null(strstr(s,
	    "\"remind_at\":\"1969-12-31T23:59:59.999Z\""));
	assert_non_null(strstr(s,
	    "\"created_at\":\"1999-12-31T23:59:59.000Z\""));
	assert_non_null(strstr(s,
	    "\"updated_at\":\"1999-12-31T23:59:58.999Z\""));
	free(s);

	/* A timestamp of the wrong width renders as null, not garbage. */
	row_default(&r);
	set_bytes(&r, C_DUE, "\0\0\0\0\0\0\0", 7);
	set_bytes(&r, C_CREATED, "\0\0\0\0\0\0\0\0\0", 9);
	s = json_of(&r, &ok);
	assert_true(ok);
	assert_non_null(strstr(s, "\"due_at\":null,"));
	assert_non_null(strstr(s, "\"created_at\":null,"));
	free(s);
}

/* Rows a broken server could send are refused. */
static void
test_json_malformed(void **state)
{
	static const char	*two[] = { "ab", "cd", NULL };
	struct row		r;
	char			*s;
	int			ok;

	(void)state;

	row_default(&r);
	set_null(&r, C_ID);
	s = json_of(&r, &ok);
	assert_false(ok);
	free(s);

	row_default(&r);
	set_bytes(&r, C_ID, UUID_BYTES, 15);
	s = json_of(&r, &ok);
	assert_false(ok);
	free(s);

	row_default(&r);
	set_null(&r, C_COMPLETED);
	s = json_of(&r, &ok);
	assert_false(ok);
	free(s);

	row_default(&r);
	set_bytes(&r, C_COMPLETED, "\1\0", 2);
	s = json_of(&r, &ok);
	assert_false(ok);
	free(s);

	row_default(&r);
	set_null(&r, C_TAGS);
	s = json_of(&r, &ok);
	assert_false(ok);
	free(s);

	/* Shorter than the array header. */
	row_default(&r);
	set_bytes(&r, C_TAGS, "\0\0\0\0\0\0\0\0\0\0\0", 11);
	s = json_of(&r, &ok);
	assert_false(ok);
	free(s);

	/* Two dimensions. */
	row_default(&r);
	set_tags(&r, C_TAGS, two);
	r.c[C_TAGS].v[3] = 2;
	s = json_of(&r, &ok);
	assert_false(ok);
	free(s);

	/* One dimension but no room for its size and lower bound. */
	row_default(&r);
	set_tags(&r, C_TAGS, two);
	r.c[C_TAGS].len = 16;
	s = json_of(&r, &ok);
	assert_false(ok);
	free(s);

	/* An element longer than what is left, and one cut in its length. */
	row_default(&r);
	set_tags(&r, C_TAGS, two);
	r.c[C_TAGS].len -= 1;
	s = json_of(&r, &ok);
	assert_false(ok);
	free(s);
	row_default(&r);
	set_tags(&r, C_TAGS, two);
	r.c[C_TAGS].len = 20 + 6 + 2;
	s = json_of(&r, &ok);
	assert_false(ok);
	free(s);

	/* A null element (length -1): tags are never null. */
	row_default(&r);
	set_tags(&r, C_TAGS, two);
	memset(r.c[C_TAGS].v + 26, 0xff, 4);
	s = json_of(&r, &ok);
	assert_false(ok);
	free(s);

	/* More elements said than sent. */
	row_default(&r);
	set_tags(&r, C_TAGS, two);
	r.c[C_TAGS].v[15] = 3;
	s = json_of(&r, &ok);
	assert_false(ok);
	free(s);
}

static void
test_etag_and_id(void **state)
{
	struct task_cols	cols;
	struct row		r;
	PGresult		*res;
	char			etag[16], id[UUID_TEXT_SIZE];

	(void)state;

	row_default(&r);
	res = result(&r, NCOLS);
	assert_true(task_cols_find(res, &cols));
	task_etag(res, 0, &cols, etag);
	assert_string_equal(etag, "\"7\"");
	task_id(res, 0, &cols, id);
	assert_string_equal(id, UUID_TEXT);
	PQclear(res);

	set_int4(&r, C_VERSION, INT32_MAX);
	res = result(&r, NCOLS);
	assert_true(task_cols_find(res, &cols));
	task_etag(res, 0, &cols, etag);
	assert_string_equal(etag, "\"2147483647\"");
	PQclear(res);

	set_int4(&r, C_VERSION, INT32_MIN);
	res = result(&r, NCOLS);
	assert_true(task_cols_find(res, &cols));
	task_etag(res, 0, &cols, etag);
	assert_string_equal(etag, "\"-2147483648\"");
	PQclear(res);

	set_int8(&r, C_VERSION, INT64_C(1099511627776));
	res = result(&r, NCOLS);
	assert_true(task_cols_find(res, &cols));
	task_etag(res, 0, &cols, etag);
	assert_string_equal(etag, "\"1099511627776\"");
	PQclear(res);

	/* No version (or a malformed one) is 0; no id is "". */
	set_null(&r, C_VERSION);
	set_null(&r, C_ID);
	res = result(&r, NCOLS);
	assert_true(task_cols_find(res, &cols));
	task_etag(res, 0, &cols, etag);
	assert_string_equal(etag, "\"0\"");
	task_id(res, 0, &cols, id);
	assert_string_equal(id, "");
	PQclear(res);

	set_bytes(&r, C_VERSION, "\0\7", 2);
	set_bytes(&r, C_ID, UUID_BYTES, 15);
	res = result(&r, NCOLS);
	assert_true(task_cols_find(res, &cols));
	task_etag(res, 0, &cols, etag);
	assert_string_equal(etag, "\"0\"");
	memset(id, 'x', sizeof(id));
	task_id(res, 0, &cols, id);
	assert_string_equal(id, "");
	PQclear(res);
}

/* The row's columns found wherever they are; one missing is refused. */
static void
test_cols_find(void **state)
{
	struct task_cols	cols;
	struct row		r;
	PGresult		*res;

	(void)state;

	row_default(&r);
	res = result(&r, NCOLS);
	assert_true(task_cols_find(res, &cols));
	assert_int_equal(cols.id, C_ID);
	assert_int_equal(cols.user_id, C_USER);
	assert_int_equal(cols.completed, C_COMPLETED);
	assert_int_equal(cols.tags, C_TAGS);
	assert_int_equal(cols.version, C_VERSION);
	PQclear(res);

	/* Without the last column (version). */
	res = result(&r, NCOLS - 1);
	assert_false(task_cols_find(res, &cols));
	assert_int_equal(cols.version, -1);
	assert_int_equal(cols.updated_at, C_UPDATED);
	PQclear(res);
}

/* The cursor after a row decodes to its sort, value and id. */
static void
test_cursor(void **state)
{
	struct row	r;
	char		*s;

	(void)state;

	row_default(&r);
	s = cursor_of(&r, "-created_at");
	assert_string_equal(s, "{\"k\":\"-created_at\","
	    "\"v\":\"2026-01-02T03:04:05.678901Z\",\"id\":\"" UUID_TEXT "\"}");
	free(s);
	s = cursor_of(&r, "updated_at");
	assert_string_equal(s, "{\"k\":\"updated_at\","
	    "\"v\":\"2026-11-26T10:57:25.999999Z\",\"id\":\"" UUID_TEXT "\"}");
	free(s);
	s = cursor_of(&r, "title");
	assert_string_equal(s, "{\"k\":\"title\",\"v\":\"Buy \\\"milk\\\"\\n\","
	    "\"id\":\"" UUID_TEXT "\"}");
	free(s);
	s = cursor_of(&r, "-priority");
	assert_string_equal(s, "{\"k\":\"-priority\",\"v\":\"high\","
	    "\"id\":\"" UUID_TEXT "\"}");
	free(s);
	/* No due date: a null value, which only due_at's cursors take. */
	s = cursor_of(&r, "due_at");
	assert_string_equal(s, "{\"k\":\"due_at\",\"v\":null,"
	    "\"id\":\"" UUID_TEXT "\"}");
	free(s);
	set_ts(&r, C_DUE, -1);
	s = cursor_of(&r, "-due_at");
	assert_string_equal(s, "{\"k\":\"-due_at\","
	    "\"v\":\"1999-12-31T23:59:59.999999Z\",\"id\":\"" UUID_TEXT "\"}");
	free(s);
	set_ts(&r, C_DUE, US_0001);
	s = cursor_of(&r, "due_at");
	assert_string_equal(s, "{\"k\":\"due_at\","
	    "\"v\":\"0001-01-01T00:00:00.000000Z\",\"id\":\"" UUID_TEXT "\"}");
	free(s);
}

/* A malformed sort column is no cursor; the buffer gets what it had. */
static void
test_cursor_malformed(void **state)
{
	const struct task_sort	*sort;
	struct task_cols	cols;
	struct strbuf		b;
	struct row		r;
	PGresult		*res;

	(void)state;

	row_default(&r);
	set_bytes(&r, C_CREATED, "\0\0\0\0", 4);
	res = result(&r, NCOLS);
	assert_true(task_cols_find(res, &cols));
	sort = tasks_sort_find("created_at");
	assert_non_null(sort);
	strbuf_init(&b);
	strbuf_str(&b, "{\"next\":");
	assert_false(task_cursor(&b, res, 0, &cols, sort));
	assert_string_equal(b.data, "{\"next\":");
	/* The title sort of the same row is fine, appended as a string. */
	sort = tasks_sort_find("title");
	assert_true(task_cursor(&b, res, 0, &cols, sort));
	assert_int_equal(strncmp(b.data, "{\"next\":\"", 9), 0);
	assert_int_equal(b.data[b.len - 1], '"');
	assert_null(strpbrk(b.data + 9, "=+/"));
	strbuf_free(&b);
	PQclear(res);
}

static void
test_db_rows(void **state)
{
	static const unsigned char	zero[16], ones[16] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
	};
	struct row			r;
	PGresult			*res;
	char				u[UUID_TEXT_SIZE];
	long long			v;

	(void)state;

	pg_uuid_text(zero, u);
	assert_string_equal(u, "00000000-0000-0000-0000-000000000000");
	pg_uuid_text(ones, u);
	assert_string_equal(u, "ffffffff-ffff-ffff-ffff-ffffffffffff");
	pg_uuid_text((const unsigned char *)UUID_BYTES, u);
	assert_string_equal(u, UUID_TEXT);
	assert_int_equal(strlen(u), UUID_TEXT_SIZE - 1);

	assert_int_equal(pg_be32((const unsigned char *)"\x01\x02\x03\x04"),
	    0x01020304);
	assert_true(pg_be32((const unsigned char *)"\xff\xff\xff\xfe") ==
	    0xfffffffeU);
	assert_true(pg_be64((const unsigned char *)
	    "\x01\x02\x03\x04\x05\x06\x07\x08") == UINT64_C(0x0102030405060708));
	assert_true(pg_be64((const unsigned char *)
	    "\x80\x00\x00\x00\x00\x00\x00\x01") == UINT64_C(0x8000000000000001));

	/* Columns of one row, read back by pg_int. */
	row_default(&r);
	set_int4(&r, C_VERSION, -1);
	set_int8(&r, C_TOTAL, INT64_MIN);
	res = result(&r, NCOLS);
	v = 42;
	assert_true(pg_int(res, 0, C_VERSION, &v));
	assert_int_equal(v, -1);
	assert_true(pg_int(res, 0, C_TOTAL, &v));
	assert_true(v == INT64_MIN);
	/* A uuid is no integer; neither is a null nor a missing column. */
	v = 42;
	assert_false(pg_int(res, 0, C_ID, &v));
	assert_false(pg_int(res, 0, C_DUE, &v));
	assert_false(pg_int(res, 0, -1, &v));
	assert_int_equal(v, 42);
	PQclear(res);

	set_int8(&r, C_VERSION, INT64_C(0x0000000100000002));
	set_bytes(&r, C_TOTAL, "\0\0\1", 3);
	res = result(&r, NCOLS);
	assert_true(pg_int(res, 0, C_VERSION, &v));
	assert_int_equal(v, INT64_C(4294967298));
	assert_false(pg_int(res, 0, C_TOTAL, &v));
	PQclear(res);
}

/* The task of TASK_JSON (due_at, remind_at and recurrence null). */
static void
row_default(struct row *r)
{
	static const char	*tags[] = { "home", "\xc3\xbc", NULL };

	memset(r, 0, sizeof(*r));
	set_int8(r, C_TOTAL, 1);
	set_bytes(r, C_ID, UUID_BYTES, 16);
	set_text(r, C_USER, "auth0|alice");
	set_text(r, C_TITLE, "Buy \"milk\"\n");
	set_text(r, C_DESC, "");
	set_bytes(r, C_COMPLETED, "\1", 1);
	set_ts(r, C_COMPLETED_AT, US_COMPLETED);
	set_text(r, C_PRIORITY, "high");
	set_null(r, C_DUE);
	set_null(r, C_REMIND);
	set_null(r, C_RECURRENCE);
	set_tags(r, C_TAGS, tags);
	set_ts(r, C_CREATED, US_CREATED);
	set_ts(r, C_UPDATED, US_UPDATED);
	set_int4(r, C_VERSION, 7);
}

/* A binary result of one row with the first ncols columns. */
static PGresult *
result(const struct row *r, int ncols)
{
	static const char	*names[NCOLS] = {
		"total", "id", "user_id", "title", "description", "completed",
		"completed_at", "priority", "due_at", "remind_at",
		"recurrence", "tags", "created_at", "updated_at", "version"
	};
	static const Oid	types[NCOLS] = {
		OID_INT8, OID_UUID, OID_TEXT, OID_TEXT, OID_TEXT, OID_BOOL,
		OID_TSTZ, OID_PRIORITY, OID_TSTZ, OID_TSTZ, OID_TEXT,
		OID_TEXTARR, OID_TSTZ, OID_TSTZ, OID_INT4
	};
	static const int	lens[NCOLS] = {
		8, 16, -1, -1, -1, 1, 8, 4, 8, 8, -1, -1, 8, 8, 4
	};
	PGresAttDesc		attrs[NCOLS];
	PGresult		*res;
	int			i;

	memset(attrs, 0, sizeof(attrs));
	for (i = 0; i < ncols; i++) {
		attrs[i].name = (char *)(uintptr_t)names[i];
		attrs[i].format = 1;
		attrs[i].typid = types[i];
		attrs[i].typlen = lens[i];
		attrs[i].atttypmod = -1;
	}
	res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	assert_non_null(res);
	assert_true(PQsetResultAttrs(res, ncols, attrs));
	for (i = 0; i < ncols; i++) {
		assert_true(PQsetvalue(res, 0, i,
		    r->c[i].null ? NULL : (char *)(uintptr_t)r->c[i].v,
		    r->c[i].null ? -1 : r->c[i].len));
	}
	assert_int_equal(PQntuples(res), 1);
	assert_int_equal(PQbinaryTuples(res), 1);
	return (res);
}

static void
set_null(struct row *r, int col)
{
	r->c[col].null = 1;
	r->c[col].len = 0;
}

static void
set_text(struct row *r, int col, const char *s)
{
	set_bytes(r, col, s, (int)strlen(s));
}

static void
set_bytes(struct row *r, int col, const void *v, int len)
{
	assert_true(len >= 0 && (size_t)len <= sizeof(r->c[col].v));
	memcpy(r->c[col].v, v, (size_t)len);
	r->c[col].len = len;
	r->c[col].null = 0;
}

static void
set_ts(struct row *r, int col, int64_t usec)
{
	set_int8(r, col, usec);
}

static void
set_int4(struct row *r, int col, int32_t v)
{
	unsigned char	b[4];
	uint32_t	u = (uint32_t)v;
	int		i;

	for (i = 0; i < 4; i++)
		b[i] = (unsigned char)(u >> (24 - 8 * i));
	set_bytes(r, col, b, 4);
}

static void
set_int8(struct row *r, int col, int64_t v)
{
	unsigned char	b[8];
	uint64_t	u = (uint64_t)v;
	int		i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(u >> (56 - 8 * i));
	set_bytes(r, col, b, 8);
}

/*
 * text[] in PostgreSQL's binary array format: ndim, has-nulls flag,
 * element oid; per dimension its size and lower bound; then each element
 * as a length and its bytes. No elements is ndim 0 and nothing more.
 */
static void
set_tags(struct row *r, int col, const char **tags)
{
	unsigned char	b[512], *p;
	uint32_t	n, len;

	for (n = 0; tags[n] != NULL; n++)
		;
	memset(b, 0, sizeof(b));
	b[3] = n > 0;
	b[11] = OID_TEXT;
	if (n == 0) {
		set_bytes(r, col, b, 12);
		return;
	}
	b[15] = (unsigned char)n;
	b[19] = 1;
	for (p = b + 20; *tags != NULL; tags++) {
		len = (uint32_t)strlen(*tags);
		p[0] = (unsigned char)(len >> 24);
		p[1] = (unsigned char)(len >> 16);
		p[2] = (unsigned char)(len >> 8);
		p[3] = (unsigned char)len;
		memcpy(p + 4, *tags, len);
		p += 4 + len;
	}
	set_bytes(r, col, b, (int)(p - b));
}

/* task_json of the row; *ok what it returned. */
static char *
json_of(const struct row *r, int *ok)
{
	struct task_cols	cols;
	struct strbuf		b;
	PGresult		*res;

	res = result(r, NCOLS);
	assert_true(task_cols_find(res, &cols));
	strbuf_init(&b);
	strbuf_add(&b, "", 0);
	*ok = task_json(&b, res, 0, &cols);
	PQclear(res);
	return (b.data);
}

/* The JSON inside the cursor after the row, for a sort. */
static char *
cursor_of(const struct row *r, const char *key)
{
	const struct task_sort	*sort;
	struct task_cols	cols;
	struct strbuf		b;
	PGresult		*res;
	unsigned char		doc[1024];
	char			*s;
	size_t			n;

	sort = tasks_sort_find(key);
	assert_non_null(sort);
	res = result(r, NCOLS);
	assert_true(task_cols_find(res, &cols));
	strbuf_init(&b);
	assert_true(task_cursor(&b, res, 0, &cols, sort));
	PQclear(res);

	/* A JSON string of base64url, unpadded. */
	assert_true(b.len >= 2);
	assert_int_equal(b.data[0], '"');
	assert_int_equal(b.data[b.len - 1], '"');
	assert_true(b64url_decode(b.data + 1, b.len - 2, doc, sizeof(doc) - 1,
	    &n));
	doc[n] = '\0';
	strbuf_free(&b);
	s = strdup((const char *)doc);
	assert_non_null(s);
	return (s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_exact),
		cmocka_unit_test(test_json_values),
		cmocka_unit_test(test_json_times),
		cmocka_unit_test(test_json_malformed),
		cmocka_unit_test(test_etag_and_id),
		cmocka_unit_test(test_cols_find),
		cmocka_unit_test(test_cursor),
		cmocka_unit_test(test_cursor_malformed),
		cmocka_unit_test(test_db_rows),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
