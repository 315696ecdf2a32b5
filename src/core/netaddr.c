/*
 * Addresses as bytes, so that a prefix compares the same whatever way
 * the address was written; IPv4-mapped IPv6 (::ffff:a.b.c.d) is IPv4.
 */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/netaddr.h"

/* X-Forwarded-For entries looked at, right to left, at most. */
#define NETADDR_HOPS_MAX	16

static int	netaddr_prefix_match(const struct netaddr *,
		    const struct netaddr_cidr *);

/* An IPv4 or IPv6 address of len bytes (no port, no brackets). */
int
netaddr_parse(const char *s, size_t len, struct netaddr *out)
{
	char		buf[INET6_ADDRSTRLEN];
	struct in6_addr	a6;
	struct in_addr	a4;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len >= sizeof(buf))
		return (0);
	memcpy(buf, s, len);
	buf[len] = '\0';

	if (inet_pton(AF_INET, buf, &a4) == 1) {
		memcpy(out->a, &a4, 4);
		return (1);
	}
	if (inet_pton(AF_INET6, buf, &a6) != 1)
		return (0);
	netaddr_from_v6(a6.s6_addr, out);
	return (1);
}

/* A socket's IPv6 address; an IPv4-mapped one is the IPv4 it maps. */
void
netaddr_from_v6(const unsigned char *a, struct netaddr *out)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
					    0, 0, 0xff, 0xff };

	memset(out, 0, sizeof(*out));
	if (!memcmp(a, mapped, sizeof(mapped))) {
		memcpy(out->a, a + 12, 4);
		return;
	}
	out->v6 = 1;
	memcpy(out->a, a, 16);
}

/* ADDRESS or ADDRESS/PREFIX (a bare address is one host). */
int
netaddr_cidr_parse(const char *s, size_t len, struct netaddr_cidr *out)
{
	const char	*slash;
	char		*ep;
	long		prefix;
	int		max;

	memset(out, 0, sizeof(*out));
	slash = memchr(s, '/', len);
	if (!netaddr_parse(s, slash != NULL ? (size_t)(slash - s) : len,
	    &out->net))
		return (0);

	max = out->net.v6 ? 128 : 32;
	out->prefix = max;
	if (slash == NULL)
		return (1);

	if (slash + 1 == s + len || !isdigit((unsigned char)slash[1]))
		return (0);
	prefix = strtol(slash + 1, &ep, 10);
	if (ep != s + len || prefix < 0 || prefix > max)
		return (0);
	out->prefix = (int)prefix;
	return (1);
}

/* Whether the address is in one of n networks. */
int
netaddr_in(const struct netaddr *a, const struct netaddr_cidr *nets, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++) {
		if (netaddr_prefix_match(a, &nets[i]))
			return (1);
	}
	return (0);
}

void
netaddr_format(const struct netaddr *a, char *out, size_t len)
{
	if (inet_ntop(a->v6 ? AF_INET6 : AF_INET, a->a, out, len) == NULL)
		(void)snprintf(out, len, "?");
}

/*
 * The client of a request that came from peer. Only when peer is a
 * trusted proxy is X-Forwarded-For read: from the right, each trusted
 * hop is passed over and the first address that is not is the client
 * (what is left of it was written by the client itself and proves
 * nothing). An entry that is not an address ends the walk at the hop
 * that added it.
 */
void
netaddr_client(const struct netaddr *peer, const char *xff,
    const struct netaddr_cidr *trusted, size_t ntrusted, struct netaddr *out)
{
	struct netaddr	hop;
	const char	*end, *start, *p;
	size_t		len;
	int		hops;

	*out = *peer;
	if (xff == NULL || ntrusted == 0 || !netaddr_in(peer, trusted,
	    ntrusted))
		return;

	end = xff + strlen(xff);
	for (hops = 0; end > xff && hops < NETADDR_HOPS_MAX; hops++) {
		for (start = end; start > xff && start[-1] != ','; start--)
			;
		p = start;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		len = end - p;
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (!netaddr_parse(p, len, &hop))
			return;
		*out = hop;
		if (!netaddr_in(&hop, trusted, ntrusted))
			return;
		end = start > xff ? start - 1 : xff;
	}
}

/*
 * The anonymous rate limit's key: an IPv4 address, or the /64 of an
 * IPv6 one (one end user gets a whole /64, so an address of it each
 * request would otherwise be a fresh budget each time).
 */
void
netaddr_limit_key(const struct netaddr *a, char *out, size_t len)
{
	struct netaddr	net;

	if (!a->v6) {
		netaddr_format(a, out, len);
		return;
	}
	net = *a;
	memset(net.a + 8, 0, 8);
	netaddr_format(&net, out, len);
	if (strlen(out) + 4 < len)
		strcat(out, "/64");
}

static int
netaddr_prefix_match(const struct netaddr *a, const struct netaddr_cidr *n)
{
	int		bytes, bits;

	if (a->v6 != n->net.v6)
		return (0);
	bytes = n->prefix / 8;
	bits = n->prefix % 8;
	if (memcmp(a->a, n->net.a, bytes))
		return (0);
	if (bits == 0)
		return (1);
	return (((a->a[bytes] ^ n->net.a[bytes]) &
	    (unsigned char)(0xff << (8 - bits))) == 0);
}

/*
 * Why an address is no place for a webhook: NULL for a public unicast
 * address, else its class. IPv4 per IANA's special-purpose registry;
 * IPv6 is public only inside global unicast 2000::/3, minus its special
 * blocks (and those that embed an IPv4 address we cannot vouch for).
 */
const char *
netaddr_nonpublic(const struct netaddr *a)
{
	static const struct {
		const char	*net;
		int		prefix;
		const char	*why;
	} blocks[] = {
		{ "169.254.169.254", 32, "link-local (cloud metadata)" },
		{ "0.0.0.0", 32, "unspecified" },
		{ "0.0.0.0", 8, "reserved" },
		{ "10.0.0.0", 8, "private" },
		{ "100.64.0.0", 10, "private" },
		{ "127.0.0.0", 8, "loopback" },
		{ "169.254.0.0", 16, "link-local" },
		{ "172.16.0.0", 12, "private" },
		{ "192.0.0.0", 24, "reserved" },
		{ "192.0.2.0", 24, "reserved" },
		{ "192.88.99.0", 24, "reserved" },
		{ "192.168.0.0", 16, "private" },
		{ "198.18.0.0", 15, "reserved" },
		{ "198.51.100.0", 24, "reserved" },
		{ "203.0.113.0", 24, "reserved" },
		{ "224.0.0.0", 4, "multicast" },
		{ "240.0.0.0", 4, "reserved" },
		{ "::", 128, "unspecified" },
		{ "::1", 128, "loopback" },
		{ "fd00:ec2::254", 128, "private (cloud metadata)" },
		{ "fc00::", 7, "private" },
		{ "fe80::", 10, "link-local" },
		{ "fec0::", 10, "link-local" },
		{ "ff00::", 8, "multicast" },
		{ "2001::", 23, "reserved" },
		{ "2001:db8::", 32, "reserved" },
		{ "2002::", 16, "reserved" },
	};
	struct netaddr_cidr	c;
	size_t			i;

	for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
		if (!netaddr_parse(blocks[i].net, strlen(blocks[i].net),
		    &c.net))
			continue;
		c.prefix = blocks[i].prefix;
		if (c.net.v6 == a->v6 && netaddr_prefix_match(a, &c))
			return (blocks[i].why);
	}
	if (a->v6 && (a->a[0] & 0xe0) != 0x20)
		return ("reserved");
	return (NULL);
}
