/*
 * Verified tokens are cached by digest until their exp (jwt_verify's
 * rule: valid while now - leeway < exp). A new key set (a rotation, a
 * withdrawn key) empties the cache; a cached token still needs its kid
 * in the current set.
 */

#include <kore/kore.h>

#include <string.h>

#include "auth/jwks_source.h"
#include "auth/token_check.h"
#include "core/digest_cache.h"
#include "core/settings.h"

#define TOKEN_CHECK_SLOTS	1024

static struct digest_cache	token_cache;
static u_int64_t		token_cache_keys;	/* its key set */

void
token_check_init(void)
{
	if (!digest_cache_init(&token_cache, TOKEN_CHECK_SLOTS,
	    sizeof(struct jwt_claims)))
		fatal("auth: cannot allocate the token cache");
}

enum jwt_result
token_check(const char *token, size_t len, time_t now,
    struct jwt_claims *claims)
{
	const struct jwt_claims	*cached;
	struct jwt_config	cfg;
	enum jwt_result		res;

	if (len > JWT_TOKEN_MAX)
		return (JWT_ERR_TOO_LARGE);

	if (token_cache_keys != jwks_source_generation()) {
		digest_cache_clear(&token_cache);
		token_cache_keys = jwks_source_generation();
	}

	cached = digest_cache_get(&token_cache, token, len,
	    now - settings.jwt_leeway);
	if (cached != NULL && (cached->kid[0] == '\0' ||
	    jwks_has_kid(jwks_source_keys(), cached->kid))) {
		memcpy(claims, cached, sizeof(*claims));
		return (JWT_OK);
	}

	memset(&cfg, 0, sizeof(cfg));
	cfg.issuer = settings.auth_issuer;
	cfg.audience = settings.auth_audience;
	cfg.leeway = settings.jwt_leeway;
	if (settings.auth_secret != NULL) {
		cfg.hs_secret = (const unsigned char *)settings.auth_secret;
		cfg.hs_secret_len = strlen(settings.auth_secret);
	}

	res = jwt_verify(token, len, jwks_source_keys(), &cfg, now, claims);
	if (res == JWT_OK) {
		digest_cache_put(&token_cache, token, len, claims,
		    (time_t)claims->exp - 1);
	}
	return (res);
}
