/*
 * JWKS parsing: JSON Web Key Set -> array of EVP_PKEY, once per fetch.
 *
 * Only public verification keys are built.  Private members ("d", "p",
 * ...) of a JWK are never read.  Keys are built with the OpenSSL 3
 * provider APIs (EVP_PKEY_fromdata, EVP_PKEY_new_raw_public_key), never
 * from PEM, so nothing here depends on deprecated low level key types.
 */

#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "auth/jwks.h"
#include "core/b64url.h"

/* Raw sizes of JWK members, per RFC 7518 6.2.1 (EC) and RFC 8037 (OKP). */
#define ED25519_LEN	32
#define P256_LEN	32
#define P521_LEN	66
#define RSA_N_MAX	(JWKS_RSA_MAX_BITS / 8)
#define RSA_E_MAX	8

enum jwk_load {
	JWK_LOADED,
	JWK_SKIPPED,
	JWK_FAILED		/* allocation failure: the whole parse fails */
};

struct jwks {
	size_t		count;
	size_t		skipped;
	struct jwks_key	keys[JWKS_MAX_KEYS];
};

static void		jwks_err(char *, size_t, const char *, ...)
			    __attribute__((format (printf, 3, 4)));
static enum jwk_load	jwk_load(json_t *, struct jwks_key *);
static enum jwk_load	jwk_load_okp(json_t *, struct jwks_key *);
static enum jwk_load	jwk_load_ec(json_t *, struct jwks_key *);
static enum jwk_load	jwk_load_rsa(json_t *, struct jwks_key *);
static int		jwk_str(json_t *, const char *, const char **);
static int		jwk_b64(json_t *, const char *, unsigned char *,
			    size_t, size_t *);
static int		jwk_opt_copy(json_t *, const char *, char *, size_t);
static int		jwk_use_ok(json_t *);

struct jwks *
jwks_parse(const char *json, size_t len, char *err, size_t errlen)
{
	json_t		*root, *arr, *jwk;
	json_error_t	jerr;
	struct jwks	*set;
	size_t		i;

	if (err != NULL && errlen > 0)
		err[0] = '\0';

	if (json == NULL || len == 0) {
		jwks_err(err, errlen, "empty JWKS document");
		return (NULL);
	}

	if (len > JWKS_JSON_MAX) {
		jwks_err(err, errlen, "JWKS document over %d bytes",
		    JWKS_JSON_MAX);
		return (NULL);
	}

	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		/* jerr.text may quote input; line/column is enough. */
		jwks_err(err, errlen, "JWKS is not valid JSON (line %d col %d)",
		    jerr.line, jerr.column);
		return (NULL);
	}

	if (!json_is_object(root)) {
		json_decref(root);
		jwks_err(err, errlen, "JWKS is not a JSON object");
		return (NULL);
	}

	arr = json_object_get(root, "keys");
	if (!json_is_array(arr)) {
		json_decref(root);
		jwks_err(err, errlen, "JWKS has no \"keys\" array");
		return (NULL);
	}

	if (json_array_size(arr) > JWKS_MAX_KEYS) {
		json_decref(root);
		jwks_err(err, errlen, "JWKS has more than %d keys",
		    JWKS_MAX_KEYS);
		return (NULL);
	}

	if ((set = calloc(1, sizeof(*set))) == NULL) {
		json_decref(root);
		jwks_err(err, errlen, "out of memory");
		return (NULL);
	}

	json_array_foreach(arr, i, jwk) {
		switch (jwk_load(jwk, &set->keys[set->count])) {
		case JWK_LOADED:
			set->count++;
			break;
		case JWK_SKIPPED:
			set->skipped++;
			break;
		case JWK_FAILED:
		default:
			json_decref(root);
			jwks_free(set);
			jwks_err(err, errlen, "out of memory");
			return (NULL);
		}
	}

	json_decref(root);

	/* Leave no stale OpenSSL errors from skipped keys for the caller. */
	ERR_clear_error();

	return (set);
}

void
jwks_free(struct jwks *set)
{
	size_t		i;

	if (set == NULL)
		return;

	for (i = 0; i < set->count; i++)
		EVP_PKEY_free(set->keys[i].pkey);

	free(set);
}

size_t
jwks_count(const struct jwks *set)
{
	if (set == NULL)
		return (0);

	return (set->count);
}

size_t
jwks_skipped(const struct jwks *set)
{
	if (set == NULL)
		return (0);

	return (set->skipped);
}

int
jwks_has_kid(const struct jwks *set, const char *kid)
{
	size_t		i;

	if (set == NULL || kid == NULL)
		return (0);

	for (i = 0; i < set->count; i++) {
		if (strcmp(set->keys[i].kid, kid) == 0)
			return (1);
	}

	return (0);
}

const struct jwks_key *
jwks_key_at(const struct jwks *set, size_t idx)
{
	if (set == NULL || idx >= set->count)
		return (NULL);

	return (&set->keys[idx]);
}

static void
jwks_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list		args;

	if (err == NULL || errlen == 0)
		return;

	va_start(args, fmt);
	(void)vsnprintf(err, errlen, fmt, args);
	va_end(args);
}

static enum jwk_load
jwk_load(json_t *jwk, struct jwks_key *key)
{
	const char	*kty;
	enum jwk_load	r;

	memset(key, 0, sizeof(*key));

	if (!json_is_object(jwk))
		return (JWK_SKIPPED);

	if (!jwk_str(jwk, "kty", &kty))
		return (JWK_SKIPPED);

	if (!jwk_use_ok(jwk))
		return (JWK_SKIPPED);

	if (!jwk_opt_copy(jwk, "kid", key->kid, sizeof(key->kid)))
		return (JWK_SKIPPED);

	if (!jwk_opt_copy(jwk, "alg", key->alg, sizeof(key->alg)))
		return (JWK_SKIPPED);

	if (strcmp(kty, "OKP") == 0)
		r = jwk_load_okp(jwk, key);
	else if (strcmp(kty, "EC") == 0)
		r = jwk_load_ec(jwk, key);
	else if (strcmp(kty, "RSA") == 0)
		r = jwk_load_rsa(jwk, key);
	else
		r = JWK_SKIPPED;	/* "oct" and anything unknown */

	if (r != JWK_LOADED) {
		EVP_PKEY_free(key->pkey);
		memset(key, 0, sizeof(*key));
	}

	return (r);
}

static enum jwk_load
jwk_load_okp(json_t *jwk, struct jwks_key *key)
{
	const char	*crv;
	unsigned char	x[ED25519_LEN];
	size_t		xlen;

	if (!jwk_str(jwk, "crv", &crv) || strcmp(crv, "Ed25519") != 0)
		return (JWK_SKIPPED);

	if (!jwk_b64(jwk, "x", x, sizeof(x), &xlen) || xlen != sizeof(x))
		return (JWK_SKIPPED);

	key->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL,
	    x, xlen);
	if (key->pkey == NULL)
		return (JWK_SKIPPED);

	key->kty = JWKS_KTY_ED25519;

	return (JWK_LOADED);
}

static enum jwk_load
jwk_load_ec(json_t *jwk, struct jwks_key *key)
{
	OSSL_PARAM	params[3];
	EVP_PKEY_CTX	*ctx, *chk;
	const char	*crv;
	enum jwks_kty	kty;
	size_t		flen, xlen, ylen;
	char		group[16];	/* OSSL_PARAM wants it non-const */
	unsigned char	x[P521_LEN], y[P521_LEN], pub[1 + 2 * P521_LEN];
	enum jwk_load	r;

	if (!jwk_str(jwk, "crv", &crv))
		return (JWK_SKIPPED);

	if (strcmp(crv, "P-256") == 0) {
		(void)snprintf(group, sizeof(group), "prime256v1");
		flen = P256_LEN;
		kty = JWKS_KTY_EC_P256;
	} else if (strcmp(crv, "P-521") == 0) {
		(void)snprintf(group, sizeof(group), "secp521r1");
		flen = P521_LEN;
		kty = JWKS_KTY_EC_P521;
	} else {
		return (JWK_SKIPPED);
	}

	/* RFC 7518 6.2.1.2: coordinates are exactly the field size. */
	if (!jwk_b64(jwk, "x", x, sizeof(x), &xlen) || xlen != flen)
		return (JWK_SKIPPED);
	if (!jwk_b64(jwk, "y", y, sizeof(y), &ylen) || ylen != flen)
		return (JWK_SKIPPED);

	/* Uncompressed SEC1 point: 0x04 || x || y. */
	pub[0] = 0x04;
	memcpy(&pub[1], x, flen);
	memcpy(&pub[1 + flen], y, flen);

	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(
	    OSSL_PKEY_PARAM_PUB_KEY, pub, 1 + 2 * flen);
	params[2] = OSSL_PARAM_construct_end();

	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL)
		return (JWK_FAILED);

	r = JWK_SKIPPED;
	if (EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, &key->pkey, EVP_PKEY_PUBLIC_KEY,
	    params) == 1) {
		/* Refuse points not on the curve (invalid curve attacks). */
		chk = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
		if (chk == NULL) {
			r = JWK_FAILED;
		} else {
			if (EVP_PKEY_public_check(chk) == 1) {
				key->kty = kty;
				r = JWK_LOADED;
			}
			EVP_PKEY_CTX_free(chk);
		}
	}

	EVP_PKEY_CTX_free(ctx);

	return (r);
}

static enum jwk_load
jwk_load_rsa(json_t *jwk, struct jwks_key *key)
{
	OSSL_PARAM_BLD	*bld;
	OSSL_PARAM	*params;
	EVP_PKEY_CTX	*ctx;
	BIGNUM		*n, *e;
	size_t		nlen, elen;
	int		bits;
	unsigned char	nbuf[RSA_N_MAX], ebuf[RSA_E_MAX];
	enum jwk_load	r;

	if (!jwk_b64(jwk, "n", nbuf, sizeof(nbuf), &nlen) || nlen == 0)
		return (JWK_SKIPPED);
	if (!jwk_b64(jwk, "e", ebuf, sizeof(ebuf), &elen) || elen == 0)
		return (JWK_SKIPPED);

	n = BN_bin2bn(nbuf, (int)nlen, NULL);
	e = BN_bin2bn(ebuf, (int)elen, NULL);
	if (n == NULL || e == NULL) {
		BN_free(n);
		BN_free(e);
		return (JWK_FAILED);
	}

	bld = NULL;
	params = NULL;
	ctx = NULL;
	r = JWK_SKIPPED;

	bits = BN_num_bits(n);
	if (bits < JWKS_RSA_MIN_BITS || bits > JWKS_RSA_MAX_BITS)
		goto out;

	/* e must be odd and > 1; a tiny or even e is a broken key. */
	if (!BN_is_odd(e) || BN_is_one(e))
		goto out;

	r = JWK_FAILED;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		goto out;
	if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1)
		goto out;
	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto out;
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL)
		goto out;

	r = JWK_SKIPPED;
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key->pkey, EVP_PKEY_PUBLIC_KEY,
	    params) != 1)
		goto out;

	key->kty = JWKS_KTY_RSA;
	r = JWK_LOADED;

out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);

	return (r);
}

/* Required string member. */
static int
jwk_str(json_t *jwk, const char *name, const char **out)
{
	json_t		*v;

	v = json_object_get(jwk, name);
	if (!json_is_string(v))
		return (0);

	*out = json_string_value(v);

	return (1);
}

/* Required base64url member, decoded strictly into out. */
static int
jwk_b64(json_t *jwk, const char *name, unsigned char *out, size_t outmax,
    size_t *outlen)
{
	json_t		*v;

	v = json_object_get(jwk, name);
	if (!json_is_string(v))
		return (0);

	return (b64url_decode(json_string_value(v), json_string_length(v),
	    out, outmax, outlen));
}

/* Optional string member: absent gives "", too long or not a string fails. */
static int
jwk_opt_copy(json_t *jwk, const char *name, char *dst, size_t dstlen)
{
	json_t		*v;
	size_t		len;

	dst[0] = '\0';

	if ((v = json_object_get(jwk, name)) == NULL)
		return (1);

	if (!json_is_string(v))
		return (0);

	len = json_string_length(v);
	if (len >= dstlen)
		return (0);

	memcpy(dst, json_string_value(v), len);
	dst[len] = '\0';

	return (1);
}

/* "use" must be "sig" and "key_ops", if given, must allow "verify". */
static int
jwk_use_ok(json_t *jwk)
{
	json_t		*v, *op;
	size_t		i;

	if ((v = json_object_get(jwk, "use")) != NULL) {
		if (!json_is_string(v) ||
		    strcmp(json_string_value(v), "sig") != 0)
			return (0);
	}

	if ((v = json_object_get(jwk, "key_ops")) != NULL) {
		if (!json_is_array(v))
			return (0);
		json_array_foreach(v, i, op) {
			if (json_is_string(op) &&
			    strcmp(json_string_value(op), "verify") == 0)
				return (1);
		}
		return (0);
	}

	return (1);
}
