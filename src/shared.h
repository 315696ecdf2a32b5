/*
 * State shared by all workers of one instance: rate-limit buckets and
 * metrics, in one anonymous shared mapping made before the workers fork.
 * Nothing else is shared; instances share only PostgreSQL.
 */
#ifndef __H_SHARED_H
#define __H_SHARED_H

#include "metrics.h"
#include "ratelimit.h"

struct shared {
	struct rl_table		rl;
	struct metrics		metrics;
};

extern struct shared	*shared;

void	shared_init(void);

#endif
