/*
 * Unit tests for src/core/count_cache.c (cmocka): remembered list totals
 * come back only under their own key, with the version they were stored
 * at; a colliding key replaces, a key too long is not kept.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/count_cache.h"

static struct count_cache	cc;

static void
test_get_put(void **state)
{
	int64_t		v, n;

	(void)state;

	count_cache_init(&cc);
	assert_int_equal(count_cache_get(&cc, "a", &v, &n), 0);
	assert_int_equal(count_cache_put(&cc, "a", 7, 120), 1);
	assert_int_equal(count_cache_get(&cc, "a", &v, &n), 1);
	assert_int_equal(v, 7);
	assert_int_equal(n, 120);
	/* A prefix or an extension of a key is another key. */
	assert_int_equal(count_cache_get(&cc, "", &v, &n), 0);
	assert_int_equal(count_cache_get(&cc, "ab", &v, &n), 0);

	/* A newer count replaces the older one in place. */
	assert_int_equal(count_cache_put(&cc, "a", 8, 121), 1);
	assert_int_equal(count_cache_get(&cc, "a", &v, &n), 1);
	assert_int_equal(v, 8);
	assert_int_equal(n, 121);
	assert_int_equal(cc.hits, 2);
	assert_int_equal(cc.misses, 3);
	count_cache_clear(&cc);
	assert_int_equal(count_cache_get(&cc, "a", &v, &n), 0);
}

/* More keys than slots: every get answers its own key or nothing. */
static void
test_collisions(void **state)
{
	char		key[32];
	int64_t		v, n;
	int		i, found;

	(void)state;

	count_cache_init(&cc);
	for (i = 0; i < 3 * COUNT_CACHE_SLOTS; i++) {
		(void)snprintf(key, sizeof(key), "user-%d", i);
		assert_int_equal(count_cache_put(&cc, key, i, 10 * i), 1);
	}
	found = 0;
	for (i = 0; i < 3 * COUNT_CACHE_SLOTS; i++) {
		(void)snprintf(key, sizeof(key), "user-%d", i);
		if (!count_cache_get(&cc, key, &v, &n))
			continue;
		found++;
		assert_int_equal(v, i);
		assert_int_equal(n, 10 * i);
	}
	/* Bounded: no more entries than slots, and most slots used. */
	assert_in_range(found, COUNT_CACHE_SLOTS / 2, COUNT_CACHE_SLOTS);
	count_cache_clear(&cc);
}

static void
test_long_key(void **state)
{
	char		*key;
	int64_t		v, n;

	(void)state;

	count_cache_init(&cc);
	key = malloc(COUNT_CACHE_KEY_MAX + 1);
	assert_non_null(key);
	memset(key, 'k', COUNT_CACHE_KEY_MAX);
	key[COUNT_CACHE_KEY_MAX] = '\0';
	assert_int_equal(count_cache_put(&cc, key, 1, 1), 0);
	assert_int_equal(count_cache_get(&cc, key, &v, &n), 0);
	key[COUNT_CACHE_KEY_MAX - 1] = '\0';
	assert_int_equal(count_cache_put(&cc, key, 1, 1), 1);
	assert_int_equal(count_cache_get(&cc, key, &v, &n), 1);
	free(key);
	count_cache_clear(&cc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_put),
		cmocka_unit_test(test_collisions),
		cmocka_unit_test(test_long_key),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
