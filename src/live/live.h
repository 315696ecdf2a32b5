/*
 * Live updates: a user's events pushed over WebSocket or Server-Sent
 * Events (SPEC "Live updates"). Each connection remembers the last event
 * id it was sent; a notification for its user (or a replay) reads the
 * user's events after that id, in id order, and sends them: replay and
 * live delivery are one path, so the switch has no gap and no duplicate.
 */
#ifndef __H_LIVE_H
#define __H_LIVE_H

#include <kore/kore.h>
#include <kore/http.h>

/* WebSocket close codes of ours (RFC 6455 7.4.2: 4000-4999 private). */
#define LIVE_CLOSE_GOING_AWAY	1001
#define LIVE_CLOSE_TRY_LATER	1013
#define LIVE_CLOSE_EXPIRED	4001
#define LIVE_CLOSE_OTHER_USER	4003

/* A valid ?since / Last-Event-ID: a positive bigint of ours. */
#define LIVE_SINCE_MAX		20

void	live_worker_init(void);

/*
 * Whether user may open one more live connection on this instance (the
 * caller answers 429 when not). A slot taken here is given back when the
 * connection ends, or by live_release() when it never started.
 */
int	live_acquire(const char *);
void	live_release(const char *);
void	live_refused(void);

/*
 * The same limit across every instance on the database (live_slots,
 * migration 0012): live_take_start() puts req to sleep and asks for one
 * of user's slots; once woken, live_take_result() is LIVE_TAKE_PENDING
 * (still waiting), LIVE_TAKE_FULL, LIVE_TAKE_FAILED (the database is
 * unavailable), LIVE_TAKE_ERROR (the statement failed) or the
 * slot, now the caller's, to hand to live_*_start(). Any answer but
 * pending ends the take. A request that goes away before that, or will
 * not use its slot, calls live_take_abandon(): the slot, once taken, is
 * given back.
 */
#define LIVE_TAKE_PENDING	-1
#define LIVE_TAKE_FULL		-2
#define LIVE_TAKE_FAILED	-3
#define LIVE_TAKE_ERROR		-4

struct live_take;

struct live_take	*live_take_start(struct http_request *, const char *);
int			live_take_result(struct live_take *);
void			live_take_abandon(struct live_take *);

/*
 * Take over req's connection for user (token exp at exp; since NULL or
 * the client's last event id; slot from live_take_result()). The
 * WebSocket upgrade answers 101 (or Kore's 400 for a bad handshake, which
 * releases the slots); the SSE one answers 200 and keeps the connection.
 */
void	live_ws_start(struct http_request *, const char *, long long,
	    const char *, int);
void	live_sse_start(struct http_request *, const char *, long long,
	    const char *, int);

/* Kore's WebSocket callbacks, found by name. */
void	live_ws_connect(struct connection *);
void	live_ws_message(struct connection *, u_int8_t, const void *, size_t);
void	live_ws_disconnect(struct connection *);

#endif
