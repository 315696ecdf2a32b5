/*
 * Per-request context: request id, timing, the user once known, the
 * database call, and the one JSON log line written when the request ends.
 */
#ifndef __H_REQUEST_H
#define __H_REQUEST_H

#include <kore/kore.h>
#include <kore/http.h>

#include <jansson.h>

#include "db.h"
#include "fields.h"
#include "netaddr.h"
#include "request_log.h"

struct jwt_claims;

struct request_ctx {
	char			id[REQUEST_ID_MAX + 1];
	u_int64_t		start_us;
	char			error[256];
	struct db_call		db;
	int			query_parsed;

	/* The client: the peer, or past TRUSTED_PROXIES (request_client). */
	struct netaddr		client;
	int			client_known;

	/* Set by the auth hook once the token is verified. */
	char			user_id[256];
	char			role[64];
	int			auth_state;
	u_int64_t		auth_keys_seen;
	int			auth_waiting;
	struct jwt_claims	*claims;

	/* The handler's own state, freed with the request. */
	void			*state;
	void			(*state_free)(void *);
};

struct request_ctx	*request_begin(struct http_request *);
void			 request_fail(struct http_request *, const char *);
const struct netaddr	*request_client(struct http_request *);
void			 request_header_set(struct http_request *,
			    const char *, const char *);
void			 request_body(struct http_request *, const char **,
			    size_t *);
json_t			*request_json(struct http_request *,
			    const struct field_spec *, size_t,
			    struct validation_errors *);
int			 request_json_refused(struct http_request *, json_t *,
			    struct validation_errors *);
void			 request_log_write(const char *, size_t);
int64_t			 request_wall_ms(void);
void			 app_log(int, const char *, ...)
			    __attribute__((format(printf, 2, 3)));

#endif
