/*
 * Every answer with a body leaves through http_json(); every error as
 * JSON. Errors Kore answers itself (405, 413, ...) get the same shape
 * from our Kore patch, plus the headers kore_error_headers() adds.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/gzip.h"
#include "core/log.h"
#include "core/request_log.h"
#include "core/strbuf.h"
#include "http/http_request.h"
#include "http/http_response.h"

#define HTTP_GZIP_MIN		1024
/*
 * Level 1: JSON still shrinks about fivefold, at a fraction of level 6's
 * CPU, which the database on the same cores needs more.
 */
#define HTTP_GZIP_LEVEL		1

/* Our Kore patch calls this for the errors Kore answers by itself. */
extern void	(*http_error_hook)(int, struct http_request *,
		    struct kore_buf *);

static void	weak_etag(struct http_request *);
static void	kore_error_headers(int, struct http_request *,
		    struct kore_buf *);

void
http_response_worker_init(void)
{
	http_error_hook = kore_error_headers;
}

/* Every JSON answer: gzip when it is worth it and the client takes it. */
int
http_json(struct http_request *req, int status, const void *body,
    size_t len)
{
	struct strbuf	z;

	http_response_header(req, "content-type", "application/json");
	if (len < HTTP_GZIP_MIN) {
		http_response(req, status, body, len);
		return (KORE_RESULT_OK);
	}

	http_response_header(req, "vary", "Accept-Encoding");
	strbuf_init(&z);
	if (http_accepts_gzip(req) &&
	    gzip_compress(body, len, HTTP_GZIP_LEVEL, &z)) {
		weak_etag(req);
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
http_accepts_gzip(struct http_request *req)
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
http_error(struct http_request *req, int status, const char *detail)
{
	struct strbuf		b;

	strbuf_init(&b);
	strbuf_str(&b, "{\"detail\":");
	strbuf_json_string(&b, detail, strlen(detail));
	strbuf_str(&b, "}");
	if (strbuf_failed(&b)) {
		strbuf_free(&b);
		http_response(req, HTTP_STATUS_INTERNAL_ERROR, NULL, 0);
		return (KORE_RESULT_OK);
	}

	http_json(req, status, b.data, b.len);
	strbuf_free(&b);

	return (KORE_RESULT_OK);
}

int
http_error_validation(struct http_request *req,
    const struct validation_errors *v)
{
	char		*body;
	size_t		len;

	if ((body = validation_body(v, &len)) == NULL)
		return (http_error_internal(req, "out of memory"));

	http_json(req, 422, body, len);
	free(body);

	return (KORE_RESULT_OK);
}

/* The cause goes to the log with the request id, never to the client. */
int
http_error_internal(struct http_request *req, const char *cause)
{
	request_fail(req, cause);
	return (http_error(req, HTTP_STATUS_INTERNAL_ERROR,
	    "Internal Server Error"));
}

/*
 * Another encoding is another representation: its ETag becomes weak
 * (RFC 9110 8.8.3), which If-None-Match still matches and If-Match, which
 * compares our row versions, reads the same.
 */
static void
weak_etag(struct http_request *req)
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

/*
 * A 405, 413, 400... that Kore sends before any handler runs: the same
 * headers as ours, the request id (the client's when Kore still has the
 * request, else a fresh one), and its log line.
 */
static void
kore_error_headers(int status, struct http_request *req, struct kore_buf *hdr)
{
	struct request_log_entry	e;
	const char			*incoming;
	char				id[REQUEST_ID_MAX + 1];
	char				line[REQUEST_LOG_LINE_MAX];
	size_t				len;

	if (req != NULL && http_request_header(req, "x-request-id",
	    &incoming) && request_id_valid(incoming))
		kore_strlcpy(id, incoming, sizeof(id));
	else
		request_id_generate(id);
	kore_buf_appendf(hdr, "x-request-id: %s\r\n"
	    "x-content-type-options: nosniff\r\n"
	    "x-frame-options: DENY\r\n"
	    "referrer-policy: no-referrer\r\n"
	    "content-security-policy: default-src 'none'; "
	    "frame-ancestors 'none'\r\n"
	    "cache-control: no-store\r\n", id);

	memset(&e, 0, sizeof(e));
	e.level = "info";
	e.request_id = id;
	e.method = req != NULL ? http_method_text(req->method) : "";
	e.route = "kore";
	e.status = status;
	len = request_log_format(line, sizeof(line), &e, log_wall_ms());
	log_write(line, len);
}
