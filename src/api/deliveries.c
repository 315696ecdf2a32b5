/*
 * The signed-in user's webhook deliveries (SPEC "Events, webhooks and
 * reminders"): the list, newest first; a retry of a dead or failed one;
 * a test ping. The queue itself is worked by jobs/webhooks.c. Each
 * handler parses the request, runs one statement of deliveries_sql.h
 * and answers its JSON.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/cursor.h"
#include "api/deliveries.h"
#include "api/deliveries_sql.h"
#include "core/uuid.h"
#include "core/validation.h"
#include "db/db_call.h"
#include "http/http_db.h"
#include "http/http_query.h"
#include "http/http_request.h"
#include "http/http_response.h"

static int	deliveries_body(struct http_request *, int);

/*
 * GET: limit, offset or cursor (not both: 422), status. kore.conf's
 * validators refuse bad values (query_parse answers 422); the handler
 * runs again after the database answers, and only its first call sends.
 */
int
page_deliveries(struct http_request *req)
{
	struct validation_errors	errs;
	struct request_ctx		*ctx;
	struct cursor			cur;
	const char			*params[6], *v;
	long				limit, offset;
	char				lim[24], off[24];
	int				ret;

	if (!api_begin(req, &ctx))
		return (KORE_RESULT_OK);

	validation_init(&errs);
	(void)query_parse(req, &errs);
	(void)query_long(req, "limit", 20, &limit);
	(void)query_long(req, "offset", 0, &offset);

	params[4] = params[5] = NULL;
	if ((v = query_string(req, "cursor")) != NULL) {
		if (query_string(req, "offset") != NULL) {
			validation_add(&errs, "value_error", "query", "cursor",
			    "Value error, use either cursor or offset, not both",
			    json_string(v), NULL);
		} else if (!cursor_decode(v, "-created_at", CURSOR_TIME,
		    &cur)) {
			validation_add(&errs, "value_error", "query", "cursor",
			    "Value error, invalid cursor", json_string(v), NULL);
		} else {
			params[4] = cur.value;
			params[5] = cur.id;
		}
	}
	if (validation_count(&errs) > 0) {
		http_error_validation(req, &errs);
		validation_cleanup(&errs);
		return (KORE_RESULT_OK);
	}
	validation_cleanup(&errs);

	(void)snprintf(lim, sizeof(lim), "%ld", limit);
	(void)snprintf(off, sizeof(off), "%ld", offset);
	params[0] = ctx->user_id;
	params[1] = query_string(req, "status");
	params[2] = lim;
	params[3] = off;

	/* The filter and cursor are optional: a plan made for the values. */
	if (!db_ready(req, db_query_flags(req, SQL_DELIVERY_LIST, 6, params,
	    DB_CUSTOM_PLAN), &ret))
		return (ret);

	return (deliveries_body(req, HTTP_STATUS_OK));
}

/*
 * POST .../retry: 202 with the delivery, pending again and due now. Not
 * the user's: 404. Delivered, still queued, being attempted right now,
 * or no webhook_url to send it to: 409.
 */
int
page_delivery_retry(struct http_request *req)
{
	struct request_ctx	*ctx;
	const char		*params[2], *was;
	char			id[UUID_TEXT_SIZE];
	int			ret;

	if (!api_begin(req, &ctx))
		return (KORE_RESULT_OK);
	if (!path_capture(req, 1, id, sizeof(id)))
		return (http_error(req, HTTP_STATUS_NOT_FOUND,
		    "Delivery not found"));

	params[0] = id;
	params[1] = ctx->user_id;
	if (!db_ready(req, db_query(req, SQL_DELIVERY_RETRY, 2, params), &ret))
		return (ret);

	if (db_rows(req) != 1 || db_is_null(req, 0, "was"))
		return (http_error(req, HTTP_STATUS_NOT_FOUND,
		    "Delivery not found"));
	if (!db_is_null(req, 0, "body"))
		return (deliveries_body(req, HTTP_STATUS_ACCEPTED));

	was = db_value(req, 0, "was");
	if (!strcmp(was, "delivered"))
		return (http_error(req, HTTP_STATUS_CONFLICT,
		    "Delivery already delivered"));
	if (!strcmp(was, "pending"))
		return (http_error(req, HTTP_STATUS_CONFLICT,
		    "Delivery already queued"));
	if (!strcmp(db_value(req, 0, "leased"), "t"))
		return (http_error(req, HTTP_STATUS_CONFLICT,
		    "Delivery is being attempted"));
	return (http_error(req, HTTP_STATUS_CONFLICT, "No webhook_url set"));
}

/* POST /users/me/webhook/test: 202 with the ping's delivery, or 409. */
int
page_webhook_test(struct http_request *req)
{
	struct request_ctx	*ctx;
	const char		*params[1];
	int			ret;

	if (!api_begin(req, &ctx))
		return (KORE_RESULT_OK);

	params[0] = ctx->user_id;
	if (!db_ready(req, db_query(req, SQL_WEBHOOK_PING, 1, params), &ret))
		return (ret);

	if (db_rows(req) != 1 || db_is_null(req, 0, "body"))
		return (http_error(req, HTTP_STATUS_CONFLICT,
		    "No webhook_url set"));
	return (deliveries_body(req, HTTP_STATUS_ACCEPTED));
}

/* The "body" column of the only row, answered with status. */
static int
deliveries_body(struct http_request *req, int status)
{
	const char	*body;

	if (db_rows(req) != 1 || db_is_null(req, 0, "body"))
		return (http_error_internal(req, "deliveries: no body row"));

	body = db_value(req, 0, "body");
	return (http_json(req, status, body, strlen(body)));
}
