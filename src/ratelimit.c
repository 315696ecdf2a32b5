/*
 * Each key (a user id or a client address) owns a bucket of `limit`
 * requests that refills at limit per minute. A key hashes to a set of four
 * buckets under one spin lock (held for a few instructions); a new key
 * takes the set's least recently used bucket, so an unknown client starts
 * with a full bucket and a flood of new clients can only evict, never grow.
 */

#include <string.h>

#include "ratelimit.h"

#define RL_UNIT		1000

static uint64_t	rl_hash(const void *, size_t);
static long	rl_ceil_div(int64_t, int64_t);

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

	while (__atomic_test_and_set(&set->lock, __ATOMIC_ACQUIRE))
		;

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

	__atomic_clear(&set->lock, __ATOMIC_RELEASE);
}

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
