/*
 * Unit tests for src/core/rfc3339.c and src/api/cursor.c (cmocka): the instants a
 * date-time may name, and cursors as a client could send them back,
 * tampered with or as long as the server can make them.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "api/cursor.h"
#include "core/rfc3339.h"

#define UUID	"0b9f4c1e-6f0a-4c8e-9a55-1d2f3e4a5b6c"

static void	b64url(const char *, char *, size_t);

static void
test_rfc3339_offsets(void **state)
{
	int64_t		secs;
	int		usec;
	char		out[RFC3339_BUF];

	(void)state;

	assert_true(rfc3339_parse("2026-11-26T10:57:25.123+01:30", &secs,
	    &usec));
	rfc3339_format(secs, usec, out, sizeof(out));
	assert_string_equal(out, "2026-11-26T09:27:25.123000Z");

	assert_false(rfc3339_parse("2026-11-26T10:57:25+24:00", &secs, &usec));
	assert_false(rfc3339_parse("2026-02-29T00:00:00Z", &secs, &usec));
	assert_false(rfc3339_parse("2026-11-26T10:57:60Z", &secs, &usec));
	assert_false(rfc3339_parse("2026-11-26 10:57:25Z", &secs, &usec));
}

/* The instant, not its digits, must be within 0001..9999 UTC. */
static void
test_rfc3339_range(void **state)
{
	int64_t		secs;
	int		usec;
	char		out[RFC3339_BUF];

	(void)state;

	assert_true(rfc3339_parse("0001-01-01T00:00:00Z", &secs, &usec));
	assert_int_equal(secs, RFC3339_MIN_SECS);
	assert_true(rfc3339_parse("9999-12-31T23:59:59.999999Z", &secs,
	    &usec));
	assert_int_equal(secs, RFC3339_MAX_SECS);
	rfc3339_format(secs, usec, out, sizeof(out));
	assert_string_equal(out, "9999-12-31T23:59:59.999999Z");

	/* Year 0 in UTC; year 10000 in UTC. */
	assert_false(rfc3339_parse("0001-01-01T00:00:00+00:01", &secs, &usec));
	assert_false(rfc3339_parse("9999-12-31T23:59:59.5-11:59", &secs,
	    &usec));
	/* The same digits with an offset that keeps them in range. */
	assert_true(rfc3339_parse("0001-01-01T00:00:00-00:01", &secs, &usec));
	assert_true(rfc3339_parse("9999-12-31T23:59:59+11:59", &secs, &usec));
}

/* A cursor's time is sent on normalized, whatever offset it was given. */
static void
test_cursor_time_is_normalized(void **state)
{
	struct cursor	c;
	char		enc[CURSOR_MAX + 1];

	(void)state;

	b64url("{\"k\":\"-created_at\",\"v\":\"2026-01-01T00:00:00+16:00\","
	    "\"id\":\"" UUID "\"}", enc, sizeof(enc));
	assert_true(cursor_decode(enc, "-created_at", CURSOR_TIME, &c));
	assert_string_equal(c.value, "2025-12-31T08:00:00.000000Z");
	assert_string_equal(c.id, UUID);

	b64url("{\"k\":\"-created_at\",\"v\":\"0001-01-01T00:00:00+00:01\","
	    "\"id\":\"" UUID "\"}", enc, sizeof(enc));
	assert_false(cursor_decode(enc, "-created_at", CURSOR_TIME, &c));
}

static void
test_cursor_tampering(void **state)
{
	struct cursor	c;
	char		enc[CURSOR_MAX + 1];

	(void)state;

	/* Another sort, a null where none may be, a bad id, not JSON. */
	b64url("{\"k\":\"title\",\"v\":\"a\",\"id\":\"" UUID "\"}", enc,
	    sizeof(enc));
	assert_false(cursor_decode(enc, "-title", CURSOR_TEXT, &c));
	assert_true(cursor_decode(enc, "title", CURSOR_TEXT, &c));
	b64url("{\"k\":\"due_at\",\"v\":null,\"id\":\"" UUID "\"}", enc,
	    sizeof(enc));
	assert_true(cursor_decode(enc, "due_at", CURSOR_TIME_NULL, &c));
	assert_true(c.value_null);
	assert_false(cursor_decode(enc, "due_at", CURSOR_TIME, &c));
	b64url("{\"k\":\"priority\",\"v\":\"huge\",\"id\":\"" UUID "\"}", enc,
	    sizeof(enc));
	assert_false(cursor_decode(enc, "priority", CURSOR_PRIORITY, &c));
	b64url("{\"k\":\"title\",\"v\":\"a\",\"id\":\"not-a-uuid\"}", enc,
	    sizeof(enc));
	assert_false(cursor_decode(enc, "title", CURSOR_TEXT, &c));
	b64url("{\"k\":\"title\",\"k\":\"title\",\"v\":\"a\",\"id\":\"" UUID
	    "\"}", enc, sizeof(enc));
	assert_false(cursor_decode(enc, "title", CURSOR_TEXT, &c));
	assert_false(cursor_decode("!!!", "title", CURSOR_TEXT, &c));
	b64url("[1,2]", enc, sizeof(enc));
	assert_false(cursor_decode(enc, "title", CURSOR_TEXT, &c));
}

/* The longest title a task may have, escaped as badly as JSON can. */
static void
test_cursor_longest_title(void **state)
{
	struct cursor	c;
	char		doc[2048], enc[CURSOR_MAX + 1], *p;
	int		i;

	(void)state;

	p = doc + sprintf(doc, "{\"k\":\"-title\",\"v\":\"");
	for (i = 0; i < 200; i++)
		p += sprintf(p, "\\u0001");
	sprintf(p, "\",\"id\":\"" UUID "\"}");
	b64url(doc, enc, sizeof(enc));
	assert_true(strlen(enc) > 1024);
	assert_true(strlen(enc) <= CURSOR_MAX);
	assert_true(cursor_decode(enc, "-title", CURSOR_TEXT, &c));
	assert_int_equal(strlen(c.value), 200);

	/* 200 emoji (4 bytes each in UTF-8). */
	p = doc + sprintf(doc, "{\"k\":\"title\",\"v\":\"");
	for (i = 0; i < 200; i++)
		p += sprintf(p, "\xf0\x9f\x98\x80");
	sprintf(p, "\",\"id\":\"" UUID "\"}");
	b64url(doc, enc, sizeof(enc));
	assert_true(cursor_decode(enc, "title", CURSOR_TEXT, &c));
	assert_int_equal(strlen(c.value), 800);
}

/* base64url without padding, as the server writes cursors. */
static void
b64url(const char *s, char *out, size_t outlen)
{
	static const char	abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char	*in = (const unsigned char *)s;
	size_t			len, i, o;
	unsigned int		v;

	len = strlen(s);
	for (i = 0, o = 0; i < len; i += 3) {
		v = in[i] << 16;
		if (i + 1 < len)
			v |= in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		assert_true(o + 4 < outlen);
		out[o++] = abc[(v >> 18) & 63];
		out[o++] = abc[(v >> 12) & 63];
		if (i + 1 < len)
			out[o++] = abc[(v >> 6) & 63];
		if (i + 2 < len)
			out[o++] = abc[v & 63];
	}
	out[o] = '\0';
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3339_offsets),
		cmocka_unit_test(test_rfc3339_range),
		cmocka_unit_test(test_cursor_time_is_normalized),
		cmocka_unit_test(test_cursor_tampering),
		cmocka_unit_test(test_cursor_longest_title),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
