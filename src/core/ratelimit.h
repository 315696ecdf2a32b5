/*
 * Token buckets shared by all workers of an instance: a fixed table in
 * memory mapped before the workers fork, so memory stays bounded however
 * many clients there are. Pure (no Kore), so it has unit tests.
 */
#ifndef __H_RATELIMIT_H
#define __H_RATELIMIT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The sanitizer build is the test build: only it has the hook that stalls
 * inside a set's lock (RL_TEST_HOLD_KEY, see ratelimit.c).
 */
#if defined(__SANITIZE_ADDRESS__)
#define RL_TEST_HOOKS
#endif

#define RL_SETS		2048
#define RL_WAYS		4

struct rl_entry {
	uint64_t	key;
	int64_t		tokens;		/* thousandths of a request */
	int64_t		last_ms;
};

/*
 * A process-shared robust mutex per set: a worker killed while holding
 * it (kill -9, a crash) cannot wedge the others; the next one to lock
 * it is told the holder died and takes over.
 */
struct rl_set {
	pthread_mutex_t	lock;
	struct rl_entry	e[RL_WAYS];
};

struct rl_table {
	struct rl_set	sets[RL_SETS];
	uint64_t	hash_key[2];	/* random at start: SipHash's key */
	uint64_t	owner_died;	/* locks taken over from a dead worker */
#if defined(RL_TEST_HOOKS)
	int		test_held;	/* the test hook fired (once) */
#endif
};

struct rl_result {
	int		allowed;
	long		limit;
	long		remaining;
	long		reset;		/* seconds until the bucket is full */
	long		retry_after;	/* seconds until one request passes */
};

int		rl_init(struct rl_table *);
uint64_t	rl_key_hash(const struct rl_table *, const void *, size_t);
void	rl_take(struct rl_table *, const void *, size_t, long, int64_t,
	    struct rl_result *);

#endif
