/*
 * JWKS (RFC 7517) parsing into a set of ready-to-use OpenSSL public keys.
 *
 * Pure C99 + OpenSSL 3 + jansson; no Kore types.  Every usable JWK is
 * turned into an EVP_PKEY once, at parse time, so verifying a token never
 * touches JSON key material again.  A parsed set is immutable and may be
 * shared read-only; replace it as a whole on refetch (parse new, swap
 * pointer, jwks_free old).
 */

#ifndef __H_JWKS_H
#define __H_JWKS_H

#include <stddef.h>

#include <openssl/types.h>

#define JWKS_JSON_MAX		(256 * 1024)	/* bigger document: error */
#define JWKS_MAX_KEYS		64		/* more "keys" entries: error */
#define JWKS_KID_MAX		128		/* including NUL */
#define JWKS_ALG_MAX		16		/* including NUL */
#define JWKS_RSA_MIN_BITS	2048		/* smaller moduli are skipped */
#define JWKS_RSA_MAX_BITS	8192		/* larger moduli are skipped */

/* Key types this module can verify with (kty + crv of the JWK). */
enum jwks_kty {
	JWKS_KTY_NONE = 0,
	JWKS_KTY_ED25519,	/* kty OKP, crv Ed25519 */
	JWKS_KTY_EC_P256,	/* kty EC, crv P-256 */
	JWKS_KTY_EC_P521,	/* kty EC, crv P-521 (parsed; no alg accepts it) */
	JWKS_KTY_RSA,		/* kty RSA */
};

/* Read-only view of one key of a set; owned by the set. */
struct jwks_key {
	char		kid[JWKS_KID_MAX];	/* "" when the JWK had none */
	char		alg[JWKS_ALG_MAX];	/* "" when the JWK had none */
	enum jwks_kty	kty;
	EVP_PKEY	*pkey;
};

struct jwks;				/* opaque key set */

/*
 * Parse a JWKS document.  Returns NULL and fills err (never containing
 * key material) when the document is over JWKS_JSON_MAX, not JSON, not an
 * object, has no "keys" array, has more than JWKS_MAX_KEYS entries, or on
 * allocation failure.  Individual JWKs of unknown kty/crv, with "use"
 * other than "sig", with invalid members, or too-weak RSA moduli are
 * skipped (see jwks_skipped()).  Symmetric ("oct") JWKs are always
 * skipped: HS256 is only ever verified with the configured secret.
 * An empty "keys" array gives an empty set, not an error.
 */
struct jwks		*jwks_parse(const char *json, size_t len,
			    char *err, size_t errlen);
void			 jwks_free(struct jwks *);

/* Number of usable keys in the set (0 for NULL). */
size_t			 jwks_count(const struct jwks *);

/* Number of JWK entries that were skipped at parse time (0 for NULL). */
size_t			 jwks_skipped(const struct jwks *);

/* 1 if a usable key with this kid is in the set, 0 otherwise. */
int			 jwks_has_kid(const struct jwks *, const char *kid);

/* Key number idx (0 <= idx < jwks_count()), or NULL. */
const struct jwks_key	*jwks_key_at(const struct jwks *, size_t idx);

#endif
