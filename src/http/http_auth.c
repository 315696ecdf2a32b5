/*
 * Bearer tokens from Better Auth. A request pays a signature check only
 * the first time a worker sees its token (auth/token_check.c caches
 * verified tokens until they expire), and a database write only when the
 * user's claims changed since this worker last wrote them (just-in-time
 * user rows).
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth/jwks_source.h"
#include "auth/jwt.h"
#include "auth/token_check.h"
#include "core/digest_cache.h"
#include "core/hash.h"
#include "core/settings.h"
#include "core/shared.h"
#include "db/db_call.h"
#include "http/http_auth.h"
#include "http/http_db.h"
#include "http/http_limit.h"
#include "http/http_request.h"
#include "http/http_response.h"

#define AUTH_USER_SLOTS		4096
/* How long a worker trusts that a user's row is current. */
#define AUTH_USER_TTL		300

#define AUTH_STATE_VERIFY	0
#define AUTH_STATE_UPSERT	1
#define AUTH_STATE_DONE		2

#define AUTH_MSG_FORGET_USER	(KORE_MSG_APP_BASE + 1)

/* Only rows whose claims changed are written. */
#define SQL_USER_UPSERT							\
	"INSERT INTO users (id, email, name, image, role, claims_hash) "	\
	"VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6) "			\
	"ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, "	\
	"name = EXCLUDED.name, image = EXCLUDED.image, "		\
	"role = EXCLUDED.role, claims_hash = EXCLUDED.claims_hash, "	\
	"updated_at = now() "						\
	"WHERE users.claims_hash <> EXCLUDED.claims_hash"

struct cached_user {
	char		claims_hash[SHA256_HEX_SIZE];
};

static int	auth_run(struct http_request *, int);
static int	auth_verify(struct http_request *, struct request_ctx *, int);
static int	auth_upsert(struct http_request *, struct request_ctx *);
static int	auth_reject(struct http_request *, int, int);
static int	auth_bearer(struct http_request *, const char **, size_t *);
static int	auth_live_token(struct http_request *, const char **,
		    size_t *);
static void	auth_claims_hash(const struct jwt_claims *, char [SHA256_HEX_SIZE]);
static void	auth_forget_msg(struct kore_msg *, const void *);
static int	auth_role_has(const char *, const char *);
static void	auth_count(int);
static void	auth_wake(void *);

static struct digest_cache	user_cache;

void
auth_worker_init(void)
{
	token_check_init();
	if (!digest_cache_init(&user_cache, AUTH_USER_SLOTS,
	    sizeof(struct cached_user)))
		fatal("auth: cannot allocate caches");

	kore_msg_register(AUTH_MSG_FORGET_USER, auth_forget_msg);
}

int
auth_user(struct http_request *req, const void *data)
{
	(void)data;
	return (auth_run(req, 0));
}

int
auth_admin(struct http_request *req, const void *data)
{
	(void)data;
	return (auth_run(req, 1));
}

/*
 * Live routes: a browser's WebSocket cannot send Authorization, so the
 * token may also come as the subprotocol pair "bearer, <jwt>" or as
 * ?access_token=. Verified exactly as every other route's.
 */
int
auth_live(struct http_request *req, const void *data)
{
	(void)data;
	return (auth_run(req, 2));
}

const char *
auth_reason_label(int reason)
{
	if (reason == AUTH_FAIL_MISSING)
		return ("missing_token");
	if (reason == AUTH_FAIL_FORBIDDEN)
		return ("forbidden");
	return (jwt_result_reason((enum jwt_result)reason));
}

/* Tells every worker (this one included) to write the user's row again. */
void
auth_user_forget(const char *sub)
{
	digest_cache_remove(&user_cache, sub, strlen(sub));
	kore_msg_send(KORE_MSG_WORKER_ALL, AUTH_MSG_FORGET_USER, sub,
	    strlen(sub));
}

static int
auth_run(struct http_request *req, int admin)
{
	struct request_ctx	*ctx;
	int			r;

	/* A CORS preflight carries no token: the handler answers it. */
	if (req->method == HTTP_METHOD_OPTIONS)
		return (KORE_RESULT_OK);

	ctx = request_begin(req);

	if (ctx->auth_state == AUTH_STATE_VERIFY) {
		if ((r = auth_verify(req, ctx, admin == 2)) != KORE_RESULT_OK)
			return (r);
	}

	if (ctx->auth_state == AUTH_STATE_UPSERT) {
		if ((r = auth_upsert(req, ctx)) != KORE_RESULT_OK)
			return (r);
	}

	if (admin == 1 && !auth_role_has(ctx->role, "admin")) {
		auth_count(AUTH_FAIL_FORBIDDEN);
		http_error(req, HTTP_STATUS_FORBIDDEN, "Not enough permissions");
		return (KORE_RESULT_ERROR);
	}

	http_response_header(req, "cache-control", "no-store");
	if (!http_limit_user(req, ctx->user_id))
		return (KORE_RESULT_ERROR);
	return (KORE_RESULT_OK);
}

/* Failures by reason, summed over workers for /metrics. */
static void
auth_count(int reason)
{
	if (shared != NULL && reason >= 0 && reason < MET_REASONS)
		metrics_add(&shared->metrics.auth_failures[reason], 1);
}

static int
auth_verify(struct http_request *req, struct request_ctx *ctx, int live)
{
	struct jwt_claims	*claims;
	struct cached_user	*known;
	enum jwt_result		res;
	const char		*token;
	size_t			len;
	char			hash[SHA256_HEX_SIZE];
	time_t			now;

	if (!auth_bearer(req, &token, &len) &&
	    (!live || !auth_live_token(req, &token, &len)))
		return (auth_reject(req, AUTH_FAIL_MISSING, 0));
	if (len > JWT_TOKEN_MAX)
		return (auth_reject(req, JWT_ERR_TOO_LARGE, 1));

	now = time(NULL);
	if (ctx->claims == NULL)
		ctx->claims = kore_calloc(1, sizeof(*ctx->claims));
	claims = ctx->claims;

	/* Verified (or found in the cache) as by every door: token_check. */
	ctx->auth_keys_seen = jwks_source_generation();
	res = token_check(token, len, now, claims);
	if (res == JWT_ERR_KID_UNKNOWN) {
		switch (jwks_source_refetch(ctx->auth_keys_seen, auth_wake,
		    req)) {
		case JWKS_REFETCH_WAIT:
			ctx->auth_waiting = 1;
			http_request_sleep(req);
			return (KORE_RESULT_RETRY);
		case JWKS_REFETCH_AGAIN:
			res = token_check(token, len, now, claims);
			break;
		default:
			break;
		}
	}
	ctx->auth_waiting = 0;

	if (res == JWT_ERR_INTERNAL) {
		http_error_internal(req, "auth: verification failed "
		    "internally");
		return (KORE_RESULT_ERROR);
	}
	if (res != JWT_OK)
		return (auth_reject(req, res, 1));

	kore_strlcpy(ctx->user_id, claims->sub, sizeof(ctx->user_id));
	kore_strlcpy(ctx->role, claims->role[0] != '\0' ? claims->role :
	    "user", sizeof(ctx->role));

	auth_claims_hash(claims, hash);
	known = digest_cache_get(&user_cache, claims->sub,
	    strlen(claims->sub), now);
	if (known != NULL && !strcmp(known->claims_hash, hash))
		ctx->auth_state = AUTH_STATE_DONE;
	else
		ctx->auth_state = AUTH_STATE_UPSERT;

	return (KORE_RESULT_OK);
}

/* The user's row, created or refreshed from the claims. */
static int
auth_upsert(struct http_request *req, struct request_ctx *ctx)
{
	struct cached_user	entry;
	const char		*params[6];

	auth_claims_hash(ctx->claims, entry.claims_hash);
	params[0] = ctx->claims->sub;
	params[1] = ctx->claims->email;
	params[2] = ctx->claims->name;
	params[3] = ctx->claims->image;
	params[4] = ctx->role;
	params[5] = entry.claims_hash;

	switch (db_query(req, SQL_USER_UPSERT, 6, params)) {
	case DB_PENDING:
		return (KORE_RESULT_RETRY);
	case DB_OK:
		break;
	default:
		db_error_response(req);
		return (KORE_RESULT_ERROR);
	}

	db_release(req);
	digest_cache_put(&user_cache, ctx->claims->sub,
	    strlen(ctx->claims->sub), &entry, time(NULL) + AUTH_USER_TTL);
	ctx->auth_state = AUTH_STATE_DONE;

	return (KORE_RESULT_OK);
}

/* 401 per RFC 6750: invalid_token only when a token was sent. */
static int
auth_reject(struct http_request *req, int reason, int had_token)
{
	auth_count(reason);

	/* Guessing tokens costs the client's anonymous budget. */
	if (!http_limit_client(req))
		return (KORE_RESULT_ERROR);

	if (had_token) {
		http_response_header(req, "www-authenticate",
		    "Bearer error=\"invalid_token\"");
		http_error(req, HTTP_STATUS_UNAUTHORIZED,
		    jwt_result_message((enum jwt_result)reason));
	} else {
		http_response_header(req, "www-authenticate", "Bearer");
		http_error(req, HTTP_STATUS_UNAUTHORIZED, "Not authenticated");
	}

	return (KORE_RESULT_ERROR);
}

/* "Authorization: Bearer <token>", scheme case-insensitive. */
static int
auth_bearer(struct http_request *req, const char **token, size_t *len)
{
	const char	*v;

	if (!http_request_header(req, "authorization", &v))
		return (0);
	if (strncasecmp(v, "bearer ", 7))
		return (0);

	for (v += 7; *v == ' '; v++)
		;
	*token = v;
	*len = strlen(v);
	while (*len > 0 && isspace((unsigned char)v[*len - 1]))
		(*len)--;

	return (*len > 0);
}

/* "Sec-WebSocket-Protocol: bearer, <jwt>", else "?access_token=<jwt>". */
static int
auth_live_token(struct http_request *req, const char **token, size_t *len)
{
	const char	*v, *p;

	if (http_request_header(req, "sec-websocket-protocol", &v)) {
		while (*v == ' ')
			v++;
		if (!strncasecmp(v, "bearer", 6)) {
			for (p = v + 6; *p == ' '; p++)
				;
			if (*p == ',') {
				for (p++; *p == ' '; p++)
					;
				*token = p;
				*len = strcspn(p, ", ");
				if (*len > 0)
					return (1);
			}
		}
	}

	/* A JWT's characters need no percent-decoding. */
	for (p = req->query_string; p != NULL && *p != '\0';) {
		if (!strncmp(p, "access_token=", 13)) {
			*token = p + 13;
			*len = strcspn(*token, "&");
			return (*len > 0);
		}
		if ((p = strchr(p, '&')) != NULL)
			p++;
	}

	return (0);
}

/* What the users row was written from: changes mean a write. */
static void
auth_claims_hash(const struct jwt_claims *c, char out[SHA256_HEX_SIZE])
{
	char		buf[sizeof(c->email) + sizeof(c->name) +
			    sizeof(c->image) + sizeof(c->role) + 4];
	int		len;

	len = snprintf(buf, sizeof(buf), "%s%c%s%c%s%c%s", c->email, 0,
	    c->name, 0, c->image, 0, c->role);
	sha256_hex(buf, (size_t)len, out);
}

/* Better Auth's admin plugin allows several roles: "user,admin". */
static int
auth_role_has(const char *roles, const char *role)
{
	const char	*p, *end;
	size_t		len;

	len = strlen(role);
	for (p = roles; *p != '\0'; p = (*end == ',') ? end + 1 : end) {
		while (*p == ' ')
			p++;
		end = strchrnul(p, ',');
		if ((size_t)(end - p) >= len && !strncmp(p, role, len)) {
			p += len;
			while (*p == ' ')
				p++;
			if (p == end)
				return (1);
		}
	}
	return (0);
}

static void
auth_forget_msg(struct kore_msg *msg, const void *data)
{
	digest_cache_remove(&user_cache, data, msg->length);
}

/* The JWKS refetch a request slept on has ended. */
static void
auth_wake(void *arg)
{
	http_request_wakeup(arg);
}
