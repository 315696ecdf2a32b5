/*
 * The baseline for /healthz: the least a Kore handler can do. Built by
 * bench/run.sh only; never part of the product.
 */
#include <kore/kore.h>
#include <kore/http.h>

int	bare_ok(struct http_request *);

int
bare_ok(struct http_request *req)
{
	static const char	body[] = "{\"status\":\"ok\"}";

	http_response_header(req, "content-type", "application/json");
	http_response(req, HTTP_STATUS_OK, body, sizeof(body) - 1);
	return (KORE_RESULT_OK);
}
