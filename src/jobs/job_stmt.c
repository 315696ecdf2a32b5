/*
 * Kore calls a bound callback on every state change, some of them from
 * inside the calls db_call_run makes (the send, the release of the
 * connection): those are ignored while we are stepping, and db_call_run
 * reads the outcome itself.
 */

#include <kore/kore.h>
#include <kore/pgsql.h>

#include <string.h>

#include "jobs/job_stmt.h"

static void	job_stmt_bind(struct kore_pgsql *, void *);
static void	job_stmt_cb(struct kore_pgsql *, void *);
static void	job_stmt_step(struct job_stmt *);

void
job_stmt_start(struct job_stmt *j, const char *sql, int nparams,
    const char **params, void (*done)(struct job_stmt *, int, PGresult *),
    void *arg)
{
	if (j->running)
		fatal("job_stmt_start: already running");

	memset(&j->db, 0, sizeof(j->db));
	j->sql = sql;
	j->nparams = nparams;
	j->params = params;
	j->done = done;
	j->arg = arg;
	j->running = 1;
	job_stmt_step(j);
}

static void
job_stmt_bind(struct kore_pgsql *sql, void *arg)
{
	kore_pgsql_bind_callback(sql, job_stmt_cb, arg);
}

static void
job_stmt_cb(struct kore_pgsql *sql, void *arg)
{
	struct job_stmt		*j = arg;

	if (j->stepping || !j->running)
		return;
	if (sql->state == KORE_PGSQL_STATE_WAIT ||
	    sql->state == KORE_PGSQL_STATE_COMPLETE)
		return;
	job_stmt_step(j);
}

static void
job_stmt_step(struct job_stmt *j)
{
	PGresult	*res;
	int		r;

	j->stepping = 1;
	r = db_call_run(&j->db, j->sql, j->nparams, j->params, 0,
	    job_stmt_bind, j);
	j->stepping = 0;
	if (r == DB_PENDING)
		return;

	/* The answer out, a fresh kore_pgsql for the next statement. */
	res = j->db.result;
	j->db.result = NULL;
	(void)kore_strlcpy(j->cause, r == DB_OK ? "" : j->db.cause,
	    sizeof(j->cause));
	db_call_cleanup(&j->db);
	/* After an answer the connection is back already (COMPLETE). */
	if (j->db.bound && j->db.sql.state != KORE_PGSQL_STATE_COMPLETE)
		kore_pgsql_cleanup(&j->db.sql);
	memset(&j->db, 0, sizeof(j->db));
	j->running = 0;

	j->done(j, r, r == DB_OK ? res : NULL);
	if (res != NULL)
		PQclear(res);
}
