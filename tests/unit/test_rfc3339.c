/*
 * Unit tests for src/core/rfc3339.c (cmocka): what the strict parser
 * takes and refuses, the instant it makes of offsets and fractions, the
 * proleptic Gregorian calendar under it, and the text it writes back.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/rfc3339.h"

static void	parses(const char *, int64_t, int);
static void	refused(const char *);
static void	formats(int64_t, int, const char *);

static void
test_valid(void **state)
{
	(void)state;

	parses("1970-01-01T00:00:00Z", 0, 0);
	parses("1969-12-31T23:59:59Z", -1, 0);
	parses("2026-11-26T10:57:25Z", 1795690645, 0);
	/* 't' and 'z' in lower case, as RFC 3339 5.6 allows. */
	parses("2026-11-26t10:57:25z", 1795690645, 0);
	parses("2026-11-26T10:57:25+00:00", 1795690645, 0);
	parses("2026-11-26T10:57:25-00:00", 1795690645, 0);
}

static void
test_invalid_syntax(void **state)
{
	(void)state;

	refused("");
	refused("2026-11-26");
	refused("2026-11-26T10:57:25");		/* no zone */
	refused("2026-11-26T10:57Z");			/* no seconds */
	refused("2026-11-26 10:57:25Z");		/* space for T */
	refused("2026/11/26T10:57:25Z");
	refused("2026-11-26T10-57-25Z");
	refused("26-11-26T10:57:25Z0000");
	refused("+026-11-26T10:57:25Z");
	refused("2026-1-026T10:57:25Z");
	refused("2026-11-26T10:57:25ZZ");		/* trailing bytes */
	refused("2026-11-26T10:57:25Z ");
	refused(" 2026-11-26T10:57:25Z");
	refused("2026-11-26T10:57:25UTC");
	refused("2026-11-26T10:57:25.Z");		/* fraction without digits */
	refused("2026-11-26T10:57:25,5Z");
	refused("2026-11-26T10:57:25.5.5Z");
	/* Longer than 40 characters, even when the rest is fine. */
	refused("2026-11-26T10:57:25.000000000000000000001Z");
}

static void
test_invalid_fields(void **state)
{
	(void)state;

	refused("0000-01-01T00:00:00Z");
	refused("2026-00-01T00:00:00Z");
	refused("2026-13-01T00:00:00Z");
	refused("2026-01-00T00:00:00Z");
	refused("2026-01-32T00:00:00Z");
	refused("2026-04-31T00:00:00Z");
	refused("2026-11-26T24:00:00Z");
	refused("2026-11-26T23:60:00Z");
	/* A leap second is refused, not guessed at. */
	refused("2016-12-31T23:59:60Z");
	/* The last valid value of each field. */
	parses("2026-12-31T23:59:59Z", 1798761599, 0);
}

static void
test_offsets(void **state)
{
	(void)state;

	/* East of UTC is earlier in UTC, west is later. */
	parses("2026-11-26T11:57:25+01:00", 1795690645, 0);
	parses("2026-11-26T09:27:25-01:30", 1795690645, 0);
	parses("2026-11-27T10:56:25+23:59", 1795690645, 0);
	parses("2026-11-25T10:58:25-23:59", 1795690645, 0);
	/* An offset across midnight and the year. */
	parses("2027-01-01T00:30:00+01:00", 1798763400 - 3600, 0);

	refused("2026-11-26T10:57:25+24:00");
	refused("2026-11-26T10:57:25+00:60");
	refused("2026-11-26T10:57:25+0100");
	refused("2026-11-26T10:57:25+01");
	refused("2026-11-26T10:57:25+1:00");
	refused("2026-11-26T10:57:25+01:00Z");
	refused("2026-11-26T10:57:25 01:00");
	refused("2026-11-26T10:57:25+01:0");
}

/* Six digits kept (PostgreSQL's precision), the rest dropped, not rounded. */
static void
test_fractions(void **state)
{
	(void)state;

	parses("1970-01-01T00:00:00.5Z", 0, 500000);
	parses("1970-01-01T00:00:00.05Z", 0, 50000);
	parses("1970-01-01T00:00:00.123Z", 0, 123000);
	parses("1970-01-01T00:00:00.123456Z", 0, 123456);
	parses("1970-01-01T00:00:00.1234569Z", 0, 123456);
	parses("1970-01-01T00:00:00.999999999Z", 0, 999999);
	parses("1970-01-01T00:00:00.000000Z", 0, 0);
	parses("1970-01-01T00:00:00.000001Z", 0, 1);
	/* The fraction of an instant before the epoch still counts up. */
	parses("1969-12-31T23:59:59.250Z", -1, 250000);
	parses("1970-01-01T01:00:00.75+01:00", 0, 750000);
	/* 40 characters is the longest taken. */
	parses("1970-01-01T00:00:00.12345678901234+00:00", 0, 123456);
	refused("1970-01-01T00:00:00.123456789012345+00:00");
}

static void
test_leap_years(void **state)
{
	(void)state;

	parses("2000-02-29T00:00:00Z", 951782400, 0);
	parses("2024-02-29T12:00:00Z", 1709208000, 0);
	parses("0004-02-29T00:00:00Z",
	    RFC3339_MIN_SECS + (int64_t)(365 * 3 + 31 + 28) * 86400, 0);
	refused("2023-02-29T00:00:00Z");
	refused("1900-02-29T00:00:00Z");
	refused("2100-02-29T00:00:00Z");
	refused("2024-02-30T00:00:00Z");

	assert_int_equal(rfc3339_days_in_month(2024, 2), 29);
	assert_int_equal(rfc3339_days_in_month(2000, 2), 29);
	assert_int_equal(rfc3339_days_in_month(1900, 2), 28);
	assert_int_equal(rfc3339_days_in_month(2023, 2), 28);
	assert_int_equal(rfc3339_days_in_month(2023, 1), 31);
	assert_int_equal(rfc3339_days_in_month(2023, 4), 30);
	assert_int_equal(rfc3339_days_in_month(2023, 12), 31);
}

static void
test_days_from_civil(void **state)
{
	(void)state;

	assert_int_equal(rfc3339_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(rfc3339_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(rfc3339_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(rfc3339_days_from_civil(1600, 3, 1), -135080);
	assert_int_equal(rfc3339_days_from_civil(1, 1, 1), -719162);
	assert_int_equal(rfc3339_days_from_civil(9999, 12, 31), 2932896);
	assert_int_equal(rfc3339_days_from_civil(1, 1, 1) * 86400,
	    RFC3339_MIN_SECS);
	assert_int_equal(rfc3339_days_from_civil(9999, 12, 31) * 86400 +
	    86399, RFC3339_MAX_SECS);
}

/* The instant, not its digits, must lie within 0001..9999 UTC. */
static void
test_range(void **state)
{
	(void)state;

	parses("0001-01-01T00:00:00Z", RFC3339_MIN_SECS, 0);
	parses("9999-12-31T23:59:59.999999Z", RFC3339_MAX_SECS, 999999);
	parses("0001-01-01T00:00:00-00:01", RFC3339_MIN_SECS + 60, 0);
	parses("0001-01-01T23:59:00+23:59", RFC3339_MIN_SECS, 0);
	parses("9999-12-31T00:00:59-23:59", RFC3339_MAX_SECS, 0);
	refused("0001-01-01T00:00:00+00:01");
	refused("0001-01-01T23:58:59+23:59");
	refused("9999-12-31T23:59:59-00:01");
	refused("9999-12-31T00:01:00-23:59");
	/* Year 0 is refused by its digits, whatever the offset. */
	refused("0000-12-31T23:59:59-00:01");
}

static void
test_format(void **state)
{
	char	out[RFC3339_BUF];

	(void)state;

	formats(0, 0, "1970-01-01T00:00:00.000000Z");
	formats(-1, 250000, "1969-12-31T23:59:59.250000Z");
	formats(1795690645, 123, "2026-11-26T10:57:25.000123Z");
	formats(951782400, 999999, "2000-02-29T00:00:00.999999Z");
	formats(RFC3339_MIN_SECS, 0, "0001-01-01T00:00:00.000000Z");
	formats(RFC3339_MAX_SECS, 999999, "9999-12-31T23:59:59.999999Z");

	/* A short buffer gets a truncated, terminated string. */
	memset(out, 'x', sizeof(out));
	rfc3339_format(0, 0, out, 11);
	assert_string_equal(out, "1970-01-01");
	assert_int_equal(out[11], 'x');
}

/* What format writes, parse reads back to the same instant. */
static void
test_round_trip(void **state)
{
	static const char	*in[] = {
		"2026-11-26T10:57:25.123+01:30",
		"0001-01-01T00:00:00Z",
		"9999-12-31T23:59:59.999999Z",
		"1969-07-20T20:17:40.000001-05:00",
		"2000-02-29T23:59:59.5+00:00",
	};
	char		out[RFC3339_BUF];
	int64_t		secs, secs2;
	size_t		i;
	int		usec, usec2;

	(void)state;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		assert_true(rfc3339_parse(in[i], &secs, &usec));
		rfc3339_format(secs, usec, out, sizeof(out));
		assert_int_equal(strlen(out), 27);
		assert_true(rfc3339_parse(out, &secs2, &usec2));
		assert_int_equal(secs2, secs);
		assert_int_equal(usec2, usec);
	}
}

static void
parses(const char *s, int64_t want_secs, int want_usec)
{
	int64_t	secs;
	int	usec;

	if (!rfc3339_parse(s, &secs, &usec))
		fail_msg("refused: %s", s);
	assert_int_equal(secs, want_secs);
	assert_int_equal(usec, want_usec);
}

static void
refused(const char *s)
{
	int64_t	secs;
	int	usec;

	if (rfc3339_parse(s, &secs, &usec))
		fail_msg("accepted: %s", s);
}

static void
formats(int64_t secs, int usec, const char *want)
{
	char	out[RFC3339_BUF];

	rfc3339_format(secs, usec, out, sizeof(out));
	assert_string_equal(out, want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid_syntax),
		cmocka_unit_test(test_invalid_fields),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_fractions),
		cmocka_unit_test(test_leap_years),
		cmocka_unit_test(test_days_from_civil),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_round_trip),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
