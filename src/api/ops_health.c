/*
 * /healthz answers while the process can serve; /readyz only while the
 * database answers and its schema is the one this build expects, and not
 * once SIGTERM has started the drain.
 *
 * The last check, shared by the workers, answers every probe for
 * HEALTH_CACHE_MS: a flood of probes is one query a second, not database
 * load, and a probe never queues behind the load it is asked about. A
 * check that gets no connection at all (pool and queue full: load, not an
 * outage) does not fail readiness while the database answered fine in the
 * last HEALTH_BUSY_MS; after that it is a 503 with Retry-After, the one
 * case where /readyz sheds load.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/ops.h"
#include "core/log.h"
#include "core/shared.h"
#include "db/db_call.h"
#include "http/http_db.h"
#include "http/http_request.h"
#include "http/http_response.h"

#define SQL_SCHEMA_VERSION \
	"SELECT coalesce(max(version), 0) AS version FROM schema_migrations"

#define HEALTH_CACHE_MS		1000
#define HEALTH_BUSY_MS		10000
#define HEALTH_STALE_MS		3000

#define HEALTH_OK		1
#define HEALTH_DB_DOWN		2
#define HEALTH_SCHEMA_OLD	3

/* Our Kore patch: set in a worker once SIGTERM started the drain. */
extern int		worker_draining;

static int	health_answer(struct http_request *, int);
static void	health_store(int, int64_t);
static int	health_claim(int64_t);

/* The newest migration on disk, set at start before the workers fork. */
int	health_schema_version = 0;

int
page_healthz(struct http_request *req)
{
	static const char	body[] = "{\"status\":\"ok\"}";

	if (!api_begin(req, NULL))
		return (KORE_RESULT_OK);
	return (http_json(req, HTTP_STATUS_OK, body, sizeof(body) - 1));
}

int
page_readyz(struct http_request *req)
{
	struct request_ctx	*ctx;
	const char		*v;
	int64_t			now, checked, ok;

	if (!api_begin(req, &ctx))
		return (KORE_RESULT_OK);

	if (worker_draining) {
		http_response_header(req, "retry-after", "1");
		return (http_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "Shutting down"));
	}

	now = log_wall_ms();
	checked = __atomic_load_n(&shared->health.checked_ms, __ATOMIC_ACQUIRE);
	/*
	 * Not for a probe that already waits in the queue for a connection.
	 * A stale answer stands a little longer while one probe, the first
	 * to claim it, checks again: a burst of probes is still one query.
	 */
	if (!ctx->db.bound && checked != 0 && now >= checked &&
	    (now - checked < HEALTH_CACHE_MS || (now - checked <
	    HEALTH_STALE_MS && !health_claim(now))))
		return (health_answer(req,
		    __atomic_load_n(&shared->health.state, __ATOMIC_RELAXED)));

	switch (db_query(req, SQL_SCHEMA_VERSION, 0, NULL)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_OK:
		break;
	default:
		/* http_db.c keeps Kore's reason as the request's error. */
		if (strstr(ctx->error, "no available connection") == NULL) {
			health_store(HEALTH_DB_DOWN, now);
			return (health_answer(req, HEALTH_DB_DOWN));
		}
		/* Busy, not down: the last outcome stands for a while. */
		ok = __atomic_load_n(&shared->health.ok_ms, __ATOMIC_RELAXED);
		if (ok != 0 && now - ok < HEALTH_BUSY_MS)
			return (health_answer(req, __atomic_load_n(
			    &shared->health.state, __ATOMIC_RELAXED)));
		request_fail(req, "readiness: every database connection busy");
		http_response_header(req, "retry-after", "1");
		return (http_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "Database busy"));
	}

	v = db_value(req, 0, "version");
	if (v == NULL || atoi(v) != health_schema_version) {
		request_fail(req, "schema version differs from this build");
		health_store(HEALTH_SCHEMA_OLD, now);
		return (health_answer(req, HEALTH_SCHEMA_OLD));
	}

	health_store(HEALTH_OK, now);
	return (health_answer(req, HEALTH_OK));
}

/* 1 for the one probe that is to check now; a claim lapses after 1 s. */
static int
health_claim(int64_t now)
{
	int64_t		claimed;

	claimed = __atomic_load_n(&shared->health.claimed_ms, __ATOMIC_RELAXED);
	if (claimed != 0 && now >= claimed && now - claimed < HEALTH_CACHE_MS)
		return (0);
	return (__atomic_compare_exchange_n(&shared->health.claimed_ms,
	    &claimed, now, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
}

static void
health_store(int state, int64_t now)
{
	__atomic_store_n(&shared->health.state, state, __ATOMIC_RELAXED);
	if (state == HEALTH_OK)
		__atomic_store_n(&shared->health.ok_ms, now, __ATOMIC_RELAXED);
	__atomic_store_n(&shared->health.checked_ms, now, __ATOMIC_RELEASE);
}

static int
health_answer(struct http_request *req, int state)
{
	char		body[96];
	int		len;

	switch (state) {
	case HEALTH_OK:
		break;
	case HEALTH_SCHEMA_OLD:
		return (http_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "Database schema is not current"));
	default:
		return (http_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "Database unavailable"));
	}

	len = snprintf(body, sizeof(body),
	    "{\"status\":\"ready\",\"database\":\"ok\",\"schema_version\":%d}",
	    health_schema_version);

	return (http_json(req, HTTP_STATUS_OK, body, (size_t)len));
}
