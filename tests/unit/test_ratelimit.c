/*
 * Unit tests for src/core/ratelimit.c (cmocka): buckets that refill, the keyed
 * hash (SipHash-2-4, checked against its reference vector), and that
 * evicting a bucket never hands out a fresh one.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/ratelimit.h"

static struct rl_table	*table(void);
static int		 take(struct rl_table *, const char *, long, int64_t);
static void		 same_set_keys(struct rl_table *, const char *,
			    char [RL_WAYS + 1][32]);

static void
test_bucket_spends_and_refills(void **state)
{
	struct rl_table		*t = table();
	struct rl_result	r;
	int			i;

	(void)state;

	for (i = 0; i < 5; i++)
		assert_true(take(t, "u:a", 5, 1000));
	rl_take(t, "u:a", 3, 5, 1000, &r);
	assert_false(r.allowed);
	assert_int_equal(r.remaining, 0);
	assert_int_equal(r.retry_after, 12);
	/* Another key, its own bucket. */
	assert_true(take(t, "u:b", 5, 1000));
	/* 12 s later one more (5 a minute). */
	assert_false(take(t, "u:a", 5, 12999));
	assert_true(take(t, "u:a", 5, 13000));
	/* 0 is no limit. */
	for (i = 0; i < 100; i++)
		assert_true(take(t, "u:a", 0, 13000));
	free(t);
}

/* The reference vector of the SipHash paper (key 00..0f, 15 bytes). */
static void
test_siphash_reference_vector(void **state)
{
	struct rl_table	*t = table();
	unsigned char	msg[15];
	int		i;

	(void)state;

	for (i = 0; i < 15; i++)
		msg[i] = i;
	t->hash_key[0] = 0x0706050403020100ULL;
	t->hash_key[1] = 0x0f0e0d0c0b0a0908ULL;
	assert_true(rl_key_hash(t, msg, sizeof(msg)) ==
	    0xa129ca6149be45e5ULL);
	free(t);
}

/* Two instances place the same keys differently: nothing to precompute. */
static void
test_hash_is_keyed_per_table(void **state)
{
	struct rl_table	*a = table(), *b = table();
	char		key[32];
	int		i, same;

	(void)state;

	assert_true(memcmp(a->hash_key, b->hash_key, sizeof(a->hash_key)));
	for (i = 0, same = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "i:198.51.100.%d", i);
		if (rl_key_hash(a, key, strlen(key)) % RL_SETS ==
		    rl_key_hash(b, key, strlen(key)) % RL_SETS)
			same++;
	}
	assert_true(same < 10);
	free(a);
	free(b);
}

/*
 * Eviction moves a bucket, it never makes one: with a set full of drained
 * buckets, a newcomer and a drained key that comes back after being
 * pushed out both get nothing. A bucket idle for a minute is full again.
 */
static void
test_eviction_is_no_reset(void **state)
{
	struct rl_table	*t = table();
	char		keys[RL_WAYS + 1][32];
	int		i, k;

	(void)state;

	same_set_keys(t, "u:victim", keys);
	for (k = 0; k < RL_WAYS; k++) {
		for (i = 0; i < 10; i++)
			assert_true(take(t, keys[k], 10, 1000 + k));
		assert_false(take(t, keys[k], 10, 1000 + k));
	}

	/* A newcomer pushes the victim out and inherits its empty bucket. */
	assert_false(take(t, keys[RL_WAYS], 10, 1010));
	/* The victim comes back into another drained bucket. */
	assert_false(take(t, keys[0], 10, 1011));

	/* A minute later every bucket is full again. */
	for (i = 0; i < 10; i++)
		assert_true(take(t, keys[0], 10, 62000));
	free(t);
}

static struct rl_table *
table(void)
{
	struct rl_table	*t;

	t = calloc(1, sizeof(*t));
	assert_non_null(t);
	assert_true(rl_init(t));
	return (t);
}

static int
take(struct rl_table *t, const char *key, long limit, int64_t now)
{
	struct rl_result	r;

	rl_take(t, key, strlen(key), limit, now, &r);
	return (r.allowed);
}

/* first, then RL_WAYS more keys that land in its set. */
static void
same_set_keys(struct rl_table *t, const char *first,
    char keys[RL_WAYS + 1][32])
{
	uint64_t	set;
	int		n, i;

	snprintf(keys[0], 32, "%s", first);
	set = rl_key_hash(t, first, strlen(first)) % RL_SETS;
	for (n = 1, i = 0; n <= RL_WAYS; i++) {
		snprintf(keys[n], 32, "i:flood-%d", i);
		if (rl_key_hash(t, keys[n], strlen(keys[n])) % RL_SETS == set)
			n++;
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_spends_and_refills),
		cmocka_unit_test(test_siphash_reference_vector),
		cmocka_unit_test(test_hash_is_keyed_per_table),
		cmocka_unit_test(test_eviction_is_no_reset),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
