/*
 * RATE_LIMIT_RPM and RATE_LIMIT_ANON_RPM. 0 turns a limit off.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <string.h>

#include "core/settings.h"
#include "core/shared.h"
#include "http/http_limit.h"
#include "http/http_request.h"
#include "http/http_response.h"

static int	limit_take(struct http_request *, const char *, size_t, long);

/* RATE_LIMIT_RPM for an authenticated user. 0: answered 429. */
int
http_limit_user(struct http_request *req, const char *sub)
{
	char	key[300];
	int	len;

	len = snprintf(key, sizeof(key), "u:%s", sub);
	return (limit_take(req, key, (size_t)len, settings.rate_limit_rpm));
}

/* RATE_LIMIT_ANON_RPM for a client without a valid token. */
int
http_limit_client(struct http_request *req)
{
	char		key[NETADDR_TEXT + 2];

	memcpy(key, "i:", 3);
	netaddr_limit_key(request_client(req), key + 2, sizeof(key) - 2);
	return (limit_take(req, key, strlen(key),
	    settings.rate_limit_anon_rpm));
}

static int
limit_take(struct http_request *req, const char *key, size_t len,
    long limit)
{
	struct rl_result	r;
	char			v[32];

	if (limit == 0)
		return (1);

	rl_take(&shared->rl, key, len, limit, (int64_t)kore_time_ms(), &r);

	(void)snprintf(v, sizeof(v), "%ld", r.limit);
	http_response_header(req, "ratelimit-limit", v);
	(void)snprintf(v, sizeof(v), "%ld", r.remaining);
	http_response_header(req, "ratelimit-remaining", v);
	(void)snprintf(v, sizeof(v), "%ld", r.reset);
	http_response_header(req, "ratelimit-reset", v);

	if (r.allowed)
		return (1);

	metrics_add(&shared->metrics.rate_limited, 1);
	(void)snprintf(v, sizeof(v), "%ld", r.retry_after);
	http_response_header(req, "retry-after", v);
	http_error(req, 429, "Too Many Requests");
	return (0);
}
