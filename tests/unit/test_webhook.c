/*
 * Unit tests for the pure parts of webhooks (cmocka): HMAC-SHA256 against
 * RFC 4231's vectors in both encodings, the backoff schedule and its
 * jitter, Retry-After, the non-public address classes and the SSRF rule
 * for webhook_url.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/backoff.h"
#include "core/hash.h"
#include "core/netaddr.h"
#include "core/webhook_url.h"

static const char	*cls(const char *);
static int		url_ok(const char *, int, const char *);

static void
test_hmac_vectors(void **state)
{
	char		hex[SHA256_HEX_SIZE], b64[HMAC_SHA256_B64_SIZE];
	unsigned char	key[20];

	(void)state;

	/* RFC 4231 test case 1. */
	memset(key, 0x0b, sizeof(key));
	assert_true(hmac_sha256_hex(key, sizeof(key), "Hi There", 8, hex));
	assert_string_equal(hex, "b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7");
	/* Test case 2: a short key. */
	assert_true(hmac_sha256_hex("Jefe", 4,
	    "what do ya want for nothing?", 28, hex));
	assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843");
	assert_true(hmac_sha256_b64("Jefe", 4,
	    "what do ya want for nothing?", 28, b64));
	assert_string_equal(b64,
	    "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
	/* An empty key and body are valid HMAC inputs. */
	assert_true(hmac_sha256_hex("", 0, "", 0, hex));
	assert_string_equal(hex, "b613679a0814d9ec772f95d778c35fc5"
	    "ff1697c493715653c6c712144292c5ad");
}

static void
test_backoff(void **state)
{
	uint32_t	r;
	long		d;
	int		n;

	(void)state;

	/* About 10 s, 30 s, 2 min, 10 min, then 1 h for ever. */
	assert_int_equal(backoff_cap_ms(1, 10000), 10000);
	assert_int_equal(backoff_cap_ms(2, 10000), 30000);
	assert_int_equal(backoff_cap_ms(3, 10000), 120000);
	assert_int_equal(backoff_cap_ms(4, 10000), 600000);
	assert_int_equal(backoff_cap_ms(5, 10000), 3600000);
	assert_int_equal(backoff_cap_ms(9, 10000), 3600000);
	assert_int_equal(backoff_cap_ms(0, 10000), 10000);
	/* The test-only base scales every step. */
	assert_int_equal(backoff_cap_ms(2, 100), 300);

	/* Full jitter: between a tenth of the base and the cap. */
	for (n = 1; n < 8; n++) {
		for (r = 0; r < 2000000000u; r += 123456789u) {
			d = backoff_delay_ms(n, 10000, r);
			assert_true(d >= 1000 && d <= backoff_cap_ms(n, 10000));
		}
	}
	assert_int_equal(backoff_delay_ms(1, 10000, 0), 1000);
	assert_int_equal(backoff_delay_ms(1, 10000, 9000), 10000);
	assert_int_not_equal(backoff_delay_ms(3, 10000, 1),
	    backoff_delay_ms(3, 10000, 77777));
}

static void
test_retry_after(void **state)
{
	long	s;

	(void)state;

	assert_true(retry_after_parse("120", 0, &s));
	assert_int_equal(s, 120);
	assert_true(retry_after_parse(" 5 ", 0, &s));
	assert_int_equal(s, 5);
	/* 784111777 is Sun, 06 Nov 1994 08:49:37 GMT. */
	assert_true(retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT",
	    784111777 - 30, &s));
	assert_int_equal(s, 30);
	assert_true(retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT",
	    784111777 + 30, &s));
	assert_int_equal(s, 0);
	assert_false(retry_after_parse("-1", 0, &s));
	assert_false(retry_after_parse("soon", 0, &s));
	assert_false(retry_after_parse("12s", 0, &s));
	assert_false(retry_after_parse("", 0, &s));
	assert_false(retry_after_parse(NULL, 0, &s));

	/* Honoured, at most an hour; else the backoff. */
	assert_int_equal(retry_delay_ms(1, 10000, 0, "7", 0), 7000);
	assert_int_equal(retry_delay_ms(1, 10000, 0, "86400", 0), 3600000);
	assert_int_equal(retry_delay_ms(1, 10000, 0, "0", 0), 0);
	assert_int_equal(retry_delay_ms(1, 10000, 0, "junk", 0), 1000);
	assert_int_equal(retry_delay_ms(1, 10000, 0, NULL, 0), 1000);
}

static void
test_nonpublic(void **state)
{
	(void)state;

	assert_null(cls("93.184.216.34"));
	assert_null(cls("8.8.8.8"));
	assert_null(cls("2606:4700::1111"));
	assert_string_equal(cls("127.0.0.1"), "loopback");
	assert_string_equal(cls("127.255.0.9"), "loopback");
	assert_string_equal(cls("::1"), "loopback");
	assert_string_equal(cls("::ffff:127.0.0.1"), "loopback");
	assert_string_equal(cls("10.1.2.3"), "private");
	assert_string_equal(cls("172.16.0.1"), "private");
	assert_string_equal(cls("172.31.255.255"), "private");
	assert_null(cls("172.32.0.1"));
	assert_string_equal(cls("192.168.1.1"), "private");
	assert_string_equal(cls("100.64.0.1"), "private");
	assert_string_equal(cls("fd12:3456::1"), "private");
	assert_string_equal(cls("fc00::1"), "private");
	assert_string_equal(cls("169.254.1.1"), "link-local");
	assert_string_equal(cls("169.254.169.254"),
	    "link-local (cloud metadata)");
	assert_string_equal(cls("fd00:ec2::254"), "private (cloud metadata)");
	assert_string_equal(cls("fe80::1"), "link-local");
	assert_string_equal(cls("224.0.0.1"), "multicast");
	assert_string_equal(cls("239.255.255.250"), "multicast");
	assert_string_equal(cls("ff02::1"), "multicast");
	assert_string_equal(cls("0.0.0.0"), "unspecified");
	assert_string_equal(cls("::"), "unspecified");
	assert_string_equal(cls("0.1.2.3"), "reserved");
	assert_string_equal(cls("240.0.0.1"), "reserved");
	assert_string_equal(cls("255.255.255.255"), "reserved");
	assert_string_equal(cls("192.0.2.1"), "reserved");
	assert_string_equal(cls("2001:db8::1"), "reserved");
	assert_string_equal(cls("64:ff9b::7f00:1"), "reserved");
	assert_string_equal(cls("::127.0.0.1"), "reserved");
	assert_string_equal(cls("2002:7f00:1::"), "reserved");
}

static void
test_webhook_url(void **state)
{
	char	host[256];
	int	port;

	(void)state;

	assert_true(webhook_url_host("https://u:p@Example.com:8443/x?y",
	    host, sizeof(host), &port));
	assert_string_equal(host, "Example.com");
	assert_int_equal(port, 8443);
	assert_true(webhook_url_host("https://[::1]/", host, sizeof(host),
	    &port));
	assert_string_equal(host, "::1");
	assert_int_equal(port, 443);
	assert_false(webhook_url_host("https://:80/", host, sizeof(host),
	    &port));
	assert_false(webhook_url_host("ftp://x/", host, sizeof(host), &port));

	assert_true(url_ok("https://hooks.example.com/in", 0, NULL));
	assert_true(url_ok("https://93.184.216.34/in", 0, NULL));
	assert_false(url_ok("http://hooks.example.com/in", 0, NULL));
	assert_false(url_ok("https://127.0.0.1/", 0, NULL));
	assert_false(url_ok("https://127.1/", 0, NULL));
	assert_false(url_ok("https://2130706433/", 0, NULL));
	assert_false(url_ok("https://0x7f.0.0.1/", 0, NULL));
	assert_false(url_ok("https://[::1]:8443/", 0, NULL));
	assert_false(url_ok("https://[::ffff:10.0.0.1]/", 0, NULL));
	assert_false(url_ok("https://localhost/", 0, NULL));
	assert_false(url_ok("https://api.localhost./", 0, NULL));
	assert_false(url_ok("https://10.0.0.8/", 0, NULL));
	assert_false(url_ok("https://169.254.169.254/latest/", 0, NULL));
	assert_false(url_ok("https://[fe80::1]/", 0, NULL));
	assert_false(url_ok("https://224.0.0.1/", 0, NULL));
	assert_false(url_ok("https://0.0.0.0/", 0, NULL));
	/* The resolver override: a name is what it resolves to. */
	assert_false(url_ok("https://evil.test/", 0,
	    "good.test:443:93.184.216.34,evil.test:443:192.168.0.5"));
	assert_true(url_ok("https://good.test/", 0,
	    "good.test:443:93.184.216.34,evil.test:443:192.168.0.5"));
	assert_false(url_ok("https://v6.test:8443/", 0,
	    "v6.test:8443:[fd00::5]"));
	/* The allow flag lifts both rules. */
	assert_true(url_ok("http://127.0.0.1:9000/", 1, NULL));
	assert_true(url_ok("https://10.0.0.8/", 1, NULL));
	assert_false(url_ok("gopher://127.0.0.1/", 1, NULL));
}

static const char *
cls(const char *s)
{
	struct netaddr	a;

	assert_true(netaddr_parse(s, strlen(s), &a));
	return (netaddr_nonpublic(&a));
}

static int
url_ok(const char *url, int allow, const char *resolve)
{
	char	why[256];

	why[0] = '\0';
	if (webhook_url_check(url, allow, resolve, why, sizeof(why)))
		return (1);
	assert_true(why[0] != '\0');
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hmac_vectors),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_nonpublic),
		cmocka_unit_test(test_webhook_url),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
