/*
 * JWT verification for Better Auth tokens (EdDSA, ES256, RS256, PS256 from
 * a JWKS; HS256 with a shared secret).
 *
 * Why OpenSSL EVP directly and not libjwt 1.10 (Debian 12) for every alg:
 *  - EdDSA, PS256: libjwt 1.10 does not implement them at all.
 *  - RS256, ES256: jwt_decode() only takes a PEM key and re-parses it on
 *    every call (the hot path), and it picks the verification method from
 *    the token's own "alg" header: handed an RSA PEM, an "HS256" token is
 *    checked as an HMAC keyed with the PEM text (the HS/RS confusion
 *    attack) unless every caller re-checks the alg first.  Its base64
 *    decoder is lenient (padding, non-canonical input) and it has no size
 *    bound.  Using it for two algs would also mean two code paths.
 *  - HS256: jwt_decode() compares the HMAC with strcmp() on base64 text,
 *    which is not constant time.  Here HMAC() + CRYPTO_memcmp() are used.
 * With EVP the alg -> key type binding is decided here, once, before any
 * key is touched, keys are EVP_PKEYs built at JWKS parse time, and all
 * algs share the same strict parser.  jansson (libjwt's own JSON library)
 * parses header and payload.
 */

#include <sys/types.h>

#include <limits.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include "auth/jwks.h"
#include "auth/jwt.h"
#include "core/b64url.h"

#define ES256_SIG_LEN		64	/* raw r || s, RFC 7518 3.4 */
#define ES256_COORD_LEN		32
#define ED25519_SIG_LEN		64
#define HS256_SIG_LEN		32
#define PAYLOAD_MAX		((JWT_TOKEN_MAX / 4) * 3 + 3)
#define TIME_CLAIM_MAX		9.0e18	/* fits in long long */

enum jwt_alg {
	JWT_ALG_BAD = 0,
	JWT_ALG_EDDSA,
	JWT_ALG_ES256,
	JWT_ALG_RS256,
	JWT_ALG_PS256,
	JWT_ALG_HS256
};

/* Which key type each accepted alg may be verified with. */
static const struct {
	const char	*name;
	enum jwt_alg	alg;
	enum jwks_kty	kty;		/* JWKS_KTY_NONE: shared secret */
} jwt_algs[] = {
	{ "EdDSA",	JWT_ALG_EDDSA,	JWKS_KTY_ED25519 },
	{ "ES256",	JWT_ALG_ES256,	JWKS_KTY_EC_P256 },
	{ "RS256",	JWT_ALG_RS256,	JWKS_KTY_RSA },
	{ "PS256",	JWT_ALG_PS256,	JWKS_KTY_RSA },
	{ "HS256",	JWT_ALG_HS256,	JWKS_KTY_NONE },
};

static const struct {
	const char	*reason;
	const char	*message;
} jwt_texts[JWT_ERR_MAX] = {
	[JWT_OK] =		{ "ok", "Token is valid" },
	[JWT_ERR_TOO_LARGE] =	{ "too_large", "Token is too large" },
	[JWT_ERR_MALFORMED] =	{ "malformed", "Token is malformed" },
	[JWT_ERR_ALG] =		{ "bad_alg",
				    "Token algorithm is not allowed" },
	[JWT_ERR_KID_UNKNOWN] =	{ "unknown_kid",
				    "Token signing key is unknown" },
	[JWT_ERR_SIGNATURE] =	{ "bad_signature",
				    "Token signature is invalid" },
	[JWT_ERR_EXPIRED] =	{ "expired", "Token has expired" },
	[JWT_ERR_NOT_YET_VALID] = { "not_yet_valid",
				    "Token is not yet valid" },
	[JWT_ERR_ISSUER] =	{ "bad_issuer", "Token issuer is invalid" },
	[JWT_ERR_AUDIENCE] =	{ "bad_audience",
				    "Token audience is invalid" },
	[JWT_ERR_NO_SUB] =	{ "no_sub", "Token has no subject" },
	[JWT_ERR_INTERNAL] =	{ "internal",
				    "Token could not be verified" },
};

struct jwt_header {
	enum jwt_alg	alg;
	enum jwks_kty	kty;
	const char	*name;
	char		kid[JWKS_KID_MAX];
};

/* The three segments of a compact JWS, pointing into the token. */
struct jwt_parts {
	const char	*hdr;
	size_t		hdrlen;
	const char	*payload;
	size_t		payloadlen;
	const char	*sig;
	size_t		siglen;
};

static int		jwt_split(const char *, size_t, struct jwt_parts *);
static enum jwt_result	jwt_header_parse(const unsigned char *, size_t,
			    struct jwt_header *);
static enum jwt_result	jwt_key_select(const struct jwks *,
			    const struct jwt_header *,
			    const struct jwks_key **);
static enum jwt_result	jwt_sig_hmac(const struct jwt_config *,
			    const unsigned char *, size_t,
			    const unsigned char *, size_t);
static enum jwt_result	jwt_sig_pkey(enum jwt_alg, EVP_PKEY *,
			    const unsigned char *, size_t,
			    const unsigned char *, size_t);
static enum jwt_result	jwt_es256_der(const unsigned char *, size_t,
			    unsigned char **, size_t *);
static enum jwt_result	jwt_claims_parse(const unsigned char *, size_t,
			    const struct jwt_config *, time_t,
			    struct jwt_claims *);
static int		jwt_claim_time(json_t *, const char *, long long *,
			    int *);
static int		jwt_claim_str(json_t *, const char *, char *, size_t,
			    int *);
static int		jwt_aud_match(json_t *, const char *);
static int		jwt_hs_mode(const struct jwt_config *);

enum jwt_result
jwt_verify(const char *token, size_t len, const struct jwks *keys,
    const struct jwt_config *cfg, time_t now, struct jwt_claims *out)
{
	struct jwt_parts	parts;
	struct jwt_header	hdr;
	const struct jwks_key	*key;
	enum jwt_result		r;
	size_t			hlen, plen, slen;
	unsigned char		hbuf[JWT_HEADER_MAX];
	unsigned char		sbuf[JWT_SIG_MAX];
	unsigned char		pbuf[PAYLOAD_MAX];

	if (out == NULL)
		return (JWT_ERR_INTERNAL);

	memset(out, 0, sizeof(*out));

	if (cfg == NULL)
		return (JWT_ERR_INTERNAL);

	if (token == NULL)
		return (JWT_ERR_MALFORMED);

	if (len > JWT_TOKEN_MAX)
		return (JWT_ERR_TOO_LARGE);

	if (!jwt_split(token, len, &parts))
		return (JWT_ERR_MALFORMED);

	/* All three segments must be strict base64url before anything else. */
	if (!b64url_decode(parts.hdr, parts.hdrlen,
	    hbuf, sizeof(hbuf), &hlen) ||
	    !b64url_decode(parts.payload, parts.payloadlen,
	    pbuf, sizeof(pbuf), &plen) ||
	    !b64url_decode(parts.sig, parts.siglen,
	    sbuf, sizeof(sbuf), &slen))
		return (JWT_ERR_MALFORMED);

	if ((r = jwt_header_parse(hbuf, hlen, &hdr)) != JWT_OK)
		return (r);

	/* Signing input: the exact "header.payload" bytes of the token. */
	if (hdr.alg == JWT_ALG_HS256) {
		if (!jwt_hs_mode(cfg))
			return (JWT_ERR_ALG);
		r = jwt_sig_hmac(cfg, (const unsigned char *)token,
		    parts.hdrlen + 1 + parts.payloadlen, sbuf, slen);
	} else {
		if (keys == NULL && jwt_hs_mode(cfg))
			return (JWT_ERR_ALG);
		if ((r = jwt_key_select(keys, &hdr, &key)) != JWT_OK)
			return (r);
		r = jwt_sig_pkey(hdr.alg, key->pkey,
		    (const unsigned char *)token,
		    parts.hdrlen + 1 + parts.payloadlen, sbuf, slen);
	}

	if (r != JWT_OK)
		return (r);

	r = jwt_claims_parse(pbuf, plen, cfg, now, out);
	if (r != JWT_OK) {
		memset(out, 0, sizeof(*out));
		return (r);
	}

	/* Both buffers are JWKS_KID_MAX bytes and NUL-terminated. */
	memcpy(out->kid, hdr.kid, sizeof(out->kid));

	return (JWT_OK);
}

const char *
jwt_result_reason(enum jwt_result r)
{
	if ((int)r < 0 || r >= JWT_ERR_MAX || jwt_texts[r].reason == NULL)
		return ("unknown");

	return (jwt_texts[r].reason);
}

const char *
jwt_result_message(enum jwt_result r)
{
	if ((int)r < 0 || r >= JWT_ERR_MAX || jwt_texts[r].message == NULL)
		return ("Token is invalid");

	return (jwt_texts[r].message);
}

int
jwt_peek_kid(const char *token, size_t len, char *kid, size_t kidlen)
{
	const char	*dot;
	json_t		*root, *v;
	size_t		hlen, klen;
	int		ok;
	unsigned char	hbuf[JWT_HEADER_MAX];

	if (kid == NULL || kidlen == 0)
		return (0);

	kid[0] = '\0';

	if (token == NULL || len > JWT_TOKEN_MAX)
		return (0);

	if ((dot = memchr(token, '.', len)) == NULL)
		return (0);

	if (!b64url_decode(token, (size_t)(dot - token),
	    hbuf, sizeof(hbuf), &hlen))
		return (0);

	root = json_loadb((const char *)hbuf, hlen, JSON_REJECT_DUPLICATES,
	    NULL);
	if (root == NULL)
		return (0);

	ok = 0;
	v = json_object_get(root, "kid");
	if (json_is_object(root) && json_is_string(v)) {
		klen = json_string_length(v);
		if (klen > 0 && klen < kidlen) {
			memcpy(kid, json_string_value(v), klen);
			kid[klen] = '\0';
			ok = 1;
		}
	}

	json_decref(root);

	return (ok);
}

/* Exactly two dots; header and payload non-empty, signature may be. */
static int
jwt_split(const char *token, size_t len, struct jwt_parts *p)
{
	const char	*d1, *d2, *end;

	end = token + len;

	if ((d1 = memchr(token, '.', len)) == NULL)
		return (0);
	if ((d2 = memchr(d1 + 1, '.', (size_t)(end - d1 - 1))) == NULL)
		return (0);
	if (memchr(d2 + 1, '.', (size_t)(end - d2 - 1)) != NULL)
		return (0);

	p->hdr = token;
	p->hdrlen = (size_t)(d1 - token);
	p->payload = d1 + 1;
	p->payloadlen = (size_t)(d2 - d1 - 1);
	p->sig = d2 + 1;
	p->siglen = (size_t)(end - d2 - 1);

	if (p->hdrlen == 0 || p->payloadlen == 0)
		return (0);

	return (1);
}

static enum jwt_result
jwt_header_parse(const unsigned char *buf, size_t len, struct jwt_header *h)
{
	json_t		*root, *v;
	const char	*alg;
	size_t		i, klen;
	enum jwt_result	r;

	memset(h, 0, sizeof(*h));

	root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, NULL);
	if (root == NULL)
		return (JWT_ERR_MALFORMED);

	r = JWT_ERR_MALFORMED;

	if (!json_is_object(root))
		goto out;

	/* RFC 7515 4.1.11: extensions we do not understand must fail. */
	if (json_object_get(root, "crit") != NULL)
		goto out;

	if ((v = json_object_get(root, "kid")) != NULL) {
		if (!json_is_string(v))
			goto out;
		klen = json_string_length(v);
		if (klen >= sizeof(h->kid))
			goto out;
		memcpy(h->kid, json_string_value(v), klen);
		h->kid[klen] = '\0';
	}

	v = json_object_get(root, "alg");
	if (!json_is_string(v))
		goto out;

	/* "none", "HS512", "ES512", "none " etc. all end up here. */
	r = JWT_ERR_ALG;
	alg = json_string_value(v);
	for (i = 0; i < sizeof(jwt_algs) / sizeof(jwt_algs[0]); i++) {
		if (strcmp(alg, jwt_algs[i].name) == 0) {
			h->alg = jwt_algs[i].alg;
			h->kty = jwt_algs[i].kty;
			h->name = jwt_algs[i].name;
			r = JWT_OK;
			break;
		}
	}

out:
	json_decref(root);

	return (r);
}

/*
 * The key must have the kty the alg demands, and its own "alg" (if any)
 * must be the token's.  A kid naming only keys of the wrong type is
 * JWT_ERR_ALG, not JWT_ERR_KID_UNKNOWN, so no refetch is triggered.
 */
static enum jwt_result
jwt_key_select(const struct jwks *keys, const struct jwt_header *h,
    const struct jwks_key **out)
{
	const struct jwks_key	*k, *found;
	size_t			i, n, usable;
	int			kid_seen;

	*out = NULL;

	if (keys == NULL)
		return (JWT_ERR_KID_UNKNOWN);

	n = jwks_count(keys);
	found = NULL;
	usable = 0;
	kid_seen = 0;

	for (i = 0; i < n; i++) {
		k = jwks_key_at(keys, i);

		if (h->kid[0] != '\0') {
			if (strcmp(k->kid, h->kid) != 0)
				continue;
			kid_seen = 1;
		}

		if (k->kty != h->kty || k->pkey == NULL)
			continue;
		if (k->alg[0] != '\0' && strcmp(k->alg, h->name) != 0)
			continue;

		if (found == NULL)
			found = k;
		usable++;
	}

	if (h->kid[0] != '\0') {
		if (found != NULL) {
			*out = found;
			return (JWT_OK);
		}
		return (kid_seen ? JWT_ERR_ALG : JWT_ERR_KID_UNKNOWN);
	}

	/* No kid: only an unambiguous key set will do. */
	if (usable != 1)
		return (JWT_ERR_KID_UNKNOWN);

	*out = found;

	return (JWT_OK);
}

static int
jwt_hs_mode(const struct jwt_config *cfg)
{
	return (cfg->hs_secret != NULL &&
	    cfg->hs_secret_len >= JWT_HS_SECRET_MIN &&
	    cfg->hs_secret_len <= INT_MAX);
}

static enum jwt_result
jwt_sig_hmac(const struct jwt_config *cfg, const unsigned char *msg,
    size_t msglen, const unsigned char *sig, size_t siglen)
{
	unsigned int	mlen;
	int		eq;
	unsigned char	mac[EVP_MAX_MD_SIZE];

	if (siglen != HS256_SIG_LEN)
		return (JWT_ERR_SIGNATURE);

	mlen = 0;
	if (HMAC(EVP_sha256(), cfg->hs_secret, (int)cfg->hs_secret_len,
	    msg, msglen, mac, &mlen) == NULL || mlen != HS256_SIG_LEN) {
		ERR_clear_error();
		return (JWT_ERR_INTERNAL);
	}

	eq = CRYPTO_memcmp(mac, sig, HS256_SIG_LEN) == 0;
	OPENSSL_cleanse(mac, sizeof(mac));

	return (eq ? JWT_OK : JWT_ERR_SIGNATURE);
}

static enum jwt_result
jwt_sig_pkey(enum jwt_alg alg, EVP_PKEY *pkey, const unsigned char *msg,
    size_t msglen, const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX		*ctx;
	EVP_PKEY_CTX		*pctx;
	const EVP_MD		*md;
	const unsigned char	*s;
	unsigned char		*der;
	size_t			slen;
	enum jwt_result		r;

	der = NULL;
	s = sig;
	slen = siglen;

	switch (alg) {
	case JWT_ALG_EDDSA:
		if (siglen != ED25519_SIG_LEN)
			return (JWT_ERR_SIGNATURE);
		md = NULL;	/* Ed25519 hashes internally */
		break;
	case JWT_ALG_ES256:
		if ((r = jwt_es256_der(sig, siglen, &der, &slen)) != JWT_OK)
			return (r);
		s = der;
		md = EVP_sha256();
		break;
	case JWT_ALG_RS256:
	case JWT_ALG_PS256:
		if (siglen != (size_t)EVP_PKEY_get_size(pkey))
			return (JWT_ERR_SIGNATURE);
		md = EVP_sha256();
		break;
	default:
		return (JWT_ERR_ALG);
	}

	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		OPENSSL_free(der);
		return (JWT_ERR_INTERNAL);
	}

	r = JWT_ERR_SIGNATURE;
	pctx = NULL;

	if (EVP_DigestVerifyInit(ctx, &pctx, md, NULL, pkey) != 1) {
		r = JWT_ERR_INTERNAL;
		goto out;
	}

	/* RFC 7518 3.5: MGF1 with SHA-256, salt as long as the hash. */
	if (alg == JWT_ALG_PS256 &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
	    RSA_PSS_SALTLEN_DIGEST) != 1)) {
		r = JWT_ERR_INTERNAL;
		goto out;
	}

	if (EVP_DigestVerify(ctx, s, slen, msg, msglen) == 1)
		r = JWT_OK;

out:
	/* Failed verifies leave errors queued; do not leak them to TLS. */
	if (r != JWT_OK)
		ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);

	return (r);
}

/* JWS carries ES256 as raw r || s; OpenSSL wants a DER ECDSA-Sig-Value. */
static enum jwt_result
jwt_es256_der(const unsigned char *sig, size_t siglen, unsigned char **der,
    size_t *derlen)
{
	ECDSA_SIG	*es;
	BIGNUM		*r, *s;
	int		len;

	*der = NULL;
	*derlen = 0;

	if (siglen != ES256_SIG_LEN)
		return (JWT_ERR_SIGNATURE);

	r = BN_bin2bn(sig, ES256_COORD_LEN, NULL);
	s = BN_bin2bn(sig + ES256_COORD_LEN, ES256_COORD_LEN, NULL);
	if (r == NULL || s == NULL || (es = ECDSA_SIG_new()) == NULL) {
		BN_free(r);
		BN_free(s);
		return (JWT_ERR_INTERNAL);
	}

	/* r and s now belong to es. */
	if (ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return (JWT_ERR_INTERNAL);
	}

	len = i2d_ECDSA_SIG(es, der);
	ECDSA_SIG_free(es);

	if (len <= 0) {
		*der = NULL;
		ERR_clear_error();
		return (JWT_ERR_INTERNAL);
	}

	*derlen = (size_t)len;

	return (JWT_OK);
}

static enum jwt_result
jwt_claims_parse(const unsigned char *buf, size_t len,
    const struct jwt_config *cfg, time_t now, struct jwt_claims *out)
{
	json_t		*root, *v;
	long long	t, leeway;
	int		has_exp, has_nbf, has_iat, has_sub, d;
	enum jwt_result	r;

	root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, NULL);
	if (root == NULL)
		return (JWT_ERR_MALFORMED);

	r = JWT_ERR_MALFORMED;

	if (!json_is_object(root))
		goto out;

	/* Types and sizes first: a malformed claim is never half-used. */
	if (!jwt_claim_time(root, "exp", &out->exp, &has_exp) || !has_exp)
		goto out;
	if (!jwt_claim_time(root, "nbf", &out->nbf, &has_nbf))
		goto out;
	if (!jwt_claim_time(root, "iat", &out->iat, &has_iat))
		goto out;

	if (!jwt_claim_str(root, "sub", out->sub, sizeof(out->sub), &has_sub))
		goto out;
	if (!jwt_claim_str(root, "email", out->email, sizeof(out->email), &d) ||
	    !jwt_claim_str(root, "name", out->name, sizeof(out->name), &d) ||
	    !jwt_claim_str(root, "image", out->image, sizeof(out->image), &d) ||
	    !jwt_claim_str(root, "role", out->role, sizeof(out->role), &d))
		goto out;

	leeway = cfg->leeway;
	if (leeway < 0)
		leeway = 0;
	if (leeway > JWT_LEEWAY_MAX)
		leeway = JWT_LEEWAY_MAX;

	t = (long long)now;

	/* Valid while now < exp + leeway, written so it cannot overflow. */
	r = JWT_ERR_EXPIRED;
	if (t - leeway >= out->exp)
		goto out;

	r = JWT_ERR_NOT_YET_VALID;
	if (has_nbf && t + leeway < out->nbf)
		goto out;

	r = JWT_ERR_ISSUER;
	if (cfg->issuer != NULL) {
		v = json_object_get(root, "iss");
		if (!json_is_string(v) ||
		    strcmp(json_string_value(v), cfg->issuer) != 0)
			goto out;
	}

	r = JWT_ERR_AUDIENCE;
	if (cfg->audience != NULL &&
	    !jwt_aud_match(json_object_get(root, "aud"), cfg->audience))
		goto out;

	r = JWT_ERR_NO_SUB;
	if (!has_sub || out->sub[0] == '\0')
		goto out;

	r = JWT_OK;

out:
	json_decref(root);

	return (r);
}

/*
 * NumericDate claim (RFC 7519 2): integer or real seconds.  Absent or
 * null sets *present = 0; any other type, or out of range, fails.
 */
static int
jwt_claim_time(json_t *root, const char *name, long long *out, int *present)
{
	json_t		*v;
	double		d;

	*out = 0;
	*present = 0;

	v = json_object_get(root, name);
	if (v == NULL || json_is_null(v))
		return (1);

	if (json_is_integer(v)) {
		*out = (long long)json_integer_value(v);
	} else if (json_is_real(v)) {
		d = json_real_value(v);
		/* Also false for NaN. */
		if (!(d >= -TIME_CLAIM_MAX && d <= TIME_CLAIM_MAX))
			return (0);
		*out = (long long)d;
	} else {
		return (0);
	}

	/* Keep +/- leeway arithmetic away from the long long limits. */
	if (*out > (long long)TIME_CLAIM_MAX ||
	    *out < -(long long)TIME_CLAIM_MAX)
		return (0);

	*present = 1;

	return (1);
}

/*
 * Optional string claim copied into dst.  Absent or null gives "" and
 * *present = 0.  Not a string, or too long for dst, fails.
 */
static int
jwt_claim_str(json_t *root, const char *name, char *dst, size_t dstlen,
    int *present)
{
	json_t		*v;
	size_t		len;

	dst[0] = '\0';
	*present = 0;

	v = json_object_get(root, name);
	if (v == NULL || json_is_null(v))
		return (1);

	if (!json_is_string(v))
		return (0);

	len = json_string_length(v);
	if (len >= dstlen)
		return (0);

	memcpy(dst, json_string_value(v), len);
	dst[len] = '\0';
	*present = 1;

	return (1);
}

/* aud is a string or an array of strings (RFC 7519 4.1.3). */
static int
jwt_aud_match(json_t *aud, const char *want)
{
	json_t		*v;
	size_t		i;

	if (json_is_string(aud))
		return (strcmp(json_string_value(aud), want) == 0);

	if (!json_is_array(aud))
		return (0);

	json_array_foreach(aud, i, v) {
		if (json_is_string(v) && strcmp(json_string_value(v), want) == 0)
			return (1);
	}

	return (0);
}
