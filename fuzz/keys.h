/*
 * Test keys for the JWT and JWKS fuzz targets, made at start (never a
 * committed key): Ed25519, P-256 and RSA 2048 in a JWKS, an Ed25519 key
 * outside it, and the HS256 secret.
 */
#ifndef __H_FUZZ_KEYS_H
#define __H_FUZZ_KEYS_H

#include <stddef.h>

#include <openssl/evp.h>

#include "auth/jwks.h"

#define FUZZ_HS_SECRET	"0123456789abcdef0123456789abcdef-fuzz-only"

struct fuzz_keys {
	EVP_PKEY	*ed;		/* kid "ed1", alg EdDSA */
	EVP_PKEY	*ec;		/* kid "ec1" */
	EVP_PKEY	*rsa;		/* kid "rsa1", and "rsa-rs" (RS256) */
	EVP_PKEY	*rogue;		/* Ed25519, in no key set */
	char		*rsa_pem;	/* public key, for the HS/RS confusion */
	char		*jwks_json;
	struct jwks	*set;
};

const struct fuzz_keys	*fuzz_keys(void);

/*
 * A compact JWS of header and payload (bytes as given) signed as alg
 * ("EdDSA", "ES256", "RS256", "PS256", "HS256" with secret, "none").
 */
char	*fuzz_sign(const char *, EVP_PKEY *, const unsigned char *, size_t,
	    const char *, size_t, const char *, size_t);

#endif
