/*
 * Each key (a user id or a client address) owns a bucket of `limit`
 * requests that refills at limit per minute. A key hashes to a set of four
 * buckets under one robust mutex (held for a few instructions); a new key
 * takes the set's least recently used bucket, so an unknown client starts
 * with a full bucket and a flood of new clients can only evict, never grow.
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ratelimit.h"

#define RL_UNIT		1000

static uint64_t	rl_hash(const void *, size_t);
static long	rl_ceil_div(int64_t, int64_t);
static void	rl_lock(struct rl_table *, struct rl_set *, int64_t);
#if defined(RL_TEST_HOOKS)
static void	rl_test_hold(struct rl_table *, const void *, size_t);
#endif

/* On zeroed shared memory, before the workers fork. */
int
rl_init(struct rl_table *t)
{
	pthread_mutexattr_t	attr;
	int			i, ok;

	if (pthread_mutexattr_init(&attr) != 0)
		return (0);
	ok = pthread_mutexattr_setpshared(&attr,
	    PTHREAD_PROCESS_SHARED) == 0 &&
	    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST) == 0;
	for (i = 0; ok && i < RL_SETS; i++)
		ok = pthread_mutex_init(&t->sets[i].lock, &attr) == 0;
	pthread_mutexattr_destroy(&attr);

	return (ok);
}

void
rl_take(struct rl_table *t, const void *key, size_t len, long limit,
    int64_t now_ms, struct rl_result *r)
{
	struct rl_set	*set;
	struct rl_entry	*e, *victim;
	uint64_t	h;
	int64_t		cap, refill;
	int		i;

	memset(r, 0, sizeof(*r));
	r->limit = limit;
	r->allowed = 1;
	if (limit <= 0)
		return;

	h = rl_hash(key, len);
	if (h == 0)
		h = 1;
	set = &t->sets[h % RL_SETS];
	cap = (int64_t)limit * RL_UNIT;

	rl_lock(t, set, cap);
#if defined(RL_TEST_HOOKS)
	rl_test_hold(t, key, len);
#endif

	e = NULL;
	victim = &set->e[0];
	for (i = 0; i < RL_WAYS; i++) {
		if (set->e[i].key == h) {
			e = &set->e[i];
			break;
		}
		if (set->e[i].last_ms < victim->last_ms)
			victim = &set->e[i];
	}
	if (e == NULL) {
		e = victim;
		e->key = h;
		e->tokens = cap;
		e->last_ms = now_ms;
	}

	/* limit requests a minute: limit * RL_UNIT per 60000 ms. */
	if (now_ms > e->last_ms) {
		refill = (now_ms - e->last_ms) * limit * RL_UNIT / 60000;
		e->tokens = (e->tokens + refill > cap) ? cap : e->tokens + refill;
		e->last_ms = now_ms;
	}

	if (e->tokens >= RL_UNIT) {
		e->tokens -= RL_UNIT;
	} else {
		r->allowed = 0;
		r->retry_after = rl_ceil_div((RL_UNIT - e->tokens) * 60000,
		    (int64_t)limit * RL_UNIT * 1000);
		if (r->retry_after < 1)
			r->retry_after = 1;
	}
	r->remaining = (long)(e->tokens / RL_UNIT);
	r->reset = rl_ceil_div((cap - e->tokens) * 60000,
	    (int64_t)limit * RL_UNIT * 1000);

	pthread_mutex_unlock(&set->lock);
}

/*
 * EOWNERDEAD: the holder died inside the few lines above, so a bucket may
 * be half updated; clamp what it holds and carry on with the lock.
 */
static void
rl_lock(struct rl_table *t, struct rl_set *set, int64_t cap)
{
	int	i;

	if (pthread_mutex_lock(&set->lock) != EOWNERDEAD)
		return;

	for (i = 0; i < RL_WAYS; i++) {
		if (set->e[i].tokens < 0 || set->e[i].tokens > cap)
			set->e[i].tokens = cap;
	}
	__atomic_fetch_add(&t->owner_died, 1, __ATOMIC_RELAXED);
	pthread_mutex_consistent(&set->lock);
}

#if defined(RL_TEST_HOOKS)
/*
 * Test build only: the first request whose key is RL_TEST_HOLD_KEY stops
 * here, inside the lock, says so on stderr and waits to be killed.
 */
static void
rl_test_hold(struct rl_table *t, const void *key, size_t len)
{
	const char	*hold;
	int		zero;

	if ((hold = getenv("RL_TEST_HOLD_KEY")) == NULL ||
	    strlen(hold) != len || memcmp(hold, key, len) != 0)
		return;

	zero = 0;
	if (!__atomic_compare_exchange_n(&t->test_held, &zero, 1, 0,
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return;

	fprintf(stderr, "rl test hook: pid %d holds a set lock\n", getpid());
	for (;;)
		(void)poll(NULL, 0, 1000);
}
#endif

/* FNV-1a: keys are ours (user ids, addresses), not attacker-chosen bulk. */
static uint64_t
rl_hash(const void *key, size_t len)
{
	const unsigned char	*p = key;
	uint64_t		h;
	size_t			i;

	h = 1469598103934665603ULL;
	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return (h);
}

static long
rl_ceil_div(int64_t a, int64_t b)
{
	if (a <= 0)
		return (0);
	return ((long)((a + b - 1) / b));
}
