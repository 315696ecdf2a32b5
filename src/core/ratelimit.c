/*
 * Each key (a user id or a client address) owns a bucket of `limit`
 * requests that refills at limit per minute. A key hashes to a set of four
 * buckets under one robust mutex (held for a few instructions); a new key
 * takes the set's least recently used bucket, so a flood of new clients
 * can only evict, never grow the table.
 *
 * Evicting is no way to a fresh budget: the hash is SipHash under a key
 * drawn at start, so nobody can compute which keys share a set, and a new
 * key starts with what the bucket it takes over would hold now (full only
 * once that one sat idle for a minute), so a flood that evicts a drained
 * bucket, its own included, gets no more than was left.
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/random.h>

#include "core/ratelimit.h"

#define RL_UNIT		1000

static uint64_t	rl_siphash(const uint64_t [2], const void *, size_t);
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

	if (getrandom(t->hash_key, sizeof(t->hash_key), 0) !=
	    sizeof(t->hash_key))
		return (0);
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
	int64_t		cap, refill, tokens;
	int		i;

	memset(r, 0, sizeof(*r));
	r->limit = limit;
	r->allowed = 1;
	if (limit <= 0)
		return;

	h = rl_key_hash(t, key, len);
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
		/* The taken bucket's tokens now, at this key's rate. */
		e = victim;
		tokens = cap;
		if (e->key != 0 && now_ms - e->last_ms < 60000) {
			tokens = e->tokens + (now_ms > e->last_ms ?
			    (now_ms - e->last_ms) * limit * RL_UNIT / 60000 : 0);
			if (tokens > cap)
				tokens = cap;
			if (tokens < 0)
				tokens = 0;
		}
		e->key = h;
		e->tokens = tokens;
		e->last_ms = now_ms;
	}

	/* limit requests a minute: limit * RL_UNIT per 60000 ms. */
	/*
	 * The clock moves on only by the time the whole units refilled stand
	 * for, so a key asking every millisecond still refills.
	 */
	if (now_ms > e->last_ms) {
		refill = (now_ms - e->last_ms) * limit * RL_UNIT / 60000;
		if (e->tokens + refill >= cap) {
			e->tokens = cap;
			e->last_ms = now_ms;
		} else if (refill > 0) {
			e->tokens += refill;
			e->last_ms += refill * 60000 / ((int64_t)limit * RL_UNIT);
		}
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

/* The table's keyed hash of a key; never 0 (0 marks an unused bucket). */
uint64_t
rl_key_hash(const struct rl_table *t, const void *key, size_t len)
{
	uint64_t	h;

	h = rl_siphash(t->hash_key, key, len);
	return (h == 0 ? 1 : h);
}

#define RL_ROTL(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))
#define RL_SIPROUND(v0, v1, v2, v3) do {				\
	v0 += v1; v1 = RL_ROTL(v1, 13); v1 ^= v0; v0 = RL_ROTL(v0, 32);	\
	v2 += v3; v3 = RL_ROTL(v3, 16); v3 ^= v2;			\
	v0 += v3; v3 = RL_ROTL(v3, 21); v3 ^= v0;			\
	v2 += v1; v1 = RL_ROTL(v1, 17); v1 ^= v2; v2 = RL_ROTL(v2, 32);	\
} while (0)

/* SipHash-2-4 (Aumasson and Bernstein), little-endian words. */
static uint64_t
rl_siphash(const uint64_t k[2], const void *data, size_t len)
{
	const unsigned char	*p = data;
	uint64_t		v0, v1, v2, v3, m;
	size_t			i, n;

	v0 = k[0] ^ 0x736f6d6570736575ULL;
	v1 = k[1] ^ 0x646f72616e646f6dULL;
	v2 = k[0] ^ 0x6c7967656e657261ULL;
	v3 = k[1] ^ 0x7465646279746573ULL;

	for (n = len & ~(size_t)7, i = 0; i < n; i += 8) {
		memcpy(&m, p + i, 8);
		v3 ^= m;
		RL_SIPROUND(v0, v1, v2, v3);
		RL_SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	m = (uint64_t)len << 56;
	for (i = 0; i < (len & 7); i++)
		m |= (uint64_t)p[n + i] << (8 * i);
	v3 ^= m;
	RL_SIPROUND(v0, v1, v2, v3);
	RL_SIPROUND(v0, v1, v2, v3);
	v0 ^= m;

	v2 ^= 0xff;
	for (i = 0; i < 4; i++)
		RL_SIPROUND(v0, v1, v2, v3);
	return (v0 ^ v1 ^ v2 ^ v3);
}

static long
rl_ceil_div(int64_t a, int64_t b)
{
	if (a <= 0)
		return (0);
	return ((long)((a + b - 1) / b));
}
