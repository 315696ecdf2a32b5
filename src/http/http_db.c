/*
 * One query in flight per request, driven by the handler being called
 * again (KORE_RESULT_RETRY): Kore wakes a request bound to its pgsql.
 */

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

#include "http/http_db.h"
#include "http/http_request.h"
#include "http/http_response.h"

/* Seconds a client is asked to wait after a 503 (Retry-After). */
#define DB_RETRY_AFTER	"1"

static int	db_run(struct http_request *, const char *, int,
		    const char **, int);
static void	db_bind_request(struct kore_pgsql *, void *);

int
db_query(struct http_request *req, const char *query, int nparams,
    const char **params)
{
	return (db_run(req, query, nparams, params, 0));
}

/* Results in binary: the cheapest for the database to send. */
int
db_query_binary(struct http_request *req, const char *query, int nparams,
    const char **params)
{
	return (db_run(req, query, nparams, params, DB_BINARY));
}

/* With DB_BINARY, DB_CUSTOM_PLAN (db/db_call.h). */
int
db_query_flags(struct http_request *req, const char *query, int nparams,
    const char **params, int flags)
{
	return (db_run(req, query, nparams, params, flags));
}

/* Parameters with lengths and formats (binary bytea), text results. */
int
db_query_fields(struct http_request *req, const char *query, int nparams,
    const char **params, int *lengths, int *formats)
{
	struct db_call	*c;
	int		status;

	c = &request_begin(req)->db;
	status = db_call_run_fields(c, query, nparams, params, lengths,
	    formats, 0, db_bind_request, req);
	if (status != DB_OK && status != DB_PENDING)
		request_fail(req, c->cause);
	return (status);
}

/* The last answer, for readers that decode columns themselves. */
PGresult *
db_result(struct http_request *req)
{
	return (request_begin(req)->db.result);
}

static int
db_run(struct http_request *req, const char *query, int nparams,
    const char **params, int flags)
{
	struct db_call	*c;
	int		status;

	c = &request_begin(req)->db;
	status = db_call_run(c, query, nparams, params, flags,
	    db_bind_request, req);
	if (status != DB_OK && status != DB_PENDING)
		request_fail(req, c->cause);
	return (status);
}

static void
db_bind_request(struct kore_pgsql *sql, void *arg)
{
	kore_pgsql_bind_request(sql, arg);
}

/* Lets the same request run another query after the last one's answer. */
void
db_release(struct http_request *req)
{
	db_call_release(&request_begin(req)->db);
}

/* See http_db.h: the page handler's side of a query, in one call. */
int
db_ready(struct http_request *req, int status, int *ret)
{
	switch (status) {
	case DB_OK:
		return (1);
	case DB_PENDING:
		*ret = KORE_RESULT_RETRY;
		return (0);
	default:
		*ret = db_error_response(req);
		return (0);
	}
}

int
db_error_response(struct http_request *req)
{
	struct request_ctx	*ctx;

	ctx = request_begin(req);
	if (ctx->db.failure == DB_UNAVAILABLE) {
		/* A restart or a failover: a client may try again shortly. */
		http_response_header(req, "retry-after", DB_RETRY_AFTER);
		return (http_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "Database unavailable"));
	}

	return (http_error(req, HTTP_STATUS_INTERNAL_ERROR,
	    "Internal Server Error"));
}

int
db_rows(struct http_request *req)
{
	struct request_ctx	*ctx;

	ctx = request_begin(req);
	if (ctx->db.result == NULL)
		return (0);
	return (PQntuples(ctx->db.result));
}

/* A column of a row by name; NULL when there is no such row or column. */
const char *
db_value(struct http_request *req, int row, const char *column)
{
	struct request_ctx	*ctx;
	int			col;

	ctx = request_begin(req);
	if (ctx->db.result == NULL || row < 0 ||
	    row >= PQntuples(ctx->db.result))
		return (NULL);
	if ((col = PQfnumber(ctx->db.result, column)) == -1)
		return (NULL);

	return (PQgetvalue(ctx->db.result, row, col));
}

int
db_is_null(struct http_request *req, int row, const char *column)
{
	struct request_ctx	*ctx;
	int			col;

	ctx = request_begin(req);
	if (ctx->db.result == NULL || row < 0 ||
	    row >= PQntuples(ctx->db.result))
		return (1);
	if ((col = PQfnumber(ctx->db.result, column)) == -1)
		return (1);

	return (PQgetisnull(ctx->db.result, row, col));
}
