/*
 * JWT (RFC 7519 / JWS compact serialization) verification for Better Auth
 * tokens.  Pure C99 + OpenSSL 3 + jansson; no Kore types, no global state.
 *
 * Accepted algorithms:
 *   EdDSA (Ed25519), ES256 (P-256), RS256, PS256	key from a struct jwks
 *   HS256						cfg->hs_secret only
 *
 * Key selection: the header's "kid" picks the JWK.  A token without kid is
 * accepted only when exactly one key of the set is usable for its alg.
 * Header members "jku", "jwk", "x5u", "x5c" are ignored, never used to find
 * a key.  A header with "crit" is rejected (no extensions are understood).
 *
 * Shared-secret mode (cfg->hs_secret != NULL and hs_secret_len >=
 * JWT_HS_SECRET_MIN): HS256 is verified with that secret and nothing else.
 * Asymmetric tokens are then accepted only if keys is non-NULL too; with
 * keys == NULL they are JWT_ERR_ALG.  Without shared-secret mode every
 * HS256 token is JWT_ERR_ALG, whatever its kid points to; this closes the
 * HS/RS confusion.  A secret shorter than JWT_HS_SECRET_MIN (RFC 7518
 * 3.2) does not enable the mode: validate it when loading the config.
 *
 * Not in shared-secret mode and keys == NULL (e.g. the JWKS fetch has not
 * succeeded yet): asymmetric tokens answer JWT_ERR_KID_UNKNOWN, so the
 * caller's "unknown kid -> refetch" path runs.
 */

#ifndef __H_JWT_H
#define __H_JWT_H

#include <stddef.h>
#include <time.h>

#include "auth/jwks.h"

#define JWT_TOKEN_MAX		8192	/* bigger token = JWT_ERR_TOO_LARGE */
#define JWT_HEADER_MAX		2048	/* decoded header bytes */
#define JWT_SIG_MAX		1024	/* decoded signature (RSA 8192) */
#define JWT_HS_SECRET_MIN	32	/* bytes, for HS256 */
#define JWT_LEEWAY_MAX		86400	/* cfg->leeway is clamped to this */

enum jwt_result {
	JWT_OK = 0,
	JWT_ERR_TOO_LARGE,
	JWT_ERR_MALFORMED,
	JWT_ERR_ALG,
	JWT_ERR_KID_UNKNOWN,
	JWT_ERR_SIGNATURE,
	JWT_ERR_EXPIRED,
	JWT_ERR_NOT_YET_VALID,
	JWT_ERR_ISSUER,
	JWT_ERR_AUDIENCE,
	JWT_ERR_NO_SUB,
	JWT_ERR_INTERNAL,	/* allocation failure: answer 500, not 401 */
	JWT_ERR_MAX
};

struct jwt_config {
	const char		*issuer;	/* NULL: not checked */
	const char		*audience;	/* NULL: not checked; token aud may be string or array */
	long			leeway;		/* seconds, for exp and nbf; clamped to 0..JWT_LEEWAY_MAX */
	const unsigned char	*hs_secret;	/* non-NULL: shared-secret (HS256 only) mode */
	size_t			hs_secret_len;
};

/*
 * Filled on JWT_OK only; zeroed on any error.  Strings are NUL-terminated.
 * A claim string longer than its field is JWT_ERR_MALFORMED, never
 * truncated.  email, name, image and role are "" when absent or null; a
 * non-string value for them is JWT_ERR_MALFORMED.
 */
struct jwt_claims {
	char		sub[256];
	char		email[320];
	char		name[256];
	char		image[2048];
	char		role[64];
	char		kid[JWKS_KID_MAX];
	long long	exp, iat, nbf;	/* iat, nbf 0 when absent */
};

/*
 * Verify token (len bytes, need not be NUL-terminated) at time now.
 * Order of checks: size, syntax (three strict base64url segments, JSON
 * object header), alg, key, signature over the exact "header.payload"
 * bytes, then the payload: JSON object, claim types, exp (required),
 * nbf, iss, aud, sub.
 */
enum jwt_result	 jwt_verify(const char *token, size_t len,
		    const struct jwks *keys, const struct jwt_config *cfg,
		    time_t now, struct jwt_claims *out);

/* Short snake_case label for metrics, e.g. "expired".  Never NULL. */
const char	*jwt_result_reason(enum jwt_result);

/* Human detail for the 401 body; contains no token data.  Never NULL. */
const char	*jwt_result_message(enum jwt_result);

/*
 * Cheap unverified peek at the header's kid, so the caller can trigger a
 * JWKS refetch on unknown kid.  Returns 1 and copies the kid when the
 * header is well formed and has a string kid that fits kidlen, else 0.
 * Never trust the result for anything but choosing to refetch.
 */
int		 jwt_peek_kid(const char *token, size_t len,
		    char *kid, size_t kidlen);

#endif
