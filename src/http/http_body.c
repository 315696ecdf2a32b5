/*
 * A body is parsed once, its field problems and the handler's own are
 * gathered in one validation_errors, and answered together as one 422,
 * the way FastAPI reports every problem of a request at once.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include "http/http_body.h"
#include "http/http_response.h"

/*
 * The request body as Kore received it (in memory: http_body_max bounds
 * it and no disk offload is configured). Empty when there is none.
 */
void
http_body(struct http_request *req, const char **data, size_t *len)
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
 * The request's JSON object body, checked against a field table. 0 after
 * answering 415 (not JSON) or 422 (not an object, bad syntax). Otherwise
 * 1 and the body: field problems are in errs, the caller may add its own,
 * then http_body_valid() answers them all at once.
 */
int
http_body_json(struct http_request *req, const struct field_spec *specs,
    size_t n, struct validation_errors *errs, json_t **body)
{
	const char	*ctype, *data;
	size_t		len;

	*body = NULL;
	if (!http_request_header(req, "content-type", &ctype))
		ctype = NULL;
	http_body(req, &data, &len);

	switch (body_parse(ctype, data, len, body, errs)) {
	case BODY_UNSUPPORTED_MEDIA:
		http_error(req, HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE,
		    "Content-Type must be application/json");
		return (0);
	case BODY_INVALID:
		http_error_validation(req, errs);
		return (0);
	default:
		break;
	}

	(void)fields_check(*body, specs, n, errs);
	return (1);
}

/* 1 when errs is empty; else answers 422, drops the body and returns 0. */
int
http_body_valid(struct http_request *req, json_t *body,
    struct validation_errors *errs)
{
	if (validation_count(errs) == 0)
		return (1);

	json_decref(body);
	http_error_validation(req, errs);
	return (0);
}
