/*
 * One query in flight per request, driven by the handler being called
 * again (KORE_RESULT_RETRY) until the answer is there. The result is taken
 * out of Kore's pgsql object and the connection handed back at once, so a
 * connection is held only for the round trip, never while we render.
 */

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

#include <string.h>

#include "db.h"
#include "http_errors.h"
#include "request.h"
#include "shared.h"

#define DB_CALL_IDLE	0
#define DB_CALL_SENT	1
#define DB_CALL_DONE	2
#define DB_CALL_FAILED	3

/* Seconds a client is asked to wait after a 503 (Retry-After). */
#define DB_RETRY_AFTER	"1"

static int	db_run(struct http_request *, const char *, int,
		    const char **, int);
static int	db_finish(struct http_request *, struct db_call *);
static int	db_fail(struct http_request *, struct db_call *, const char *);
static int	db_conn_bad(struct db_call *);
static void	db_gauge(struct db_call *, int);

/* Kore's count of queries waiting for a connection (pgsql.c). */
extern u_int32_t	pgsql_queue_count;

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
	return (db_run(req, query, nparams, params, 1));
}

/* The last answer, for readers that decode columns themselves. */
PGresult *
db_result(struct http_request *req)
{
	return (request_begin(req)->db.result);
}

static int
db_run(struct http_request *req, const char *query, int nparams,
    const char **params, int binary)
{
	struct request_ctx	*ctx;
	struct db_call		*c;

	ctx = request_begin(req);
	c = &ctx->db;

	switch (c->state) {
	case DB_CALL_DONE:
		return (DB_OK);
	case DB_CALL_FAILED:
		return (c->failure);
	case DB_CALL_SENT:
		return (db_finish(req, c));
	default:
		break;
	}

	if (nparams < 0 || nparams > DB_PARAMS_MAX)
		fatal("db_query: %d parameters", nparams);

	if (!c->bound) {
		kore_pgsql_init(&c->sql);
		kore_pgsql_bind_request(&c->sql, req);
		c->bound = 1;
	} else if (c->sql.state == KORE_PGSQL_STATE_ERROR) {
		/* Woken from the queue because a connect failed. */
		c->failure = DB_UNAVAILABLE;
		return (db_fail(req, c, c->sql.error));
	}

	if (!kore_pgsql_setup(&c->sql, DB_NAME, KORE_PGSQL_ASYNC)) {
		/*
		 * Queued: every connection is busy, or a new one is being
		 * made without blocking the worker. Kore wakes us up.
		 */
		if (c->sql.state == KORE_PGSQL_STATE_INIT) {
			db_gauge(c, 0);
			return (DB_PENDING);
		}
		c->failure = DB_UNAVAILABLE;
		return (db_fail(req, c, c->sql.error));
	}

	if (!kore_pgsql_query_param_fields(&c->sql, query, binary, nparams,
	    params, NULL, NULL)) {
		c->failure = DB_UNAVAILABLE;
		return (db_fail(req, c, c->sql.error));
	}

	c->state = DB_CALL_SENT;
	db_gauge(c, 1);
	return (DB_PENDING);
}

/* Lets the same request run another query after the last one's answer. */
void
db_release(struct http_request *req)
{
	struct request_ctx	*ctx;

	ctx = request_begin(req);
	if (ctx->db.result != NULL) {
		PQclear(ctx->db.result);
		ctx->db.result = NULL;
	}
	ctx->db.state = DB_CALL_IDLE;
}

/* See db.h: the page handler's side of a query, in one call. */
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

void
db_call_cleanup(struct db_call *c)
{
	db_gauge(c, 0);
	if (c->result != NULL) {
		PQclear(c->result);
		c->result = NULL;
	}
}

static int
db_finish(struct http_request *req, struct db_call *c)
{
	const char	*sqlstate;
	char		cause[256];

	switch (c->sql.state) {
	case KORE_PGSQL_STATE_WAIT:
	case KORE_PGSQL_STATE_INIT:
		return (DB_PENDING);
	case KORE_PGSQL_STATE_RESULT:
	case KORE_PGSQL_STATE_DONE:
		/*
		 * Kore says DONE when libpq has no result at all, which is
		 * what a connection lost before the answer looks like: not
		 * success (an upsert that never ran, a read of no rows).
		 */
		if (c->sql.result == NULL) {
			c->failure = DB_UNAVAILABLE;
			return (db_fail(req, c, "database: no answer "
			    "(connection lost)"));
		}
		/* Keep the answer, hand the connection back right away. */
		c->result = c->sql.result;
		c->sql.result = NULL;
		while (c->sql.state == KORE_PGSQL_STATE_RESULT ||
		    c->sql.state == KORE_PGSQL_STATE_DONE)
			kore_pgsql_continue(&c->sql);
		db_gauge(c, 0);
		if (c->sql.state == KORE_PGSQL_STATE_ERROR) {
			c->failure = DB_UNAVAILABLE;
			return (db_fail(req, c, c->sql.error));
		}
		c->state = DB_CALL_DONE;
		return (DB_OK);
	case KORE_PGSQL_STATE_ERROR:
		sqlstate = NULL;
		if (c->sql.result != NULL)
			sqlstate = PQresultErrorField(c->sql.result,
			    PG_DIAG_SQLSTATE);
		c->failure = db_classify(sqlstate, db_conn_bad(c));
		(void)snprintf(cause, sizeof(cause), "database: [%s] %s",
		    sqlstate != NULL ? sqlstate : "-",
		    c->sql.error != NULL ? c->sql.error : "unknown");
		return (db_fail(req, c, cause));
	default:
		c->failure = DB_ERROR;
		return (db_fail(req, c, "database: unexpected state"));
	}
}

static int
db_fail(struct http_request *req, struct db_call *c, const char *cause)
{
	db_gauge(c, 0);
	request_fail(req, cause != NULL ? cause : "database: unknown error");

	/* Releases the connection; Kore drops it if it is broken. */
	kore_pgsql_cleanup(&c->sql);
	c->bound = 0;
	c->state = DB_CALL_FAILED;

	return (c->failure);
}

/*
 * This worker's gauges for /metrics: connections running a query, and
 * queries waiting for one. in_use says whether c holds a connection.
 */
static void
db_gauge(struct db_call *c, int in_use)
{
	size_t		slot;

	if (shared == NULL)
		return;

	slot = worker != NULL ? worker->id % MET_WORKERS : 0;
	if (in_use != c->in_use) {
		__atomic_fetch_add(&shared->metrics.db_in_use[slot],
		    in_use ? 1 : -1, __ATOMIC_RELAXED);
		c->in_use = in_use;
	}
	__atomic_store_n(&shared->metrics.db_queued[slot],
	    (int64_t)pgsql_queue_count, __ATOMIC_RELAXED);
}

static int
db_conn_bad(struct db_call *c)
{
	if (c->sql.conn == NULL || c->sql.conn->db == NULL)
		return (1);
	return (PQstatus(c->sql.conn->db) == CONNECTION_BAD);
}
