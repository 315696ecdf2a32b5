/*
 * GET /metrics: Prometheus text of the counters all workers share, with
 * METRICS_TOKEN as a bearer token when it is set.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "api/api.h"
#include "api/ops.h"
#include "core/hash.h"
#include "core/request_log.h"
#include "core/settings.h"
#include "core/shared.h"
#include "core/strbuf.h"
#include "http/http_auth.h"
#include "http/http_response.h"

static int	metrics_token_equal(const char *, const char *);

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

	if (!api_begin(req, NULL))
		return (KORE_RESULT_OK);
	if (settings.metrics_token != NULL) {
		if (!http_request_header(req, "authorization", &auth) ||
		    strncasecmp(auth, "bearer ", 7) ||
		    !metrics_token_equal(auth + 7, settings.metrics_token)) {
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
	live_metrics_render(&shared->live_metrics, &b);
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

/*
 * Compares digests, not the strings: the time taken tells nothing about
 * the token, its length included.
 */
static int
metrics_token_equal(const char *given, const char *token)
{
	char		a[SHA256_HEX_SIZE], b[SHA256_HEX_SIZE];

	sha256_hex(given, strlen(given), a);
	sha256_hex(token, strlen(token), b);
	return (CRYPTO_memcmp(a, b, sizeof(a)) == 0);
}
