/*
 * Every handler (and the auth hook) starts with request_begin(): it sets
 * the response headers every answer carries and arranges for the access
 * log line when Kore frees the request.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <netinet/in.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/jwks_source.h"
#include "core/log.h"
#include "core/settings.h"
#include "http/http_cors.h"
#include "http/http_metrics.h"
#include "http/http_request.h"

static void		request_end(struct http_request *);
static u_int64_t	now_us(void);

struct request_ctx *
request_begin(struct http_request *req)
{
	struct request_ctx	*ctx;
	const char		*incoming;

	if (req->hdlr_extra != NULL)
		return (req->hdlr_extra);

	ctx = kore_calloc(1, sizeof(*ctx));
	ctx->start_us = now_us();
	req->hdlr_extra = ctx;
	req->onfree = request_end;

	if (http_request_header(req, "x-request-id", &incoming) &&
	    request_id_valid(incoming))
		kore_strlcpy(ctx->id, incoming, sizeof(ctx->id));
	else
		request_id_generate(ctx->id);

	http_response_header(req, "x-request-id", ctx->id);
	http_response_header(req, "x-content-type-options", "nosniff");
	http_response_header(req, "x-frame-options", "DENY");
	http_response_header(req, "referrer-policy", "no-referrer");
	http_response_header(req, "content-security-policy",
	    "default-src 'none'; frame-ancestors 'none'");
	http_cors(req);

	return (ctx);
}

/*
 * Who sent the request: the connection's peer, or, behind a load
 * balancer in TRUSTED_PROXIES, the client its X-Forwarded-For names.
 */
const struct netaddr *
request_client(struct http_request *req)
{
	struct request_ctx	*ctx;
	struct connection	*c = req->owner;
	struct netaddr		peer;
	const char		*xff;

	ctx = request_begin(req);
	if (ctx->client_known)
		return (&ctx->client);

	memset(&peer, 0, sizeof(peer));
	if (c->family == AF_INET6)
		netaddr_from_v6(c->addr.ipv6.sin6_addr.s6_addr, &peer);
	else
		memcpy(peer.a, &c->addr.ipv4.sin_addr, 4);

	if (!http_request_header(req, "x-forwarded-for", &xff))
		xff = NULL;
	netaddr_client(&peer, xff, settings.trusted_proxies,
	    settings.trusted_proxies_count, &ctx->client);
	ctx->client_known = 1;

	return (&ctx->client);
}

/* Records why a request failed; the log line carries it, not the client. */
void
request_fail(struct http_request *req, const char *cause)
{
	struct request_ctx	*ctx;

	ctx = request_begin(req);
	kore_strlcpy(ctx->error, cause, sizeof(ctx->error));
	ctx->error[strcspn(ctx->error, "\r\n")] = '\0';
}

/* Replaces a response header set earlier (request_begin's CSP), or adds it. */
void
request_header_set(struct http_request *req, const char *name,
    const char *value)
{
	struct http_header	*hdr;

	TAILQ_FOREACH(hdr, &req->resp_headers, list) {
		if (!strcmp(hdr->header, name)) {
			kore_free(hdr->value);
			hdr->value = kore_strdup(value);
			return;
		}
	}
	http_response_header(req, name, value);
}

static void
request_end(struct http_request *req)
{
	struct request_ctx		*ctx;
	struct request_log_entry	e;
	u_int64_t			duration;
	int				level;
	char				route[256], line[REQUEST_LOG_LINE_MAX];
	char				client[NETADDR_TEXT];
	size_t				len;

	if ((ctx = req->hdlr_extra) == NULL)
		return;

	duration = now_us() - ctx->start_us;
	http_metrics_record(req, duration);

	level = (req->status >= 500) ? LOG_LEVEL_ERROR : LOG_LEVEL_INFO;
	if (level >= (int)settings.log_level) {
		if (req->hdlr == NULL ||
		    !strcmp(req->hdlr->func, "page_not_found"))
			kore_strlcpy(route, "unmatched", sizeof(route));
		else
			route_template(req->hdlr->path, route, sizeof(route));

		memset(&e, 0, sizeof(e));
		e.level = (level == LOG_LEVEL_ERROR) ? "error" : "info";
		e.request_id = ctx->id;
		e.method = http_method_text(req->method);
		e.route = route;
		e.user_id = (ctx->user_id[0] != '\0') ? ctx->user_id : NULL;
		if (ctx->client_known || req->owner != NULL) {
			netaddr_format(request_client(req), client,
			    sizeof(client));
			e.client = client;
		}
		e.status = req->status;
		e.duration_us = duration;
		e.bytes = req->content_length;
		e.error = (ctx->error[0] != '\0') ? ctx->error : NULL;

		len = request_log_format(line, sizeof(line), &e, log_wall_ms());
		log_write(line, len);
	}

	if (ctx->auth_waiting)
		jwks_source_forget(req);
	kore_free(ctx->claims);
	db_call_cleanup(&ctx->db);
	if (ctx->state != NULL && ctx->state_free != NULL)
		ctx->state_free(ctx->state);
}

static u_int64_t
now_us(void)
{
	struct timespec		ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((u_int64_t)ts.tv_sec * 1000000 + (u_int64_t)ts.tv_nsec / 1000);
}

