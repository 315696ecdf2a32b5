/*
 * Unit tests for src/core/b64url.c (cmocka): the RFC 4648 vectors, a
 * decoder strict enough that every value has one encoding (a JWT or a
 * cursor cannot be re-spelled), and the encoder against OpenSSL's.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "core/b64url.h"
#include "core/strbuf.h"

static void	encodes(const void *, size_t, const char *);
static void	decodes(const char *, const void *, size_t);
static void	refused(const char *, size_t, size_t);
static void	reference(const unsigned char *, size_t, char *);

/* RFC 4648 section 10, without the padding base64url leaves out. */
static void
test_rfc4648_vectors(void **state)
{
	static const struct {
		const char	*plain, *enc;
	} v[] = {
		{ "", "" },
		{ "f", "Zg" },
		{ "fo", "Zm8" },
		{ "foo", "Zm9v" },
		{ "foob", "Zm9vYg" },
		{ "fooba", "Zm9vYmE" },
		{ "foobar", "Zm9vYmFy" },
	};
	size_t	i;

	(void)state;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		encodes(v[i].plain, strlen(v[i].plain), v[i].enc);
		decodes(v[i].enc, v[i].plain, strlen(v[i].plain));
	}
}

/* The two characters base64url changes: - for +, _ for /. */
static void
test_url_alphabet(void **state)
{
	(void)state;

	encodes("\xfb\xff\xbf", 3, "-_-_");
	encodes("\xfb\xff", 2, "-_8");
	encodes("\xff", 1, "_w");
	encodes("\x00\x00\x00", 3, "AAAA");
	decodes("-_-_", "\xfb\xff\xbf", 3);
	decodes("_w", "\xff", 1);
	decodes("AAAA", "\x00\x00\x00", 3);
	decodes("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
	    "\x00\x10\x83\x10\x51\x87\x20\x92\x8b\x30\xd3\x8f\x41\x14\x93\x51"
	    "\x55\x97\x61\x96\x9b\x71\xd7\x9f\x82\x18\xa3\x92\x59\xa7\xa2\x9a"
	    "\xab\xb2\xdb\xaf\xc3\x1c\xb3\xd3\x5d\xb7\xe3\x9e\xbb\xf3\xdf\xbf",
	    48);
}

static void
test_decode_strict(void **state)
{
	(void)state;

	/* Padding, the standard alphabet, whitespace: all refused. */
	refused("Zg==", 4, 16);
	refused("Zm8=", 4, 16);
	refused("Zm9v+w", 6, 16);
	refused("Zm9v/w", 6, 16);
	refused("Zm9v\n", 5, 16);
	refused(" Zm9v", 5, 16);
	refused("Zm 9v", 5, 16);
	refused("Zm9v\r\nYg", 8, 16);
	refused("Zm9v.g", 6, 16);
	refused("Zm9v\x80g", 6, 16);
	/* A NUL inside the given length is a bad character too. */
	refused("Zm\0v", 4, 16);

	/* A lone last character cannot make a byte. */
	refused("Z", 1, 16);
	refused("Zm9vY", 5, 16);
	refused("Zm9vYmFyZ", 9, 16);

	/* Unused low bits must be zero: one encoding per value. */
	decodes("Zg", "f", 1);
	refused("Zh", 2, 16);
	refused("Zv", 2, 16);
	decodes("Zm8", "fo", 2);
	refused("Zm9", 3, 16);
	refused("Zm-", 3, 16);
	decodes("_w", "\xff", 1);
	refused("__", 2, 16);
	refused("_-", 2, 16);
}

/* The output is bounded by outmax, exactly. */
static void
test_decode_outmax(void **state)
{
	unsigned char	out[8];
	size_t		n;

	(void)state;

	assert_true(b64url_decode("Zm9vYmFy", 8, out, 6, &n));
	assert_int_equal(n, 6);
	assert_memory_equal(out, "foobar", 6);
	refused("Zm9vYmFy", 8, 5);
	assert_true(b64url_decode("Zm9vYmE", 7, out, 5, &n));
	assert_int_equal(n, 5);
	refused("Zm9vYmE", 7, 4);
	assert_true(b64url_decode("Zm9vYg", 6, out, 4, &n));
	assert_int_equal(n, 4);
	refused("Zm9vYg", 6, 3);
	refused("Zg", 2, 0);

	/* Nothing to decode is fine, into nothing. */
	n = 99;
	assert_true(b64url_decode("", 0, NULL, 0, &n));
	assert_int_equal(n, 0);

	/* Only inlen characters are read: the rest is not looked at. */
	memset(out, 0xee, sizeof(out));
	assert_true(b64url_decode("Zm9v!!!!", 4, out, 3, &n));
	assert_int_equal(n, 3);
	assert_memory_equal(out, "foo\xee", 4);
}

/* Every length 0..64, as OpenSSL encodes it with -_ and no padding. */
static void
test_encode_matches_openssl(void **state)
{
	unsigned char	in[64], back[64];
	char		want[128];
	struct strbuf	b;
	size_t		len, i, n;
	uint32_t	x;

	(void)state;

	for (len = 0; len <= sizeof(in); len++) {
		/* Bytes of every kind, the same each run. */
		for (i = 0, x = 0x12345678 + (uint32_t)len; i < len; i++) {
			x = x * 1103515245 + 12345;
			in[i] = (unsigned char)(x >> 16);
		}
		if (len > 0)
			in[len - 1] = (unsigned char)(0xff - len);
		reference(in, len, want);

		strbuf_init(&b);
		strbuf_add(&b, "<", 1);
		b64url_encode(&b, in, len);
		strbuf_add(&b, ">", 1);
		assert_false(strbuf_failed(&b));
		assert_int_equal(b.len, 2 + (len * 4 + 2) / 3);
		assert_memory_equal(b.data + 1, want, b.len - 2);
		assert_int_equal(b.data[b.len - 1], '>');

		assert_true(b64url_decode(b.data + 1, b.len - 2, back, len,
		    &n));
		assert_int_equal(n, len);
		assert_memory_equal(back, in, len);
		strbuf_free(&b);
	}
}

/* Every byte value once, across three-byte groups. */
static void
test_all_bytes(void **state)
{
	unsigned char	in[256], back[256];
	char		want[400];
	struct strbuf	b;
	size_t		i, n;

	(void)state;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)i;
	reference(in, sizeof(in), want);
	strbuf_init(&b);
	b64url_encode(&b, in, sizeof(in));
	assert_false(strbuf_failed(&b));
	assert_string_equal(b.data, want);
	assert_int_equal(b.len, 342);
	assert_null(strpbrk(b.data, "+/="));
	assert_true(b64url_decode(b.data, b.len, back, sizeof(back), &n));
	assert_int_equal(n, 256);
	assert_memory_equal(back, in, 256);
	strbuf_free(&b);
}

static void
encodes(const void *in, size_t len, const char *want)
{
	struct strbuf	b;

	strbuf_init(&b);
	strbuf_add(&b, "", 0);
	b64url_encode(&b, in, len);
	assert_false(strbuf_failed(&b));
	assert_string_equal(b.data, want);
	strbuf_free(&b);
}

static void
decodes(const char *enc, const void *want, size_t wantlen)
{
	unsigned char	out[128];
	size_t		n;

	if (!b64url_decode(enc, strlen(enc), out, sizeof(out), &n))
		fail_msg("refused: %s", enc);
	assert_int_equal(n, wantlen);
	assert_memory_equal(out, want, wantlen);
}

/* Refused, with *outlen 0 (callers do not read it then, but zero it). */
static void
refused(const char *enc, size_t len, size_t outmax)
{
	unsigned char	out[128];
	size_t		n;

	n = 99;
	if (b64url_decode(enc, len, out, outmax, &n))
		fail_msg("accepted: %.*s", (int)len, enc);
	assert_int_equal(n, 0);
}

/* OpenSSL's base64 with + and / mapped, the padding cut off. */
static void
reference(const unsigned char *in, size_t len, char *out)
{
	char	*p;
	int	n;

	n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	assert_int_equal(n, (len + 2) / 3 * 4);
	for (p = out; *p != '\0'; p++) {
		if (*p == '+')
			*p = '-';
		else if (*p == '/')
			*p = '_';
	}
	while (p > out && p[-1] == '=')
		*--p = '\0';
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4648_vectors),
		cmocka_unit_test(test_url_alphabet),
		cmocka_unit_test(test_decode_strict),
		cmocka_unit_test(test_decode_outmax),
		cmocka_unit_test(test_encode_matches_openssl),
		cmocka_unit_test(test_all_bytes),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
