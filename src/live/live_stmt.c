/*
 * Kore calls a bound callback on every state change, some of them from
 * inside the calls db_call_run makes (the send, the release of the
 * connection): those are ignored while we are stepping, and db_call_run
 * reads the outcome itself.
 */

#include <kore/kore.h>
#include <kore/pgsql.h>

#include <string.h>

#include "live/live_stmt.h"

static void	live_stmt_bind(struct kore_pgsql *, void *);
static void	live_stmt_cb(struct kore_pgsql *, void *);
static void	live_stmt_step(struct live_stmt *);

void
live_stmt_start(struct live_stmt *st, const char *sql, const char *p1,
    const char *p2, void (*done)(struct live_stmt *, int, PGresult *),
    void *arg)
{
	live_stmt_start4(st, sql, p1, p2, NULL, NULL, done, arg);
}

/* p3 (then p4) NULL: the statement has two (three) parameters. */
void
live_stmt_start4(struct live_stmt *st, const char *sql, const char *p1,
    const char *p2, const char *p3, const char *p4,
    void (*done)(struct live_stmt *, int, PGresult *), void *arg)
{
	if (st->running)
		fatal("live_stmt_start: already running");

	memset(&st->db, 0, sizeof(st->db));
	st->sql = sql;
	(void)kore_strlcpy(st->p1, p1, sizeof(st->p1));
	st->params[0] = st->p1;
	if (p2 != NULL) {
		(void)kore_strlcpy(st->p2, p2, sizeof(st->p2));
		st->params[1] = st->p2;
	} else {
		st->params[1] = NULL;
	}
	st->nparams = 2;
	if (p3 != NULL) {
		(void)kore_strlcpy(st->p3, p3, sizeof(st->p3));
		st->params[2] = st->p3;
		st->nparams = 3;
		if (p4 != NULL) {
			(void)kore_strlcpy(st->p4, p4, sizeof(st->p4));
			st->params[3] = st->p4;
			st->nparams = 4;
		}
	}
	st->done = done;
	st->arg = arg;
	st->running = 1;
	live_stmt_step(st);
}

static void
live_stmt_bind(struct kore_pgsql *sql, void *arg)
{
	kore_pgsql_bind_callback(sql, live_stmt_cb, arg);
}

static void
live_stmt_cb(struct kore_pgsql *sql, void *arg)
{
	struct live_stmt	*st = arg;

	if (st->stepping || !st->running)
		return;
	if (sql->state == KORE_PGSQL_STATE_WAIT ||
	    sql->state == KORE_PGSQL_STATE_COMPLETE)
		return;
	live_stmt_step(st);
}

static void
live_stmt_step(struct live_stmt *st)
{
	PGresult	*res;
	int		r;

	st->stepping = 1;
	r = db_call_run(&st->db, st->sql, st->nparams, st->params, 0,
	    live_stmt_bind, st);
	st->stepping = 0;
	if (r == DB_PENDING)
		return;

	/* The answer out, a fresh kore_pgsql for the next statement. */
	res = st->db.result;
	st->db.result = NULL;
	(void)kore_strlcpy(st->cause, r == DB_OK ? "" : st->db.cause,
	    sizeof(st->cause));
	db_call_cleanup(&st->db);
	if (st->db.bound)
		kore_pgsql_cleanup(&st->db.sql);
	memset(&st->db, 0, sizeof(st->db));
	st->running = 0;

	st->done(st, r, r == DB_OK ? res : NULL);
	if (res != NULL)
		PQclear(res);
}
