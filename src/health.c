/*
 * /healthz answers while the process can serve; /readyz only while the
 * database answers and its schema is the one this build expects.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "edge.h"
#include "health.h"
#include "http_errors.h"
#include "request.h"

#define SQL_SCHEMA_VERSION \
	"SELECT coalesce(max(version), 0) AS version FROM schema_migrations"

/* The newest migration on disk, set at start before the workers fork. */
int	health_schema_version = 0;

int
page_healthz(struct http_request *req)
{
	static const char	body[] = "{\"status\":\"ok\"}";

	if (edge_preflight(req))
		return (KORE_RESULT_OK);

	request_begin(req);
	return (http_json(req, HTTP_STATUS_OK, body, sizeof(body) - 1));
}

int
page_readyz(struct http_request *req)
{
	const char	*v;
	char		body[96];
	int		len;

	if (edge_preflight(req))
		return (KORE_RESULT_OK);

	request_begin(req);

	switch (db_query(req, SQL_SCHEMA_VERSION, 0, NULL)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_OK:
		break;
	default:
		return (http_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "Database unavailable"));
	}

	v = db_value(req, 0, "version");
	if (v == NULL || atoi(v) != health_schema_version) {
		request_fail(req, "schema version differs from this build");
		return (http_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "Database schema is not current"));
	}

	len = snprintf(body, sizeof(body),
	    "{\"status\":\"ready\",\"database\":\"ok\",\"schema_version\":%d}",
	    health_schema_version);

	return (http_json(req, HTTP_STATUS_OK, body, (size_t)len));
}
