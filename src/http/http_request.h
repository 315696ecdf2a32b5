/*
 * Per-request context: request id, timing, the user once known, the
 * database call, and the one JSON log line written when the request ends.
 *
 * The convention for every function that may answer the request (here
 * and in the other http/ modules, api_begin, the resources): it returns 1
 * when the caller should go on, 0 when it has answered, and the handler
 * then returns KORE_RESULT_OK.
 */
#ifndef __H_HTTP_REQUEST_H
#define __H_HTTP_REQUEST_H

#include <kore/kore.h>
#include <kore/http.h>

#include "core/netaddr.h"
#include "core/request_log.h"
#include "db/db_call.h"

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

#endif
