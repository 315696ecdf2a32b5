/*
 * Every error leaves as JSON: {"detail": "..."} or the 422 list. Errors
 * Kore answers itself (405, 413, ...) get the same shape from our Kore
 * patch, plus the headers set in http_errors_worker_init().
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdlib.h>

#include "edge.h"
#include "http_errors.h"
#include "request.h"

/* Set in our Kore patch: header lines added to Kore's own errors. */
extern const char	*http_error_headers;

static void	json_escape_into(struct kore_buf *, const char *);

void
http_errors_worker_init(void)
{
	http_error_headers =
	    "x-content-type-options: nosniff\r\n"
	    "x-frame-options: DENY\r\n"
	    "referrer-policy: no-referrer\r\n"
	    "content-security-policy: default-src 'none'; "
	    "frame-ancestors 'none'\r\n"
	    "cache-control: no-store\r\n";
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

/* The last route in kore.conf: whatever matched nothing else. */
int
page_not_found(struct http_request *req)
{
	request_begin(req);
	if (!edge_limit_client(req))
		return (KORE_RESULT_OK);
	return (http_error(req, HTTP_STATUS_NOT_FOUND, "Not Found"));
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
