/*
 * Users are Better Auth's; their rows exist from the first authenticated
 * request (see http/http_auth.c). Every response is one SQL statement whose result
 * is already the JSON body.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/user_fields.h"
#include "api/users.h"
#include "core/fields.h"
#include "core/settings.h"
#include "core/webhook_url.h"
#include "db/db_call.h"
#include "http/http_auth.h"
#include "http/http_body.h"
#include "http/http_db.h"
#include "http/http_query.h"
#include "http/http_request.h"
#include "http/http_response.h"

/* The public shape of a user; the webhook secret never leaves. */
#define USER_JSON							\
	"json_build_object('id', u.id, 'email', u.email, 'name', u.name, " \
	"'image', u.image, 'role', u.role, 'timezone', u.timezone, "	\
	"'webhook_url', u.webhook_url, "				\
	"'webhook_secret_set', u.webhook_secret IS NOT NULL, "		\
	"'created_at', api_ts(u.created_at), "				\
	"'updated_at', api_ts(u.updated_at))"

#define SQL_USER_GET							\
	"SELECT " USER_JSON "::text AS body FROM users u WHERE u.id = $1"

/*
 * A merge patch: $2 NULL keeps the time zone; $3/$5 say whether the
 * webhook fields were sent ($4/$6 NULL then clears them). An unknown time
 * zone updates nothing and reports tz_ok false.
 */
#define SQL_USER_PATCH							\
	"WITH tz AS (SELECT $2::text IS NULL OR EXISTS "		\
	"(SELECT 1 FROM pg_timezone_names WHERE name = $2) AS ok), "	\
	"upd AS (UPDATE users u SET "					\
	"timezone = coalesce($2, u.timezone), "				\
	"webhook_url = CASE WHEN $3::boolean THEN $4 "			\
	"ELSE u.webhook_url END, "					\
	"webhook_secret = CASE WHEN $5::boolean THEN $6 "		\
	"ELSE u.webhook_secret END, "					\
	"updated_at = now() FROM tz WHERE u.id = $1 AND tz.ok "		\
	"RETURNING u.*) "						\
	"SELECT (SELECT ok FROM tz) AS tz_ok, "				\
	"(SELECT " USER_JSON "::text FROM upd u) AS body"

#define SQL_USER_DELETE							\
	"DELETE FROM users WHERE id = $1"

/* Sort keys from an allow-list; the SQL text comes only from here. */
static const struct {
	const char	*key;
	const char	*order;
} user_sorts[] = {
	{ "created_at",		"u.created_at ASC, u.id ASC" },
	{ "-created_at",	"u.created_at DESC, u.id DESC" },
	{ "email",		"u.email ASC, u.id ASC" },
	{ "-email",		"u.email DESC, u.id DESC" },
	{ "name",		"u.name ASC, u.id ASC" },
	{ "-name",		"u.name DESC, u.id DESC" },
};

#define SQL_USER_LIST_FMT						\
	"WITH page AS (SELECT * FROM users u WHERE $1::text IS NULL "	\
	"OR u.email ILIKE api_like_any($1) OR u.name ILIKE api_like_any($1) " \
	"ORDER BY %s LIMIT $2 OFFSET $3) "				\
	"SELECT json_build_object("					\
	"'items', coalesce((SELECT json_agg(" USER_JSON " ORDER BY %s) " \
	"FROM page u), '[]'::json), "					\
	"'total', (SELECT count(*) FROM users u WHERE $1::text IS NULL " \
	"OR u.email ILIKE api_like_any($1) OR u.name ILIKE api_like_any($1)), " \
	"'limit', $2::int, 'offset', $3::int, 'next_cursor', NULL)::text AS body"

struct user_patch {
	json_t		*body;
	const char	*timezone;
	const char	*webhook_url;
	const char	*webhook_secret;
	int		has_url;
	int		has_secret;
};

static int	users_me_get(struct http_request *, struct request_ctx *);
static int	users_me_patch(struct http_request *, struct request_ctx *);
static int	users_me_delete(struct http_request *, struct request_ctx *);
static int	users_answer_body(struct http_request *, const char *);
static void	user_patch_free(void *);

int
page_users_me(struct http_request *req)
{
	struct request_ctx	*ctx;

	if (!api_begin(req, &ctx))
		return (KORE_RESULT_OK);

	switch (req->method) {
	case HTTP_METHOD_GET:
		return (users_me_get(req, ctx));
	case HTTP_METHOD_PATCH:
		return (users_me_patch(req, ctx));
	case HTTP_METHOD_DELETE:
		return (users_me_delete(req, ctx));
	default:
		return (http_error(req, HTTP_STATUS_METHOD_NOT_ALLOWED,
		    "Method Not Allowed"));
	}
}

int
page_users_list(struct http_request *req)
{
	struct validation_errors	errs;
	const char			*params[3], *sort, *order;
	long				limit, offset;
	char				sql[2048], lim[24], off[24];
	size_t				i;
	int				ret;

	if (!api_begin(req, NULL))
		return (KORE_RESULT_OK);

	/* Parsed again on each call; only the first one sends the query. */
	validation_init(&errs);
	if (!query_parse(req, &errs)) {
		http_error_validation(req, &errs);
		validation_cleanup(&errs);
		return (KORE_RESULT_OK);
	}
	validation_cleanup(&errs);

	(void)query_long(req, "limit", 20, &limit);
	(void)query_long(req, "offset", 0, &offset);
	if ((sort = query_string(req, "sort")) == NULL)
		sort = "-created_at";

	order = NULL;
	for (i = 0; i < sizeof(user_sorts) / sizeof(user_sorts[0]); i++) {
		if (!strcmp(user_sorts[i].key, sort))
			order = user_sorts[i].order;
	}
	if (order == NULL)
		return (http_error_internal(req, "users: sort validator and "
		    "allow-list disagree"));

	(void)snprintf(lim, sizeof(lim), "%ld", limit);
	(void)snprintf(off, sizeof(off), "%ld", offset);
	(void)snprintf(sql, sizeof(sql), SQL_USER_LIST_FMT, order, order);
	params[0] = query_string(req, "q");
	params[1] = lim;
	params[2] = off;

	/* Search and sort: a plan made for the values, never a generic one. */
	if (!db_ready(req, db_query_flags(req, sql, 3, params, DB_CUSTOM_PLAN),
	    &ret))
		return (ret);

	return (users_answer_body(req, "User not found"));
}

int
page_users_one(struct http_request *req)
{
	const char	*params[1];
	char		id[256];
	int		ret;

	if (!api_begin(req, NULL))
		return (KORE_RESULT_OK);
	if (!path_capture(req, 1, id, sizeof(id)))
		return (http_error(req, HTTP_STATUS_NOT_FOUND, "Not Found"));

	params[0] = id;
	if (!db_ready(req, db_query(req, SQL_USER_GET, 1, params), &ret))
		return (ret);

	return (users_answer_body(req, "User not found"));
}

static int
users_me_get(struct http_request *req, struct request_ctx *ctx)
{
	const char	*params[1];
	int		ret;

	params[0] = ctx->user_id;
	if (!db_ready(req, db_query(req, SQL_USER_GET, 1, params), &ret))
		return (ret);

	return (users_answer_body(req, "User not found"));
}

static int
users_me_patch(struct http_request *req, struct request_ctx *ctx)
{
	struct validation_errors	errs;
	struct user_patch		*p;
	const char			*params[6];
	json_t				*body, *v;
	char				why[160], msg[200];
	int				ret;

	if ((p = ctx->state) == NULL) {
		validation_init(&errs);
		if (!http_body_json(req, user_patch_fields,
		    sizeof(user_patch_fields) / sizeof(user_patch_fields[0]),
		    &errs, &body) || !http_body_valid(req, body, &errs)) {
			validation_cleanup(&errs);
			return (KORE_RESULT_OK);
		}
		validation_cleanup(&errs);

		p = kore_calloc(1, sizeof(*p));
		p->body = body;
		ctx->state = p;
		ctx->state_free = user_patch_free;

		if ((v = json_object_get(body, "timezone")) != NULL)
			p->timezone = json_string_value(v);
		if ((v = json_object_get(body, "webhook_url")) != NULL) {
			p->has_url = 1;
			p->webhook_url = json_string_value(v);
		}
		if ((v = json_object_get(body, "webhook_secret")) != NULL) {
			p->has_secret = 1;
			p->webhook_secret = json_string_value(v);
		}

		/* SSRF: https:// to a public address only (SPEC). */
		if (p->webhook_url != NULL && !webhook_url_check(p->webhook_url,
		    settings.webhook_allow_private, settings.webhook_resolve,
		    why, sizeof(why))) {
			(void)snprintf(msg, sizeof(msg), "Value error, %s", why);
			validation_init(&errs);
			validation_add(&errs, "value_error", "body",
			    "webhook_url", msg, json_string(p->webhook_url),
			    NULL);
			http_error_validation(req, &errs);
			validation_cleanup(&errs);
			return (KORE_RESULT_OK);
		}
	}

	params[0] = ctx->user_id;
	params[1] = p->timezone;
	params[2] = p->has_url ? "true" : "false";
	params[3] = p->webhook_url;
	params[4] = p->has_secret ? "true" : "false";
	params[5] = p->webhook_secret;

	if (!db_ready(req, db_query(req, SQL_USER_PATCH, 6, params), &ret))
		return (ret);

	if (strcmp(db_value(req, 0, "tz_ok"), "t")) {
		validation_init(&errs);
		validation_add(&errs, "value_error", "body", "timezone",
		    "Value error, unknown time zone",
		    json_string(p->timezone), NULL);
		http_error_validation(req, &errs);
		validation_cleanup(&errs);
		return (KORE_RESULT_OK);
	}

	return (users_answer_body(req, "User not found"));
}

static int
users_me_delete(struct http_request *req, struct request_ctx *ctx)
{
	const char	*params[1];
	int		ret;

	params[0] = ctx->user_id;
	if (!db_ready(req, db_query(req, SQL_USER_DELETE, 1, params), &ret))
		return (ret);

	/* The next request with this token creates the row afresh. */
	auth_user_forget(ctx->user_id);
	http_response(req, HTTP_STATUS_NO_CONTENT, NULL, 0);
	return (KORE_RESULT_OK);
}

/* The "body" column of the first row, or 404 when there is none. */
static int
users_answer_body(struct http_request *req, const char *missing)
{
	const char	*body;

	if (db_rows(req) == 0 || db_is_null(req, 0, "body"))
		return (http_error(req, HTTP_STATUS_NOT_FOUND, missing));

	body = db_value(req, 0, "body");
	return (http_json(req, HTTP_STATUS_OK, body, strlen(body)));
}

static void
user_patch_free(void *arg)
{
	struct user_patch	*p = arg;

	json_decref(p->body);
	kore_free(p);
}
