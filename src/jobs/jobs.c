/*
 * Timers, not a loop: a tick that finds its statement still running
 * does nothing, so a slow database never piles statements up. Every
 * worker sends webhooks (webhooks.c waits longer while the queue is
 * empty); the instance-wide chores (reminders, pruning, queue stats) run
 * in its first worker only, so an idle instance costs a few statements
 * a second. Reminders are polled each second, to fire within 2 s of
 * remind_at; the claim (SKIP LOCKED, then DELETE) makes exactly one
 * instance fire each.
 */

#include <kore/kore.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/metrics.h"
#include "core/settings.h"
#include "core/shared.h"
#include "jobs/job_stmt.h"
#include "jobs/jobs.h"
#include "jobs/jobs_sql.h"
#include "jobs/webhooks.h"

#define JOBS_DELIVERY_TICK_MS	200
#define JOBS_REMINDER_TICK_MS	1000
#define JOBS_STATS_TICK_MS	5000
#define JOBS_START_DELAY_MS	1500
/* A reminder fired this long after remind_at says "late": true. */
#define JOBS_REMINDER_LATE_S	"5"

static void	jobs_start(void *, u_int64_t);
static void	jobs_delivery_tick(void *, u_int64_t);
static void	jobs_reminder_tick(void *, u_int64_t);
static void	jobs_reminder_done(struct job_stmt *, int, PGresult *);
static void	jobs_prune_tick(void *, u_int64_t);
static void	jobs_prune_done(struct job_stmt *, int, PGresult *);
static void	jobs_stats_tick(void *, u_int64_t);
static void	jobs_stats_done(struct job_stmt *, int, PGresult *);

static struct job_stmt	reminder_stmt, prune_stmt, stats_stmt;
static const char	*reminder_params[1] = { JOBS_REMINDER_LATE_S };
static const char	*prune_params[1];
static char		retention[24];

void
jobs_worker_init(void)
{
	webhooks_worker_init();
	(void)snprintf(retention, sizeof(retention), "%ld",
	    settings.events_retention_hours);
	prune_params[0] = retention;

	/*
	 * The first ticks once the worker has served a moment: a fresh
	 * worker's first requests and the jobs' first statements racing for
	 * new connections made a request fail now and then (see README).
	 */
	kore_timer_add(jobs_start, JOBS_START_DELAY_MS, NULL,
	    KORE_TIMER_ONESHOT);
}

static void
jobs_start(void *arg, u_int64_t now)
{
	(void)arg;
	(void)now;

	kore_timer_add(jobs_delivery_tick, JOBS_DELIVERY_TICK_MS, NULL, 0);
	if (worker != NULL && worker->id != KORE_WORKER_BASE)
		return;
	kore_timer_add(jobs_reminder_tick, JOBS_REMINDER_TICK_MS, NULL, 0);
	kore_timer_add(jobs_prune_tick,
	    (u_int64_t)settings.events_prune_seconds * 1000, NULL, 0);
	kore_timer_add(jobs_stats_tick, JOBS_STATS_TICK_MS, NULL, 0);
}

static void
jobs_delivery_tick(void *arg, u_int64_t now)
{
	(void)arg;
	webhooks_tick(now);
}

static void
jobs_reminder_tick(void *arg, u_int64_t now)
{
	(void)arg;
	(void)now;
	if (!reminder_stmt.running)
		job_stmt_start(&reminder_stmt, SQL_REMINDERS_FIRE, 1,
		    reminder_params, jobs_reminder_done, NULL);
}

static void
jobs_reminder_done(struct job_stmt *j, int status, PGresult *res)
{
	int		i, n, late;

	if (status != DB_OK) {
		app_log(LOG_LEVEL_WARNING, "reminders: %s", j->cause);
		return;
	}
	n = PQntuples(res);
	for (i = 0, late = 0; i < n; i++) {
		if (!strcmp(PQgetvalue(res, i, 1), "t"))
			late++;
	}
	if (n > 0 && shared != NULL) {
		metrics_add(&shared->metrics.reminders_fired, (uint64_t)n);
		metrics_add(&shared->metrics.reminders_late, (uint64_t)late);
	}
	/* A full batch: more are due. */
	if (n == 100)
		jobs_reminder_tick(NULL, 0);
}

static void
jobs_prune_tick(void *arg, u_int64_t now)
{
	(void)arg;
	(void)now;
	if (!prune_stmt.running)
		job_stmt_start(&prune_stmt, SQL_EVENTS_PRUNE, 1, prune_params,
		    jobs_prune_done, NULL);
}

static void
jobs_prune_done(struct job_stmt *j, int status, PGresult *res)
{
	if (status != DB_OK) {
		app_log(LOG_LEVEL_WARNING, "events: prune failed: %s",
		    j->cause);
		return;
	}
	if (strcmp(PQcmdTuples(res), "0"))
		app_log(LOG_LEVEL_DEBUG, "events: %s pruned", PQcmdTuples(res));
}

static void
jobs_stats_tick(void *arg, u_int64_t now)
{
	(void)arg;
	(void)now;
	if (!stats_stmt.running)
		job_stmt_start(&stats_stmt, SQL_QUEUE_STATS, 0, NULL,
		    jobs_stats_done, NULL);
}

static void
jobs_stats_done(struct job_stmt *j, int status, PGresult *res)
{
	(void)j;
	if (status != DB_OK || PQntuples(res) != 1 || shared == NULL)
		return;
	metrics_queue(&shared->metrics, atoll(PQgetvalue(res, 0, 0)),
	    atoll(PQgetvalue(res, 0, 1)),
	    (int64_t)(atof(PQgetvalue(res, 0, 2)) * 1000));
}
