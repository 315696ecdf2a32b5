/*
 * Client addresses: IPv4 and IPv6 parsed and compared by prefix, the
 * client behind trusted proxies (X-Forwarded-For), and the key its
 * anonymous rate limit is kept under. Pure, so it has unit tests.
 */
#ifndef __H_NETADDR_H
#define __H_NETADDR_H

#include <stddef.h>

/* Enough for any address netaddr_format writes, and a limit key. */
#define NETADDR_TEXT	48

struct netaddr {
	int		v6;		/* 0: IPv4 in a[0..3] */
	unsigned char	a[16];
};

struct netaddr_cidr {
	struct netaddr	net;
	int		prefix;
};

int	netaddr_parse(const char *, size_t, struct netaddr *);
void	netaddr_from_v6(const unsigned char *, struct netaddr *);
int	netaddr_cidr_parse(const char *, size_t, struct netaddr_cidr *);
int	netaddr_in(const struct netaddr *, const struct netaddr_cidr *,
	    size_t);
void	netaddr_format(const struct netaddr *, char *, size_t);
void	netaddr_client(const struct netaddr *, const char *,
	    const struct netaddr_cidr *, size_t, struct netaddr *);
void	netaddr_limit_key(const struct netaddr *, char *, size_t);
const char	*netaddr_nonpublic(const struct netaddr *);

#endif
