/*
 * The result is taken out of Kore's pgsql object and the connection
 * handed back at once, so a connection is held only for the round trip,
 * never while the caller renders.
 */

#include <kore/kore.h>
#include <kore/pgsql.h>

#include <stdio.h>
#include <string.h>

#include "core/settings.h"
#include "core/shared.h"
#include "db/db_call.h"

#define DB_CALL_IDLE	0
#define DB_CALL_SENT	1
#define DB_CALL_DONE	2
#define DB_CALL_FAILED	3

static int	db_call_step(struct db_call *, const char *, int,
		    const char **, int *, int *, int, db_bind_fn, void *);
static int	db_finish(struct db_call *);
static int	db_fail(struct db_call *, const char *);
static int	db_conn_bad(struct db_call *);
static void	db_gauge(struct db_call *, int);
static int	db_slot(const char *);

/*
 * This worker's prepared statements: a slot per distinct statement text,
 * the same slot on every connection (Kore names it kore_s<slot>). List
 * statements are built at run time from a bounded set of filters; texts
 * past the last slot go unnamed.
 */
static struct {
	uint64_t	hash;
	char		*text;
} db_slots[KORE_PGSQL_PREPARED_MAX];
static int	db_nslots = 0;

/* Kore's count of queries waiting for a connection (pgsql.c). */
extern u_int32_t	pgsql_queue_count;

/*
 * Sends query (flags: DB_BINARY, DB_CUSTOM_PLAN) or, once sent, looks
 * for its answer. DB_OK with the answer in c->result, DB_PENDING while
 * waiting, else the failure (c->cause says why). Called again after an answer, it answers the
 * same until db_call_release().
 */
int
db_call_run(struct db_call *c, const char *query, int nparams,
    const char **params, int flags, db_bind_fn bind, void *arg)
{
	return (db_call_run_fields(c, query, nparams, params, NULL, NULL,
	    flags, bind, arg));
}

/*
 * db_call_run() with parameter lengths and formats (1: binary, e.g. a
 * bytea sent as its raw bytes); NULL for text parameters. Those go
 * unnamed: prepared statements here take text parameters only.
 */
int
db_call_run_fields(struct db_call *c, const char *query, int nparams,
    const char **params, int *lengths, int *formats, int flags,
    db_bind_fn bind, void *arg)
{
	int		status;

	/*
	 * Kore calls a bound callback from inside the calls made here (the
	 * send schedules, a release wakes the queue): a callback that runs
	 * the call again must not send twice. It is told to wait; the
	 * outer call reads the outcome.
	 */
	if (c->running)
		return (DB_PENDING);
	c->running = 1;
	status = db_call_step(c, query, nparams, params, lengths, formats,
	    flags, bind, arg);
	c->running = 0;
	return (status);
}

static int
db_call_step(struct db_call *c, const char *query, int nparams,
    const char **params, int *lengths, int *formats, int flags,
    db_bind_fn bind, void *arg)
{
	int		slot, ok;

	switch (c->state) {
	case DB_CALL_DONE:
		return (DB_OK);
	case DB_CALL_FAILED:
		return (c->failure);
	case DB_CALL_SENT:
		return (db_finish(c));
	default:
		break;
	}

	if (nparams < 0 || nparams > DB_PARAMS_MAX)
		fatal("db_call_run: %d parameters", nparams);

	if (!c->bound) {
		kore_pgsql_init(&c->sql);
		bind(&c->sql, arg);
		c->bound = 1;
	} else if (c->sql.state == KORE_PGSQL_STATE_ERROR) {
		/* Woken from the queue because a connect failed. */
		c->failure = DB_UNAVAILABLE;
		return (db_fail(c, c->sql.error));
	} else if (c->sql.state == KORE_PGSQL_STATE_COMPLETE) {
		/*
		 * The last statement's connection went back (db_call_release):
		 * this one starts like a new one, so that with every
		 * connection busy it waits in the queue (INIT below) instead
		 * of failing.
		 */
		c->sql.state = KORE_PGSQL_STATE_INIT;
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
		return (db_fail(c, c->sql.error));
	}

	slot = -1;
	if (settings.database_prepared && !(flags & DB_CUSTOM_PLAN) &&
	    lengths == NULL && formats == NULL)
		slot = db_slot(query);
	if (slot >= 0)
		ok = kore_pgsql_query_prepared(&c->sql, slot, query,
		    (flags & DB_BINARY) ? 1 : 0, nparams, params);
	else
		ok = kore_pgsql_query_param_fields(&c->sql, query,
		    (flags & DB_BINARY) ? 1 : 0, nparams, params, lengths,
		    formats);
	if (!ok) {
		c->failure = DB_UNAVAILABLE;
		return (db_fail(c, c->sql.error));
	}
	if (shared != NULL)
		metrics_add(&shared->metrics.db_statements[slot >= 0], 1);

	c->state = DB_CALL_SENT;
	db_gauge(c, 1);
	return (DB_PENDING);
}

/* Lets the same call run another statement after the last one's answer. */
void
db_call_release(struct db_call *c)
{
	if (c->result != NULL) {
		PQclear(c->result);
		c->result = NULL;
	}
	c->state = DB_CALL_IDLE;
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
db_finish(struct db_call *c)
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
			return (db_fail(c, "database: no answer "
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
			return (db_fail(c, c->sql.error));
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
		return (db_fail(c, cause));
	default:
		c->failure = DB_ERROR;
		return (db_fail(c, "database: unexpected state"));
	}
}

static int
db_fail(struct db_call *c, const char *cause)
{
	db_gauge(c, 0);
	(void)snprintf(c->cause, sizeof(c->cause), "%s",
	    cause != NULL ? cause : "database: unknown error");

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

/* query's slot (FNV-1a, then the text itself), a new one, or -1: none left. */
static int
db_slot(const char *query)
{
	const unsigned char	*p;
	uint64_t		 h;
	int			 i;

	h = 14695981039346656037ULL;
	for (p = (const unsigned char *)query; *p != '\0'; p++)
		h = (h ^ *p) * 1099511628211ULL;

	for (i = 0; i < db_nslots; i++) {
		if (db_slots[i].hash == h && !strcmp(db_slots[i].text, query))
			return (i);
	}
	if (db_nslots == KORE_PGSQL_PREPARED_MAX)
		return (-1);

	db_slots[db_nslots].hash = h;
	db_slots[db_nslots].text = kore_strdup(query);
	return (db_nslots++);
}
