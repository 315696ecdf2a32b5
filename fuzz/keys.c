/*
 * Keys and signatures for the JWT fuzz targets (keys.h), as
 * tests/unit/test_jwt.c makes them.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "fuzz.h"
#include "keys.h"

static char	*bn_b64url(EVP_PKEY *, const char *, int);
static size_t	 sign_raw(const char *, EVP_PKEY *, const unsigned char *,
		    size_t, const unsigned char *, size_t, unsigned char *);

static struct fuzz_keys	keys;

const struct fuzz_keys *
fuzz_keys(void)
{
	BIO		*bio;
	char		*ed_x, *ec_x, *ec_y, *n, *e, *pem, err[128];
	unsigned char	raw[32];
	size_t		rawlen, len;
	long		pemlen;

	if (keys.set != NULL)
		return (&keys);

	keys.ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	keys.ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	keys.rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	keys.rogue = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (keys.ed == NULL || keys.ec == NULL || keys.rsa == NULL ||
	    keys.rogue == NULL)
		fuzz_fail("key generation");

	rawlen = sizeof(raw);
	if (EVP_PKEY_get_raw_public_key(keys.ed, raw, &rawlen) != 1)
		fuzz_fail("Ed25519 public key");
	ed_x = fuzz_b64url(raw, rawlen);
	ec_x = bn_b64url(keys.ec, OSSL_PKEY_PARAM_EC_PUB_X, 32);
	ec_y = bn_b64url(keys.ec, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
	n = bn_b64url(keys.rsa, OSSL_PKEY_PARAM_RSA_N, 0);
	e = bn_b64url(keys.rsa, OSSL_PKEY_PARAM_RSA_E, 0);

	len = 2 * strlen(n) + 1024;
	if ((keys.jwks_json = malloc(len)) == NULL)
		abort();
	(void)snprintf(keys.jwks_json, len, "{\"keys\":["
	    "{\"alg\":\"EdDSA\",\"crv\":\"Ed25519\",\"x\":\"%s\","
	    "\"kty\":\"OKP\",\"kid\":\"ed1\"},"
	    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\","
	    "\"kid\":\"ec1\"},"
	    "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"%s\",\"kid\":\"rsa1\"},"
	    "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"%s\",\"kid\":\"rsa-rs\","
	    "\"alg\":\"RS256\",\"use\":\"sig\"},"
	    "{\"kty\":\"oct\",\"k\":\"c2VjcmV0\",\"kid\":\"oct1\"}"
	    "]}", ed_x, ec_x, ec_y, n, e, n, e);
	free(ed_x);
	free(ec_x);
	free(ec_y);
	free(n);
	free(e);

	if ((keys.set = jwks_parse(keys.jwks_json, strlen(keys.jwks_json),
	    err, sizeof(err))) == NULL || jwks_count(keys.set) != 4)
		fuzz_fail("the test JWKS does not parse: %s", err);

	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PUBKEY(bio, keys.rsa) != 1)
		fuzz_fail("RSA PEM");
	pemlen = BIO_get_mem_data(bio, &pem);
	keys.rsa_pem = fuzz_strndup((const uint8_t *)pem, (size_t)pemlen);
	BIO_free(bio);

	return (&keys);
}

char *
fuzz_sign(const char *alg, EVP_PKEY *pkey, const unsigned char *secret,
    size_t secretlen, const char *hdr, size_t hdrlen, const char *body,
    size_t bodylen)
{
	unsigned char	sig[1024];
	char		*h, *p, *s, *tok;
	size_t		msglen, siglen, len;

	h = fuzz_b64url(hdr, hdrlen);
	p = fuzz_b64url(body, bodylen);
	msglen = strlen(h) + 1 + strlen(p);
	len = msglen + 2 + ((sizeof(sig) + 2) / 3) * 4;
	if ((tok = malloc(len)) == NULL)
		abort();
	(void)snprintf(tok, len, "%s.%s", h, p);
	siglen = sign_raw(alg, pkey, secret, secretlen,
	    (const unsigned char *)tok, msglen, sig);
	s = fuzz_b64url(sig, siglen);
	(void)snprintf(tok + msglen, len - msglen, ".%s", s);
	free(h);
	free(p);
	free(s);
	return (tok);
}

static char *
bn_b64url(EVP_PKEY *pkey, const char *param, int pad)
{
	BIGNUM		*bn;
	unsigned char	buf[512];
	int		len;

	bn = NULL;
	if (EVP_PKEY_get_bn_param(pkey, param, &bn) != 1)
		fuzz_fail("key parameter %s", param);
	len = pad > 0 ? BN_bn2binpad(bn, buf, pad) : BN_bn2bin(bn, buf);
	BN_free(bn);
	if (len <= 0)
		fuzz_fail("key parameter %s", param);
	return (fuzz_b64url(buf, (size_t)len));
}

static size_t
sign_raw(const char *alg, EVP_PKEY *pkey, const unsigned char *secret,
    size_t secretlen, const unsigned char *msg, size_t msglen,
    unsigned char *sig)
{
	EVP_MD_CTX		*ctx;
	EVP_PKEY_CTX		*pctx;
	ECDSA_SIG		*es;
	const BIGNUM		*r, *s;
	const unsigned char	*p;
	unsigned char		der[256];
	unsigned int		mlen;
	size_t			len;
	int			ok;

	if (!strcmp(alg, "none"))
		return (0);
	if (!strcmp(alg, "HS256")) {
		if (HMAC(EVP_sha256(), secret, (int)secretlen, msg, msglen,
		    sig, &mlen) == NULL)
			fuzz_fail("HMAC");
		return (mlen);
	}

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		abort();
	pctx = NULL;
	len = 1024;
	if (!strcmp(alg, "EdDSA")) {
		ok = EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
		    EVP_DigestSign(ctx, sig, &len, msg, msglen) == 1;
	} else if (!strcmp(alg, "ES256")) {
		len = sizeof(der);
		ok = EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL,
		    pkey) == 1 && EVP_DigestSign(ctx, der, &len, msg,
		    msglen) == 1;
		p = der;
		if (ok && (es = d2i_ECDSA_SIG(NULL, &p, (long)len)) != NULL) {
			ECDSA_SIG_get0(es, &r, &s);
			ok = BN_bn2binpad(r, sig, 32) == 32 &&
			    BN_bn2binpad(s, sig + 32, 32) == 32;
			ECDSA_SIG_free(es);
			len = 64;
		} else {
			ok = 0;
		}
	} else {
		ok = EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), NULL,
		    pkey) == 1;
		if (ok && !strcmp(alg, "PS256"))
			ok = EVP_PKEY_CTX_set_rsa_padding(pctx,
			    RSA_PKCS1_PSS_PADDING) == 1 &&
			    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
			    RSA_PSS_SALTLEN_DIGEST) == 1 &&
			    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx,
			    EVP_sha256()) == 1;
		ok = ok && EVP_DigestSign(ctx, sig, &len, msg, msglen) == 1;
	}
	EVP_MD_CTX_free(ctx);
	if (!ok)
		fuzz_fail("signing as %s", alg);
	return (len);
}
