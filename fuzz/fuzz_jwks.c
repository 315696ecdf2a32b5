/*
 * JWKS parsing (jwks.c): the document a JWKS URL answers, any bytes.
 *
 * Properties: a refused document gets a message that never quotes it;
 * a parsed set counts every "keys" entry once (usable or skipped), never
 * holds a symmetric key, and each key it holds is the type it claims
 * (Ed25519, P-256 or P-521 on the curve, RSA of 2048..8192 bits), can be
 * found by its kid, and verifies no token it did not sign: a token for
 * its kid signed by our own test keys fails unless it is that very key.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "fuzz.h"
#include "auth/jwks.h"
#include "auth/jwt.h"
#include "keys.h"

static void	check_set(const uint8_t *, size_t, const struct jwks *);
static void	check_key(const struct jwks *, const struct jwks_key *, int);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jwks	*set;
	char		err[256], shape[256];
	size_t		i, n;
	static const char *const shapes[] = {
		"empty JWKS document", "JWKS document over  bytes",
		"JWKS is not valid JSON (line  col )",
		"JWKS is not a JSON object", "JWKS has no \"keys\" array",
		"JWKS has more than  keys", "out of memory", NULL
	};

	memset(err, 0, sizeof(err));
	set = jwks_parse((const char *)data, size, err, sizeof(err));
	if (set != NULL) {
		check_set(data, size, set);
		jwks_free(set);
		return (0);
	}

	/* The message quotes nothing: without its numbers, a fixed text. */
	for (i = 0, n = 0; err[i] != '\0'; i++) {
		if ((err[i] < '0' || err[i] > '9') && err[i] != '-')
			shape[n++] = err[i];
	}
	shape[n] = '\0';
	for (i = 0; shapes[i] != NULL && strcmp(shapes[i], shape); i++)
		;
	if (shapes[i] == NULL)
		fuzz_fail("jwks_parse failed with message \"%s\"", err);
	return (0);
}

static void
check_set(const uint8_t *data, size_t size, const struct jwks *set)
{
	json_t		*doc, *arr, *jwk;
	size_t		i, n;

	n = jwks_count(set);
	if ((doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES,
	    NULL)) == NULL || !json_is_array(arr = json_object_get(doc,
	    "keys")))
		fuzz_fail("jwks_parse took a document with no keys array");
	if (n + jwks_skipped(set) != json_array_size(arr) ||
	    n > JWKS_MAX_KEYS)
		fuzz_fail("%zu keys + %zu skipped for %zu entries", n,
		    jwks_skipped(set), json_array_size(arr));
	json_array_foreach(arr, i, jwk) {
		if (!strcmp(json_string_value(json_object_get(jwk, "kty")) ?
		    json_string_value(json_object_get(jwk, "kty")) : "", "oct"))
			n++;	/* counted below: none may be loaded */
	}
	if (n > json_array_size(arr))
		fuzz_fail("a symmetric (oct) key was loaded");
	json_decref(doc);

	/* Signing costs; the first few keys show what any would. */
	for (i = 0; i < jwks_count(set); i++)
		check_key(set, jwks_key_at(set, i), i < 4);
	if (jwks_key_at(set, jwks_count(set)) != NULL)
		fuzz_fail("jwks_key_at past the end");
}

static void
check_key(const struct jwks *set, const struct jwks_key *key, int sign)
{
	const struct fuzz_keys	*k;
	struct jwt_config	cfg;
	struct jwt_claims	claims;
	EVP_PKEY		*ours;
	const char		*alg;
	json_t			*hdr;
	char			*tok, *text;
	size_t			i;
	int			bits, ok;
	static const char	body[] = "{\"exp\":1800000000,\"sub\":\"s\"}";

	if (key == NULL || key->pkey == NULL)
		fuzz_fail("a key without an EVP_PKEY");
	if (strlen(key->kid) >= JWKS_KID_MAX || strlen(key->alg) >=
	    JWKS_ALG_MAX)
		fuzz_fail("kid or alg too long");
	if (!jwks_has_kid(set, key->kid))
		fuzz_fail("kid \"%s\" not found in its own set", key->kid);

	bits = EVP_PKEY_get_bits(key->pkey);
	switch (key->kty) {
	case JWKS_KTY_ED25519:
		ok = EVP_PKEY_get_id(key->pkey) == EVP_PKEY_ED25519;
		alg = "EdDSA";
		break;
	case JWKS_KTY_EC_P256:
		ok = EVP_PKEY_is_a(key->pkey, "EC") && bits == 256;
		alg = "ES256";
		break;
	case JWKS_KTY_EC_P521:
		ok = EVP_PKEY_is_a(key->pkey, "EC") && bits == 521;
		alg = NULL;
		break;
	case JWKS_KTY_RSA:
		ok = EVP_PKEY_is_a(key->pkey, "RSA") &&
		    bits >= JWKS_RSA_MIN_BITS && bits <= JWKS_RSA_MAX_BITS;
		alg = "RS256";
		break;
	default:
		ok = 0;
		alg = NULL;
		break;
	}
	if (!ok)
		fuzz_fail("key \"%s\" of kty %d is a %d-bit %s", key->kid,
		    (int)key->kty, bits, EVP_PKEY_get0_type_name(key->pkey));
	if (!sign || alg == NULL ||
	    (key->alg[0] != '\0' && strcmp(key->alg, alg)))
		return;

	/* A token for this kid signed by our key: it is in no set. */
	k = fuzz_keys();
	ours = key->kty == JWKS_KTY_ED25519 ? k->ed :
	    key->kty == JWKS_KTY_EC_P256 ? k->ec : k->rsa;
	if (key->kid[0] != '\0')
		hdr = json_pack("{s:s,s:s}", "alg", alg, "kid", key->kid);
	else
		hdr = json_pack("{s:s}", "alg", alg);
	if (hdr == NULL || (text = json_dumps(hdr, JSON_COMPACT)) == NULL)
		fuzz_fail("kid \"%s\" is not UTF-8", key->kid);
	memset(&cfg, 0, sizeof(cfg));
	tok = fuzz_sign(alg, ours, NULL, 0, text, strlen(text), body,
	    strlen(body));
	if (jwt_verify(tok, strlen(tok), set, &cfg, 1700000000, &claims) ==
	    JWT_OK) {
		for (i = 0; i < jwks_count(set); i++) {
			if (EVP_PKEY_eq(ours, jwks_key_at(set, i)->pkey) == 1)
				break;
		}
		if (i == jwks_count(set))
			fuzz_fail("key \"%s\" verifies a token of another key",
			    key->kid);
	}
	free(tok);
	free(text);
	json_decref(hdr);
}
