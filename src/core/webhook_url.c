/*
 * A URL's host as libcurl connects to it: after the scheme and any
 * userinfo, up to the port, path, query or fragment; an IPv6 literal in
 * brackets. IPv4 literals are read as the resolver reads them
 * (inet_aton: 127.1, 0x7f.0.0.1, 2130706433 are all loopback).
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/netaddr.h"
#include "core/webhook_url.h"

#define HOST_MAX	256

static int	host_literal(const char *, struct netaddr *);
static int	host_resolved(const char *, int, const char *,
		    struct netaddr *);

/* The host of url in out, its port in *port (443 or 80 by scheme). */
int
webhook_url_host(const char *url, char *out, size_t outlen, int *port)
{
	const char	*p, *end, *at, *h, *hend;
	size_t		len;
	long		n;
	char		*ep;

	if (!strncasecmp(url, "https://", 8)) {
		p = url + 8;
		*port = 443;
	} else if (!strncasecmp(url, "http://", 7)) {
		p = url + 7;
		*port = 80;
	} else
		return (0);

	end = p + strcspn(p, "/?#");
	/* userinfo: the last @ before the path. */
	for (at = NULL, h = p; h < end; h++) {
		if (*h == '@')
			at = h;
	}
	if (at != NULL)
		p = at + 1;

	if (*p == '[') {
		if ((hend = memchr(p, ']', (size_t)(end - p))) == NULL)
			return (0);
		h = p + 1;
		len = (size_t)(hend - h);
		hend++;
	} else {
		h = p;
		hend = memchr(p, ':', (size_t)(end - p));
		if (hend == NULL)
			hend = end;
		len = (size_t)(hend - h);
	}
	if (len == 0 || len >= outlen)
		return (0);
	memcpy(out, h, len);
	out[len] = '\0';

	if (hend < end) {
		if (*hend != ':' || hend + 1 == end)
			return (0);
		n = strtol(hend + 1, &ep, 10);
		if (ep != end || n < 1 || n > 65535)
			return (0);
		*port = (int)n;
	}
	return (1);
}

/*
 * 1 when url may be a webhook; else 0 with the reason in why (for the
 * 422). allow_private: WEBHOOK_ALLOW_PRIVATE_NETWORKS, http:// and any
 * address. resolve: WEBHOOK_RESOLVE's host:port:address list, or NULL.
 */
int
webhook_url_check(const char *url, int allow_private, const char *resolve,
    char *why, size_t whylen)
{
	struct netaddr	a;
	const char	*cls;
	char		host[HOST_MAX];
	int		port;
	size_t		len;

	if (!webhook_url_host(url, host, sizeof(host), &port)) {
		(void)snprintf(why, whylen, "webhook_url must be an https:// "
		    "URL with a host");
		return (0);
	}
	if (allow_private)
		return (1);
	if (strncasecmp(url, "https://", 8)) {
		(void)snprintf(why, whylen, "webhook_url must be an https:// "
		    "URL");
		return (0);
	}

	len = strlen(host);
	while (len > 0 && host[len - 1] == '.')
		host[--len] = '\0';
	if (!strcasecmp(host, "localhost") || (len > 10 &&
	    !strcasecmp(host + len - 10, ".localhost"))) {
		(void)snprintf(why, whylen, "webhook_url must not point to a "
		    "loopback address");
		return (0);
	}

	if (host_literal(host, &a) || host_resolved(host, port, resolve, &a)) {
		if ((cls = netaddr_nonpublic(&a)) != NULL) {
			(void)snprintf(why, whylen, "webhook_url must not "
			    "point to a %s address", cls);
			return (0);
		}
	}
	return (1);
}

static int
host_literal(const char *host, struct netaddr *a)
{
	struct in_addr	a4;

	if (netaddr_parse(host, strlen(host), a))
		return (1);
	if (inet_aton(host, &a4) == 1) {
		memset(a, 0, sizeof(*a));
		memcpy(a->a, &a4, 4);
		return (1);
	}
	return (0);
}

/* host:port:address entries, comma-separated (curl's --resolve form). */
static int
host_resolved(const char *host, int port, const char *resolve,
    struct netaddr *a)
{
	const char	*p, *e;
	char		entry[HOST_MAX + 64], want[HOST_MAX + 16];
	char		*addr, *c1, *c2;
	size_t		len, alen;

	if (resolve == NULL)
		return (0);
	(void)snprintf(want, sizeof(want), "%s:%d:", host, port);
	for (p = resolve; *p != '\0'; p = *e == ',' ? e + 1 : e) {
		e = p + strcspn(p, ",");
		len = (size_t)(e - p);
		if (len >= sizeof(entry))
			continue;
		memcpy(entry, p, len);
		entry[len] = '\0';
		if ((c1 = strchr(entry, ':')) == NULL ||
		    (c2 = strchr(c1 + 1, ':')) == NULL)
			continue;
		if (strncasecmp(entry, want, (size_t)(c2 + 1 - entry)) ||
		    strlen(want) != (size_t)(c2 + 1 - entry))
			continue;
		addr = c2 + 1;
		alen = strlen(addr);
		if (alen > 2 && addr[0] == '[' && addr[alen - 1] == ']') {
			addr[alen - 1] = '\0';
			addr++;
		}
		if (netaddr_parse(addr, strlen(addr), a))
			return (1);
	}
	return (0);
}
