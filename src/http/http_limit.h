/*
 * Token buckets per user (after authentication) or per client address
 * (otherwise), shared by all workers (core/ratelimit.h), with the
 * RateLimit-* headers on every answer and 429 past the budget.
 */
#ifndef __H_HTTP_LIMIT_H
#define __H_HTTP_LIMIT_H

#include <kore/kore.h>
#include <kore/http.h>

int	http_limit_user(struct http_request *, const char *);
int	http_limit_client(struct http_request *);

#endif
