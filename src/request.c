/*
 * Every handler (and the auth hook) starts with request_begin(): it sets
 * the response headers every answer carries and arranges for the access
 * log line when Kore frees the request.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "edge.h"
#include "http_errors.h"
#include "jwks_source.h"
#include "request.h"
#include "settings.h"

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
	edge_cors(req);

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

/*
 * The request body as Kore received it (in memory: http_body_max bounds
 * it and no disk offload is configured). Empty when there is none.
 */
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

void
request_body(struct http_request *req, const char **data, size_t *len)
{
	if (req->http_body == NULL || req->http_body_fd != -1) {
		*data = "";
		*len = 0;
		return;
	}

	*data = (const char *)req->http_body->data;
	*len = req->http_body_length;
}

/*
 * The request's JSON object body, checked against a field table. NULL
 * after answering 415 (not JSON) or 422 (not an object, bad syntax).
 * Otherwise the body: field problems are in errs, the caller may add its
 * own, then request_json_refused() answers them all at once.
 */
json_t *
request_json(struct http_request *req, const struct field_spec *specs,
    size_t n, struct validation_errors *errs)
{
	const char	*ctype, *data;
	size_t		len;
	json_t		*body;

	if (!http_request_header(req, "content-type", &ctype))
		ctype = NULL;
	request_body(req, &data, &len);

	switch (body_parse(ctype, data, len, &body, errs)) {
	case BODY_UNSUPPORTED_MEDIA:
		http_error(req, HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE,
		    "Content-Type must be application/json");
		return (NULL);
	case BODY_INVALID:
		http_error_validation(req, errs);
		return (NULL);
	default:
		break;
	}

	(void)fields_check(body, specs, n, errs);
	return (body);
}

/* Answers 422 and drops the body when errs holds a problem. */
int
request_json_refused(struct http_request *req, json_t *body,
    struct validation_errors *errs)
{
	if (validation_count(errs) == 0)
		return (0);

	json_decref(body);
	http_error_validation(req, errs);
	return (1);
}

/* An application log line (not tied to a request), JSON like the rest. */
void
app_log(int level, const char *fmt, ...)
{
	va_list				args;
	char				msg[512], line[REQUEST_LOG_LINE_MAX];
	size_t				len;
	static const char		*names[] = {
		"debug", "info", "warning", "error"
	};

	if (level < (int)settings.log_level || level > LOG_LEVEL_ERROR)
		return;

	va_start(args, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, args);
	va_end(args);

	len = request_log_message(line, sizeof(line), names[level], msg,
	    request_wall_ms());
	request_log_write(line, len);
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
	edge_record(req, duration);

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

		len = request_log_format(line, sizeof(line), &e, request_wall_ms());
		request_log_write(line, len);
	}

	if (ctx->auth_waiting)
		jwks_source_forget(req);
	kore_free(ctx->claims);
	db_call_cleanup(&ctx->db);
	if (ctx->state != NULL && ctx->state_free != NULL)
		ctx->state_free(ctx->state);
}

/* One write per line: lines from several workers never interleave. */
void
request_log_write(const char *line, size_t len)
{
	ssize_t		r;

	while (len > 0) {
		if ((r = write(STDOUT_FILENO, line, len)) == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		line += r;
		len -= (size_t)r;
	}
}

static u_int64_t
now_us(void)
{
	struct timespec		ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((u_int64_t)ts.tv_sec * 1000000 + (u_int64_t)ts.tv_nsec / 1000);
}

int64_t
request_wall_ms(void)
{
	struct timespec		ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}
