/*
 * Browsers send credentials (the bearer token) only to origins we name,
 * so the allowed origin is echoed, never "*".
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <string.h>

#include "core/settings.h"
#include "http/http_cors.h"

#define CORS_MAX_AGE		"600"
#define CORS_ALLOW_HEADERS						\
	"Authorization, Content-Type, Idempotency-Key, If-Match, "	\
	"If-None-Match, X-Request-ID"
#define CORS_EXPOSE_HEADERS						\
	"ETag, Location, X-Request-ID, Retry-After, RateLimit-Limit, "	\
	"RateLimit-Remaining, RateLimit-Reset, Idempotent-Replayed, "	\
	"X-Next-Task-Id"

static const char	*cors_origin(struct http_request *);
static void		 cors_methods(int, char *, size_t);

/* The request's Origin when it is one of CORS_ORIGINS, else NULL. */
static const char *
cors_origin(struct http_request *req)
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
http_cors(struct http_request *req)
{
	const char	*origin;

	if (settings.cors_origins_count == 0)
		return;

	http_response_header(req, "vary", "Origin");
	if ((origin = cors_origin(req)) == NULL)
		return;

	http_response_header(req, "access-control-allow-origin", origin);
	http_response_header(req, "access-control-allow-credentials", "true");
	http_response_header(req, "access-control-expose-headers",
	    CORS_EXPOSE_HEADERS);
}

/*
 * What an OPTIONS request is, with the headers of its answer set (the
 * caller answers: 204, or 400 for CORS_REFUSED). Any other method is
 * CORS_NONE and untouched.
 */
enum http_cors_options
http_cors_options(struct http_request *req)
{
	const char	*origin, *method;
	char		methods[96];

	if (req->method != HTTP_METHOD_OPTIONS)
		return (CORS_NONE);

	if (!http_request_header(req, "access-control-request-method",
	    &method) || cors_origin(req) == NULL) {
		if (http_request_header(req, "origin", &origin) &&
		    cors_origin(req) == NULL)
			return (CORS_REFUSED);
		cors_methods(req->hdlr->methods, methods, sizeof(methods));
		http_response_header(req, "allow", methods);
		return (CORS_OPTIONS);
	}

	cors_methods(req->hdlr->methods & ~HTTP_METHOD_OPTIONS, methods,
	    sizeof(methods));
	http_response_header(req, "access-control-allow-methods", methods);
	http_response_header(req, "access-control-allow-headers",
	    CORS_ALLOW_HEADERS);
	http_response_header(req, "access-control-max-age", CORS_MAX_AGE);
	return (CORS_PREFLIGHT);
}

static void
cors_methods(int methods, char *out, size_t len)
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
