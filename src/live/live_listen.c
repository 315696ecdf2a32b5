/*
 * States: idle (waiting for the next attempt), connecting (PQconnectPoll),
 * subscribing (LISTEN sent), listening. Any failure closes the
 * connection and waits 200 ms, doubling up to 10 s, for the next try.
 * The socket is in Kore's epoll set (edge triggered); the tick also
 * polls it, so an edge missed by libpq's partial reads costs at most a
 * tick, never a notification.
 */

#include <kore/kore.h>

#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/settings.h"
#include "core/shared.h"
#include "live/live_listen.h"

#define LISTEN_IDLE		0
#define LISTEN_CONNECTING	1
#define LISTEN_SUBSCRIBING	2
#define LISTEN_LISTENING	3
#define LISTEN_STOPPED		4

#define LISTEN_BACKOFF_MIN	200
#define LISTEN_BACKOFF_MAX	10000

struct live_listener {
	struct kore_event	evt;	/* first: epoll hands us this */
	PGconn			*conn;
	int			fd;
	int			state;
	u_int64_t		retry_at;
	u_int64_t		backoff;
	PostgresPollingStatusType	poll;
};

static void	listen_event(void *, int);
static void	listen_step(void);
static void	listen_connect(void);
static void	listen_fail(const char *);
static void	listen_register(void);
static void	listen_read(void);

static struct live_listener	lst;

void
live_listen_worker_init(void)
{
	/* One listener per instance: the first HTTP worker's. */
	if (worker == NULL || worker->id != 1) {
		lst.state = LISTEN_STOPPED;
		return;
	}
	lst.evt.type = KORE_TYPE_PGSQL_CONN;
	lst.evt.handle = listen_event;
	lst.fd = -1;
	lst.backoff = LISTEN_BACKOFF_MIN;
	lst.state = LISTEN_IDLE;
	lst.retry_at = 0;
	listen_connect();
}

void
live_listen_stop(void)
{
	if (lst.state == LISTEN_STOPPED)
		return;
	if (lst.conn != NULL)
		PQfinish(lst.conn);
	lst.conn = NULL;
	lst.fd = -1;
	lst.state = LISTEN_STOPPED;
}

void
live_listen_tick(u_int64_t now)
{
	switch (lst.state) {
	case LISTEN_STOPPED:
		return;
	case LISTEN_IDLE:
		if (now >= lst.retry_at)
			listen_connect();
		return;
	default:
		listen_step();
		return;
	}
}

static void
listen_event(void *arg, int error)
{
	(void)arg;
	if (error && lst.state == LISTEN_LISTENING) {
		listen_fail("connection closed");
		return;
	}
	listen_step();
}

static void
listen_connect(void)
{
	char		conninfo[4096];
	int		n;

	/* Named apart from the request pool's backends (last one wins). */
	n = snprintf(conninfo, sizeof(conninfo),
	    "%s application_name=tasks-api-live",
	    settings.database_direct_conninfo);
	if (n < 0 || (size_t)n >= sizeof(conninfo)) {
		listen_fail("DATABASE_URL_DIRECT too long");
		return;
	}
	lst.conn = PQconnectStart(conninfo);
	if (lst.conn == NULL) {
		listen_fail("out of memory");
		return;
	}
	if (PQstatus(lst.conn) == CONNECTION_BAD) {
		listen_fail(PQerrorMessage(lst.conn));
		return;
	}
	lst.state = LISTEN_CONNECTING;
	lst.poll = PGRES_POLLING_WRITING;
	listen_register();
	listen_step();
}

/* libpq may change sockets while connecting (several addresses). */
static void
listen_register(void)
{
	int		fd;

	fd = PQsocket(lst.conn);
	if (fd >= 0 && fd != lst.fd) {
		lst.fd = fd;
		kore_platform_event_all(fd, &lst);
	}
}

static void
listen_step(void)
{
	PGresult	*res;
	int		ok;

	if (lst.conn == NULL)
		return;

	if (lst.state == LISTEN_CONNECTING) {
		lst.poll = PQconnectPoll(lst.conn);
		listen_register();
		if (lst.poll == PGRES_POLLING_FAILED) {
			listen_fail(PQerrorMessage(lst.conn));
			return;
		}
		if (lst.poll != PGRES_POLLING_OK)
			return;
		if (PQsetnonblocking(lst.conn, 1) == -1 ||
		    !PQsendQuery(lst.conn, "LISTEN live_events")) {
			listen_fail(PQerrorMessage(lst.conn));
			return;
		}
		lst.state = LISTEN_SUBSCRIBING;
	}

	if (PQflush(lst.conn) == -1) {
		listen_fail(PQerrorMessage(lst.conn));
		return;
	}
	if (!PQconsumeInput(lst.conn)) {
		listen_fail(PQerrorMessage(lst.conn));
		return;
	}

	if (lst.state == LISTEN_SUBSCRIBING) {
		if (PQisBusy(lst.conn))
			return;
		ok = 0;
		while ((res = PQgetResult(lst.conn)) != NULL) {
			if (PQresultStatus(res) == PGRES_COMMAND_OK)
				ok = 1;
			PQclear(res);
		}
		if (!ok) {
			listen_fail(PQerrorMessage(lst.conn));
			return;
		}
		lst.state = LISTEN_LISTENING;
		lst.backoff = LISTEN_BACKOFF_MIN;
		app_log(LOG_LEVEL_INFO, "live: listening for events");
		/* Whatever came while we were away is read now. */
		kore_msg_send(KORE_MSG_WORKER_ALL, LIVE_MSG_ALL, NULL, 0);
	}

	if (lst.state == LISTEN_LISTENING) {
		listen_read();
		if (PQstatus(lst.conn) == CONNECTION_BAD)
			listen_fail("connection lost");
	}
}

static void
listen_read(void)
{
	PGnotify	*n;
	PGresult	*res;
	const char	*user;

	/* Results of nothing we sent: an error the server pushed. */
	while (!PQisBusy(lst.conn) && (res = PQgetResult(lst.conn)) != NULL)
		PQclear(res);

	while ((n = PQnotifies(lst.conn)) != NULL) {
		user = n->extra != NULL ? strchr(n->extra, ':') : NULL;
		if (user != NULL && user[1] != '\0' && strlen(user + 1) < 256) {
			kore_msg_send(KORE_MSG_WORKER_ALL, LIVE_MSG_NOTIFY,
			    user + 1, strlen(user + 1));
		}
		PQfreemem(n);
	}
}

static void
listen_fail(const char *why)
{
	char		cause[256];
	size_t		len;

	(void)snprintf(cause, sizeof(cause), "%s", why != NULL ? why : "");
	len = strlen(cause);
	while (len > 0 && (cause[len - 1] == '\n' || cause[len - 1] == ' '))
		cause[--len] = '\0';
	app_log(LOG_LEVEL_WARNING, "live: LISTEN connection failed (%s), "
	    "retrying in %llu ms", cause, (unsigned long long)lst.backoff);

	/* PQfinish closes the socket, which leaves the epoll set. */
	if (lst.conn != NULL)
		PQfinish(lst.conn);
	lst.conn = NULL;
	lst.fd = -1;
	lst.state = LISTEN_IDLE;
	lst.retry_at = kore_time_ms() + lst.backoff;
	lst.backoff *= 2;
	if (lst.backoff > LISTEN_BACKOFF_MAX)
		lst.backoff = LISTEN_BACKOFF_MAX;
	if (shared != NULL)
		__atomic_fetch_add(&shared->live_metrics.listen_reconnects, 1,
		    __ATOMIC_RELAXED);
}
