/*
 * CORS for the configured origins only; token buckets per user (after
 * authentication) or per client address (otherwise), shared by all
 * workers; gzip for JSON of 1 KiB and more; counters for /metrics.
 */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <zlib.h>

#include "auth.h"
#include "digest_cache.h"
#include "edge.h"
#include "http_errors.h"
#include "request.h"
#include "request_log.h"
#include "settings.h"
#include "shared.h"
#include "strbuf.h"

#define GZIP_MIN		1024
/*
 * Level 1: JSON still shrinks about fivefold, at a fraction of level 6's
 * CPU, which the database on the same cores needs more.
 */
#define EDGE_GZIP_LEVEL		1
#define CORS_MAX_AGE		"600"
#define CORS_ALLOW_HEADERS						\
	"Authorization, Content-Type, Idempotency-Key, If-Match, "	\
	"If-None-Match, X-Request-ID"
#define CORS_EXPOSE_HEADERS						\
	"ETag, Location, X-Request-ID, Retry-After, RateLimit-Limit, "	\
	"RateLimit-Remaining, RateLimit-Reset, Idempotent-Replayed, "	\
	"X-Next-Task-Id"

static const char	*edge_origin(struct http_request *);
static int		 edge_limit(struct http_request *, const char *, size_t,
			    long);
static void		 edge_weak_etag(struct http_request *);
static size_t		 edge_route_index(struct http_request *);
static size_t		 edge_method_index(int);
static void		 edge_methods(int, char *, size_t);
static int64_t		 edge_now_ms(void);
static int		 edge_token_equal(const char *, const char *);

/* The request's Origin when it is one of CORS_ORIGINS, else NULL. */
static const char *
edge_origin(struct http_request *req)
{
	const char	*origin;
	size_t		i;

	if (!http_request_header(req, "origin", &origin))
		return (NULL);
	for (i = 0; i < settings.cors_origins_count; i++) {
		if (!strcmp(origin, settings.cors_origins[i]))
			return (origin);
	}
	return (NULL);
}

/* On every answer: allowed origins get the CORS headers, others none. */
void
edge_cors(struct http_request *req)
{
	const char	*origin;

	if (settings.cors_origins_count == 0)
		return;

	http_response_header(req, "vary", "Origin");
	if ((origin = edge_origin(req)) == NULL)
		return;

	http_response_header(req, "access-control-allow-origin", origin);
	http_response_header(req, "access-control-allow-credentials", "true");
	http_response_header(req, "access-control-expose-headers",
	    CORS_EXPOSE_HEADERS);
}

/*
 * An OPTIONS preflight, answered before any authentication: 204 with what
 * the route allows for an allowed origin, 400 for any other. Returns 1
 * when the request was a preflight (and is answered).
 */
int
edge_preflight(struct http_request *req)
{
	const char	*origin, *method;
	char		methods[96];

	if (req->method != HTTP_METHOD_OPTIONS)
		return (0);

	request_begin(req);
	if (!http_request_header(req, "access-control-request-method",
	    &method) || edge_origin(req) == NULL) {
		if (http_request_header(req, "origin", &origin) &&
		    edge_origin(req) == NULL) {
			http_error(req, HTTP_STATUS_BAD_REQUEST,
			    "Disallowed CORS origin");
			return (1);
		}
		edge_methods(req->hdlr->methods, methods, sizeof(methods));
		http_response_header(req, "allow", methods);
		http_response(req, HTTP_STATUS_NO_CONTENT, NULL, 0);
		return (1);
	}

	edge_methods(req->hdlr->methods & ~HTTP_METHOD_OPTIONS, methods,
	    sizeof(methods));
	http_response_header(req, "access-control-allow-methods", methods);
	http_response_header(req, "access-control-allow-headers",
	    CORS_ALLOW_HEADERS);
	http_response_header(req, "access-control-max-age", CORS_MAX_AGE);
	http_response(req, HTTP_STATUS_NO_CONTENT, NULL, 0);
	return (1);
}

/* RATE_LIMIT_RPM for an authenticated user. 0: answered 429. */
int
edge_limit_user(struct http_request *req, const char *sub)
{
	char	key[300];
	int	len;

	len = snprintf(key, sizeof(key), "u:%s", sub);
	return (edge_limit(req, key, (size_t)len, settings.rate_limit_rpm));
}

/* RATE_LIMIT_ANON_RPM for a client without a valid token. */
int
edge_limit_client(struct http_request *req)
{
	char		key[NETADDR_TEXT + 2];

	memcpy(key, "i:", 3);
	netaddr_limit_key(request_client(req), key + 2, sizeof(key) - 2);
	return (edge_limit(req, key, strlen(key),
	    settings.rate_limit_anon_rpm));
}

static int
edge_limit(struct http_request *req, const char *key, size_t len,
    long limit)
{
	struct rl_result	r;
	char			v[32];

	if (limit == 0)
		return (1);

	rl_take(&shared->rl, key, len, limit, edge_now_ms(), &r);

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

/* Every JSON answer: gzip when it is worth it and the client takes it. */
int
edge_send_json(struct http_request *req, int status, const void *body,
    size_t len)
{
	struct strbuf	z;

	http_response_header(req, "content-type", "application/json");
	if (len < GZIP_MIN) {
		http_response(req, status, body, len);
		return (KORE_RESULT_OK);
	}

	http_response_header(req, "vary", "Accept-Encoding");
	strbuf_init(&z);
	if (edge_accepts_gzip(req) && edge_gzip(body, len, EDGE_GZIP_LEVEL, &z)) {
		edge_weak_etag(req);
		http_response_header(req, "content-encoding", "gzip");
		http_response(req, status, z.data, z.len);
	} else {
		http_response(req, status, body, len);
	}
	strbuf_free(&z);
	return (KORE_RESULT_OK);
}

/* Accept-Encoding lists gzip (or *) without q=0. */
int
edge_accepts_gzip(struct http_request *req)
{
	const char	*v, *p, *end, *q;
	size_t		n;

	if (!http_request_header(req, "accept-encoding", &v))
		return (0);

	for (p = v; *p != '\0'; p = (*end == ',') ? end + 1 : end) {
		while (*p == ' ')
			p++;
		end = strchrnul(p, ',');
		n = strcspn(p, " ;,");
		if ((n == 4 && !strncasecmp(p, "gzip", 4)) ||
		    (n == 1 && *p == '*')) {
			q = strstr(p, "q=");
			if (q != NULL && q < end && strtod(q + 2, NULL) == 0)
				return (0);
			return (1);
		}
	}
	return (0);
}

int
edge_gzip(const void *in, size_t len, int level, struct strbuf *out)
{
	z_stream	zs;
	int		ret;

	memset(&zs, 0, sizeof(zs));
	/* 15 + 16: a gzip wrapper, not raw zlib. */
	if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return (0);

	out->cap = deflateBound(&zs, len) + 1;
	if ((out->data = malloc(out->cap)) == NULL) {
		deflateEnd(&zs);
		return (0);
	}

	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	zs.next_out = (Bytef *)out->data;
	zs.avail_out = (uInt)(out->cap - 1);
	ret = deflate(&zs, Z_FINISH);
	out->len = zs.total_out;
	deflateEnd(&zs);

	return (ret == Z_STREAM_END);
}

/*
 * Another encoding is another representation: its ETag becomes weak
 * (RFC 9110 8.8.3), which If-None-Match still matches and If-Match, which
 * compares our row versions, reads the same.
 */
static void
edge_weak_etag(struct http_request *req)
{
	struct http_header	*hdr;
	char			*weak;
	size_t			len;

	TAILQ_FOREACH(hdr, &req->resp_headers, list) {
		if (strcmp(hdr->header, "etag") || !strncmp(hdr->value, "W/", 2))
			continue;
		len = strlen(hdr->value) + 3;
		weak = kore_malloc(len);
		(void)snprintf(weak, len, "W/%s", hdr->value);
		kore_free(hdr->value);
		hdr->value = weak;
	}
}

/* Called when a request ends: its counters and latency. */
void
edge_record(struct http_request *req, u_int64_t us)
{
	if (shared == NULL)
		return;
	metrics_request(&shared->metrics, edge_route_index(req),
	    edge_method_index(req->method), req->status, us);
}

/*
 * Compares digests, not the strings: the time taken tells nothing about
 * the token, its length included.
 */
static int
edge_token_equal(const char *given, const char *token)
{
	char		a[65], b[65];

	sha256_hex(given, strlen(given), a);
	sha256_hex(token, strlen(token), b);
	return (CRYPTO_memcmp(a, b, sizeof(a)) == 0);
}

/* GET /metrics, with METRICS_TOKEN as a bearer token when it is set. */
int
page_metrics(struct http_request *req)
{
	struct metrics_names	names;
	struct kore_module_handle *h;
	struct strbuf		b;
	const char		*auth;
	char			routes[MET_ROUTES][128];
	size_t			i;

	request_begin(req);
	if (settings.metrics_token != NULL) {
		if (!http_request_header(req, "authorization", &auth) ||
		    strncasecmp(auth, "bearer ", 7) ||
		    !edge_token_equal(auth + 7, settings.metrics_token)) {
			http_response_header(req, "www-authenticate", "Bearer");
			return (http_error(req, HTTP_STATUS_UNAUTHORIZED,
			    "Not authenticated"));
		}
	}

	memset(&names, 0, sizeof(names));
	TAILQ_FOREACH(h, &req->hdlr->dom->handlers, list) {
		if (names.nroutes == MET_ROUTES)
			break;
		if (!strcmp(h->func, "page_not_found"))
			kore_strlcpy(routes[names.nroutes], "unmatched",
			    sizeof(routes[0]));
		else
			route_template(h->path, routes[names.nroutes],
			    sizeof(routes[0]));
		names.routes[names.nroutes] = routes[names.nroutes];
		names.nroutes++;
	}
	/* Index 0 is "ok", not a failure: no series for it. */
	names.reasons[names.nreasons++] = NULL;
	for (i = 1; i < AUTH_REASONS && i < MET_REASONS; i++)
		names.reasons[names.nreasons++] = auth_reason_label((int)i);

	strbuf_init(&b);
	metrics_render(&shared->metrics, &names, &b);
	if (strbuf_failed(&b)) {
		strbuf_free(&b);
		return (http_error_internal(req, "metrics: out of memory"));
	}
	http_response_header(req, "content-type",
	    "text/plain; version=0.0.4; charset=utf-8");
	http_response(req, HTTP_STATUS_OK, b.data, b.len);
	strbuf_free(&b);
	return (KORE_RESULT_OK);
}

/* The route's place in kore.conf: a fixed, bounded label. */
static size_t
edge_route_index(struct http_request *req)
{
	struct kore_module_handle	*h;
	size_t				i;

	if (req->hdlr == NULL)
		return (MET_ROUTES);
	i = 0;
	TAILQ_FOREACH(h, &req->hdlr->dom->handlers, list) {
		if (h == req->hdlr)
			return (i);
		i++;
	}
	return (MET_ROUTES);
}

static size_t
edge_method_index(int method)
{
	switch (method) {
	case HTTP_METHOD_GET:
		return (0);
	case HTTP_METHOD_POST:
		return (1);
	case HTTP_METHOD_PUT:
		return (2);
	case HTTP_METHOD_PATCH:
		return (3);
	case HTTP_METHOD_DELETE:
		return (4);
	case HTTP_METHOD_HEAD:
		return (5);
	case HTTP_METHOD_OPTIONS:
		return (6);
	default:
		return (7);
	}
}

static void
edge_methods(int methods, char *out, size_t len)
{
	size_t		i, off;
	static const struct {
		int		bit;
		const char	*name;
	} names[] = {
		{ HTTP_METHOD_GET, "GET" }, { HTTP_METHOD_HEAD, "HEAD" },
		{ HTTP_METHOD_POST, "POST" }, { HTTP_METHOD_PUT, "PUT" },
		{ HTTP_METHOD_PATCH, "PATCH" },
		{ HTTP_METHOD_DELETE, "DELETE" },
		{ HTTP_METHOD_OPTIONS, "OPTIONS" },
	};

	out[0] = '\0';
	for (off = 0, i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(methods & names[i].bit))
			continue;
		off += (size_t)snprintf(out + off, len - off, "%s%s",
		    off == 0 ? "" : ", ", names[i].name);
		if (off >= len)
			break;
	}
}

static int64_t
edge_now_ms(void)
{
	struct timespec		ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}
