/*
 * Unit tests for src/core/db_errors.c (cmocka): which database failures are
 * "the database is not there" (503) and which are a failed query (500).
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/db_errors.h"

static void
test_conn_bad_is_unavailable_whatever_the_sqlstate(void **state)
{
	(void)state;

	assert_int_equal(db_classify(NULL, 1), DB_UNAVAILABLE);
	assert_int_equal(db_classify("", 1), DB_UNAVAILABLE);
	assert_int_equal(db_classify("23505", 1), DB_UNAVAILABLE);
	assert_int_equal(db_classify("42P01", 1), DB_UNAVAILABLE);
}

static void
test_missing_sqlstate_is_unavailable(void **state)
{
	(void)state;

	assert_int_equal(db_classify(NULL, 0), DB_UNAVAILABLE);
	assert_int_equal(db_classify("", 0), DB_UNAVAILABLE);
}

static void
test_connection_exception_class_08_is_unavailable(void **state)
{
	(void)state;

	/* connection_failure, and two more of class 08. */
	assert_int_equal(db_classify("08006", 0), DB_UNAVAILABLE);
	assert_int_equal(db_classify("08001", 0), DB_UNAVAILABLE);
	assert_int_equal(db_classify("08003", 0), DB_UNAVAILABLE);
}

static void
test_admin_shutdown_57p_is_unavailable(void **state)
{
	(void)state;

	/* admin_shutdown, crash_shutdown, cannot_connect_now. */
	assert_int_equal(db_classify("57P01", 0), DB_UNAVAILABLE);
	assert_int_equal(db_classify("57P02", 0), DB_UNAVAILABLE);
	assert_int_equal(db_classify("57P03", 0), DB_UNAVAILABLE);
}

static void
test_insufficient_resources_53_is_unavailable(void **state)
{
	(void)state;

	/* too_many_connections, insufficient_resources. */
	assert_int_equal(db_classify("53300", 0), DB_UNAVAILABLE);
	assert_int_equal(db_classify("53000", 0), DB_UNAVAILABLE);
}

static void
test_query_errors_are_db_error(void **state)
{
	(void)state;

	/* unique_violation, undefined_table, invalid_text_representation. */
	assert_int_equal(db_classify("23505", 0), DB_ERROR);
	assert_int_equal(db_classify("42P01", 0), DB_ERROR);
	assert_int_equal(db_classify("22P02", 0), DB_ERROR);
}

static void
test_other_57_codes_are_db_error(void **state)
{
	(void)state;

	/* query_canceled (57014) is class 57 but not 57P: our query failed. */
	assert_int_equal(db_classify("57014", 0), DB_ERROR);
	/* A code that only looks like class 08 further in is not class 08. */
	assert_int_equal(db_classify("40808", 0), DB_ERROR);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(
		    test_conn_bad_is_unavailable_whatever_the_sqlstate),
		cmocka_unit_test(test_missing_sqlstate_is_unavailable),
		cmocka_unit_test(
		    test_connection_exception_class_08_is_unavailable),
		cmocka_unit_test(test_admin_shutdown_57p_is_unavailable),
		cmocka_unit_test(test_insufficient_resources_53_is_unavailable),
		cmocka_unit_test(test_query_errors_are_db_error),
		cmocka_unit_test(test_other_57_codes_are_db_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
