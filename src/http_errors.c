/*
 * Every error leaves as JSON: {"detail": "..."} or the 422 list. Errors
 * Kore answers itself (405, 413, ...) get the same shape from our Kore
 * patch, plus the headers set in http_errors_worker_init().
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edge.h"
#include "http_errors.h"
#include "request.h"

/* Our Kore patch calls this for the errors Kore answers by itself. */
extern void	(*http_error_hook)(int, struct http_request *,
		    struct kore_buf *);

static void	json_escape_into(struct kore_buf *, const char *);
static char	*slash_redirect(struct http_request *);
static int	route_exists(struct kore_domain *, const char *,
		    const struct kore_module_handle *);
static int	location_safe(const char *);
static void	kore_error_headers(int, struct http_request *,
		    struct kore_buf *);

void
http_errors_worker_init(void)
{
	http_error_hook = kore_error_headers;
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
	len = request_log_format(line, sizeof(line), &e, request_wall_ms());
	request_log_write(line, len);
}

int
http_json(struct http_request *req, int status, const void *body, size_t len)
{
	return (edge_send_json(req, status, body, len));
}

int
http_error(struct http_request *req, int status, const char *detail)
{
	struct kore_buf		buf;

	kore_buf_init(&buf, 128);
	kore_buf_appendf(&buf, "{\"detail\":\"");
	json_escape_into(&buf, detail);
	kore_buf_appendf(&buf, "\"}");

	http_json(req, status, buf.data, buf.offset);
	kore_buf_cleanup(&buf);

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
 * The last route in kore.conf: whatever matched nothing else. A path
 * with trailing slashes that some route matches without them is
 * redirected there (307: method and body kept), query string and all, as
 * Starlette's redirect_slashes does; anything else is a 404.
 */
int
page_not_found(struct http_request *req)
{
	char	*location;

	request_begin(req);
	if (!edge_limit_client(req))
		return (KORE_RESULT_OK);

	if ((location = slash_redirect(req)) != NULL) {
		http_response_header(req, "location", location);
		http_response(req, HTTP_STATUS_TEMPORARY_REDIRECT, NULL, 0);
		kore_free(location);
		return (KORE_RESULT_OK);
	}
	return (http_error(req, HTTP_STATUS_NOT_FOUND, "Not Found"));
}

/*
 * The Location for a path ending in '/', or NULL. It is the path itself
 * without its trailing slashes (a path-absolute reference, never a
 * scheme or a host), only when a route of kore.conf other than this
 * catch-all matches it, and never "//..." or "/\..." that a browser
 * would read as another host.
 */
static char *
slash_redirect(struct http_request *req)
{
	size_t		len, size;
	char		*path, *location;

	len = strlen(req->path);
	if (len < 2 || req->path[len - 1] != '/')
		return (NULL);
	while (len > 0 && req->path[len - 1] == '/')
		len--;
	if (len == 0 || req->hdlr == NULL)
		return (NULL);

	path = kore_malloc(len + 1);
	memcpy(path, req->path, len);
	path[len] = '\0';
	if (path[0] != '/' || path[1] == '/' || !location_safe(path) ||
	    (req->query_string != NULL && !location_safe(req->query_string)) ||
	    !route_exists(req->hdlr->dom, path, req->hdlr)) {
		kore_free(path);
		return (NULL);
	}

	if (req->query_string == NULL || req->query_string[0] == '\0')
		return (path);

	size = len + strlen(req->query_string) + 2;
	location = kore_malloc(size);
	(void)snprintf(location, size, "%s?%s", path, req->query_string);
	kore_free(path);
	return (location);
}

/* Whether a route of the domain other than skip matches path. */
static int
route_exists(struct kore_domain *dom, const char *path,
    const struct kore_module_handle *skip)
{
	struct kore_module_handle	*hdlr;

	TAILQ_FOREACH(hdlr, &dom->handlers, list) {
		if (hdlr == skip)
			continue;
		if (hdlr->type == HANDLER_TYPE_STATIC) {
			if (!strcmp(hdlr->path, path))
				return (1);
		} else if (!regexec(&hdlr->rctx, path, 0, NULL, 0)) {
			return (1);
		}
	}
	return (0);
}

/* Visible ASCII only and no backslash: nothing a header or URL bends. */
static int
location_safe(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s < 0x21 || *s > 0x7e || *s == '\\')
			return (0);
	}
	return (1);
}

static void
json_escape_into(struct kore_buf *buf, const char *s)
{
	unsigned char	c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			kore_buf_appendf(buf, "\\%c", c);
		else if (c < 0x20)
			kore_buf_appendf(buf, "\\u%04x", c);
		else
			kore_buf_append(buf, &c, 1);
	}
}
