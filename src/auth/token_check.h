/*
 * A bearer token verified as every door verifies it: the issuer,
 * audience, leeway and keys of the settings, and a per-worker cache of
 * tokens already verified (until they expire, or the key set changes).
 * Used by the auth hook of every route (src/http/http_auth.c) and by the
 * live connections' {"type":"auth"} refresh (src/live/live.c). The
 * caller fetches the keys again on JWT_ERR_KID_UNKNOWN, as it can wait.
 */
#ifndef __H_TOKEN_CHECK_H
#define __H_TOKEN_CHECK_H

#include <sys/types.h>

#include <time.h>

#include "auth/jwt.h"

void		token_check_init(void);
enum jwt_result	token_check(const char *, size_t, time_t,
		    struct jwt_claims *);

#endif
