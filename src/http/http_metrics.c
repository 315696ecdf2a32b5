/*
 * Counters in the shared mapping (core/shared.h), rendered by
 * GET /metrics (api/ops_metrics.c).
 */

#include <kore/kore.h>
#include <kore/http.h>

#include "core/shared.h"
#include "http/http_metrics.h"

static size_t	route_index(struct http_request *);
static size_t	method_index(int);

/* Called when a request ends: its counters and latency. */
void
http_metrics_record(struct http_request *req, u_int64_t us)
{
	if (shared == NULL)
		return;
	metrics_request(&shared->metrics, route_index(req),
	    method_index(req->method), req->status, us);
}

/* The route's place in kore.conf: a fixed, bounded label. */
static size_t
route_index(struct http_request *req)
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
method_index(int method)
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
