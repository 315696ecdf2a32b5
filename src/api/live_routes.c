/*
 * The two doors to live/: both answer like every route until the token
 * is verified and the user has a free slot, then live/ owns the
 * connection (src/live/live.c).
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <string.h>

#include "api/api.h"
#include "api/live_routes.h"
#include "auth/jwt.h"
#include "core/validation.h"
#include "http/http_query.h"
#include "http/http_request.h"
#include "http/http_response.h"
#include "live/live.h"

/* Our Kore patch's flag (http.c): a HEAD run by the GET handler. */
#ifndef HTTP_REQUEST_HEAD_AS_GET
#define HTTP_REQUEST_HEAD_AS_GET	0x0200
#endif

static int	live_routes_slot(struct http_request *, struct request_ctx *);
static int	live_routes_digits(const char *);

int
page_live_ws(struct http_request *req)
{
	struct validation_errors	errs;
	struct request_ctx		*ctx;
	const char			*since;

	if (!api_begin(req, &ctx))
		return (KORE_RESULT_OK);

	validation_init(&errs);
	if (!query_parse(req, &errs)) {
		http_error_validation(req, &errs);
		validation_cleanup(&errs);
		return (KORE_RESULT_OK);
	}
	validation_cleanup(&errs);
	since = query_string(req, "since");

	if (!live_routes_slot(req, ctx))
		return (KORE_RESULT_OK);
	live_ws_start(req, ctx->user_id, ctx->claims->exp, since);
	return (KORE_RESULT_OK);
}

int
page_live_events(struct http_request *req)
{
	struct request_ctx	*ctx;
	const char		*last;

	if (!api_begin(req, &ctx))
		return (KORE_RESULT_OK);

	/* HEAD: the stream's headers, no stream. */
	if (req->method == HTTP_METHOD_HEAD ||
	    (req->flags & HTTP_REQUEST_HEAD_AS_GET)) {
		http_response_header(req, "content-type", "text/event-stream");
		http_response(req, HTTP_STATUS_OK, NULL, 0);
		return (KORE_RESULT_OK);
	}

	/* Anything but one of our ids is not a retained event: resync. */
	if (http_request_header(req, "last-event-id", &last) &&
	    !live_routes_digits(last))
		last = "0";
	else if (!http_request_header(req, "last-event-id", &last))
		last = NULL;

	if (!live_routes_slot(req, ctx))
		return (KORE_RESULT_OK);
	live_sse_start(req, ctx->user_id, ctx->claims->exp, last);
	return (KORE_RESULT_OK);
}

/* LIVE_MAX_CONNECTIONS_PER_USER on this instance: 429 beyond. */
static int
live_routes_slot(struct http_request *req, struct request_ctx *ctx)
{
	if (live_acquire(ctx->user_id))
		return (1);
	live_refused();
	http_response_header(req, "retry-after", "5");
	http_error(req, 429, "Too many live connections");
	return (0);
}

static int
live_routes_digits(const char *s)
{
	size_t		len;

	len = strlen(s);
	if (len == 0 || len > 18)
		return (0);
	return (strspn(s, "0123456789") == len);
}
