/*
 * Binary result columns: uuid (16 bytes), text and enum labels (raw
 * bytes), bool (1 byte), int4/int8 (big-endian), timestamptz (int64
 * microseconds since 2000-01-01 UTC) and text[] (PostgreSQL's array
 * format). Every length is checked before it is read.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "api/task_json.h"
#include "core/b64url.h"
#include "core/strbuf.h"
#include "core/uuid.h"
#include "db/db_rows.h"

/* Seconds from 1970-01-01 to PostgreSQL's epoch, 2000-01-01. */
#define PG_EPOCH_OFFSET		946684800LL

static int	ts_text(const PGresult *, int, int, int, char *, size_t);
static void	add_nullable_ts(struct strbuf *, const PGresult *, int, int);
static void	add_text(struct strbuf *, const PGresult *, int, int);
static int	add_tags(struct strbuf *, const PGresult *, int, int);

int
task_cols_find(const PGresult *res, struct task_cols *c)
{
	c->id = PQfnumber(res, "id");
	c->user_id = PQfnumber(res, "user_id");
	c->title = PQfnumber(res, "title");
	c->description = PQfnumber(res, "description");
	c->completed = PQfnumber(res, "completed");
	c->completed_at = PQfnumber(res, "completed_at");
	c->priority = PQfnumber(res, "priority");
	c->due_at = PQfnumber(res, "due_at");
	c->remind_at = PQfnumber(res, "remind_at");
	c->recurrence = PQfnumber(res, "recurrence");
	c->tags = PQfnumber(res, "tags");
	c->created_at = PQfnumber(res, "created_at");
	c->updated_at = PQfnumber(res, "updated_at");
	c->version = PQfnumber(res, "version");

	return (c->id >= 0 && c->user_id >= 0 && c->title >= 0 &&
	    c->description >= 0 && c->completed >= 0 &&
	    c->completed_at >= 0 && c->priority >= 0 && c->due_at >= 0 &&
	    c->remind_at >= 0 && c->recurrence >= 0 && c->tags >= 0 &&
	    c->created_at >= 0 && c->updated_at >= 0 && c->version >= 0);
}

/* The task of a row as a JSON object; 0 when a column is malformed. */
int
task_json(struct strbuf *b, const PGresult *res, int row,
    const struct task_cols *c)
{
	char		id[UUID_TEXT_SIZE];

	if (PQgetisnull(res, row, c->id) || PQgetlength(res, row, c->id) != 16 ||
	    PQgetlength(res, row, c->completed) != 1)
		return (0);

	pg_uuid_text((const unsigned char *)PQgetvalue(res, row, c->id), id);
	strbuf_str(b, "{\"id\":\"");
	strbuf_str(b, id);
	strbuf_str(b, "\",\"user_id\":");
	add_text(b, res, row, c->user_id);
	strbuf_str(b, ",\"title\":");
	add_text(b, res, row, c->title);
	strbuf_str(b, ",\"description\":");
	add_text(b, res, row, c->description);
	strbuf_str(b, *PQgetvalue(res, row, c->completed) ?
	    ",\"completed\":true" : ",\"completed\":false");
	strbuf_str(b, ",\"completed_at\":");
	add_nullable_ts(b, res, row, c->completed_at);
	strbuf_str(b, ",\"priority\":");
	add_text(b, res, row, c->priority);
	strbuf_str(b, ",\"due_at\":");
	add_nullable_ts(b, res, row, c->due_at);
	strbuf_str(b, ",\"remind_at\":");
	add_nullable_ts(b, res, row, c->remind_at);
	strbuf_str(b, ",\"recurrence\":");
	add_text(b, res, row, c->recurrence);
	strbuf_str(b, ",\"tags\":");
	if (!add_tags(b, res, row, c->tags))
		return (0);
	strbuf_str(b, ",\"created_at\":");
	add_nullable_ts(b, res, row, c->created_at);
	strbuf_str(b, ",\"updated_at\":");
	add_nullable_ts(b, res, row, c->updated_at);
	strbuf_str(b, "}");

	return (!strbuf_failed(b));
}

/* The ETag of a row: its version, quoted. */
void
task_etag(const PGresult *res, int row, const struct task_cols *c,
    char out[16])
{
	long long	v;

	if (!pg_int(res, row, c->version, &v))
		v = 0;
	(void)snprintf(out, 16, "\"%lld\"", v);
}

void
task_id(const PGresult *res, int row, const struct task_cols *c,
    char out[UUID_TEXT_SIZE])
{
	out[0] = '\0';
	if (!PQgetisnull(res, row, c->id) && PQgetlength(res, row, c->id) == 16)
		pg_uuid_text((const unsigned char *)PQgetvalue(res, row, c->id),
		    out);
}

/*
 * The keyset cursor after a row: base64url of {"k", "v", "id"}, with
 * timestamps to the microsecond so no row is skipped or repeated.
 */
int
task_cursor(struct strbuf *b, const PGresult *res, int row,
    const struct task_cols *c, const struct task_sort *sort)
{
	struct strbuf	doc;
	char		id[UUID_TEXT_SIZE], ts[96];
	const char	*key;
	int		col;

	key = sort->key[0] == '-' ? sort->key + 1 : sort->key;
	if (!strcmp(key, "created_at"))
		col = c->created_at;
	else if (!strcmp(key, "updated_at"))
		col = c->updated_at;
	else if (!strcmp(key, "due_at"))
		col = c->due_at;
	else if (!strcmp(key, "priority"))
		col = c->priority;
	else
		col = c->title;

	task_id(res, row, c, id);
	strbuf_init(&doc);
	strbuf_str(&doc, "{\"k\":");
	strbuf_json_string(&doc, sort->key, strlen(sort->key));
	strbuf_str(&doc, ",\"v\":");
	if (PQgetisnull(res, row, col)) {
		strbuf_str(&doc, "null");
	} else if (sort->kind == CURSOR_TIME || sort->kind == CURSOR_TIME_NULL) {
		if (!ts_text(res, row, col, 6, ts, sizeof(ts))) {
			strbuf_free(&doc);
			return (0);
		}
		strbuf_json_string(&doc, ts, strlen(ts));
	} else {
		add_text(&doc, res, row, col);
	}
	strbuf_str(&doc, ",\"id\":\"");
	strbuf_str(&doc, id);
	strbuf_str(&doc, "\"}");
	if (strbuf_failed(&doc)) {
		strbuf_free(&doc);
		return (0);
	}

	strbuf_add(b, "\"", 1);
	b64url_encode(b, doc.data, doc.len);
	strbuf_add(b, "\"", 1);

	strbuf_free(&doc);
	return (!strbuf_failed(b));
}

/* 2026-11-26T10:57:25.123Z (digits 3) or with microseconds (digits 6). */
static int
ts_text(const PGresult *res, int row, int col, int digits, char *out,
    size_t len)
{
	struct tm	tm;
	int64_t		usec;
	time_t		secs;
	long		frac;

	if (PQgetlength(res, row, col) != 8)
		return (0);

	usec = (int64_t)pg_be64((const unsigned char *)PQgetvalue(res, row, col));
	secs = (time_t)(usec / 1000000 + PG_EPOCH_OFFSET);
	frac = (long)(usec % 1000000);
	if (frac < 0) {
		frac += 1000000;
		secs--;
	}
	if (gmtime_r(&secs, &tm) == NULL)
		return (0);

	if (digits == 3) {
		(void)snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, frac / 1000);
	} else {
		(void)snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, frac);
	}
	return (1);
}

static void
add_nullable_ts(struct strbuf *b, const PGresult *res, int row, int col)
{
	char	ts[96];

	if (PQgetisnull(res, row, col) || !ts_text(res, row, col, 3, ts,
	    sizeof(ts))) {
		strbuf_str(b, "null");
		return;
	}
	strbuf_add(b, "\"", 1);
	strbuf_str(b, ts);
	strbuf_add(b, "\"", 1);
}

static void
add_text(struct strbuf *b, const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col)) {
		strbuf_str(b, "null");
		return;
	}
	strbuf_json_string(b, PQgetvalue(res, row, col),
	    (size_t)PQgetlength(res, row, col));
}

/* A one-dimensional text[] in binary array format. */
static int
add_tags(struct strbuf *b, const PGresult *res, int row, int col)
{
	const unsigned char	*v, *end;
	uint32_t		ndim, n, i, len;

	if (PQgetisnull(res, row, col))
		return (0);
	v = (const unsigned char *)PQgetvalue(res, row, col);
	end = v + PQgetlength(res, row, col);

	/* ndim, has-nulls flag, element type; then size, lower bound. */
	if (end - v < 12)
		return (0);
	ndim = pg_be32(v);
	if (ndim == 0) {
		strbuf_str(b, "[]");
		return (1);
	}
	if (ndim != 1 || end - v < 20)
		return (0);
	n = pg_be32(v + 12);
	v += 20;

	strbuf_add(b, "[", 1);
	for (i = 0; i < n; i++) {
		if (end - v < 4)
			return (0);
		len = pg_be32(v);
		v += 4;
		if (len == 0xffffffff || (uint32_t)(end - v) < len)
			return (0);
		if (i > 0)
			strbuf_add(b, ",", 1);
		strbuf_json_string(b, (const char *)v, len);
		v += len;
	}
	strbuf_add(b, "]", 1);
	return (1);
}
