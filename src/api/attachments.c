/*
 * Attachments (SPEC "Attachments"): upload, list, download, delete.
 *
 * An upload's body reaches the handler complete: Kore refuses one over
 * this route's own limit with 413 from its Content-Length, and writes a
 * large one to a temporary file (the route's body_max and
 * body_disk_offload, our Kore patch, set by attachments_worker_init).
 * The handler checks the multipart body in one pass of bounded reads,
 * then stores the file's bytes in chunks, one statement each, and
 * commits (migrations/0006_attachments.sql). A download streams chunks
 * as they come from the database, one in flight to the client while the
 * next is fetched: a worker holds at most two chunks per download.
 */

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <openssl/evp.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/attachments.h"
#include "api/attachments_sql.h"
#include "core/att_meta.h"
#include "core/byterange.h"
#include "core/etag.h"
#include "core/metrics.h"
#include "core/multipart.h"
#include "core/settings.h"
#include "core/shared.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/uuid.h"
#include "db/db_call.h"
#include "http/http_db.h"
#include "http/http_query.h"
#include "http/http_request.h"
#include "http/http_response.h"

/* Multipart framing allowed beyond UPLOAD_MAX_BYTES in a request. */
#define ATT_FRAMING_MAX		(MP_HEADER_MAX * 2 + 1024)
/* Bodies over this go to a temporary file, not the worker's memory. */
#define ATT_DISK_OFFLOAD	65536
#define ATT_READ_BUF		65536

/* Our Kore patch (patches/kore-4.1-fixes.patch, src/http.c). */
extern int	http_body_limit_set(const char *, size_t, u_int64_t);
extern int	http_response_stream_begin(struct http_request *, int,
		    size_t);

enum att_phase {
	ATT_START = 0,
	ATT_BEGIN,
	ATT_CHUNKS,
	ATT_COMMIT,
	ATT_META,
	ATT_STREAM
};

struct att_call {
	enum att_phase		 phase;
	struct http_request	*req;
	char			 task_id[UUID_TEXT_SIZE];
	char			 id[UUID_TEXT_SIZE];

	/* Upload. */
	char			 filename[ATT_FILENAME_MAX + 1];
	char			 ctype[ATT_TYPE_MAX + 1];
	uint64_t		 size;
	uint64_t		 stored;
	int			 seq;
	int			 chunk_read;
	uint8_t			*buf;
	EVP_MD_CTX		*sha;

	/* Download: bytes [pos, last] still to send. */
	uint64_t		 pos;
	uint64_t		 last;
	PGresult		*inflight;	/* the chunk being sent */
	int			 sending;
	int			 failed;
	int			 close_after;
	int			 committed;
};

/* Deletes a failed upload's row after its request is gone. */
struct att_abort {
	struct db_call		db;
	char			id[UUID_TEXT_SIZE];
};

static struct att_call	*att_call(struct http_request *);
static void		 att_call_free(void *);
static int		 att_upload(struct http_request *,
			    struct request_ctx *, struct att_call *);
static int		 att_parse(struct http_request *, struct att_call *);
static int		 att_store(struct http_request *,
			    struct request_ctx *, struct att_call *);
static int		 att_list(struct http_request *,
			    struct request_ctx *, struct att_call *);
static int		 att_download(struct http_request *,
			    struct request_ctx *, struct att_call *);
static int		 att_headers(struct http_request *,
			    struct att_call *);
static int		 att_stream(struct http_request *, struct att_call *);
static int		 att_sent(struct netbuf *);
static int		 att_delete(struct http_request *,
			    struct request_ctx *, struct att_call *);
static int		 att_read_full(struct http_request *, uint8_t *,
			    size_t);
static void		 att_csp_sandbox(struct http_request *);
static int		 att_unprocessable(struct http_request *,
			    const char *, const char *);
static void		 att_abort(const char *);
static void		 att_abort_bind(struct kore_pgsql *, void *);
static void		 att_abort_run(struct kore_pgsql *, void *);
static void		 att_abort_free(void *, u_int64_t);

/*
 * Gives the upload route its own body limit (UPLOAD_MAX_BYTES and the
 * multipart framing) and disk offload; every other route keeps
 * kore.conf's http_body_max, in memory.
 */
void
attachments_worker_init(void)
{
	if (http_body_limit_set("page_task_attachments",
	    (size_t)settings.upload_max_bytes + ATT_FRAMING_MAX,
	    ATT_DISK_OFFLOAD) == 0)
		fatal("attachments: no route for page_task_attachments");
}

/* /api/v1/tasks/{id}/attachments: GET lists, POST uploads. */
int
page_task_attachments(struct http_request *req)
{
	struct request_ctx	*ctx;
	struct att_call		*c;

	if (!api_begin(req, &ctx))
		return (KORE_RESULT_OK);
	c = att_call(req);
	if (c->task_id[0] == '\0' &&
	    !path_capture(req, 1, c->task_id, sizeof(c->task_id)))
		return (http_error(req, HTTP_STATUS_NOT_FOUND,
		    "Task not found"));

	if (req->method == HTTP_METHOD_POST)
		return (att_upload(req, ctx, c));
	return (att_list(req, ctx, c));
}

/* /api/v1/attachments/{id}: GET downloads, DELETE deletes. */
int
page_attachment(struct http_request *req)
{
	struct request_ctx	*ctx;
	struct att_call		*c;

	if (!api_begin(req, &ctx))
		return (KORE_RESULT_OK);
	c = att_call(req);
	if (c->id[0] == '\0' && !path_capture(req, 1, c->id, sizeof(c->id)))
		return (http_error(req, HTTP_STATUS_NOT_FOUND,
		    "Attachment not found"));

	if (req->method == HTTP_METHOD_DELETE)
		return (att_delete(req, ctx, c));
	return (att_download(req, ctx, c));
}

static struct att_call *
att_call(struct http_request *req)
{
	struct request_ctx	*ctx;
	struct att_call		*c;

	ctx = request_begin(req);
	if (ctx->state != NULL)
		return (ctx->state);

	c = kore_calloc(1, sizeof(*c));
	c->req = req;
	ctx->state = c;
	ctx->state_free = att_call_free;
	return (c);
}

static void
att_call_free(void *arg)
{
	struct att_call		*c = arg;

	/*
	 * An upload that began and did not commit (a database failure, a
	 * client gone while its chunks were stored): its row and chunks go
	 * now, not at the next sweep.
	 */
	if (c->id[0] != '\0' && c->phase >= ATT_CHUNKS &&
	    c->phase <= ATT_COMMIT && !c->committed)
		att_abort(c->id);
	if (c->inflight != NULL)
		PQclear(c->inflight);
	if (c->sha != NULL)
		EVP_MD_CTX_free(c->sha);
	kore_free(c->buf);
	kore_free(c);
}

static int
att_upload(struct http_request *req, struct request_ctx *ctx,
    struct att_call *c)
{
	const char	*params[6];
	char		 size[24], quota[24];
	const char	*status;
	int		 ret;

	if (c->phase == ATT_START) {
		if (!att_parse(req, c))
			return (KORE_RESULT_OK);
		c->phase = ATT_BEGIN;
	}

	if (c->phase == ATT_BEGIN) {
		(void)snprintf(size, sizeof(size), "%" PRIu64, c->size);
		(void)snprintf(quota, sizeof(quota), "%ld",
		    settings.storage_quota_bytes);
		params[0] = ctx->user_id;
		params[1] = c->task_id;
		params[2] = c->filename;
		params[3] = c->ctype;
		params[4] = size;
		params[5] = quota;
		if (!db_ready(req, db_query(req, SQL_ATT_BEGIN, 6, params),
		    &ret))
			return (ret);

		status = db_value(req, 0, "status");
		if (status == NULL)
			return (http_error_internal(req, "attachments: begin"));
		if (strcmp(status, "not_found") == 0)
			return (http_error(req, HTTP_STATUS_NOT_FOUND,
			    "Task not found"));
		if (strcmp(status, "too_many") == 0)
			return (http_error(req, HTTP_STATUS_CONFLICT,
			    "Too many attachments"));
		if (strcmp(status, "quota") == 0)
			return (http_error(req, 413, "Storage quota exceeded"));
		kore_strlcpy(c->id, db_value(req, 0, "id"), sizeof(c->id));
		db_release(req);
		/* From here on the row exists: a failure deletes it. */
		c->phase = ATT_CHUNKS;

		if (!http_body_rewind(req))
			return (http_error_internal(req, "attachments: rewind"));
		c->sha = EVP_MD_CTX_new();
		if (c->sha == NULL || !EVP_DigestInit_ex(c->sha, EVP_sha256(),
		    NULL))
			return (http_error_internal(req, "attachments: sha"));
		c->buf = kore_malloc(ATT_CHUNK);
		/* Skip to the file's first byte (past the part headers). */
		if (!att_read_full(req, NULL, c->pos))
			return (http_error_internal(req, "attachments: read"));
	}

	return (att_store(req, ctx, c));
}

/*
 * The multipart body in bounded reads: one `file` part, its size within
 * UPLOAD_MAX_BYTES. 0 after answering 415, 422 or 413.
 */
static int
att_parse(struct http_request *req, struct att_call *c)
{
	struct mp_parser	*mp;
	struct mp_upload	*up;
	const char		*ctype;
	char			 boundary[MP_BOUNDARY_MAX + 1];
	uint8_t			*buf;
	ssize_t			 n;
	enum mp_status		 st;
	int			 b;

	if (!http_request_header(req, "content-type", &ctype))
		ctype = NULL;
	if ((b = mp_boundary(ctype, boundary, sizeof(boundary))) == -1) {
		http_error(req, HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE,
		    "Content-Type must be multipart/form-data");
		return (0);
	}
	if (b == 0) {
		att_unprocessable(req, "value_error",
		    "multipart/form-data without a valid boundary");
		return (0);
	}

	mp = kore_malloc(sizeof(*mp));
	up = kore_malloc(sizeof(*up));
	buf = kore_malloc(ATT_READ_BUF);
	mp_init(mp, boundary, up);
	st = MP_OK;
	if (!http_body_rewind(req)) {
		st = MP_ERR_TRUNCATED;
	} else {
		for (;;) {
			if ((n = http_body_read(req, buf, ATT_READ_BUF)) == -1) {
				st = MP_ERR_TRUNCATED;
				break;
			}
			if (n == 0) {
				st = mp_finish(mp);
				break;
			}
			if ((st = mp_feed(mp, buf, (size_t)n)) != MP_OK)
				break;
		}
	}
	kore_free(buf);

	if (st == MP_OK) {
		c->pos = up->data_offset;
		c->size = up->data_length;
		att_filename(up->filename_set ? up->filename : "",
		    c->filename);
		att_media_type(up->content_type, c->ctype);
	}
	kore_free(mp);
	kore_free(up);

	if (st == MP_ERR_NO_FILE) {
		att_unprocessable(req, "missing", mp_error_message(st));
		return (0);
	}
	if (st != MP_OK) {
		att_unprocessable(req, "value_error", mp_error_message(st));
		return (0);
	}
	if (c->size > (uint64_t)settings.upload_max_bytes) {
		http_error(req, 413, "File too large");
		return (0);
	}
	return (1);
}

/* One chunk a statement, as raw bytes; then the commit. */
static int
att_store(struct http_request *req, struct request_ctx *ctx,
    struct att_call *c)
{
	const char	*params[4], *status, *body;
	char		 seq[16], quota[24], hex[SHA256_HEX_SIZE];
	int		 lengths[3], formats[3], ret;
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen, i;
	size_t		 n;

	while (c->phase == ATT_CHUNKS && c->stored < c->size) {
		n = (size_t)MIN((uint64_t)ATT_CHUNK, c->size - c->stored);
		if (!c->chunk_read) {
			if (!att_read_full(req, c->buf, n))
				return (http_error_internal(req,
				    "attachments: read"));
			EVP_DigestUpdate(c->sha, c->buf, n);
			c->chunk_read = 1;
		}
		(void)snprintf(seq, sizeof(seq), "%d", c->seq);
		params[0] = c->id;
		params[1] = seq;
		params[2] = (const char *)c->buf;
		lengths[0] = lengths[1] = 0;
		lengths[2] = (int)n;
		formats[0] = formats[1] = 0;
		formats[2] = 1;
		if (!db_ready(req, db_query_fields(req, SQL_ATT_CHUNK, 3,
		    params, lengths, formats), &ret))
			return (ret);
		db_release(req);
		c->chunk_read = 0;
		c->stored += n;
		c->seq++;
	}

	if (c->phase == ATT_CHUNKS) {
		c->phase = ATT_COMMIT;
		if (c->sha == NULL || !EVP_DigestFinal_ex(c->sha, md, &mdlen))
			return (http_error_internal(req, "attachments: sha"));
		for (i = 0; i < mdlen && i * 2 < (SHA256_HEX_SIZE - 1); i++)
			(void)snprintf(hex + i * 2, 3, "%02x", md[i]);
		hex[(SHA256_HEX_SIZE - 1)] = '\0';
		kore_free(c->buf);
		c->buf = (uint8_t *)kore_strdup(hex);
	}

	(void)snprintf(quota, sizeof(quota), "%ld",
	    settings.storage_quota_bytes);
	params[0] = c->id;
	params[1] = ctx->user_id;
	params[2] = (const char *)c->buf;
	params[3] = quota;
	if (!db_ready(req, db_query(req, SQL_ATT_COMMIT, 4, params), &ret))
		return (ret);

	status = db_value(req, 0, "status");
	if (status == NULL)
		return (http_error_internal(req, "attachments: commit"));
	c->committed = 1;
	if (strcmp(status, "gone") == 0)
		return (http_error(req, HTTP_STATUS_NOT_FOUND,
		    "Task not found"));
	if (strcmp(status, "too_many") == 0)
		return (http_error(req, HTTP_STATUS_CONFLICT,
		    "Too many attachments"));
	if (strcmp(status, "quota") == 0)
		return (http_error(req, 413, "Storage quota exceeded"));
	if (strcmp(status, "ok") != 0)
		return (http_error_internal(req, "attachments: incomplete"));

	metrics_add(&shared->metrics.attachment_uploads, 1);
	metrics_add(&shared->metrics.attachment_bytes_stored, c->size);
	body = db_value(req, 0, "body");
	{
		char	location[64 + UUID_TEXT_SIZE];

		(void)snprintf(location, sizeof(location),
		    "/api/v1/attachments/%s", c->id);
		http_response_header(req, "location", location);
	}
	return (http_json(req, HTTP_STATUS_CREATED, body, strlen(body)));
}

static int
att_list(struct http_request *req, struct request_ctx *ctx,
    struct att_call *c)
{
	struct validation_errors	 errs;
	const char			*params[4], *body;
	char				 limit[16], offset[16];
	long				 l, o;
	int				 ret;

	validation_init(&errs);
	if (!query_parse(req, &errs)) {
		ret = http_error_validation(req, &errs);
		validation_cleanup(&errs);
		return (ret);
	}
	validation_cleanup(&errs);
	if (!query_long(req, "limit", 20, &l) ||
	    !query_long(req, "offset", 0, &o))
		return (http_error_internal(req, "attachments: validators"));
	(void)snprintf(limit, sizeof(limit), "%ld", l);
	(void)snprintf(offset, sizeof(offset), "%ld", o);

	params[0] = ctx->user_id;
	params[1] = c->task_id;
	params[2] = limit;
	params[3] = offset;
	if (!db_ready(req, db_query(req, SQL_ATT_LIST, 4, params), &ret))
		return (ret);

	if (db_is_null(req, 0, "body"))
		return (http_error(req, HTTP_STATUS_NOT_FOUND,
		    "Task not found"));
	body = db_value(req, 0, "body");
	return (http_json(req, HTTP_STATUS_OK, body, strlen(body)));
}

static int
att_download(struct http_request *req, struct request_ctx *ctx,
    struct att_call *c)
{
	const char	*params[2];
	int		 ret;

	if (c->phase == ATT_STREAM)
		return (att_stream(req, c));

	params[0] = ctx->user_id;
	params[1] = c->id;
	if (!db_ready(req, db_query(req, SQL_ATT_META, 2, params), &ret))
		return (ret);
	if (db_rows(req) == 0)
		return (http_error(req, HTTP_STATUS_NOT_FOUND,
		    "Attachment not found"));

	if (!att_headers(req, c))
		return (KORE_RESULT_OK);
	db_release(req);
	c->phase = ATT_STREAM;
	return (att_stream(req, c));
}

/*
 * The answer's status and headers from the stored metadata: 304, 416,
 * 206 or 200. 0 when that answer is complete (no bytes to send).
 */
static int
att_headers(struct http_request *req, struct att_call *c)
{
	const char	*inm, *range;
	char		 etag[SHA256_HEX_SIZE + 2], disp[ATT_DISPOSITION_MAX];
	char		 cr[96], *ep;
	uint64_t	 size, first, last;
	int		 status;

	size = strtoull(db_value(req, 0, "size"), &ep, 10);
	(void)snprintf(etag, sizeof(etag), "\"%s\"",
	    db_value(req, 0, "sha256"));
	att_disposition(db_value(req, 0, "filename"), disp);

	http_response_header(req, "etag", etag);
	http_response_header(req, "accept-ranges", "bytes");
	att_csp_sandbox(req);

	if (http_request_header(req, "if-none-match", &inm) &&
	    etag_matches(inm, etag)) {
		http_response(req, HTTP_STATUS_NOT_MODIFIED, NULL, 0);
		return (0);
	}

	if (!http_request_header(req, "range", &range))
		range = NULL;
	first = 0;
	last = size == 0 ? 0 : size - 1;
	status = HTTP_STATUS_OK;
	switch (byterange_parse(range, size, &first, &last)) {
	case BYTERANGE_UNSATISFIABLE:
		(void)snprintf(cr, sizeof(cr), "bytes */%" PRIu64, size);
		http_response_header(req, "content-range", cr);
		http_error(req, 416,
		    "Range Not Satisfiable");
		return (0);
	case BYTERANGE_OK:
		status = HTTP_STATUS_PARTIAL_CONTENT;
		(void)snprintf(cr, sizeof(cr), "bytes %" PRIu64 "-%" PRIu64
		    "/%" PRIu64, first, last, size);
		http_response_header(req, "content-range", cr);
		break;
	default:
		break;
	}

	http_response_header(req, "content-type", db_value(req, 0,
	    "content_type"));
	http_response_header(req, "content-disposition", disp);

	if (size == 0) {
		http_response(req, HTTP_STATUS_OK, NULL, 0);
		return (0);
	}
	if (!http_response_stream_begin(req, status, last - first + 1))
		return (0);	/* HEAD */
	c->pos = first;
	c->last = last;
	/*
	 * Kore closes a "Connection: close" connection as soon as its send
	 * queue is empty, which it is between two chunks: keep it open
	 * until the last one is queued.
	 */
	if (req->owner->flags & CONN_CLOSE_EMPTY) {
		req->owner->flags &= ~CONN_CLOSE_EMPTY;
		c->close_after = 1;
	}
	return (1);
}

/*
 * The next chunk from the database while the last one goes to the
 * client; the request sleeps until one of them is done. Never returns
 * (ends the request) while a chunk is still queued: the netbuf points
 * into c->inflight.
 */
static int
att_stream(struct http_request *req, struct att_call *c)
{
	struct request_ctx	*ctx;
	struct netbuf		*nb;
	const char		*params[4];
	char			 seq[16], from[16], count[16];
	uint64_t		 chunk, off, n;
	int			 status, len;

	ctx = request_begin(req);
	for (;;) {
		if (c->pos > c->last || c->failed) {
			if (c->sending) {
				http_request_sleep(req);
				return (KORE_RESULT_RETRY);
			}
			if (c->close_after && req->owner != NULL)
				req->owner->flags |= CONN_CLOSE_EMPTY;
			/* A failure after the headers: cut the answer short. */
			return (c->failed ? KORE_RESULT_ERROR : KORE_RESULT_OK);
		}

		chunk = c->pos / ATT_CHUNK;
		off = c->pos % ATT_CHUNK;
		n = MIN((uint64_t)ATT_CHUNK - off, c->last - c->pos + 1);
		(void)snprintf(seq, sizeof(seq), "%" PRIu64, chunk);
		(void)snprintf(from, sizeof(from), "%" PRIu64, off + 1);
		(void)snprintf(count, sizeof(count), "%" PRIu64, n);
		params[0] = c->id;
		params[1] = seq;
		params[2] = from;
		params[3] = count;
		status = db_query_binary(req, SQL_ATT_READ, 4, params);
		if (status == DB_PENDING) {
			http_request_sleep(req);
			return (KORE_RESULT_RETRY);
		}
		if (status != DB_OK || db_rows(req) != 1) {
			request_fail(req, "attachments: chunk missing or "
			    "database failed mid-download");
			c->failed = 1;
			continue;
		}
		if (c->sending) {
			/* The next chunk is here; the last one is not out. */
			http_request_sleep(req);
			return (KORE_RESULT_RETRY);
		}

		len = PQgetlength(ctx->db.result, 0, 0);
		if (len <= 0 || (uint64_t)len != n) {
			request_fail(req, "attachments: short chunk");
			c->failed = 1;
			continue;
		}
		c->inflight = ctx->db.result;
		ctx->db.result = NULL;
		db_release(req);
		c->sending = 1;
		c->pos += n;
		metrics_add(&shared->metrics.attachment_bytes_sent, n);
		net_send_stream(req->owner, PQgetvalue(c->inflight, 0, 0),
		    (size_t)len, att_sent, &nb);
		nb->extra = c;
		if (!net_send_flush(req->owner)) {
			c->failed = 1;
			kore_connection_disconnect(req->owner);
		}
	}
}

/* A chunk went out (or its connection closed): wake the download. */
static int
att_sent(struct netbuf *nb)
{
	struct att_call		*c = nb->extra;

	if (c->inflight != NULL) {
		PQclear(c->inflight);
		c->inflight = NULL;
	}
	c->sending = 0;
	http_request_wakeup(c->req);
	return (KORE_RESULT_OK);
}

static int
att_delete(struct http_request *req, struct request_ctx *ctx,
    struct att_call *c)
{
	const char	*params[2];
	int		 ret;

	params[0] = ctx->user_id;
	params[1] = c->id;
	if (!db_ready(req, db_query(req, SQL_ATT_DELETE, 2, params), &ret))
		return (ret);
	if (db_rows(req) == 0)
		return (http_error(req, HTTP_STATUS_NOT_FOUND,
		    "Attachment not found"));
	metrics_add(&shared->metrics.attachment_deletes, 1);
	http_response(req, HTTP_STATUS_NO_CONTENT, NULL, 0);
	return (KORE_RESULT_OK);
}

/* len bytes of the body into out (NULL: skip them); 0 when short. */
static int
att_read_full(struct http_request *req, uint8_t *out, size_t len)
{
	uint8_t		skip[4096];
	ssize_t		n;
	size_t		want;

	while (len > 0) {
		want = out != NULL ? len : MIN(len, sizeof(skip));
		n = http_body_read(req, out != NULL ? out : skip, want);
		if (n <= 0)
			return (0);
		len -= (size_t)n;
		if (out != NULL)
			out += n;
	}
	return (1);
}

/*
 * A download never renders as this origin, whatever its stored type:
 * the sandbox directive joins the policy every answer carries.
 */
static void
att_csp_sandbox(struct http_request *req)
{
	struct http_header	*hdr;

	TAILQ_FOREACH(hdr, &req->resp_headers, list) {
		if (strcasecmp(hdr->header, "content-security-policy") != 0)
			continue;
		kore_free(hdr->value);
		hdr->value = kore_strdup("sandbox; default-src 'none'; "
		    "frame-ancestors 'none'");
		return;
	}
	http_response_header(req, "content-security-policy", "sandbox");
}

static int
att_unprocessable(struct http_request *req, const char *type,
    const char *msg)
{
	struct validation_errors	errs;
	int				ret;

	validation_init(&errs);
	validation_add(&errs, type, "body", "file", msg, json_null(), NULL);
	ret = http_error_validation(req, &errs);
	validation_cleanup(&errs);
	return (ret);
}

/* A statement with no request: bound to a callback, freed once answered. */
static void
att_abort(const char *id)
{
	struct att_abort	*a;

	a = kore_calloc(1, sizeof(*a));
	kore_strlcpy(a->id, id, sizeof(a->id));
	att_abort_run(NULL, a);
}

static void
att_abort_bind(struct kore_pgsql *sql, void *arg)
{
	kore_pgsql_bind_callback(sql, att_abort_run, arg);
}

static void
att_abort_run(struct kore_pgsql *sql, void *arg)
{
	struct att_abort	*a = arg;
	const char		*params[1];
	int			 status;

	params[0] = a->id;
	status = db_call_run(&a->db, SQL_ATT_ABORT, 1, params, 0,
	    att_abort_bind, a);
	if (status == DB_PENDING)
		return;
	if (status != DB_OK)
		app_log(LOG_LEVEL_WARNING, "attachments: a failed upload's "
		    "row %s is left to the sweep", a->id);
	/* Not from inside Kore's pgsql callback: on the next loop. */
	kore_timer_add(att_abort_free, 0, a, KORE_TIMER_ONESHOT);
}

static void
att_abort_free(void *arg, u_int64_t now)
{
	struct att_abort	*a = arg;

	db_call_cleanup(&a->db);
	if (a->db.bound)
		kore_pgsql_cleanup(&a->db.sql);
	kore_free(a);
}
