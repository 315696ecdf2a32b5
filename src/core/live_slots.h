/*
 * Live connections per user, counted for the whole instance (all workers
 * share the table, core/shared.h). Users are keyed by a 64-bit hash of
 * their id; a collision only makes two users share one budget.
 */
#ifndef __H_LIVE_SLOTS_H
#define __H_LIVE_SLOTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/strbuf.h"

#define LIVE_SLOTS	16384

struct live_slot {
	uint64_t	key;	/* 0: free */
	uint32_t	count;
};

struct live_slots {
	/* Held for a few loads and stores, never across a call. */
	volatile uint32_t	lock;
	struct live_slot	slot[LIVE_SLOTS];
};

/* Why a live connection was closed by us, for /metrics. */
#define LIVE_DROP_SLOW		0	/* over 1 MiB behind: 1013 */
#define LIVE_DROP_EXPIRED	1	/* token expired: 4001 */
#define LIVE_DROP_AUTH		2	/* bad or other user's token */
#define LIVE_DROP_SHUTDOWN	3	/* SIGTERM: 1001 */
#define LIVE_DROP_LIMIT		4	/* upgrade refused, 429 */
#define LIVE_DROP_DATABASE	5	/* start query failed: 1013 */
#define LIVE_DROPS		6

/* Summed by construction: every worker adds to the same counters. */
struct live_metrics {
	uint64_t	open[2];	/* websocket, sse: a gauge */
	uint64_t	sent;
	uint64_t	drops[LIVE_DROPS];
	uint64_t	listen_reconnects;
};

void	live_metrics_render(const struct live_metrics *, struct strbuf *);

/* 1 and counted when user has fewer than max, else 0 (or table full). */
int	live_slots_acquire(struct live_slots *, const char *, size_t,
	    uint32_t);
void	live_slots_release(struct live_slots *, const char *, size_t);
uint32_t live_slots_count(struct live_slots *, const char *, size_t);

#endif
