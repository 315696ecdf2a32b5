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

/* An upgrade on its way to a slot: this instance's, then the database's. */
struct live_routes_state {
	struct live_take	*take;
	int			local;
	char			user[256];
};

static int	live_routes_slot(struct http_request *, struct request_ctx *,
		    int *, int *);
static void	live_routes_free(void *);
static int	live_routes_digits(const char *);

int
page_live_ws(struct http_request *req)
{
	struct validation_errors	errs;
	struct request_ctx		*ctx;
	const char			*since;
	int				ret, slot;

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

	if (!live_routes_slot(req, ctx, &slot, &ret))
		return (ret);
	live_ws_start(req, ctx->user_id, ctx->claims->exp, since, slot);
	return (KORE_RESULT_OK);
}

int
page_live_events(struct http_request *req)
{
	struct request_ctx	*ctx;
	const char		*last;
	int			ret, slot;

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

	if (!live_routes_slot(req, ctx, &slot, &ret))
		return (ret);
	live_sse_start(req, ctx->user_id, ctx->claims->exp, last, slot);
	return (KORE_RESULT_OK);
}

/*
 * LIVE_MAX_CONNECTIONS_PER_USER: this instance's count first (no round
 * trip when it alone is full), then the slots of every instance on the
 * database. 1 with *slot the connection's; 0 with *ret for the handler
 * (waiting, or 429 / 503 answered).
 */
static int
live_routes_slot(struct http_request *req, struct request_ctx *ctx,
    int *slot, int *ret)
{
	struct live_routes_state	*st = ctx->state;
	int				r;

	*ret = KORE_RESULT_OK;
	if (st == NULL) {
		if (!live_acquire(ctx->user_id))
			goto full;
		st = kore_calloc(1, sizeof(*st));
		st->local = 1;
		(void)kore_strlcpy(st->user, ctx->user_id, sizeof(st->user));
		ctx->state = st;
		ctx->state_free = live_routes_free;
		st->take = live_take_start(req, ctx->user_id);
		*ret = KORE_RESULT_RETRY;
		return (0);
	}

	if ((r = live_take_result(st->take)) == LIVE_TAKE_PENDING) {
		*ret = KORE_RESULT_RETRY;
		return (0);
	}
	st->take = NULL;
	if (r >= 0) {
		/* Both are the connection's from now on. */
		st->local = 0;
		*slot = r;
		return (1);
	}
	st->local = 0;
	live_release(ctx->user_id);
	if (r == LIVE_TAKE_FAILED) {
		http_response_header(req, "retry-after", "1");
		http_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "Database unavailable");
		return (0);
	}
	if (r == LIVE_TAKE_ERROR) {
		http_error_internal(req, "live: slot query failed");
		return (0);
	}

full:
	live_refused();
	http_response_header(req, "retry-after", "5");
	http_error(req, 429, "Too many live connections");
	return (0);
}

/* The request ended before its connection got the slots. */
static void
live_routes_free(void *arg)
{
	struct live_routes_state	*st = arg;

	if (st->take != NULL)
		live_take_abandon(st->take);
	if (st->local)
		live_release(st->user);
	kore_free(st);
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
