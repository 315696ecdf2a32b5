/*
 * The instance's one LISTEN connection (PostgreSQL's NOTIFY needs a
 * session: DATABASE_URL_DIRECT, never a pooler in transaction mode),
 * held by the first worker on non-blocking libpq in Kore's event loop.
 * Each notification ("<event id>:<user id>") becomes a LIVE_MSG_NOTIFY
 * to the workers; a (re)connect sends LIVE_MSG_ALL so every connection
 * reads what it may have missed meanwhile.
 */
#ifndef __H_LIVE_LISTEN_H
#define __H_LIVE_LISTEN_H

#include <kore/kore.h>

#define LIVE_MSG_NOTIFY		(KORE_MSG_APP_BASE + 10)
#define LIVE_MSG_ALL		(KORE_MSG_APP_BASE + 11)

void	live_listen_worker_init(void);
void	live_listen_tick(u_int64_t);
void	live_listen_stop(void);

#endif
