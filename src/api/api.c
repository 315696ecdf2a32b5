/*
 * A handler runs again after each database round trip; api_begin() is
 * cheap to repeat: the context is made once.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include "api/api.h"
#include "http/http_cors.h"
#include "http/http_response.h"
#include "http/http_request.h"

/*
 * Makes the request's context (the headers every answer carries, the
 * access log line) and answers an OPTIONS request or CORS preflight (0),
 * before any authentication; otherwise returns 1 with the context in
 * *ctx, which may be NULL when the caller does not need it.
 */
int
api_begin(struct http_request *req, struct request_ctx **ctx)
{
	struct request_ctx	*c;

	c = request_begin(req);
	switch (http_cors_options(req)) {
	case CORS_NONE:
		break;
	case CORS_REFUSED:
		http_error(req, HTTP_STATUS_BAD_REQUEST,
		    "Disallowed CORS origin");
		return (0);
	default:
		http_response(req, HTTP_STATUS_NO_CONTENT, NULL, 0);
		return (0);
	}

	if (ctx != NULL)
		*ctx = c;
	return (1);
}
