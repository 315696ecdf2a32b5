/* The bounded per-worker caches: hits, expiry, collisions, removal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/digest_cache.h"

struct value {
	char	text[40];
	long	n;
};

static void
test_put_then_get(void **state)
{
	struct digest_cache	dc;
	struct value		v = { "alice", 7 }, *got;

	(void)state;
	assert_true(digest_cache_init(&dc, 64, sizeof(v)));
	assert_null(digest_cache_get(&dc, "tok-a", 5, 100));
	digest_cache_put(&dc, "tok-a", 5, &v, 200);
	got = digest_cache_get(&dc, "tok-a", 5, 100);
	assert_non_null(got);
	assert_string_equal(got->text, "alice");
	assert_int_equal(got->n, 7);
	assert_int_equal(dc.hits, 1);
	assert_int_equal(dc.misses, 1);
	digest_cache_free(&dc);
}

static void
test_expired_entry_is_a_miss(void **state)
{
	struct digest_cache	dc;
	struct value		v = { "bob", 1 };

	(void)state;
	assert_true(digest_cache_init(&dc, 16, sizeof(v)));
	digest_cache_put(&dc, "k", 1, &v, 1000);
	assert_non_null(digest_cache_get(&dc, "k", 1, 1000));
	assert_null(digest_cache_get(&dc, "k", 1, 1001));
	digest_cache_free(&dc);
}

static void
test_other_key_in_same_slot_is_a_miss(void **state)
{
	struct digest_cache	dc;
	struct value		v = { "x", 1 }, w = { "y", 2 }, *got;

	(void)state;
	/* One slot: every key collides; the newest wins, none is confused. */
	assert_true(digest_cache_init(&dc, 1, sizeof(v)));
	digest_cache_put(&dc, "first", 5, &v, 50);
	digest_cache_put(&dc, "second", 6, &w, 50);
	assert_null(digest_cache_get(&dc, "first", 5, 10));
	got = digest_cache_get(&dc, "second", 6, 10);
	assert_non_null(got);
	assert_string_equal(got->text, "y");
	digest_cache_free(&dc);
}

static void
test_remove_and_clear(void **state)
{
	struct digest_cache	dc;
	struct value		v = { "z", 3 };

	(void)state;
	assert_true(digest_cache_init(&dc, 128, sizeof(v)));
	digest_cache_put(&dc, "a", 1, &v, 50);
	digest_cache_put(&dc, "b", 1, &v, 50);
	digest_cache_remove(&dc, "a", 1);
	assert_null(digest_cache_get(&dc, "a", 1, 10));
	/* Removing a key that is not there leaves the others alone. */
	digest_cache_remove(&dc, "never-added", 11);
	assert_non_null(digest_cache_get(&dc, "b", 1, 10));
	digest_cache_clear(&dc);
	assert_null(digest_cache_get(&dc, "b", 1, 10));
	digest_cache_free(&dc);
}

static void
test_memory_is_bounded_by_slots(void **state)
{
	struct digest_cache	dc;
	struct value		v = { "many", 0 };
	char			key[32];
	size_t			i, found;

	(void)state;
	assert_true(digest_cache_init(&dc, 32, sizeof(v)));
	for (i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "user-%zu", i);
		v.n = (long)i;
		digest_cache_put(&dc, key, strlen(key), &v, 99);
	}
	found = 0;
	for (i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "user-%zu", i);
		if (digest_cache_get(&dc, key, strlen(key), 1) != NULL)
			found++;
	}
	assert_true(found <= 32);
	assert_true(found > 0);
	digest_cache_free(&dc);
}

static void
test_zero_slots_is_refused(void **state)
{
	struct digest_cache	dc;

	(void)state;
	assert_false(digest_cache_init(&dc, 0, 8));
	assert_null(digest_cache_get(&dc, "a", 1, 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_then_get),
		cmocka_unit_test(test_expired_entry_is_a_miss),
		cmocka_unit_test(test_other_key_in_same_slot_is_a_miss),
		cmocka_unit_test(test_remove_and_clear),
		cmocka_unit_test(test_memory_is_bounded_by_slots),
		cmocka_unit_test(test_zero_slots_is_refused),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
