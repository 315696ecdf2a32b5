/*
 * State shared by all workers of one instance: rate-limit buckets and
 * metrics, in one anonymous shared mapping made before the workers fork.
 * Nothing else is shared; instances share only PostgreSQL.
 */
#ifndef __H_SHARED_H
#define __H_SHARED_H

#include "core/live_slots.h"
#include "core/metrics.h"
#include "core/ratelimit.h"

/* The last readiness check of the database, shared by the workers. */
struct health_cache {
	int64_t			checked_ms;	/* 0: never */
	int64_t			ok_ms;		/* last time all was fine */
	int64_t			claimed_ms;	/* a worker's check began */
	int			state;		/* HEALTH_* in api/ops_health.c */
};

struct shared {
	struct rl_table		rl;
	struct metrics		metrics;
	struct health_cache	health;
	struct live_slots	live;
	struct live_metrics	live_metrics;
};

extern struct shared	*shared;

int	shared_init(void);

#endif
