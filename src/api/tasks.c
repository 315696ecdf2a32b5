/*
 * The tasks resource (SPEC "Tasks"): list, create, read, replace, patch,
 * toggle completion, delete, and the tag counts. Handlers parse and check
 * the request, run one statement from tasks_sql.h, and answer its JSON.
 *
 * The same handlers serve the compatibility routes /api/{user_id}/tasks...
 * (kore.conf): there the first path group is a user id that must be the
 * token's own.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/cursor.h"
#include "api/task_fields.h"
#include "api/task_json.h"
#include "api/tasks.h"
#include "api/tasks_sql.h"
#include "core/count_cache.h"
#include "core/digest_cache.h"
#include "core/etag.h"
#include "core/fields.h"
#include "core/hash.h"
#include "core/rfc3339.h"
#include "core/shared.h"
#include "core/strbuf.h"
#include "core/uuid.h"
#include "db/db_call.h"
#include "db/db_rows.h"
#include "http/http_body.h"
#include "http/http_db.h"
#include "http/http_query.h"
#include "http/http_request.h"
#include "http/http_response.h"

#define IDEMPOTENCY_KEY_MAX	255

/* What a handler keeps between its calls (one per database answer). */
struct task_call {
	char		id[UUID_TEXT_SIZE];
	char		*sql;
	char		*body;		/* normalized jsonb text */
	char		*params[TASK_LIST_PARAMS_MAX];	/* owned values */
	const char	*args[TASK_LIST_PARAMS_MAX];	/* in statement order */
	int		nparams;
	int		if_match_set;
	char		if_match[16];
	const struct task_sort	*sort;		/* lists */
	int		custom_plan;	/* lists: see DB_CUSTOM_PLAN */
	int		limit;
	int		offset;
	char		*count_key;	/* lists: core/count_cache.h */
};

static struct task_call	*task_call(struct http_request *,
			    struct request_ctx *);
static void		 task_call_free(void *);
static int		 task_route(struct http_request *, struct request_ctx *,
			    char *);
static int		 task_body(struct http_request *, int, char **);
static int		 task_recurrence_ok(json_t *);
static void		 task_recurrence_error(struct http_request *,
			    struct validation_errors *);
static int		 task_if_match(struct http_request *,
			    struct task_call *);
static int		 tasks_list(struct http_request *, struct request_ctx *);
static int		 tasks_create(struct http_request *,
			    struct request_ctx *);
static int		 task_get(struct http_request *, struct request_ctx *);
static int		 task_update(struct http_request *,
			    struct request_ctx *, int);
static int		 task_delete(struct http_request *,
			    struct request_ctx *);
static int		 task_answer(struct http_request *, int);
static int		 tasks_list_answer(struct http_request *,
			    struct task_call *);
static int		 task_run(struct http_request *, struct task_call *);
static void		 tasks_count_lookup(struct task_call *,
			    struct task_list_query *);
static void		 tasks_count_store(struct task_call *, PGresult *,
			    long long, int);

/* This worker's remembered filtered-list totals. */
static struct count_cache	count_cache;
static int		 list_args(struct http_request *, struct task_call *,
			    struct task_list_query *);

int
page_tasks(struct http_request *req)
{
	struct request_ctx	*ctx;

	if (!api_begin(req, &ctx))
		return (KORE_RESULT_OK);
	if (!task_route(req, ctx, NULL))
		return (KORE_RESULT_OK);

	if (req->method == HTTP_METHOD_POST)
		return (tasks_create(req, ctx));
	return (tasks_list(req, ctx));
}

int
page_task(struct http_request *req)
{
	struct request_ctx	*ctx;

	if (!api_begin(req, &ctx))
		return (KORE_RESULT_OK);
	if (!task_route(req, ctx, task_call(req, ctx)->id))
		return (KORE_RESULT_OK);

	switch (req->method) {
	case HTTP_METHOD_PUT:
		return (task_update(req, ctx, 1));
	case HTTP_METHOD_PATCH:
		return (task_update(req, ctx, 0));
	case HTTP_METHOD_DELETE:
		return (task_delete(req, ctx));
	default:
		return (task_get(req, ctx));
	}
}

int
page_task_complete(struct http_request *req)
{
	struct request_ctx	*ctx;
	struct task_call	*c;
	char			next[UUID_TEXT_SIZE];
	int			ret;

	if (!api_begin(req, &ctx))
		return (KORE_RESULT_OK);
	c = task_call(req, ctx);
	if (!task_route(req, ctx, c->id))
		return (KORE_RESULT_OK);

	if (c->sql == NULL) {
		if (!task_if_match(req, c))
			return (KORE_RESULT_OK);
		c->sql = kore_strdup(SQL_TASK_COMPLETE);
		c->params[0] = kore_strdup(ctx->user_id);
		c->params[1] = kore_strdup(c->id);
		c->params[2] = c->if_match_set ? kore_strdup(c->if_match) :
		    NULL;
		c->nparams = 3;
	}

	if (!db_ready(req, task_run(req, c), &ret))
		return (ret);

	if (db_rows(req) == 0)
		return (http_error(req, HTTP_STATUS_NOT_FOUND, "Task not found"));
	if (!db_is_null(req, 0, "next_id")) {
		pg_uuid_text((const unsigned char *)db_value(req, 0,
		    "next_id"), next);
		http_response_header(req, "x-next-task-id", next);
	}

	return (task_answer(req, HTTP_STATUS_OK));
}

int
page_tags(struct http_request *req)
{
	struct request_ctx	*ctx;
	const char		*params[1], *body;
	int			ret;

	if (!api_begin(req, &ctx))
		return (KORE_RESULT_OK);
	params[0] = ctx->user_id;

	if (!db_ready(req, db_query(req, SQL_TAGS, 1, params), &ret))
		return (ret);

	body = db_value(req, 0, "body");
	return (http_json(req, HTTP_STATUS_OK, body, strlen(body)));
}

static int
tasks_list(struct http_request *req, struct request_ctx *ctx)
{
	struct task_call	*c;
	struct task_list_query	lq;
	char			*sql;
	int			ret;

	c = task_call(req, ctx);
	if (c->sql == NULL) {
		memset(&lq, 0, sizeof(lq));
		c->params[0] = kore_strdup(ctx->user_id);
		lq.user_id = c->params[0];
		if (!list_args(req, c, &lq))
			return (KORE_RESULT_OK);
		tasks_count_lookup(c, &lq);

		if ((sql = tasks_list_sql(&lq, c->args, &c->nparams)) == NULL)
			return (http_error_internal(req, "out of memory"));
		c->sql = kore_strdup(sql);
		c->custom_plan = 1;
		free(sql);
		c->sort = lq.sort;
		c->limit = atoi(lq.limit);
		c->offset = atoi(lq.offset);
	}

	if (!db_ready(req, task_run(req, c), &ret))
		return (ret);

	return (tasks_list_answer(req, c));
}

/*
 * The list envelope from the rows: a total and whether it is exact on
 * every row (one row with no task when the page is empty), then up to limit + 1 tasks, the extra one
 * telling that a next page exists.
 */
static int
tasks_list_answer(struct http_request *req, struct task_call *c)
{
	struct strbuf		b;
	struct task_cols	cols;
	PGresult		*res;
	long long		total;
	int			rows, shown, i, exact;

	res = db_result(req);
	exact = PQfnumber(res, "total_exact");
	if (!task_cols_find(res, &cols) ||
	    !pg_int(res, 0, PQfnumber(res, "total"), &total) ||
	    exact < 0 || PQgetisnull(res, 0, exact) ||
	    PQgetlength(res, 0, exact) != 1)
		return (http_error_internal(req, "tasks: unexpected list row"));
	exact = *PQgetvalue(res, 0, exact) != 0;
	tasks_count_store(c, res, total, exact);

	rows = PQntuples(res);
	if (rows == 1 && PQgetisnull(res, 0, cols.id))
		rows = 0;
	shown = rows > c->limit ? c->limit : rows;

	strbuf_init(&b);
	strbuf_str(&b, "{\"items\":[");
	for (i = 0; i < shown; i++) {
		if (i > 0)
			strbuf_add(&b, ",", 1);
		if (!task_json(&b, res, i, &cols)) {
			strbuf_free(&b);
			return (http_error_internal(req, "tasks: bad row"));
		}
	}
	strbuf_printf(&b, "],\"total\":%lld,\"total_exact\":%s,"
	    "\"limit\":%d,\"offset\":%d,\"next_cursor\":", total,
	    exact ? "true" : "false", c->limit, c->offset);
	if (rows > c->limit) {
		if (!task_cursor(&b, res, c->limit - 1, &cols, c->sort)) {
			strbuf_free(&b);
			return (http_error_internal(req, "tasks: cursor"));
		}
	} else {
		strbuf_str(&b, "null");
	}
	strbuf_str(&b, "}");

	if (strbuf_failed(&b)) {
		strbuf_free(&b);
		return (http_error_internal(req, "out of memory"));
	}
	http_json(req, HTTP_STATUS_OK, b.data, b.len);
	strbuf_free(&b);
	return (KORE_RESULT_OK);
}

/*
 * A filtered list's total counted before: handed to the statement, which
 * uses it only if the user's write version has not moved since.
 */
static void
tasks_count_lookup(struct task_call *c, struct task_list_query *lq)
{
	struct strbuf	key;
	int64_t		version, count;

	strbuf_init(&key);
	if (!tasks_count_key(lq, &key)) {
		strbuf_free(&key);
		return;
	}
	c->count_key = kore_strdup(key.data);
	strbuf_free(&key);

	if (!count_cache_get(&count_cache, c->count_key, &version, &count))
		return;
	lq->few_matches = count <= TASK_FEW_MATCHES;
	lq->many_matches = count > TASK_TOTAL_CAP;
	c->params[8] = kore_malloc(24);
	(void)snprintf(c->params[8], 24, "%lld", (long long)version);
	c->params[9] = kore_malloc(24);
	(void)snprintf(c->params[9], 24, "%lld", (long long)count);
	lq->count_version = c->params[8];
	lq->count_value = c->params[9];
}

/* Remembers the count with the version the statement read. */
static void
tasks_count_store(struct task_call *c, PGresult *res, long long total,
    int exact)
{
	long long	version;
	int		col;

	if (c->count_key == NULL ||
	    (col = PQfnumber(res, "count_version")) < 0 ||
	    PQgetisnull(res, 0, col) || !pg_int(res, 0, col, &version))
		return;
	/* Remembered if the statement saw the version we handed it. */
	metrics_add(&shared->metrics.list_counts[c->params[8] != NULL &&
	    version == atoll(c->params[8])], 1);
	(void)count_cache_put(&count_cache, c->count_key, version,
	    exact ? total : TASK_TOTAL_CAP + 1);
}

/*
 * The list's query parameters: validated by kore.conf's validators (a bad
 * value is a 422 from query_parse), then combined here.
 */
static int
list_args(struct http_request *req, struct task_call *c,
    struct task_list_query *lq)
{
	struct validation_errors	errs;
	struct http_arg			*arg;
	struct cursor			cur;
	const struct task_sort		*sort;
	const char			*v, *sortkey;
	char				tags[TAGS_LITERAL_MAX], when[RFC3339_BUF];
	json_t				*tag_list, *norm;
	long				limit, offset;
	int64_t				secs;
	int				usec;

	validation_init(&errs);
	(void)query_parse(req, &errs);

	(void)query_long(req, "limit", 20, &limit);
	(void)query_long(req, "offset", 0, &offset);
	if ((sortkey = query_string(req, "sort")) == NULL)
		sortkey = "-created_at";

	/* kore.conf's validator and the allow-list agree on the keys. */
	if ((sort = tasks_sort_find(sortkey)) == NULL)
		sort = tasks_sort_find("-created_at");

	lq->sort = sort;
	lq->completed = query_string(req, "completed");
	lq->priority = query_string(req, "priority");
	lq->overdue = query_string(req, "overdue");

	/* tag is repeatable: every one given must match. */
	tag_list = json_array();
	TAILQ_FOREACH(arg, &req->arguments, list) {
		if (!strcmp(arg->name, "tag"))
			json_array_append_new(tag_list,
			    json_string(arg->s_value));
	}
	if (json_array_size(tag_list) > 10) {
		validation_add(&errs, "too_long", "query", "tag",
		    "List should have at most 10 items", NULL, NULL);
	} else if (json_array_size(tag_list) > 0) {
		norm = tags_normalize(tag_list);
		if (tags_literal(norm, tags, sizeof(tags))) {
			c->params[1] = kore_strdup(tags);
			lq->tags = c->params[1];
			lq->ntags = (int)json_array_size(norm);
		}
		json_decref(norm);
	}
	json_decref(tag_list);

	if ((v = query_string(req, "due_before")) != NULL) {
		if (rfc3339_parse(v, &secs, &usec)) {
			rfc3339_format(secs, usec, when, sizeof(when));
			c->params[2] = kore_strdup(when);
			lq->due_before = c->params[2];
		} else {
			validation_add(&errs, "datetime_parsing", "query",
			    "due_before", "Input should be a valid datetime in "
			    "RFC 3339 format", json_string(v), NULL);
		}
	}
	if ((v = query_string(req, "due_after")) != NULL) {
		if (rfc3339_parse(v, &secs, &usec)) {
			rfc3339_format(secs, usec, when, sizeof(when));
			c->params[3] = kore_strdup(when);
			lq->due_after = c->params[3];
		} else {
			validation_add(&errs, "datetime_parsing", "query",
			    "due_after", "Input should be a valid datetime in "
			    "RFC 3339 format", json_string(v), NULL);
		}
	}
	if ((v = query_string(req, "q")) != NULL) {
		if (utf8_length(v) > 200) {
			validation_add(&errs, "string_too_long", "query", "q",
			    "String should have at most 200 characters",
			    json_string(v), json_pack("{s:i}", "max_length",
			    200));
		} else {
			lq->q = v;
		}
	}

	if ((v = query_string(req, "cursor")) != NULL) {
		if (query_string(req, "offset") != NULL) {
			validation_add(&errs, "value_error", "query", "cursor",
			    "Value error, use either cursor or offset, not both",
			    json_string(v), NULL);
		} else if (!cursor_decode(v, sort->key, sort->kind, &cur)) {
			validation_add(&errs, "value_error", "query", "cursor",
			    "Value error, invalid cursor for this sort",
			    json_string(v), NULL);
		} else {
			c->params[4] = cur.value_null ? NULL :
			    kore_strdup(cur.value);
			c->params[5] = kore_strdup(cur.id);
			lq->has_cursor = 1;
			lq->cursor_value = c->params[4];
			lq->cursor_id = c->params[5];
			offset = 0;
		}
	}

	if (validation_count(&errs) > 0) {
		http_error_validation(req, &errs);
		validation_cleanup(&errs);
		return (0);
	}
	validation_cleanup(&errs);

	c->params[6] = kore_malloc(24);
	(void)snprintf(c->params[6], 24, "%ld", limit);
	c->params[7] = kore_malloc(24);
	(void)snprintf(c->params[7], 24, "%ld", offset);
	lq->limit = c->params[6];
	lq->offset = c->params[7];

	return (1);
}

static int
tasks_create(struct http_request *req, struct request_ctx *ctx)
{
	struct validation_errors	errs;
	struct task_call		*c;
	const char			*key, *outcome, *data;
	char				hash[SHA256_HEX_SIZE];
	size_t				i, len;
	int				ret;

	c = task_call(req, ctx);
	if (c->sql == NULL) {
		key = NULL;
		if (http_request_header(req, "idempotency-key", &key)) {
			for (i = 0; key[i] != '\0'; i++) {
				if (key[i] < 0x21 || key[i] > 0x7e)
					break;
			}
			if (i == 0 || key[i] != '\0' ||
			    i > IDEMPOTENCY_KEY_MAX) {
				validation_init(&errs);
				validation_add(&errs, "value_error", "header",
				    "idempotency-key", "Value error, 1 to 255 "
				    "visible ASCII characters", json_string(key),
				    NULL);
				http_error_validation(req, &errs);
				validation_cleanup(&errs);
				return (KORE_RESULT_OK);
			}
		}

		if (!task_body(req, 1, &c->body))
			return (KORE_RESULT_OK);

		c->params[0] = kore_strdup(ctx->user_id);
		c->params[1] = kore_strdup(c->body);
		c->nparams = 2;
		if (key != NULL) {
			http_body(req, &data, &len);
			sha256_hex(data, len, hash);
			c->params[2] = kore_strdup(key);
			c->params[3] = kore_strdup(hash);
			c->nparams = 4;
			c->sql = kore_strdup(SQL_TASK_POST_IDEMPOTENT);
		} else {
			c->sql = kore_strdup(SQL_TASK_POST);
		}
	}

	if (!db_ready(req, task_run(req, c), &ret))
		return (ret);

	/* No row: the same key is being used by a request still running. */
	if (db_rows(req) == 0) {
		return (http_error(req, HTTP_STATUS_CONFLICT, "A request with "
		    "this Idempotency-Key is in progress; retry later"));
	}

	outcome = db_value(req, 0, "outcome");
	if (!strcmp(outcome, "conflict")) {
		validation_init(&errs);
		validation_add(&errs, "idempotency_key_reused", "header",
		    "idempotency-key", "This Idempotency-Key was used with a "
		    "different request body", json_string(c->params[2]), NULL);
		http_error_validation(req, &errs);
		validation_cleanup(&errs);
		return (KORE_RESULT_OK);
	}
	if (db_is_null(req, 0, "id")) {
		return (http_error(req, HTTP_STATUS_CONFLICT, "The task this "
		    "Idempotency-Key created no longer exists"));
	}
	if (!strcmp(outcome, "replayed"))
		http_response_header(req, "idempotent-replayed", "true");

	return (task_answer(req, HTTP_STATUS_CREATED));
}

static int
task_get(struct http_request *req, struct request_ctx *ctx)
{
	struct task_call	*c;
	struct task_cols	cols;
	PGresult		*res;
	const char		*inm;
	char			etag[16];
	int			ret;

	c = task_call(req, ctx);
	if (c->sql == NULL) {
		c->sql = kore_strdup(SQL_TASK_GET);
		c->params[0] = kore_strdup(ctx->user_id);
		c->params[1] = kore_strdup(c->id);
		c->nparams = 2;
	}

	if (!db_ready(req, task_run(req, c), &ret))
		return (ret);

	if (db_rows(req) == 0)
		return (http_error(req, HTTP_STATUS_NOT_FOUND, "Task not found"));

	if (http_request_header(req, "if-none-match", &inm)) {
		res = db_result(req);
		if (!task_cols_find(res, &cols))
			return (http_error_internal(req, "tasks: bad row"));
		task_etag(res, 0, &cols, etag);
		if (etag_matches(inm, etag)) {
			http_response_header(req, "etag", etag);
			http_response(req, HTTP_STATUS_NOT_MODIFIED, NULL, 0);
			return (KORE_RESULT_OK);
		}
	}

	return (task_answer(req, HTTP_STATUS_OK));
}

/* PUT (replace: every writable field, defaults for absent ones) or PATCH. */
static int
task_update(struct http_request *req, struct request_ctx *ctx, int replace)
{
	struct validation_errors	errs;
	struct task_call		*c;
	int				ret;

	c = task_call(req, ctx);
	if (c->sql == NULL) {
		if (!task_if_match(req, c))
			return (KORE_RESULT_OK);
		if (!task_body(req, replace, &c->body))
			return (KORE_RESULT_OK);
		c->sql = kore_strdup(SQL_TASK_UPDATE);
		c->params[0] = kore_strdup(ctx->user_id);
		c->params[1] = kore_strdup(c->id);
		c->params[2] = kore_strdup(c->body);
		c->params[3] = c->if_match_set ? kore_strdup(c->if_match) :
		    NULL;
		c->nparams = 4;
	}

	if (!db_ready(req, task_run(req, c), &ret))
		return (ret);

	if (db_rows(req) == 0)
		return (http_error(req, HTTP_STATUS_NOT_FOUND, "Task not found"));
	if (*db_value(req, 0, "valid") == 0) {
		validation_init(&errs);
		task_recurrence_error(req, &errs);
		http_error_validation(req, &errs);
		validation_cleanup(&errs);
		return (KORE_RESULT_OK);
	}

	return (task_answer(req, HTTP_STATUS_OK));
}

static int
task_delete(struct http_request *req, struct request_ctx *ctx)
{
	struct task_call	*c;
	const char		*args[3];
	int			ret;

	c = task_call(req, ctx);
	if (c->sql == NULL) {
		if (!task_if_match(req, c))
			return (KORE_RESULT_OK);
		c->sql = kore_strdup(SQL_TASK_DELETE);
		c->params[0] = kore_strdup(ctx->user_id);
		c->params[1] = kore_strdup(c->id);
		c->params[2] = c->if_match_set ? kore_strdup(c->if_match) :
		    NULL;
		c->nparams = 3;
	}

	/* Text results: nothing to render but two counts. */
	args[0] = c->params[0];
	args[1] = c->params[1];
	args[2] = c->params[2];
	if (!db_ready(req, db_query(req, c->sql, c->nparams, args), &ret))
		return (ret);

	if (db_is_null(req, 0, "current"))
		return (http_error(req, HTTP_STATUS_NOT_FOUND, "Task not found"));
	if (!strcmp(db_value(req, 0, "deleted"), "0")) {
		return (http_error(req, HTTP_STATUS_PRECONDITION_FAILED,
		    "The task changed since you read it (ETag mismatch)"));
	}

	http_response(req, HTTP_STATUS_NO_CONTENT, NULL, 0);
	return (KORE_RESULT_OK);
}

/*
 * Answers the task of the statement's first row with its ETag and, for a
 * creation, its Location. A row without a task after a write means the
 * If-Match condition lost: 412.
 */
static int
task_answer(struct http_request *req, int status)
{
	struct strbuf		b;
	struct task_cols	cols;
	PGresult		*res;
	char			etag[16], id[UUID_TEXT_SIZE], location[64];

	res = db_result(req);
	if (db_rows(req) == 0)
		return (http_error(req, HTTP_STATUS_NOT_FOUND, "Task not found"));
	if (!task_cols_find(res, &cols))
		return (http_error_internal(req, "tasks: unexpected row"));
	if (PQgetisnull(res, 0, cols.id)) {
		return (http_error(req, HTTP_STATUS_PRECONDITION_FAILED,
		    "The task changed since you read it (ETag mismatch)"));
	}

	strbuf_init(&b);
	if (!task_json(&b, res, 0, &cols)) {
		strbuf_free(&b);
		return (http_error_internal(req, "tasks: bad row"));
	}

	task_etag(res, 0, &cols, etag);
	http_response_header(req, "etag", etag);
	if (status == HTTP_STATUS_CREATED) {
		task_id(res, 0, &cols, id);
		(void)snprintf(location, sizeof(location), "/api/v1/tasks/%s",
		    id);
		http_response_header(req, "location", location);
	}

	http_json(req, status, b.data, b.len);
	strbuf_free(&b);
	return (KORE_RESULT_OK);
}

/* Runs the call's statement; its arguments are its params unless the
 * list builder ordered them. */
static int
task_run(struct http_request *req, struct task_call *c)
{
	int		i;

	if (c->args[0] == NULL) {
		for (i = 0; i < c->nparams; i++)
			c->args[i] = c->params[i];
	}
	return (db_query_flags(req, c->sql, c->nparams, c->args,
	    DB_BINARY | (c->custom_plan ? DB_CUSTOM_PLAN : 0)));
}

/*
 * Checks the route: on the compatibility routes the first group is a user
 * id that must be the caller's own (403 otherwise). id, when given, gets
 * the task id (the route's last group). Returns 0 after answering.
 */
static int
task_route(struct http_request *req, struct request_ctx *ctx, char *id)
{
	char	user[256];
	int	group;

	group = 1;
	if (strncmp(req->hdlr->path, "^/api/v1/", 9) &&
	    strcmp(req->hdlr->path, "/api/v1/tasks")) {
		if (!path_capture(req, 1, user, sizeof(user)) ||
		    strcmp(user, ctx->user_id)) {
			http_error(req, HTTP_STATUS_FORBIDDEN,
			    "Not enough permissions");
			return (0);
		}
		group = 2;
	}

	if (id != NULL && id[0] == '\0' &&
	    !path_capture(req, group, id, 37)) {
		http_error(req, HTTP_STATUS_NOT_FOUND, "Task not found");
		return (0);
	}

	return (1);
}

/*
 * Parses and checks a task body into normalized jsonb text: values as
 * pydantic converts them (fields_check: datetimes in UTC, bools from
 * "yes"), tags lower-cased and merged, unknown and read-only fields dropped.
 * full: every writable field present (POST, PUT), defaults for absent.
 */
static int
task_body(struct http_request *req, int full, char **out)
{
	struct validation_errors	errs;
	struct field_spec		specs[TASK_NFIELDS];
	json_t				*body, *norm, *v;
	size_t				i;

	memcpy(specs, task_fields, sizeof(specs));
	if (!full) {
		for (i = 0; i < TASK_NFIELDS; i++)
			specs[i].required = 0;
	}

	validation_init(&errs);
	if (!http_body_json(req, specs, TASK_NFIELDS, &errs, &body)) {
		validation_cleanup(&errs);
		return (0);
	}

	/*
	 * The model rule, as pydantic's model_validator(mode="after"): only
	 * once every field is valid, and on a full write (PATCH is checked
	 * against the stored task, in SQL_TASK_UPDATE).
	 */
	if (full && validation_count(&errs) == 0 &&
	    !task_recurrence_ok(body))
		task_recurrence_error(req, &errs);

	if (!http_body_valid(req, body, &errs)) {
		validation_cleanup(&errs);
		return (0);
	}
	validation_cleanup(&errs);

	norm = json_object();
	for (i = 0; i < TASK_NFIELDS; i++) {
		v = json_object_get(body, task_fields[i].name);
		if (v == NULL)
			continue;
		if (json_is_null(v)) {
			json_object_set_new(norm, task_fields[i].name,
			    json_null());
		} else if (task_fields[i].type == FIELD_TAGS) {
			json_object_set_new(norm, "tags", tags_normalize(v));
		} else {
			json_object_set(norm, task_fields[i].name, v);
		}
	}

	/* PUT replaces: absent writable fields take their defaults. */
	if (full) {
		if (json_object_get(norm, "description") == NULL)
			json_object_set_new(norm, "description", json_string(""));
		if (json_object_get(norm, "completed") == NULL)
			json_object_set_new(norm, "completed", json_false());
		if (json_object_get(norm, "priority") == NULL)
			json_object_set_new(norm, "priority",
			    json_string("medium"));
		if (json_object_get(norm, "due_at") == NULL)
			json_object_set_new(norm, "due_at", json_null());
		if (json_object_get(norm, "remind_at") == NULL)
			json_object_set_new(norm, "remind_at", json_null());
		if (json_object_get(norm, "recurrence") == NULL)
			json_object_set_new(norm, "recurrence", json_null());
		if (json_object_get(norm, "tags") == NULL)
			json_object_set_new(norm, "tags", json_array());
	}

	*out = json_dumps(norm, JSON_COMPACT);
	json_decref(norm);
	json_decref(body);

	return (*out != NULL);
}

/* A recurrence needs a due_at (a body pydantic validated). */
static int
task_recurrence_ok(json_t *body)
{
	json_t	*rec, *due;

	rec = json_object_get(body, "recurrence");
	due = json_object_get(body, "due_at");
	return (rec == NULL || json_is_null(rec) ||
	    (due != NULL && !json_is_null(due)));
}

/*
 * The model rule's error as FastAPI answers a model validator's
 * ValueError: loc ["body"], the body as sent, ctx {"error": {}}.
 */
static void
task_recurrence_error(struct http_request *req, struct validation_errors *errs)
{
	const char	*data;
	size_t		len;

	http_body(req, &data, &len);
	validation_add(errs, "value_error", "body", NULL,
	    "Value error, a recurring task needs a due_at",
	    json_loadb(data, len, JSON_DECODE_ANY, NULL),
	    json_pack("{s:{}}", "error"));
}

/*
 * If-Match: our ETags are "N" (the row version). "*" matches any existing
 * task; anything else that is not one of ours can never match: 412.
 */
static int
task_if_match(struct http_request *req, struct task_call *c)
{
	const char	*v;
	char		*ep;
	long		n;

	if (!http_request_header(req, "if-match", &v) || !strcmp(v, "*"))
		return (1);

	if (!strncmp(v, "W/", 2))
		v += 2;
	if (v[0] == '"') {
		n = strtol(v + 1, &ep, 10);
		if (ep != v + 1 && ep[0] == '"' && ep[1] == '\0' && n > 0 &&
		    n < 2147483647) {
			(void)snprintf(c->if_match, sizeof(c->if_match), "%ld",
			    n);
			c->if_match_set = 1;
			return (1);
		}
	}

	http_error(req, HTTP_STATUS_PRECONDITION_FAILED,
	    "The task changed since you read it (ETag mismatch)");
	return (0);
}

static struct task_call *
task_call(struct http_request *req, struct request_ctx *ctx)
{
	if (ctx->state == NULL) {
		ctx->state = kore_calloc(1, sizeof(struct task_call));
		ctx->state_free = task_call_free;
	}
	return (ctx->state);
}

static void
task_call_free(void *arg)
{
	struct task_call	*c = arg;
	size_t			i;

	kore_free(c->sql);
	kore_free(c->count_key);
	free(c->body);
	for (i = 0; i < sizeof(c->params) / sizeof(c->params[0]); i++)
		kore_free(c->params[i]);
	kore_free(c);
}
