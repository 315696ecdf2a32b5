/*
 * Unit tests for src/core/etag.c (cmocka): If-None-Match as RFC 9110
 * 13.1.2 reads it, compared weakly. A false match is a 304 for content
 * the client never had, so what must not match matters most.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/etag.h"

#define TAG	"\"12\""

static void
test_star(void **state)
{
	(void)state;

	assert_true(etag_matches("*", TAG));
	assert_true(etag_matches(" *", TAG));
	assert_true(etag_matches("* ", TAG));
	assert_true(etag_matches("\t*\t", TAG));
	assert_true(etag_matches("\"1\", *", TAG));
	assert_true(etag_matches("*", "\"anything\""));
}

/* "*" is only a list element of its own, never the start of one. */
static void
test_star_prefix(void **state)
{
	(void)state;

	assert_false(etag_matches("*x", TAG));
	assert_false(etag_matches("*\"1\"", TAG));
	assert_false(etag_matches("* \"1\"", TAG));
	assert_false(etag_matches("**", TAG));
	assert_false(etag_matches("W/*", TAG));
	assert_false(etag_matches("\"*\"", TAG));
	assert_true(etag_matches("*x, " TAG, TAG));
}

static void
test_exact_and_weak(void **state)
{
	(void)state;

	assert_true(etag_matches(TAG, TAG));
	assert_true(etag_matches("W/" TAG, TAG));
	/* The weak prefix is case-sensitive, and W/ is all it may be. */
	assert_false(etag_matches("w/" TAG, TAG));
	assert_false(etag_matches("W/ " TAG, TAG));
	assert_false(etag_matches("W/W/" TAG, TAG));
	assert_false(etag_matches("X/" TAG, TAG));
	/* The quotes are part of the tag. */
	assert_false(etag_matches("12", TAG));
	assert_false(etag_matches("\"12", TAG));
}

static void
test_lists(void **state)
{
	(void)state;

	assert_true(etag_matches("\"1\", " TAG, TAG));
	assert_true(etag_matches("\"1\"," TAG, TAG));
	assert_true(etag_matches(TAG ", \"1\"", TAG));
	assert_true(etag_matches("\"1\", W/" TAG ", \"3\"", TAG));
	assert_true(etag_matches("\"1\" ,\t" TAG "\t , \"3\"", TAG));
	/* Empty elements are allowed by the list rule (RFC 9110 5.6.1). */
	assert_true(etag_matches(",," TAG ",", TAG));
	assert_true(etag_matches(" , " TAG, TAG));
	assert_false(etag_matches("\"1\", \"2\", \"123\"", TAG));
	assert_false(etag_matches("", TAG));
	assert_false(etag_matches(",", TAG));
	assert_false(etag_matches("  ", TAG));
}

/* A tag that starts or ends like ours is another tag. */
static void
test_prefixes_do_not_match(void **state)
{
	(void)state;

	assert_false(etag_matches("\"abcd\"", "\"abc\""));
	assert_false(etag_matches("\"ab\"", "\"abc\""));
	assert_false(etag_matches("\"abc\"d", "\"abc\""));
	assert_false(etag_matches("\"abc\" \"d\"", "\"abc\""));
	assert_false(etag_matches("\"abc\"\"abc\"", "\"abc\""));
	assert_false(etag_matches("x\"abc\"", "\"abc\""));
	assert_false(etag_matches("W/\"abcd\", \"ab\"", "\"abc\""));
	assert_false(etag_matches("\"123\"", TAG));
	assert_false(etag_matches("\"1\"", TAG));
	assert_false(etag_matches("\"12\"3", TAG));
	assert_true(etag_matches("\"abcd\", \"abc\"", "\"abc\""));
	/* the gzip tag of a docs file is the plain one with a suffix. */
	assert_false(etag_matches("\"abc-gz\"", "\"abc\""));
	assert_false(etag_matches("\"abc\"", "\"abc-gz\""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_star),
		cmocka_unit_test(test_star_prefix),
		cmocka_unit_test(test_exact_and_weak),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_prefixes_do_not_match),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
