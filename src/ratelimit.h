/*
 * Token buckets shared by all workers of an instance: a fixed table in
 * memory mapped before the workers fork, so memory stays bounded however
 * many clients there are. Pure (no Kore), so it has unit tests.
 */
#ifndef __H_RATELIMIT_H
#define __H_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#define RL_SETS		2048
#define RL_WAYS		4

struct rl_entry {
	uint64_t	key;
	int64_t		tokens;		/* thousandths of a request */
	int64_t		last_ms;
};

struct rl_set {
	volatile int	lock;
	struct rl_entry	e[RL_WAYS];
};

struct rl_table {
	struct rl_set	sets[RL_SETS];
};

struct rl_result {
	int		allowed;
	long		limit;
	long		remaining;
	long		reset;		/* seconds until the bucket is full */
	long		retry_after;	/* seconds until one request passes */
};

void	rl_take(struct rl_table *, const void *, size_t, long, int64_t,
	    struct rl_result *);

#endif
