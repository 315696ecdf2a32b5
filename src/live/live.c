/*
 * This worker's live connections, grouped by user. A user's events are
 * read by one statement at a time: "the user's events after the lowest
 * last id of its connections", then each connection is sent those above
 * its own last id. A notification that comes while the statement runs
 * makes it run again; a statement that failed runs again at the next
 * tick. Connections and users that went away are freed at the tick,
 * never inside a Kore callback that still uses them.
 */

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

#include <jansson.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/jwks_source.h"
#include "auth/jwt.h"
#include "auth/token_check.h"
#include "core/log.h"
#include "core/settings.h"
#include "core/shared.h"
#include "db/db_call.h"
#include "live/live.h"
#include "live/live_listen.h"
#include "live/live_stmt.h"

#define LIVE_KIND_WS		1
#define LIVE_KIND_SSE		2

#define LIVE_STATE_INIT		0	/* finding where to start */
#define LIVE_STATE_LIVE		1
#define LIVE_STATE_CLOSING	2	/* close sent, waiting for the peer */
#define LIVE_STATE_GONE		3	/* Kore dropped it: free at the tick */

#define LIVE_TICK_MS		500
#define LIVE_WS_PING_MS		30000
#define LIVE_SSE_PING_MS	15000
#define LIVE_CLOSE_WAIT_MS	5000
/* Kore's idle timer for a stream nobody reads from (see live_sse_start). */
#define LIVE_SSE_IDLE_MS	(7ULL * 24 * 3600 * 1000)
#define LIVE_FETCH_LIMIT	200
#define LIVE_BACKLOG_MAX	(1024 * 1024)
#define LIVE_BUCKETS		1024

/* From our Kore patch (worker.c): SIGTERM is draining this worker. */
extern int	worker_draining;

/*
 * Where a connection starts: the newest event now, and whether since is
 * one of the user's retained events. $2 is NULL without since.
 */
#define SQL_LIVE_START							\
	"SELECT coalesce((SELECT max(id) FROM events "			\
	"WHERE user_id = $1), 0)::text, "				\
	"EXISTS (SELECT 1 FROM events WHERE user_id = $1 "		\
	"AND id = $2::bigint)"

/* ORDER BY e.id: a bare "id" would be the text column (1, 10, 2). */
#define SQL_LIVE_FETCH							\
	"SELECT e.id::text, e.body FROM events e WHERE e.user_id = $1 "	\
	"AND e.id > $2::bigint ORDER BY e.id LIMIT 200"

/*
 * The per-user limit across instances (migration 0012): a slot per
 * connection, owned by this worker, leased for LIVE_SLOT_LEASE_SECONDS
 * and renewed at a third of it.
 */
#define SQL_LIVE_SLOT_TAKE						\
	"SELECT live_slot_take($1, $2, $3::int, $4::int)::text"
#define SQL_LIVE_SLOT_FREE						\
	"DELETE FROM live_slots WHERE user_id = $1 AND slot = $2::int "	\
	"AND owner = $3"
#define SQL_LIVE_SLOT_RENEW						\
	"UPDATE live_slots SET expires_at = clock_timestamp() + "	\
	"make_interval(secs => $2::int) WHERE owner = $1"
/*
 * A draining worker gives all its slots back at once, before it closes
 * its connections: once they are closed it leaves, frees in flight or
 * not. (No row of ours expires later than a lease from now.)
 */
#define SQL_LIVE_SLOT_DRAIN						\
	"DELETE FROM live_slots WHERE owner = $1 AND expires_at <= "	\
	"clock_timestamp() + make_interval(secs => $2::int)"
/* The first worker also drops rows of owners long gone. */
#define SQL_LIVE_SLOT_RENEW_SWEEP					\
	"WITH renewed AS (" SQL_LIVE_SLOT_RENEW " RETURNING 1) "	\
	"DELETE FROM live_slots WHERE owner <> $1 AND expires_at < "	\
	"clock_timestamp() - make_interval(secs => 10 * $2::int)"

/* Slot frees in flight at once; the others wait their turn. */
#define LIVE_FREES_RUNNING	8
#define LIVE_FREE_RETRY_MS	2000
/* The longest the drain waits for the slots' DELETE before closing. */
#define LIVE_DRAIN_WAIT_MS	2000

struct live_user;

struct live_conn {
	TAILQ_ENTRY(live_conn)	ulink;		/* the user's */
	TAILQ_ENTRY(live_conn)	alink;		/* all of this worker's */
	struct live_user	*user;
	struct connection	*c;
	int			kind;
	int			state;
	long long		last_id;
	long long		exp;
	char			since[LIVE_SINCE_MAX + 1];
	u_int64_t		next_ping;
	u_int64_t		close_by;
	struct live_stmt	st;
	char			*pending_token;	/* waiting for a JWKS refetch */
	u_int64_t		keys_seen;
	int			slot_held;
	int			slot;		/* live_slots row, -1 */
	int			counted;
};

/* One upgrade asking for a slot (live.h). */
struct live_take {
	TAILQ_ENTRY(live_take)	link;
	struct live_stmt	st;
	struct http_request	*req;		/* NULL: nobody waits */
	int			result;
	int			ended;		/* free at the tick */
};

/* A slot to give back; retried until the database takes it. */
struct live_free {
	TAILQ_ENTRY(live_free)	link;
	struct live_stmt	st;
	char			user[256];
	char			slot[16];
	int			done;
	u_int64_t		retry_at;
};

struct live_user {
	LIST_ENTRY(live_user)	hlink;
	TAILQ_ENTRY(live_user)	alink;
	TAILQ_HEAD(, live_conn)	conns;
	char			id[256];
	struct live_stmt	st;
	int			dirty;		/* fetch (again) */
	char			after[24];
};

static void	live_tick(void *, u_int64_t);
static void	live_notify_msg(struct kore_msg *, const void *);
static void	live_all_msg(struct kore_msg *, const void *);
static struct live_user	*live_user_get(const char *, int);
static void	live_user_kick(struct live_user *);
static void	live_user_fetched(struct live_stmt *, int, PGresult *);
static struct live_conn	*live_conn_new(struct connection *, int,
		    const char *, long long, const char *, int);
static void	live_conn_started(struct live_stmt *, int, PGresult *);
static void	live_conn_gone(struct live_conn *);
static void	live_conn_free(struct live_conn *);
static int	live_send_event(struct live_conn *, long long, const char *,
		    size_t);
static void	live_send_text(struct live_conn *, const char *, size_t);
static void	live_close(struct live_conn *, int, const char *);
static size_t	live_backlog(struct connection *);
static void	live_auth(struct live_conn *, const char *, size_t);
static void	live_auth_wake(void *);
static void	live_count(uint64_t *, int64_t);
static void	live_take_done(struct live_stmt *, int, PGresult *);
static void	live_slot_free(const char *, int);
static void	live_free_run(u_int64_t);
static void	live_free_done(struct live_stmt *, int, PGresult *);
static void	live_renew(u_int64_t);
static void	live_renew_done(struct live_stmt *, int, PGresult *);
static void	live_drain_done(struct live_stmt *, int, PGresult *);

static LIST_HEAD(, live_user)	buckets[LIVE_BUCKETS];
static TAILQ_HEAD(, live_user)	users = TAILQ_HEAD_INITIALIZER(users);
static TAILQ_HEAD(, live_conn)	conns = TAILQ_HEAD_INITIALIZER(conns);
static int			draining_seen;
static u_int64_t		drain_close_at;	/* or drain_st's end */
static TAILQ_HEAD(, live_take)	takes = TAILQ_HEAD_INITIALIZER(takes);
static TAILQ_HEAD(, live_free)	frees = TAILQ_HEAD_INITIALIZER(frees);
static int			frees_running;
static struct live_stmt		renew_st;
static struct live_stmt		drain_st;
static u_int64_t		renew_at;
/* This worker's name in live_slots: unique per worker start. */
static char			owner[64];
static char			lease_s[16];
static char			max_s[16];

void
live_worker_init(void)
{
	size_t		i;

	unsigned char	rnd[8];

	for (i = 0; i < LIVE_BUCKETS; i++)
		LIST_INIT(&buckets[i]);

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		fatal("live: no random bytes for the owner name");
	(void)snprintf(owner, sizeof(owner),
	    "%d-%02x%02x%02x%02x%02x%02x%02x%02x", (int)getpid(), rnd[0],
	    rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	(void)snprintf(lease_s, sizeof(lease_s), "%ld",
	    settings.live_slot_lease);
	(void)snprintf(max_s, sizeof(max_s), "%ld",
	    settings.live_max_per_user);

	kore_msg_register(LIVE_MSG_NOTIFY, live_notify_msg);
	kore_msg_register(LIVE_MSG_ALL, live_all_msg);
	(void)kore_timer_add(live_tick, LIVE_TICK_MS, NULL, 0);

	live_listen_worker_init();
}

int
live_acquire(const char *user)
{
	if (shared == NULL)
		return (1);
	return (live_slots_acquire(&shared->live, user, strlen(user),
	    (uint32_t)settings.live_max_per_user));
}

void
live_release(const char *user)
{
	if (shared != NULL)
		live_slots_release(&shared->live, user, strlen(user));
}

/* An upgrade answered 429, for /metrics. */
void
live_refused(void)
{
	live_count(&shared->live_metrics.drops[LIVE_DROP_LIMIT], 1);
}

struct live_take *
live_take_start(struct http_request *req, const char *user)
{
	struct live_take	*t;

	t = kore_calloc(1, sizeof(*t));
	t->req = req;
	t->result = LIVE_TAKE_PENDING;
	TAILQ_INSERT_TAIL(&takes, t, link);
	http_request_sleep(req);
	live_stmt_start4(&t->st, SQL_LIVE_SLOT_TAKE, user, owner, max_s,
	    lease_s, live_take_done, t);
	return (t);
}

int
live_take_result(struct live_take *t)
{
	if (t->result == LIVE_TAKE_PENDING)
		return (LIVE_TAKE_PENDING);
	t->req = NULL;
	t->ended = 1;
	return (t->result);
}

/* The request is gone, or will not use the slot. */
void
live_take_abandon(struct live_take *t)
{
	t->req = NULL;
	if (t->ended)
		return;
	t->ended = 1;
	if (t->result >= 0)
		live_slot_free(t->st.p1, t->result);
	/* Still running: live_take_done gives the slot back. */
}

static void
live_take_done(struct live_stmt *st, int r, PGresult *res)
{
	struct live_take	*t = st->arg;

	if (r != DB_OK || PQntuples(res) != 1) {
		app_log(LOG_LEVEL_WARNING, "live: slot query failed: %s",
		    st->cause);
		t->result = r == DB_UNAVAILABLE ? LIVE_TAKE_FAILED :
		    LIVE_TAKE_ERROR;
	} else if (PQgetisnull(res, 0, 0)) {
		t->result = LIVE_TAKE_FULL;
	} else {
		t->result = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
	}

	if (t->ended) {
		if (t->result >= 0)
			live_slot_free(st->p1, t->result);
		return;
	}
	if (t->req != NULL)
		http_request_wakeup(t->req);
}

static void
live_slot_free(const char *user, int slot)
{
	struct live_free	*f;

	f = kore_calloc(1, sizeof(*f));
	(void)kore_strlcpy(f->user, user, sizeof(f->user));
	(void)snprintf(f->slot, sizeof(f->slot), "%d", slot);
	TAILQ_INSERT_TAIL(&frees, f, link);
	live_free_run(kore_time_ms());
}

/* Starts the frees due, at most LIVE_FREES_RUNNING at once. */
static void
live_free_run(u_int64_t now)
{
	struct live_free	*f;

	TAILQ_FOREACH(f, &frees, link) {
		if (frees_running >= LIVE_FREES_RUNNING)
			break;
		if (f->done || f->st.running || now < f->retry_at)
			continue;
		frees_running++;
		live_stmt_start4(&f->st, SQL_LIVE_SLOT_FREE, f->user, f->slot,
		    owner, NULL, live_free_done, f);
	}
}

static void
live_free_done(struct live_stmt *st, int r, PGresult *res)
{
	struct live_free	*f = st->arg;

	(void)res;
	frees_running--;
	if (r == DB_OK) {
		f->done = 1;
	} else {
		/* Still ours, renewed with the rest until this goes through. */
		app_log(LOG_LEVEL_WARNING, "live: slot free failed: %s",
		    st->cause);
		f->retry_at = kore_time_ms() + LIVE_FREE_RETRY_MS;
	}
	live_free_run(kore_time_ms());
}

/* Keeps this worker's slots leased while it holds any. */
static void
live_renew(u_int64_t now)
{
	u_int64_t	every;

	every = (u_int64_t)settings.live_slot_lease * 1000 / 3;
	if (now < renew_at || renew_st.running || draining_seen)
		return;
	if (TAILQ_EMPTY(&conns) && TAILQ_EMPTY(&frees) &&
	    worker->id != 1)
		return;
	renew_at = now + every;
	live_stmt_start(&renew_st, worker->id == 1 ?
	    SQL_LIVE_SLOT_RENEW_SWEEP : SQL_LIVE_SLOT_RENEW, owner, lease_s,
	    live_renew_done, NULL);
}

/* Left to their lease when this fails: the worker is on its way out. */
static void
live_drain_done(struct live_stmt *st, int r, PGresult *res)
{
	(void)res;
	if (r != DB_OK)
		app_log(LOG_LEVEL_WARNING, "live: giving the slots back "
		    "failed: %s", st->cause);
}

static void
live_renew_done(struct live_stmt *st, int r, PGresult *res)
{
	(void)res;
	if (r != DB_OK) {
		app_log(LOG_LEVEL_WARNING, "live: slot lease renewal "
		    "failed: %s", st->cause);
		/* Soon again: the lease runs out at three times the period. */
		renew_at = kore_time_ms() + LIVE_FREE_RETRY_MS;
	}
}

void
live_ws_start(struct http_request *req, const char *user, long long exp,
    const char *since, int slot)
{
	struct connection	*c = req->owner;
	struct live_conn	*lc;
	const char		*proto;

	/* The subprotocol the token came in, as RFC 6455 4.2.2 wants. */
	if (http_request_header(req, "sec-websocket-protocol", &proto))
		http_response_header(req, "sec-websocket-protocol", "bearer");

	lc = live_conn_new(c, LIVE_KIND_WS, user, exp, since, slot);
	c->hdlr_extra = lc;
	kore_websocket_handshake(req, "live_ws_connect", "live_ws_message",
	    "live_ws_disconnect");

	if (c->proto != CONN_PROTO_WEBSOCKET) {
		/* Kore refused the handshake (400) and keeps the HTTP conn. */
		c->hdlr_extra = NULL;
		live_conn_gone(lc);
		return;
	}

	/* Silent peers: Kore drops them after websocket_timeout. */
	lc->next_ping = kore_time_ms() + LIVE_WS_PING_MS;
	lc->counted = 1;
	live_count(&shared->live_metrics.open[LIVE_KIND_WS - 1], 1);
	live_stmt_start(&lc->st, SQL_LIVE_START, user,
	    lc->since[0] != '\0' ? lc->since : NULL, live_conn_started, lc);
}

void
live_sse_start(struct http_request *req, const char *user, long long exp,
    const char *since, int slot)
{
	struct connection	*c = req->owner;
	struct live_conn	*lc;

	http_response_header(req, "content-type", "text/event-stream");
	http_response_header(req, "x-accel-buffering", "no");
	http_response_header(req, "transfer-encoding", "chunked");

	/*
	 * The stream has no length; CONN_IS_BUSY keeps Kore from reading
	 * the next request off this connection, which is ours from now on.
	 */
	req->flags |= HTTP_REQUEST_NO_CONTENT_LENGTH;
	c->flags |= CONN_IS_BUSY;
	http_response(req, HTTP_STATUS_OK, NULL, 0);
	/*
	 * "Connection: close" from the client (or the drain) would close
	 * it once the headers are out: the stream ends when we end it.
	 */
	c->flags &= ~CONN_CLOSE_EMPTY;

	lc = live_conn_new(c, LIVE_KIND_SSE, user, exp, since, slot);
	c->hdlr_extra = lc;
	c->disconnect = live_ws_disconnect;
	/*
	 * Liveness is ours: the pings below, write errors. Kore would
	 * otherwise drop it as a keep-alive waiting for its next request
	 * (http_header_timeout), as the WebSocket handshake also disables.
	 */
	c->http_timeout = 0;
	c->idle_timer.length = LIVE_SSE_IDLE_MS;
	lc->next_ping = kore_time_ms() + LIVE_SSE_PING_MS;

	/* Makes the client's EventSource fire "open" at once. */
	live_send_text(lc, ": open\n\n", 8);
	lc->counted = 1;
	live_count(&shared->live_metrics.open[LIVE_KIND_SSE - 1], 1);
	live_stmt_start(&lc->st, SQL_LIVE_START, user,
	    lc->since[0] != '\0' ? lc->since : NULL, live_conn_started, lc);
}

void
live_ws_connect(struct connection *c)
{
	(void)c;
}

void
live_ws_message(struct connection *c, u_int8_t op, const void *data,
    size_t len)
{
	struct live_conn	*lc = c->hdlr_extra;

	if (lc == NULL || lc->state == LIVE_STATE_GONE ||
	    lc->state == LIVE_STATE_CLOSING)
		return;
	if (op != WEBSOCKET_OP_TEXT)
		return;
	live_auth(lc, data, len);
}

/* Kore drops the connection (both kinds come here). */
void
live_ws_disconnect(struct connection *c)
{
	struct live_conn	*lc = c->hdlr_extra;

	if (lc == NULL)
		return;
	c->hdlr_extra = NULL;
	live_conn_gone(lc);
}

static struct live_conn *
live_conn_new(struct connection *c, int kind, const char *user,
    long long exp, const char *since, int slot)
{
	struct live_conn	*lc;

	lc = kore_calloc(1, sizeof(*lc));
	lc->c = c;
	lc->kind = kind;
	lc->exp = exp;
	lc->state = LIVE_STATE_INIT;
	lc->slot_held = 1;
	lc->slot = slot;
	if (since != NULL)
		(void)kore_strlcpy(lc->since, since, sizeof(lc->since));
	lc->user = live_user_get(user, 1);
	TAILQ_INSERT_TAIL(&lc->user->conns, lc, ulink);
	TAILQ_INSERT_TAIL(&conns, lc, alink);
	return (lc);
}

/* Where the connection starts; then it is live like the others. */
static void
live_conn_started(struct live_stmt *st, int r, PGresult *res)
{
	struct live_conn	*lc = st->arg;
	int			known;

	if (lc->state == LIVE_STATE_GONE)
		return;
	if (r != DB_OK || PQntuples(res) != 1) {
		app_log(LOG_LEVEL_WARNING, "live: start query failed: %s",
		    st->cause);
		live_count(&shared->live_metrics.drops[LIVE_DROP_DATABASE], 1);
		live_close(lc, LIVE_CLOSE_TRY_LATER, "database unavailable");
		return;
	}

	known = !strcmp(PQgetvalue(res, 0, 1), "t");
	if (lc->since[0] != '\0' && known) {
		lc->last_id = strtoll(lc->since, NULL, 10);
	} else {
		lc->last_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		/* Not one of the user's retained events: reload first. */
		if (lc->since[0] != '\0')
			live_send_event(lc, 0, "{\"type\":\"resync\"}", 17);
	}
	if (lc->state == LIVE_STATE_INIT)
		lc->state = LIVE_STATE_LIVE;
	live_user_kick(lc->user);
}

static struct live_user *
live_user_get(const char *id, int create)
{
	struct live_user	*u;
	u_int32_t		h;
	const char		*p;

	h = 5381;
	for (p = id; *p != '\0'; p++)
		h = h * 33 + (unsigned char)*p;
	h %= LIVE_BUCKETS;

	LIST_FOREACH(u, &buckets[h], hlink) {
		if (!strcmp(u->id, id))
			return (u);
	}
	if (!create)
		return (NULL);

	u = kore_calloc(1, sizeof(*u));
	(void)kore_strlcpy(u->id, id, sizeof(u->id));
	TAILQ_INIT(&u->conns);
	LIST_INSERT_HEAD(&buckets[h], u, hlink);
	TAILQ_INSERT_TAIL(&users, u, alink);
	return (u);
}

/* Reads the user's events after the lowest last id of its connections. */
static void
live_user_kick(struct live_user *u)
{
	struct live_conn	*lc;
	long long		low;
	int			any;

	u->dirty = 1;
	if (u->st.running)
		return;

	any = 0;
	low = 0;
	TAILQ_FOREACH(lc, &u->conns, ulink) {
		if (lc->state != LIVE_STATE_LIVE)
			continue;
		if (!any || lc->last_id < low)
			low = lc->last_id;
		any = 1;
	}
	if (!any) {
		u->dirty = 0;
		return;
	}

	u->dirty = 0;
	(void)snprintf(u->after, sizeof(u->after), "%lld", low);
	live_stmt_start(&u->st, SQL_LIVE_FETCH, u->id, u->after,
	    live_user_fetched, u);
}

static void
live_user_fetched(struct live_stmt *st, int r, PGresult *res)
{
	struct live_user	*u = st->arg;
	struct live_conn	*lc, *next;
	long long		id;
	int			i, n;

	if (r != DB_OK) {
		/* The tick tries again; nothing was sent, nothing lost. */
		app_log(LOG_LEVEL_WARNING, "live: fetch failed: %s",
		    st->cause);
		u->dirty = 1;
		return;
	}

	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		for (lc = TAILQ_FIRST(&u->conns); lc != NULL; lc = next) {
			next = TAILQ_NEXT(lc, ulink);
			if (lc->state != LIVE_STATE_LIVE || lc->last_id >= id)
				continue;
			if (!live_send_event(lc, id, PQgetvalue(res, i, 1),
			    (size_t)PQgetlength(res, i, 1)))
				continue;
			lc->last_id = id;
		}
	}

	if (n >= LIVE_FETCH_LIMIT)
		u->dirty = 1;
	if (u->dirty)
		live_user_kick(u);
}

/* A notification: some instance committed an event of this user. */
static void
live_notify_msg(struct kore_msg *msg, const void *data)
{
	struct live_user	*u;
	char			id[256];

	if (msg->length == 0 || msg->length >= sizeof(id))
		return;
	memcpy(id, data, msg->length);
	id[msg->length] = '\0';

	if ((u = live_user_get(id, 0)) != NULL)
		live_user_kick(u);
}

/* The listener (re)connected: anything may have been missed. */
static void
live_all_msg(struct kore_msg *msg, const void *data)
{
	struct live_user	*u;

	(void)msg;
	(void)data;
	TAILQ_FOREACH(u, &users, alink)
		live_user_kick(u);
}

/*
 * Sends one event (id 0: a control message); 0 when the connection is
 * closed instead, being too far behind.
 */
static int
live_send_event(struct live_conn *lc, long long id, const char *body,
    size_t len)
{
	struct kore_buf		buf;
	size_t			i, start;

	if (lc->c == NULL)
		return (0);
	if (live_backlog(lc->c) > LIVE_BACKLOG_MAX) {
		live_count(&shared->live_metrics.drops[LIVE_DROP_SLOW], 1);
		live_close(lc, LIVE_CLOSE_TRY_LATER, "too far behind");
		return (0);
	}

	if (lc->kind == LIVE_KIND_WS) {
		kore_websocket_send(lc->c, WEBSOCKET_OP_TEXT, body, len);
	} else {
		kore_buf_init(&buf, len + 64);
		if (id > 0)
			kore_buf_appendf(&buf, "id: %lld\n", id);
		/* One data: line per line, as the format wants. */
		for (start = 0, i = 0; i <= len; i++) {
			if (i == len || body[i] == '\n') {
				kore_buf_append(&buf, "data: ", 6);
				kore_buf_append(&buf, body + start, i - start);
				kore_buf_append(&buf, "\n", 1);
				start = i + 1;
			}
		}
		kore_buf_append(&buf, "\n", 1);
		live_send_text(lc, (const char *)buf.data, buf.offset);
		kore_buf_cleanup(&buf);
	}

	live_count(&shared->live_metrics.sent, 1);
	return (1);
}

/* SSE: one chunk of the chunked body. */
static void
live_send_text(struct live_conn *lc, const char *data, size_t len)
{
	char		head[24];
	int		n;

	if (lc->c == NULL)
		return;
	n = snprintf(head, sizeof(head), "%zx\r\n", len);
	net_send_queue(lc->c, head, (size_t)n);
	net_send_queue(lc->c, data, len);
	net_send_queue(lc->c, "\r\n", 2);
	net_send_flush(lc->c);
}

/* Bytes queued for the peer and not yet taken by the kernel. */
static size_t
live_backlog(struct connection *c)
{
	struct netbuf	*nb;
	size_t		n;

	n = 0;
	TAILQ_FOREACH(nb, &c->send_queue, list)
		n += nb->b_len - nb->s_off;
	return (n);
}

/*
 * WebSocket: a close frame with code and reason, then the connection
 * ends once it is flushed. SSE: the last chunk ends the stream.
 */
static void
live_close(struct live_conn *lc, int code, const char *reason)
{
	struct connection	*c = lc->c;
	u_int8_t		frame[2 + 64];
	size_t			len;

	if (c == NULL || lc->state == LIVE_STATE_CLOSING)
		return;
	lc->state = LIVE_STATE_CLOSING;
	lc->close_by = kore_time_ms() + LIVE_CLOSE_WAIT_MS;

	if (lc->kind == LIVE_KIND_WS) {
		frame[0] = (code >> 8) & 0xff;
		frame[1] = code & 0xff;
		len = strlen(reason);
		if (len > sizeof(frame) - 2)
			len = sizeof(frame) - 2;
		memcpy(frame + 2, reason, len);
		c->flags |= CONN_WS_CLOSE_SENT;
		c->flags |= CONN_CLOSE_EMPTY;
		/* May drop the connection at once (live_ws_disconnect). */
		kore_websocket_send(c, WEBSOCKET_OP_CLOSE, frame, len + 2);
	} else {
		c->flags |= CONN_CLOSE_EMPTY;
		net_send_queue(c, "0\r\n\r\n", 5);
		net_send_flush(c);
	}
}

/*
 * {"type":"auth","token":"<jwt>"}: a fresh token of the same user moves
 * the deadline; another user's closes with 4003, a bad one with 4001.
 */
static void
live_auth(struct live_conn *lc, const char *data, size_t len)
{
	struct jwt_claims	claims;
	enum jwt_result		res;
	json_t			*msg, *type, *token;
	const char		*tok;
	size_t			tlen;

	if (lc->pending_token != NULL) {
		tok = lc->pending_token;
		tlen = strlen(tok);
		msg = NULL;
	} else {
		if ((msg = json_loadb(data, len, 0, NULL)) == NULL)
			return;
		type = json_object_get(msg, "type");
		token = json_object_get(msg, "token");
		if (!json_is_string(type) ||
		    strcmp(json_string_value(type), "auth") ||
		    !json_is_string(token)) {
			json_decref(msg);
			return;
		}
		tok = json_string_value(token);
		tlen = json_string_length(token);
	}

	/* The check of every route's auth hook, its cache included. */
	lc->keys_seen = jwks_source_generation();
	res = token_check(tok, tlen, time(NULL), &claims);
	if (res == JWT_ERR_KID_UNKNOWN && lc->pending_token == NULL) {
		switch (jwks_source_refetch(lc->keys_seen, live_auth_wake,
		    lc)) {
		case JWKS_REFETCH_WAIT:
			lc->pending_token = kore_strdup(tok);
			json_decref(msg);
			return;
		case JWKS_REFETCH_AGAIN:
			res = token_check(tok, tlen, time(NULL), &claims);
			break;
		default:
			break;
		}
	}
	if (msg != NULL)
		json_decref(msg);
	if (lc->pending_token != NULL) {
		kore_free(lc->pending_token);
		lc->pending_token = NULL;
	}

	if (res != JWT_OK) {
		live_count(&shared->live_metrics.drops[LIVE_DROP_AUTH], 1);
		live_close(lc, LIVE_CLOSE_EXPIRED, jwt_result_reason(res));
	} else if (strcmp(claims.sub, lc->user->id)) {
		live_count(&shared->live_metrics.drops[LIVE_DROP_AUTH], 1);
		live_close(lc, LIVE_CLOSE_OTHER_USER, "token of another user");
	} else if (claims.exp > lc->exp) {
		lc->exp = claims.exp;
	}
}

/* The JWKS refetch a token waited for has ended. */
static void
live_auth_wake(void *arg)
{
	struct live_conn	*lc = arg;

	if (lc->state == LIVE_STATE_GONE || lc->pending_token == NULL)
		return;
	live_auth(lc, NULL, 0);
}

static void
live_conn_gone(struct live_conn *lc)
{
	if (lc->state == LIVE_STATE_GONE)
		return;
	if (lc->counted)
		live_count(&shared->live_metrics.open[lc->kind - 1], -1);
	lc->state = LIVE_STATE_GONE;
	lc->c = NULL;
	if (lc->slot_held) {
		live_release(lc->user->id);
		lc->slot_held = 0;
	}
	if (lc->slot >= 0) {
		live_slot_free(lc->user->id, lc->slot);
		lc->slot = -1;
	}
	jwks_source_forget(lc);
	TAILQ_REMOVE(&lc->user->conns, lc, ulink);
}

static void
live_conn_free(struct live_conn *lc)
{
	TAILQ_REMOVE(&conns, lc, alink);
	kore_free(lc->pending_token);
	kore_free(lc);
}

/*
 * Pings, token deadlines, the drain, close deadlines, retries of failed
 * reads, and freeing what went away.
 */
static void
live_tick(void *arg, u_int64_t now)
{
	struct live_conn	*lc, *next;
	struct live_user	*u, *unext;
	struct live_take	*tk, *tnext;
	struct live_free	*f, *fnext;
	time_t			t;

	(void)arg;
	t = time(NULL);

	if (worker_draining && !draining_seen) {
		draining_seen = 1;
		live_listen_stop();
		drain_close_at = now + LIVE_DRAIN_WAIT_MS;
		if (!TAILQ_EMPTY(&conns) || !TAILQ_EMPTY(&frees) ||
		    !TAILQ_EMPTY(&takes)) {
			live_stmt_start(&drain_st, SQL_LIVE_SLOT_DRAIN, owner,
			    lease_s, live_drain_done, NULL);
		}
	}

	for (lc = TAILQ_FIRST(&conns); lc != NULL; lc = next) {
		next = TAILQ_NEXT(lc, alink);

		if (lc->state == LIVE_STATE_GONE) {
			if (!lc->st.running)
				live_conn_free(lc);
			continue;
		}
		if (lc->state == LIVE_STATE_CLOSING) {
			if (now >= lc->close_by && lc->c != NULL)
				kore_connection_disconnect(lc->c);
			continue;
		}
		if (worker_draining && drain_st.running &&
		    now < drain_close_at)
			continue;
		if (worker_draining) {
			live_count(&shared->live_metrics.drops[LIVE_DROP_SHUTDOWN], 1);
			live_close(lc, LIVE_CLOSE_GOING_AWAY, "server shutting down");
			continue;
		}
		if ((long long)t >= lc->exp + settings.jwt_leeway) {
			live_count(&shared->live_metrics.drops[LIVE_DROP_EXPIRED], 1);
			live_close(lc, LIVE_CLOSE_EXPIRED, "token expired");
			continue;
		}
		if (now >= lc->next_ping && lc->c != NULL) {
			if (lc->kind == LIVE_KIND_WS) {
				lc->next_ping = now + LIVE_WS_PING_MS;
				kore_websocket_send(lc->c, WEBSOCKET_OP_PING,
				    NULL, 0);
			} else {
				lc->next_ping = now + LIVE_SSE_PING_MS;
				live_send_text(lc, ": ping\n\n", 8);
			}
		}
	}

	for (u = TAILQ_FIRST(&users); u != NULL; u = unext) {
		unext = TAILQ_NEXT(u, alink);
		if (TAILQ_EMPTY(&u->conns) && !u->st.running) {
			LIST_REMOVE(u, hlink);
			TAILQ_REMOVE(&users, u, alink);
			kore_free(u);
			continue;
		}
		if (u->dirty && !u->st.running)
			live_user_kick(u);
	}

	for (tk = TAILQ_FIRST(&takes); tk != NULL; tk = tnext) {
		tnext = TAILQ_NEXT(tk, link);
		if (tk->ended && !tk->st.running) {
			TAILQ_REMOVE(&takes, tk, link);
			kore_free(tk);
		}
	}
	for (f = TAILQ_FIRST(&frees); f != NULL; f = fnext) {
		fnext = TAILQ_NEXT(f, link);
		if (f->done && !f->st.running) {
			TAILQ_REMOVE(&frees, f, link);
			kore_free(f);
		}
	}
	live_free_run(now);
	live_renew(now);

	live_listen_tick(now);
}

static void
live_count(uint64_t *counter, int64_t n)
{
	if (shared != NULL)
		__atomic_fetch_add(counter, (uint64_t)n, __ATOMIC_RELAXED);
}
