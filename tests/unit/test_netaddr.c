/*
 * Unit tests for src/core/netaddr.c (cmocka): addresses and networks, the
 * client behind trusted proxies, and the anonymous rate limit's key.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/netaddr.h"

static struct netaddr	addr(const char *);
static const char	*client(const char *, const char *,
			    const struct netaddr_cidr *, size_t);

static void
test_parse_and_networks(void **state)
{
	struct netaddr_cidr	n[3];
	struct netaddr		a;

	(void)state;

	assert_true(netaddr_parse("192.0.2.1", 9, &a));
	assert_false(a.v6);
	assert_true(netaddr_parse("::ffff:192.0.2.1", 16, &a));
	assert_false(a.v6);
	assert_true(netaddr_parse("2001:db8::1", 11, &a));
	assert_true(a.v6);
	assert_false(netaddr_parse("192.0.2.1:80", 12, &a));
	assert_false(netaddr_parse("[::1]", 5, &a));
	assert_false(netaddr_parse("", 0, &a));
	assert_false(netaddr_parse("example.com", 11, &a));

	assert_true(netaddr_cidr_parse("10.0.0.0/8", 10, &n[0]));
	assert_true(netaddr_cidr_parse("2001:db8::/32", 13, &n[1]));
	assert_true(netaddr_cidr_parse("192.0.2.7", 9, &n[2]));
	assert_int_equal(n[2].prefix, 32);
	assert_false(netaddr_cidr_parse("10.0.0.0/33", 11, &n[0]) ||
	    netaddr_cidr_parse("10.0.0.0/", 9, &n[0]) ||
	    netaddr_cidr_parse("10.0.0.0/8x", 11, &n[0]) ||
	    netaddr_cidr_parse("2001:db8::/129", 14, &n[0]));
	assert_true(netaddr_cidr_parse("10.0.0.0/8", 10, &n[0]));

	a = addr("10.255.1.2");
	assert_true(netaddr_in(&a, n, 3));
	a = addr("11.0.0.1");
	assert_false(netaddr_in(&a, n, 3));
	a = addr("2001:db8:ffff::1");
	assert_true(netaddr_in(&a, n, 3));
	a = addr("2001:db9::1");
	assert_false(netaddr_in(&a, n, 3));
	a = addr("192.0.2.7");
	assert_true(netaddr_in(&a, n, 3));
	a = addr("192.0.2.8");
	assert_false(netaddr_in(&a, n, 3));
	/* Families never match each other. */
	a = addr("::ffff:10.0.0.1");
	assert_true(netaddr_in(&a, n, 1));
	a = addr("::a00:1");
	assert_false(netaddr_in(&a, n, 1));
}

/* X-Forwarded-For is believed only as far as the proxies we trust. */
static void
test_client_behind_proxies(void **state)
{
	struct netaddr_cidr	t[2];

	(void)state;

	assert_true(netaddr_cidr_parse("10.0.0.0/8", 10, &t[0]));
	assert_true(netaddr_cidr_parse("192.0.2.1", 9, &t[1]));

	/* Not from a trusted proxy: the header is anybody's. */
	assert_string_equal(client("203.0.113.9", "198.51.100.1", t, 2),
	    "203.0.113.9");
	/* No proxies configured: never read. */
	assert_string_equal(client("10.1.1.1", "198.51.100.1", t, 0),
	    "10.1.1.1");
	assert_string_equal(client("10.1.1.1", NULL, t, 2), "10.1.1.1");
	/* The rightmost address that is not a trusted hop. */
	assert_string_equal(client("10.1.1.1", "198.51.100.1", t, 2),
	    "198.51.100.1");
	assert_string_equal(client("10.1.1.1",
	    "6.6.6.6, 198.51.100.1, 192.0.2.1", t, 2), "198.51.100.1");
	assert_string_equal(client("10.1.1.1", " 2001:db8::7 ,10.2.2.2",
	    t, 2), "2001:db8::7");
	/* Every hop trusted: the leftmost is all we know. */
	assert_string_equal(client("10.1.1.1", "10.3.3.3, 10.2.2.2", t, 2),
	    "10.3.3.3");
	/* Garbage ends the walk at the hop that wrote it. */
	assert_string_equal(client("10.1.1.1", "198.51.100.1, evil", t, 2),
	    "10.1.1.1");
	assert_string_equal(client("10.1.1.1", "junk, 10.2.2.2", t, 2),
	    "10.2.2.2");
	assert_string_equal(client("10.1.1.1", "", t, 2), "10.1.1.1");
	assert_string_equal(client("10.1.1.1", ",,,", t, 2), "10.1.1.1");
}

/* One IPv6 user holds a /64: it is one budget, not 2^64 of them. */
static void
test_limit_key(void **state)
{
	struct netaddr	a;
	char		k1[NETADDR_TEXT], k2[NETADDR_TEXT];

	(void)state;

	a = addr("2001:db8:1:2::1");
	netaddr_limit_key(&a, k1, sizeof(k1));
	a = addr("2001:db8:1:2:ffff:ffff:ffff:ffff");
	netaddr_limit_key(&a, k2, sizeof(k2));
	assert_string_equal(k1, "2001:db8:1:2::/64");
	assert_string_equal(k1, k2);
	a = addr("2001:db8:1:3::1");
	netaddr_limit_key(&a, k2, sizeof(k2));
	assert_string_not_equal(k1, k2);

	a = addr("192.0.2.1");
	netaddr_limit_key(&a, k1, sizeof(k1));
	assert_string_equal(k1, "192.0.2.1");
	a = addr("::ffff:192.0.2.1");
	netaddr_limit_key(&a, k2, sizeof(k2));
	assert_string_equal(k1, k2);
}

static struct netaddr
addr(const char *s)
{
	struct netaddr	a;

	assert_true(netaddr_parse(s, strlen(s), &a));
	return (a);
}

static const char *
client(const char *peer, const char *xff, const struct netaddr_cidr *t,
    size_t n)
{
	static char	out[NETADDR_TEXT];
	struct netaddr	p, c;

	p = addr(peer);
	netaddr_client(&p, xff, t, n, &c);
	netaddr_format(&c, out, sizeof(out));
	return (out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_networks),
		cmocka_unit_test(test_client_behind_proxies),
		cmocka_unit_test(test_limit_key),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
