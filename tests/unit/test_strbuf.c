/*
 * Unit tests for src/core/strbuf.c (cmocka): growth over many appends,
 * the JSON string escaping every response body goes through, and the
 * sticky failure flag callers check once at the end.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>

#include "core/strbuf.h"

static void	json(const char *, size_t, const char *);

/* Nothing added yet is no string yet: a caller must add before it reads. */
static void
test_empty(void **state)
{
	struct strbuf	b;

	(void)state;

	strbuf_init(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_true(strbuf_failed(&b));

	/* An empty add allocates, so the result is "" and not NULL. */
	strbuf_add(&b, "", 0);
	assert_false(strbuf_failed(&b));
	assert_string_equal(b.data, "");
	assert_int_equal(b.len, 0);
	strbuf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.cap, 0);
}

/* Many small appends: every byte kept, NUL-terminated, doubling growth. */
static void
test_growth(void **state)
{
	struct strbuf	b;
	char		want[10 * 1000 + 1];
	size_t		i, cap, caps;

	(void)state;

	strbuf_init(&b);
	for (i = 0, caps = 0; i < 1000; i++) {
		cap = b.cap;
		switch (i % 3) {
		case 0:
			strbuf_add(&b, "0123456789", 10);
			break;
		case 1:
			strbuf_str(&b, "abcdefghij");
			break;
		default:
			strbuf_printf(&b, "%05zu%5s", i, "-----");
			break;
		}
		if (b.cap != cap)
			caps++;
		assert_int_equal(b.len, (i + 1) * 10);
		assert_int_equal(b.data[b.len], '\0');
	}
	assert_false(strbuf_failed(&b));
	for (i = 0; i < 1000; i++) {
		if (i % 3 == 0)
			memcpy(want + i * 10, "0123456789", 10);
		else if (i % 3 == 1)
			memcpy(want + i * 10, "abcdefghij", 10);
		else
			(void)snprintf(want + i * 10, 11, "%05zu-----", i);
	}
	want[sizeof(want) - 1] = '\0';
	assert_string_equal(b.data, want);
	/* 256, 512, ..., 16384: seven allocations for 10001 bytes. */
	assert_int_equal(b.cap, 16384);
	assert_int_equal(caps, 7);
	strbuf_free(&b);
}

/* One add far past the first capacity, and exactly at its edge. */
static void
test_large_and_edge(void **state)
{
	struct strbuf	b;
	char		big[5000];

	(void)state;

	memset(big, 'x', sizeof(big));
	strbuf_init(&b);
	strbuf_add(&b, big, 255);
	assert_int_equal(b.cap, 256);
	/* The NUL needs the 257th byte. */
	strbuf_add(&b, "y", 1);
	assert_int_equal(b.cap, 512);
	assert_int_equal(b.len, 256);
	assert_int_equal(b.data[255], 'y');
	assert_int_equal(b.data[256], '\0');
	strbuf_add(&b, big, sizeof(big));
	assert_int_equal(b.len, 5256);
	assert_int_equal(b.cap, 8192);
	assert_int_equal(strlen(b.data), 5256);
	strbuf_free(&b);

	/* printf of an output longer than the first capacity. */
	strbuf_init(&b);
	strbuf_printf(&b, "[%.*s]", 4000, big);
	assert_int_equal(b.len, 4002);
	assert_int_equal(b.data[0], '[');
	assert_int_equal(b.data[4001], ']');
	assert_int_equal(b.data[4002], '\0');
	strbuf_free(&b);
}

static void
test_json_escapes(void **state)
{
	(void)state;

	json("", 0, "\"\"");
	json("plain text", 10, "\"plain text\"");
	json("say \"hi\"", 8, "\"say \\\"hi\\\"\"");
	json("a\\b", 3, "\"a\\\\b\"");
	json("l1\nl2\r\tx", 8, "\"l1\\nl2\\r\\tx\"");
	/* Other controls as \u00XX, lower-case hex; DEL is not a control. */
	json("\x01\x08\x0c\x1f\x7f", 5, "\"\\u0001\\u0008\\u000c\\u001f\x7f\"");
	/* An embedded NUL is data: the length says where the string ends. */
	json("a\0b", 3, "\"a\\u0000b\"");
	/* UTF-8 and any byte >= 0x80 pass through untouched. */
	json("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xff", 10,
	    "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xff\"");
	/* Only len bytes are read. */
	json("abc\"def", 3, "\"abc\"");
	/* Escapes first, last and back to back. */
	json("\"\"\\\n", 4, "\"\\\"\\\"\\\\\\n\"");
}

/* Escaping appends: what was there stays, the string follows it. */
static void
test_json_appends(void **state)
{
	struct strbuf	b;
	char		s[300], want[2 + 300 * 6 + 1], *p;
	size_t		i;

	(void)state;

	strbuf_init(&b);
	strbuf_str(&b, "{\"k\":");
	strbuf_json_string(&b, "v", 1);
	strbuf_str(&b, "}");
	assert_string_equal(b.data, "{\"k\":\"v\"}");
	strbuf_free(&b);

	/* 300 controls, most growing sixfold: across reallocations. */
	for (i = 0; i < sizeof(s); i++)
		s[i] = (char)(i % 32);
	strbuf_init(&b);
	strbuf_json_string(&b, s, sizeof(s));
	p = want;
	*p++ = '"';
	for (i = 0; i < sizeof(s); i++) {
		if (s[i] == '\n')
			p += sprintf(p, "\\n");
		else if (s[i] == '\r')
			p += sprintf(p, "\\r");
		else if (s[i] == '\t')
			p += sprintf(p, "\\t");
		else
			p += sprintf(p, "\\u%04x", (unsigned int)s[i]);
	}
	*p++ = '"';
	*p = '\0';
	assert_string_equal(b.data, want);
	/* 29 of the 300 are \t, \n or \r, two characters; the rest six. */
	assert_int_equal(b.len, 271 * 6 + 29 * 2 + 2);
	strbuf_free(&b);
}

/* A failed buffer stays failed and takes nothing more. */
static void
test_sticky_failure(void **state)
{
	struct strbuf	b;
	wchar_t		w[] = { 0x1234, 0 };

	(void)state;

	strbuf_init(&b);
	strbuf_str(&b, "kept");
	assert_false(strbuf_failed(&b));
	/* Not encodable in the C locale: vsnprintf fails, so does the buffer. */
	strbuf_printf(&b, "%ls", w);
	assert_true(strbuf_failed(&b));
	assert_int_equal(b.len, 4);
	strbuf_str(&b, "more");
	strbuf_add(&b, "x", 1);
	strbuf_printf(&b, "%d", 1);
	strbuf_json_string(&b, "j", 1);
	assert_true(strbuf_failed(&b));
	assert_int_equal(b.len, 4);
	assert_string_equal(b.data, "kept");
	strbuf_free(&b);

	/* The flag alone, as an allocation failure would leave it. */
	strbuf_init(&b);
	strbuf_str(&b, "a");
	b.failed = 1;
	strbuf_add(&b, "b", 1);
	assert_true(strbuf_failed(&b));
	assert_int_equal(b.len, 1);
	assert_string_equal(b.data, "a");
	/* free resets it: the buffer can be used again. */
	strbuf_free(&b);
	assert_int_equal(b.failed, 0);
	strbuf_str(&b, "c");
	assert_false(strbuf_failed(&b));
	assert_string_equal(b.data, "c");
	strbuf_free(&b);
}

/* The escaping of len bytes of s is want. */
static void
json(const char *s, size_t len, const char *want)
{
	struct strbuf	b;

	strbuf_init(&b);
	strbuf_json_string(&b, s, len);
	assert_false(strbuf_failed(&b));
	assert_string_equal(b.data, want);
	assert_int_equal(b.len, strlen(want));
	strbuf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_large_and_edge),
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_json_appends),
		cmocka_unit_test(test_sticky_failure),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
