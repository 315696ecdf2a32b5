/*
 * Unit tests for src/auth/jwt.c and src/auth/jwks.c (cmocka).
 *
 * Keys are generated at run time with OpenSSL (Ed25519, P-256, P-521,
 * RSA 2048); the JWKS is built from their public parts and tokens are
 * signed here, so no fixture file can go stale.
 *
 * cc -std=c99 -D_GNU_SOURCE -Wall -Wextra -Wstrict-prototypes \
 *    -Wmissing-prototypes -Wshadow -Werror -fsanitize=address,undefined \
 *    -Isrc tests/unit/test_jwt.c src/auth/jwt.c src/auth/jwks.c \
 *    -ljwt -ljansson -lcrypto -lcmocka -o /tmp/test_jwt && /tmp/test_jwt
 */

#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "auth/jwks.h"
#include "auth/jwt.h"

#define NOW		1700000000LL
#define ISS		"http://localhost:3000"
#define AUD		"http://localhost:3000"
#define HS_SECRET	"0123456789abcdef0123456789abcdef-test-only"
#define SIG_MAX		1024

/* Shared by all tests: generated once in the group setup. */
struct fixture {
	EVP_PKEY	*ed;
	EVP_PKEY	*ec;
	EVP_PKEY	*ec521;
	EVP_PKEY	*rsa;
	char		*rsa_pem;
	size_t		 rsa_pem_len;
	char		*jwks_json;
	struct jwks	*keys;
};

static struct fixture	fx;

static void		*xmalloc(size_t);
static char		*xstrdup(const char *);
static char		*b64url(const unsigned char *, size_t);
static char		*bn_b64url(const BIGNUM *, int);
static char		*pkey_bn_b64url(EVP_PKEY *, const char *, int);
static size_t		 sign_raw(const char *, EVP_PKEY *,
			    const unsigned char *, size_t,
			    const unsigned char *, size_t, unsigned char *);
static char		*make_token(const char *, EVP_PKEY *, const char *,
			    const char *);
static char		*make_raw(const char *, const char *, const char *);
static char		*payload(const char *, ...)
			    __attribute__((format (printf, 1, 2)));
static char		*std_payload(void);
static enum jwt_result	 verify(const char *, const struct jwks *,
			    const struct jwt_config *, struct jwt_claims *);
static enum jwt_result	 verify_cfg(const char *, const struct jwt_config *);
static enum jwt_result	 verify_std(const char *);
static struct jwt_config std_cfg(void);
static struct jwt_config hs_cfg(void);
static char		*seg_replace(const char *, int, const char *);
static EVP_PKEY		*alg_key(const char *);
static int		 group_setup(void **);
static int		 group_teardown(void **);

/*
 * Helpers.
 */

/* Out of memory in a test is fatal; abort() also tells gcc so. */
static void *
xmalloc(size_t len)
{
	void		*p;

	if ((p = malloc(len)) == NULL)
		abort();

	return (p);
}

static char *
xstrdup(const char *s)
{
	char		*p;
	size_t		 len;

	len = strlen(s) + 1;
	p = xmalloc(len);
	memcpy(p, s, len);

	return (p);
}

static char *
b64url(const unsigned char *in, size_t len)
{
	static const char	alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	char			*out;
	size_t			 i, o;
	uint32_t		 v;

	out = xmalloc(((len + 2) / 3) * 4 + 1);

	for (i = 0, o = 0; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = alpha[(v >> 18) & 63];
		out[o++] = alpha[(v >> 12) & 63];
		out[o++] = alpha[(v >> 6) & 63];
		out[o++] = alpha[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = alpha[(v >> 18) & 63];
		out[o++] = alpha[(v >> 12) & 63];
	} else if (len - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = alpha[(v >> 18) & 63];
		out[o++] = alpha[(v >> 12) & 63];
		out[o++] = alpha[(v >> 6) & 63];
	}
	out[o] = '\0';

	return (out);
}

/* pad > 0: fixed width (EC coordinates); pad == 0: minimal (RSA). */
static char *
bn_b64url(const BIGNUM *bn, int pad)
{
	unsigned char	buf[1024];
	int		len;

	if (pad > 0)
		len = BN_bn2binpad(bn, buf, pad);
	else
		len = BN_bn2bin(bn, buf);
	assert_true(len > 0 && (size_t)len <= sizeof(buf));

	return (b64url(buf, (size_t)len));
}

static char *
pkey_bn_b64url(EVP_PKEY *pkey, const char *param, int pad)
{
	BIGNUM		*bn;
	char		*s;

	bn = NULL;
	assert_int_equal(EVP_PKEY_get_bn_param(pkey, param, &bn), 1);
	s = bn_b64url(bn, pad);
	BN_free(bn);

	return (s);
}

/* Sign msg as "alg"; returns the JWS signature length ("none": 0). */
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
	unsigned char		 der[256];
	unsigned int		 mlen;
	size_t			 len;

	if (strcmp(alg, "none") == 0)
		return (0);

	if (strcmp(alg, "HS256") == 0) {
		mlen = 0;
		assert_non_null(HMAC(EVP_sha256(), secret, (int)secretlen,
		    msg, msglen, sig, &mlen));
		return (mlen);
	}

	ctx = EVP_MD_CTX_new();
	assert_non_null(ctx);
	pctx = NULL;

	if (strcmp(alg, "EdDSA") == 0) {
		assert_int_equal(EVP_DigestSignInit(ctx, NULL, NULL, NULL,
		    pkey), 1);
		len = SIG_MAX;
		assert_int_equal(EVP_DigestSign(ctx, sig, &len, msg, msglen),
		    1);
	} else if (strcmp(alg, "ES256") == 0) {
		assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(),
		    NULL, pkey), 1);
		len = sizeof(der);
		assert_int_equal(EVP_DigestSign(ctx, der, &len, msg, msglen),
		    1);
		p = der;
		es = d2i_ECDSA_SIG(NULL, &p, (long)len);
		assert_non_null(es);
		ECDSA_SIG_get0(es, &r, &s);
		assert_int_equal(BN_bn2binpad(r, sig, 32), 32);
		assert_int_equal(BN_bn2binpad(s, sig + 32, 32), 32);
		ECDSA_SIG_free(es);
		len = 64;
	} else {
		assert_int_equal(EVP_DigestSignInit(ctx, &pctx, EVP_sha256(),
		    NULL, pkey), 1);
		if (strncmp(alg, "PS256", 5) == 0) {
			assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx,
			    RSA_PKCS1_PSS_PADDING), 1);
			/* "PS256-salt-max": a salt length JWS does not use. */
			assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
			    strcmp(alg, "PS256") == 0 ? RSA_PSS_SALTLEN_DIGEST :
			    RSA_PSS_SALTLEN_MAX), 1);
			assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx,
			    EVP_sha256()), 1);
		} else {
			assert_string_equal(alg, "RS256");
		}
		len = SIG_MAX;
		assert_int_equal(EVP_DigestSign(ctx, sig, &len, msg, msglen),
		    1);
	}

	EVP_MD_CTX_free(ctx);

	return (len);
}

/*
 * Token with the given header and payload JSON, signed as sign_alg (which
 * need not be the header's alg).  "HS256" always uses HS_SECRET; the
 * RSA-PEM confusion test calls sign_raw() itself.
 */
static char *
make_token(const char *sign_alg, EVP_PKEY *pkey, const char *header,
    const char *body)
{
	char		*h, *p, *s, *tok;
	size_t		 msglen, siglen, toklen;
	unsigned char	 sig[SIG_MAX];

	h = b64url((const unsigned char *)header, strlen(header));
	p = b64url((const unsigned char *)body, strlen(body));

	msglen = strlen(h) + 1 + strlen(p);
	toklen = msglen + 1 + ((SIG_MAX + 2) / 3) * 4 + 1;
	tok = xmalloc(toklen);
	snprintf(tok, msglen + 1, "%s.%s", h, p);

	siglen = sign_raw(sign_alg, pkey, (const unsigned char *)HS_SECRET,
	    strlen(HS_SECRET), (const unsigned char *)tok, msglen, sig);
	s = b64url(sig, siglen);
	snprintf(tok + msglen, toklen - msglen, ".%s", s);

	free(h);
	free(p);
	free(s);

	return (tok);
}

/* Unsigned token with a literal signature segment. */
static char *
make_raw(const char *header, const char *body, const char *sigseg)
{
	char		*h, *p, *tok;
	size_t		 len;

	h = b64url((const unsigned char *)header, strlen(header));
	p = b64url((const unsigned char *)body, strlen(body));
	len = strlen(h) + strlen(p) + strlen(sigseg) + 3;
	tok = xmalloc(len);
	snprintf(tok, len, "%s.%s.%s", h, p, sigseg);
	free(h);
	free(p);

	return (tok);
}

static char *
payload(const char *fmt, ...)
{
	va_list		 args;
	char		*s;
	int		 n;

	s = xmalloc(16384);
	va_start(args, fmt);
	n = vsnprintf(s, 16384, fmt, args);
	va_end(args);
	assert_true(n > 0 && n < 16384);

	return (s);
}

static char *
std_payload(void)
{
	return (payload("{\"iat\":%lld,\"exp\":%lld,\"iss\":\"" ISS "\","
	    "\"aud\":\"" AUD "\",\"sub\":\"user_abc123\",\"id\":\"user_abc123\","
	    "\"name\":\"Ann Example\",\"email\":\"ann@example.com\","
	    "\"emailVerified\":true,\"image\":null,"
	    "\"createdAt\":\"2025-01-01T00:00:00.000Z\",\"role\":\"admin\"}",
	    NOW, NOW + 900));
}

static struct jwt_config
std_cfg(void)
{
	struct jwt_config	cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.issuer = ISS;
	cfg.audience = AUD;
	cfg.leeway = 30;

	return (cfg);
}

static struct jwt_config
hs_cfg(void)
{
	struct jwt_config	cfg;

	cfg = std_cfg();
	cfg.hs_secret = (const unsigned char *)HS_SECRET;
	cfg.hs_secret_len = strlen(HS_SECRET);

	return (cfg);
}

static enum jwt_result
verify(const char *tok, const struct jwks *keys, const struct jwt_config *cfg,
    struct jwt_claims *c)
{
	return (jwt_verify(tok, strlen(tok), keys, cfg, (time_t)NOW, c));
}

static enum jwt_result
verify_cfg(const char *tok, const struct jwt_config *cfg)
{
	struct jwt_claims	c;

	return (verify(tok, fx.keys, cfg, &c));
}

static enum jwt_result
verify_std(const char *tok)
{
	struct jwt_config	cfg;

	cfg = std_cfg();

	return (verify_cfg(tok, &cfg));
}

/* Copy of tok with segment idx (0..2) replaced by seg. */
static char *
seg_replace(const char *tok, int idx, const char *seg)
{
	const char	*d1, *d2;
	char		*out;
	size_t		 len;

	d1 = strchr(tok, '.');
	assert_non_null(d1);
	d2 = strchr(d1 + 1, '.');
	assert_non_null(d2);

	len = strlen(tok) + strlen(seg) + 1;
	out = xmalloc(len);

	switch (idx) {
	case 0:
		snprintf(out, len, "%s%s", seg, d1);
		break;
	case 1:
		snprintf(out, len, "%.*s.%s%s", (int)(d1 - tok), tok, seg, d2);
		break;
	default:
		snprintf(out, len, "%.*s.%s", (int)(d2 - tok), tok, seg);
		break;
	}

	return (out);
}

static int
group_setup(void **state)
{
	BIO		*bio;
	char		*ed_x, *ec_x, *ec_y, *p5_x, *p5_y, *n, *e;
	char		 err[128];
	unsigned char	 raw[32];
	size_t		 rawlen;
	long		 pemlen;
	char		*pem;

	(void)state;

	fx.ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	fx.ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	fx.ec521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	fx.rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	if (fx.ed == NULL || fx.ec == NULL || fx.ec521 == NULL ||
	    fx.rsa == NULL)
		return (-1);

	rawlen = sizeof(raw);
	if (EVP_PKEY_get_raw_public_key(fx.ed, raw, &rawlen) != 1 ||
	    rawlen != 32)
		return (-1);
	ed_x = b64url(raw, rawlen);
	ec_x = pkey_bn_b64url(fx.ec, OSSL_PKEY_PARAM_EC_PUB_X, 32);
	ec_y = pkey_bn_b64url(fx.ec, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
	p5_x = pkey_bn_b64url(fx.ec521, OSSL_PKEY_PARAM_EC_PUB_X, 66);
	p5_y = pkey_bn_b64url(fx.ec521, OSSL_PKEY_PARAM_EC_PUB_Y, 66);
	n = pkey_bn_b64url(fx.rsa, OSSL_PKEY_PARAM_RSA_N, 0);
	e = pkey_bn_b64url(fx.rsa, OSSL_PKEY_PARAM_RSA_E, 0);

	/* Better Auth's shapes, plus two entries that must be skipped. */
	fx.jwks_json = payload("{\"keys\":["
	    "{\"alg\":\"EdDSA\",\"crv\":\"Ed25519\",\"x\":\"%s\","
	    "\"kty\":\"OKP\",\"kid\":\"ed1\"},"
	    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\","
	    "\"kid\":\"ec1\"},"
	    "{\"kty\":\"EC\",\"crv\":\"P-521\",\"x\":\"%s\",\"y\":\"%s\","
	    "\"kid\":\"ec521\"},"
	    "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"%s\",\"kid\":\"rsa1\"},"
	    "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"%s\",\"kid\":\"rsa-rs\","
	    "\"alg\":\"RS256\",\"use\":\"sig\"},"
	    "{\"kty\":\"oct\",\"k\":\"c2VjcmV0\",\"kid\":\"oct1\"},"
	    "{\"kty\":\"XYZ\",\"kid\":\"weird\"}"
	    "]}", ed_x, ec_x, ec_y, p5_x, p5_y, n, e, n, e);

	free(ed_x);
	free(ec_x);
	free(ec_y);
	free(p5_x);
	free(p5_y);
	free(n);
	free(e);

	fx.keys = jwks_parse(fx.jwks_json, strlen(fx.jwks_json),
	    err, sizeof(err));
	if (fx.keys == NULL) {
		fprintf(stderr, "jwks_parse: %s\n", err);
		return (-1);
	}

	/* The RSA public key as PEM text, for the HS/RS confusion case. */
	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return (-1);
	if (PEM_write_bio_PUBKEY(bio, fx.rsa) != 1)
		return (-1);
	pemlen = BIO_get_mem_data(bio, &pem);
	if (pemlen <= 0)
		return (-1);
	fx.rsa_pem = xmalloc((size_t)pemlen);
	if (fx.rsa_pem == NULL)
		return (-1);
	memcpy(fx.rsa_pem, pem, (size_t)pemlen);
	fx.rsa_pem_len = (size_t)pemlen;
	BIO_free(bio);

	return (0);
}

static int
group_teardown(void **state)
{
	(void)state;

	jwks_free(fx.keys);
	EVP_PKEY_free(fx.ed);
	EVP_PKEY_free(fx.ec);
	EVP_PKEY_free(fx.ec521);
	EVP_PKEY_free(fx.rsa);
	free(fx.rsa_pem);
	free(fx.jwks_json);
	memset(&fx, 0, sizeof(fx));

	return (0);
}

/*
 * Valid tokens.
 */

static void
test_valid_eddsa(void **state)
{
	struct jwt_config	cfg;
	struct jwt_claims	c;
	char			*p, *tok;

	(void)state;

	p = std_payload();
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	cfg = std_cfg();

	assert_int_equal(verify(tok, fx.keys, &cfg, &c), JWT_OK);
	assert_string_equal(c.sub, "user_abc123");
	assert_string_equal(c.email, "ann@example.com");
	assert_string_equal(c.name, "Ann Example");
	assert_string_equal(c.image, "");
	assert_string_equal(c.role, "admin");
	assert_string_equal(c.kid, "ed1");
	assert_int_equal(c.exp, NOW + 900);
	assert_int_equal(c.iat, NOW);
	assert_int_equal(c.nbf, 0);

	free(tok);
	free(p);
}

static void
test_valid_es256(void **state)
{
	struct jwt_config	cfg;
	struct jwt_claims	c;
	char			*p, *tok;

	(void)state;

	p = std_payload();
	tok = make_token("ES256", fx.ec, "{\"alg\":\"ES256\",\"kid\":\"ec1\"}",
	    p);
	cfg = std_cfg();

	assert_int_equal(verify(tok, fx.keys, &cfg, &c), JWT_OK);
	assert_string_equal(c.sub, "user_abc123");
	assert_string_equal(c.kid, "ec1");

	free(tok);
	free(p);
}

static void
test_valid_rs256(void **state)
{
	char		*p, *tok;

	(void)state;

	p = std_payload();
	tok = make_token("RS256", fx.rsa,
	    "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"typ\":\"JWT\"}", p);
	assert_int_equal(verify_std(tok), JWT_OK);
	free(tok);

	/* The key restricted to RS256 by its JWK "alg" takes RS256. */
	tok = make_token("RS256", fx.rsa,
	    "{\"alg\":\"RS256\",\"kid\":\"rsa-rs\"}", p);
	assert_int_equal(verify_std(tok), JWT_OK);
	free(tok);

	free(p);
}

static void
test_valid_ps256(void **state)
{
	char		*p, *tok;

	(void)state;

	p = std_payload();
	tok = make_token("PS256", fx.rsa, "{\"alg\":\"PS256\",\"kid\":\"rsa1\"}",
	    p);
	assert_int_equal(verify_std(tok), JWT_OK);
	free(tok);
	free(p);
}

static void
test_valid_hs256_secret_mode(void **state)
{
	struct jwt_config	cfg;
	struct jwt_claims	c;
	char			*p, *tok, *ed;

	(void)state;

	p = std_payload();
	tok = make_token("HS256", NULL, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
	    p);
	cfg = hs_cfg();

	assert_int_equal(verify(tok, NULL, &cfg, &c), JWT_OK);
	assert_string_equal(c.sub, "user_abc123");
	assert_string_equal(c.kid, "");

	/* Secret mode with a JWKS too: HS256 still only uses the secret. */
	assert_int_equal(verify(tok, fx.keys, &cfg, &c), JWT_OK);

	/* Secret-only mode: asymmetric tokens are refused outright. */
	ed = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify(ed, NULL, &cfg, &c), JWT_ERR_ALG);
	assert_int_equal(verify(ed, fx.keys, &cfg, &c), JWT_OK);

	/* A secret below JWT_HS_SECRET_MIN does not enable HS256. */
	cfg.hs_secret_len = JWT_HS_SECRET_MIN - 1;
	assert_int_equal(verify(tok, NULL, &cfg, &c), JWT_ERR_ALG);

	/* Not in secret mode at all. */
	assert_int_equal(verify_std(tok), JWT_ERR_ALG);

	free(ed);
	free(tok);
	free(p);
}

static void
test_aud_string_and_array(void **state)
{
	char		*p, *tok;

	(void)state;

	p = payload("{\"sub\":\"u1\",\"exp\":%lld,\"iss\":\"" ISS "\","
	    "\"aud\":\"" AUD "\"}", NOW + 60);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify_std(tok), JWT_OK);
	free(tok);
	free(p);

	p = payload("{\"sub\":\"u1\",\"exp\":%lld,\"iss\":\"" ISS "\","
	    "\"aud\":[\"https://other.example\",1,\"" AUD "\"]}", NOW + 60);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify_std(tok), JWT_OK);
	free(tok);
	free(p);
}

/*
 * Rejections.
 */

static void
test_expired(void **state)
{
	struct jwt_config	cfg;
	char			*p, *tok;

	(void)state;

	cfg = std_cfg();

	/* Expired 100 s ago, leeway 30 s. */
	p = payload("{\"sub\":\"u1\",\"exp\":%lld,\"iss\":\"" ISS "\","
	    "\"aud\":\"" AUD "\"}", NOW - 100);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify_cfg(tok, &cfg), JWT_ERR_EXPIRED);
	free(tok);
	free(p);

	/* Expired 10 s ago: within the 30 s leeway, accepted. */
	p = payload("{\"sub\":\"u1\",\"exp\":%lld,\"iss\":\"" ISS "\","
	    "\"aud\":\"" AUD "\"}", NOW - 10);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify_cfg(tok, &cfg), JWT_OK);

	/* ... but not without leeway. */
	cfg.leeway = 0;
	assert_int_equal(verify_cfg(tok, &cfg), JWT_ERR_EXPIRED);
	/* A negative leeway counts as zero, never as extra strictness bug. */
	cfg.leeway = -1000;
	assert_int_equal(verify_cfg(tok, &cfg), JWT_ERR_EXPIRED);
	free(tok);
	free(p);

	/* exp == now is expired (RFC 7519: "on or after"). */
	cfg.leeway = 0;
	p = payload("{\"sub\":\"u1\",\"exp\":%lld,\"iss\":\"" ISS "\","
	    "\"aud\":\"" AUD "\"}", NOW);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify_cfg(tok, &cfg), JWT_ERR_EXPIRED);
	free(tok);
	free(p);
}

static void
test_not_yet_valid(void **state)
{
	struct jwt_config	cfg;
	struct jwt_claims	c;
	char			*p, *tok;

	(void)state;

	cfg = std_cfg();

	p = payload("{\"sub\":\"u1\",\"exp\":%lld,\"nbf\":%lld,"
	    "\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"}", NOW + 900, NOW + 100);
	tok = make_token("ES256", fx.ec, "{\"alg\":\"ES256\",\"kid\":\"ec1\"}",
	    p);
	assert_int_equal(verify_cfg(tok, &cfg), JWT_ERR_NOT_YET_VALID);
	free(tok);
	free(p);

	/* nbf 10 s ahead: clock skew within leeway, accepted. */
	p = payload("{\"sub\":\"u1\",\"exp\":%lld,\"nbf\":%lld,"
	    "\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"}", NOW + 900, NOW + 10);
	tok = make_token("ES256", fx.ec, "{\"alg\":\"ES256\",\"kid\":\"ec1\"}",
	    p);
	assert_int_equal(verify(tok, fx.keys, &cfg, &c), JWT_OK);
	assert_int_equal(c.nbf, NOW + 10);

	cfg.leeway = 0;
	assert_int_equal(verify_cfg(tok, &cfg), JWT_ERR_NOT_YET_VALID);
	free(tok);
	free(p);
}

static void
test_wrong_issuer(void **state)
{
	struct jwt_config	cfg;
	char			*p, *tok;

	(void)state;

	cfg = std_cfg();

	p = payload("{\"sub\":\"u1\",\"exp\":%lld,\"iss\":\"https://evil.example\","
	    "\"aud\":\"" AUD "\"}", NOW + 60);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify_cfg(tok, &cfg), JWT_ERR_ISSUER);

	/* Not configured: not checked. */
	cfg.issuer = NULL;
	assert_int_equal(verify_cfg(tok, &cfg), JWT_OK);
	free(tok);
	free(p);

	/* Configured but missing from the token. */
	cfg.issuer = ISS;
	p = payload("{\"sub\":\"u1\",\"exp\":%lld,\"aud\":\"" AUD "\"}",
	    NOW + 60);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify_cfg(tok, &cfg), JWT_ERR_ISSUER);
	free(tok);
	free(p);
}

static void
test_wrong_audience(void **state)
{
	struct jwt_config	cfg;
	char			*p, *tok;

	(void)state;

	cfg = std_cfg();

	p = payload("{\"sub\":\"u1\",\"exp\":%lld,\"iss\":\"" ISS "\","
	    "\"aud\":\"https://other.example\"}", NOW + 60);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify_cfg(tok, &cfg), JWT_ERR_AUDIENCE);
	cfg.audience = NULL;
	assert_int_equal(verify_cfg(tok, &cfg), JWT_OK);
	cfg.audience = AUD;
	free(tok);
	free(p);

	/* Array without the audience. */
	p = payload("{\"sub\":\"u1\",\"exp\":%lld,\"iss\":\"" ISS "\","
	    "\"aud\":[\"a\",\"b\"]}", NOW + 60);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify_cfg(tok, &cfg), JWT_ERR_AUDIENCE);
	free(tok);
	free(p);

	/* Missing aud. */
	p = payload("{\"sub\":\"u1\",\"exp\":%lld,\"iss\":\"" ISS "\"}",
	    NOW + 60);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify_cfg(tok, &cfg), JWT_ERR_AUDIENCE);
	free(tok);
	free(p);

	/* Prefix of the audience is not the audience. */
	p = payload("{\"sub\":\"u1\",\"exp\":%lld,\"iss\":\"" ISS "\","
	    "\"aud\":\"http://localhost:300\"}", NOW + 60);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify_cfg(tok, &cfg), JWT_ERR_AUDIENCE);
	free(tok);
	free(p);
}

static void
test_alg_none(void **state)
{
	struct jwt_config	cfg;
	char			*p, *tok;

	(void)state;

	p = std_payload();

	tok = make_raw("{\"alg\":\"none\",\"kid\":\"ed1\"}", p, "");
	assert_int_equal(verify_std(tok), JWT_ERR_ALG);
	free(tok);

	tok = make_raw("{\"alg\":\"none\"}", p, "");
	assert_int_equal(verify_std(tok), JWT_ERR_ALG);
	cfg = hs_cfg();
	assert_int_equal(verify_cfg(tok, &cfg), JWT_ERR_ALG);
	free(tok);

	tok = make_raw("{\"alg\":\"None\",\"typ\":\"JWT\"}", p, "");
	assert_int_equal(verify_std(tok), JWT_ERR_ALG);
	free(tok);

	/* Unknown and unsupported algs, even with a matching key. */
	tok = make_raw("{\"alg\":\"ES512\",\"kid\":\"ec521\"}", p, "AAAA");
	assert_int_equal(verify_std(tok), JWT_ERR_ALG);
	free(tok);
	tok = make_raw("{\"alg\":\"HS512\"}", p, "AAAA");
	assert_int_equal(verify_cfg(tok, &cfg), JWT_ERR_ALG);
	free(tok);
	tok = make_raw("{\"alg\":\"eddsa\",\"kid\":\"ed1\"}", p, "AAAA");
	assert_int_equal(verify_std(tok), JWT_ERR_ALG);
	free(tok);

	free(p);
}

static void
test_hs_rs_confusion(void **state)
{
	struct jwt_config	cfg;
	char			*p, *h, *b, *s, *tok, *msg;
	size_t			 siglen, len;
	unsigned char		 sig[SIG_MAX];

	(void)state;

	/* HS256 keyed with the RSA public key's PEM text, kid -> RSA JWK. */
	p = std_payload();
	h = b64url((const unsigned char *)"{\"alg\":\"HS256\",\"kid\":\"rsa1\"}",
	    strlen("{\"alg\":\"HS256\",\"kid\":\"rsa1\"}"));
	b = b64url((const unsigned char *)p, strlen(p));
	len = strlen(h) + strlen(b) + 2;
	msg = xmalloc(len);
	snprintf(msg, len, "%s.%s", h, b);
	siglen = sign_raw("HS256", NULL, (const unsigned char *)fx.rsa_pem,
	    fx.rsa_pem_len, (const unsigned char *)msg, strlen(msg), sig);
	s = b64url(sig, siglen);
	len = strlen(msg) + strlen(s) + 2;
	tok = xmalloc(len);
	snprintf(tok, len, "%s.%s", msg, s);

	/* Keys from a JWKS, no secret mode: the alg alone is refused. */
	assert_int_equal(verify_std(tok), JWT_ERR_ALG);

	/* Secret mode + JWKS: HMAC is checked with the secret only. */
	cfg = hs_cfg();
	assert_int_equal(verify_cfg(tok, &cfg), JWT_ERR_SIGNATURE);

	/* Even a deployment whose secret is the PEM: kid is ignored. */
	cfg.hs_secret = (const unsigned char *)fx.rsa_pem;
	cfg.hs_secret_len = fx.rsa_pem_len;
	assert_int_equal(verify_cfg(tok, &cfg), JWT_OK);
	cfg = std_cfg();
	assert_int_equal(verify_cfg(tok, &cfg), JWT_ERR_ALG);

	free(tok);
	free(s);
	free(msg);
	free(b);
	free(h);
	free(p);
}

static const struct {
	const char	*alg;
	const char	*header;
} all_algs[] = {
	{ "EdDSA", "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}" },
	{ "ES256", "{\"alg\":\"ES256\",\"kid\":\"ec1\"}" },
	{ "RS256", "{\"alg\":\"RS256\",\"kid\":\"rsa1\"}" },
	{ "PS256", "{\"alg\":\"PS256\",\"kid\":\"rsa1\"}" },
	{ "HS256", "{\"alg\":\"HS256\"}" },
};

static EVP_PKEY *
alg_key(const char *alg)
{
	if (strcmp(alg, "EdDSA") == 0)
		return (fx.ed);
	if (strcmp(alg, "ES256") == 0)
		return (fx.ec);
	if (strcmp(alg, "HS256") == 0)
		return (NULL);
	return (fx.rsa);
}

static void
test_tampered_payload(void **state)
{
	struct jwt_config	cfg;
	char			*p, *p2, *tok, *bad, *seg;
	size_t			 i;

	(void)state;

	cfg = hs_cfg();		/* secret mode plus JWKS: all five algs */
	p = std_payload();
	p2 = payload("{\"iat\":%lld,\"exp\":%lld,\"iss\":\"" ISS "\","
	    "\"aud\":\"" AUD "\",\"sub\":\"user_admin\",\"role\":\"admin\"}",
	    NOW, NOW + 900);
	seg = b64url((const unsigned char *)p2, strlen(p2));

	for (i = 0; i < sizeof(all_algs) / sizeof(all_algs[0]); i++) {
		tok = make_token(all_algs[i].alg, alg_key(all_algs[i].alg),
		    all_algs[i].header, p);
		assert_int_equal(verify_cfg(tok, &cfg), JWT_OK);
		bad = seg_replace(tok, 1, seg);
		assert_int_equal(verify_cfg(bad, &cfg), JWT_ERR_SIGNATURE);
		free(bad);
		free(tok);
	}

	free(seg);
	free(p2);
	free(p);
}

static void
test_tampered_signature(void **state)
{
	static const size_t	siglens[] = { 64, 64, 256, 256, 32 };
	struct jwt_config	cfg;
	char			*p, *tok, *sig, *bad, *seg, *zero10;
	size_t			 i;
	unsigned char		 zeros[256];

	(void)state;

	memset(zeros, 0, sizeof(zeros));
	zero10 = b64url(zeros, 10);
	cfg = hs_cfg();
	p = std_payload();

	for (i = 0; i < sizeof(all_algs) / sizeof(all_algs[0]); i++) {
		tok = make_token(all_algs[i].alg, alg_key(all_algs[i].alg),
		    all_algs[i].header, p);
		sig = strrchr(tok, '.') + 1;
		/* Change the first character: still valid base64url. */
		sig[0] = (sig[0] == 'A') ? 'B' : 'A';
		assert_int_equal(verify_cfg(tok, &cfg), JWT_ERR_SIGNATURE);

		/* Wrong length, and right length but all zero. */
		bad = seg_replace(tok, 2, zero10);
		assert_int_equal(verify_cfg(bad, &cfg), JWT_ERR_SIGNATURE);
		free(bad);
		seg = b64url(zeros, siglens[i]);
		bad = seg_replace(tok, 2, seg);
		assert_int_equal(verify_cfg(bad, &cfg), JWT_ERR_SIGNATURE);
		free(bad);
		free(seg);
		free(tok);

		/* Empty signature. */
		tok = make_token(all_algs[i].alg, alg_key(all_algs[i].alg),
		    all_algs[i].header, p);
		sig = strrchr(tok, '.') + 1;
		sig[0] = '\0';
		assert_int_equal(verify_cfg(tok, &cfg), JWT_ERR_SIGNATURE);
		free(tok);
	}

	free(zero10);
	free(p);
}

static void
test_wrong_signing_key(void **state)
{
	EVP_PKEY	*other;
	char		*p, *tok;

	(void)state;

	other = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(other);
	p = std_payload();
	tok = make_token("EdDSA", other, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify_std(tok), JWT_ERR_SIGNATURE);
	free(tok);
	free(p);
	EVP_PKEY_free(other);
}

static void
test_unknown_kid(void **state)
{
	struct jwt_config	cfg;
	struct jwt_claims	c;
	char			*p, *tok;

	(void)state;

	p = std_payload();
	tok = make_token("EdDSA", fx.ed,
	    "{\"alg\":\"EdDSA\",\"kid\":\"rotated-away\"}", p);
	assert_int_equal(verify_std(tok), JWT_ERR_KID_UNKNOWN);

	/* Skipped JWKs (oct, unknown kty) are unknown too. */
	free(tok);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"weird\"}",
	    p);
	assert_int_equal(verify_std(tok), JWT_ERR_KID_UNKNOWN);

	/* No key set yet (JWKS fetch failed) and no secret: refetch. */
	cfg = std_cfg();
	assert_int_equal(verify(tok, NULL, &cfg, &c), JWT_ERR_KID_UNKNOWN);

	free(tok);
	free(p);
}

static void
test_no_kid(void **state)
{
	char		*p, *tok;

	(void)state;

	p = std_payload();

	/* One Ed25519 key in the set: usable without kid. */
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\"}", p);
	assert_int_equal(verify_std(tok), JWT_OK);
	free(tok);

	tok = make_token("ES256", fx.ec, "{\"alg\":\"ES256\"}", p);
	assert_int_equal(verify_std(tok), JWT_OK);
	free(tok);

	/* Two RSA keys allow RS256: ambiguous. */
	tok = make_token("RS256", fx.rsa, "{\"alg\":\"RS256\"}", p);
	assert_int_equal(verify_std(tok), JWT_ERR_KID_UNKNOWN);
	free(tok);

	/* Only one of them allows PS256. */
	tok = make_token("PS256", fx.rsa, "{\"alg\":\"PS256\"}", p);
	assert_int_equal(verify_std(tok), JWT_OK);
	free(tok);

	free(p);
}

static void
test_bad_base64url(void **state)
{
	char		*p, *tok, *bad;
	size_t		 len;

	(void)state;

	p = std_payload();
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify_std(tok), JWT_OK);

	/* Padding. */
	len = strlen(tok);
	bad = xmalloc(len + 3);
	memcpy(bad, tok, len);
	memcpy(bad + len, "==", 3);
	assert_int_equal(verify_std(bad), JWT_ERR_MALFORMED);
	free(bad);

	/* Standard-alphabet characters and whitespace. */
	bad = xstrdup(tok);
	bad[3] = '+';
	assert_int_equal(verify_std(bad), JWT_ERR_MALFORMED);
	bad[3] = '/';
	assert_int_equal(verify_std(bad), JWT_ERR_MALFORMED);
	bad[3] = ' ';
	assert_int_equal(verify_std(bad), JWT_ERR_MALFORMED);
	free(bad);

	/* Embedded NUL within len. */
	bad = xstrdup(tok);
	bad[5] = '\0';
	assert_int_equal(jwt_verify(bad, strlen(tok), fx.keys,
	    &(struct jwt_config){ ISS, AUD, 30, NULL, 0 }, (time_t)NOW,
	    &(struct jwt_claims){ .exp = 0 }), JWT_ERR_MALFORMED);
	free(bad);

	/* Non-canonical last character (stray low bits) in the signature. */
	bad = seg_replace(tok, 2, "AB");	/* 'B' leaves bits set */
	assert_int_equal(verify_std(bad), JWT_ERR_MALFORMED);
	free(bad);

	/* Length % 4 == 1 cannot be base64url. */
	bad = seg_replace(tok, 2, "AAAAA");
	assert_int_equal(verify_std(bad), JWT_ERR_MALFORMED);
	free(bad);

	/* Wrong number of segments, empty segments. */
	assert_int_equal(verify_std("eyJhbGciOiJFZERTQSJ9.e30"),
	    JWT_ERR_MALFORMED);
	bad = xmalloc(strlen(tok) + 6);
	snprintf(bad, strlen(tok) + 6, "%s.AAAA", tok);
	assert_int_equal(verify_std(bad), JWT_ERR_MALFORMED);
	free(bad);
	bad = seg_replace(tok, 0, "");
	assert_int_equal(verify_std(bad), JWT_ERR_MALFORMED);
	free(bad);
	bad = seg_replace(tok, 1, "");
	assert_int_equal(verify_std(bad), JWT_ERR_MALFORMED);
	free(bad);
	assert_int_equal(verify_std(""), JWT_ERR_MALFORMED);
	assert_int_equal(verify_std(".."), JWT_ERR_MALFORMED);

	free(tok);
	free(p);
}

static void
test_oversized(void **state)
{
	char		*p, *tok, *filler;

	(void)state;

	filler = xmalloc(7000);
	memset(filler, 'x', 6999);
	filler[6999] = '\0';

	p = payload("{\"sub\":\"u1\",\"exp\":%lld,\"iss\":\"" ISS "\","
	    "\"aud\":\"" AUD "\",\"pad\":\"%s\"}", NOW + 60, filler);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_true(strlen(tok) > JWT_TOKEN_MAX);
	assert_int_equal(verify_std(tok), JWT_ERR_TOO_LARGE);
	free(tok);
	free(p);

	/* Just under the limit is fine. */
	filler[5500] = '\0';
	p = payload("{\"sub\":\"u1\",\"exp\":%lld,\"iss\":\"" ISS "\","
	    "\"aud\":\"" AUD "\",\"pad\":\"%s\"}", NOW + 60, filler);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_true(strlen(tok) <= JWT_TOKEN_MAX);
	assert_int_equal(verify_std(tok), JWT_OK);
	free(tok);
	free(p);

	free(filler);
}

static void
test_missing_sub(void **state)
{
	struct jwt_config	cfg;
	struct jwt_claims	c;
	char			*p, *tok, *longsub;

	(void)state;

	cfg = std_cfg();

	p = payload("{\"exp\":%lld,\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"}",
	    NOW + 60);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify_std(tok), JWT_ERR_NO_SUB);
	free(tok);
	free(p);

	p = payload("{\"sub\":\"\",\"exp\":%lld,\"iss\":\"" ISS "\","
	    "\"aud\":\"" AUD "\"}", NOW + 60);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify_std(tok), JWT_ERR_NO_SUB);
	free(tok);
	free(p);

	p = payload("{\"sub\":null,\"exp\":%lld,\"iss\":\"" ISS "\","
	    "\"aud\":\"" AUD "\"}", NOW + 60);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify_std(tok), JWT_ERR_NO_SUB);
	free(tok);
	free(p);

	/* Wrong type is malformed, not missing. */
	p = payload("{\"sub\":42,\"exp\":%lld,\"iss\":\"" ISS "\","
	    "\"aud\":\"" AUD "\"}", NOW + 60);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify_std(tok), JWT_ERR_MALFORMED);
	free(tok);
	free(p);

	/* 255 bytes fit sub[256]; 256 do not and are never truncated. */
	longsub = xmalloc(257);
	memset(longsub, 's', 256);
	longsub[255] = '\0';
	p = payload("{\"sub\":\"%s\",\"exp\":%lld,\"iss\":\"" ISS "\","
	    "\"aud\":\"" AUD "\"}", longsub, NOW + 60);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify(tok, fx.keys, &cfg, &c), JWT_OK);
	assert_int_equal(strlen(c.sub), 255);
	free(tok);
	free(p);

	longsub[255] = 's';
	longsub[256] = '\0';
	p = payload("{\"sub\":\"%s\",\"exp\":%lld,\"iss\":\"" ISS "\","
	    "\"aud\":\"" AUD "\"}", longsub, NOW + 60);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify(tok, fx.keys, &cfg, &c), JWT_ERR_MALFORMED);
	assert_string_equal(c.sub, "");
	free(tok);
	free(p);
	free(longsub);
}

static void
test_missing_exp(void **state)
{
	struct jwt_config	cfg;
	struct jwt_claims	c;
	char			*p, *tok;

	(void)state;

	cfg = std_cfg();

	p = payload("{\"sub\":\"u1\",\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"}");
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify_std(tok), JWT_ERR_MALFORMED);
	free(tok);
	free(p);

	p = payload("{\"sub\":\"u1\",\"exp\":\"%lld\",\"iss\":\"" ISS "\","
	    "\"aud\":\"" AUD "\"}", NOW + 60);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify_std(tok), JWT_ERR_MALFORMED);
	free(tok);
	free(p);

	p = payload("{\"sub\":\"u1\",\"exp\":null,\"iss\":\"" ISS "\","
	    "\"aud\":\"" AUD "\"}");
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify_std(tok), JWT_ERR_MALFORMED);
	free(tok);
	free(p);

	/* Out of range numbers are malformed, not "valid forever". */
	p = payload("{\"sub\":\"u1\",\"exp\":1e300,\"iss\":\"" ISS "\","
	    "\"aud\":\"" AUD "\"}");
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify_std(tok), JWT_ERR_MALFORMED);
	free(tok);
	free(p);

	/* Fractional NumericDate is fine. */
	p = payload("{\"sub\":\"u1\",\"exp\":%lld.5,\"iss\":\"" ISS "\","
	    "\"aud\":\"" AUD "\"}", NOW + 60);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify(tok, fx.keys, &cfg, &c), JWT_OK);
	assert_int_equal(c.exp, NOW + 60);
	free(tok);
	free(p);
}

static void
test_wrong_key_type(void **state)
{
	char		*p, *tok;

	(void)state;

	p = std_payload();

	/* ES256 header naming the RSA key (signed with it, RS256-style). */
	tok = make_token("RS256", fx.rsa, "{\"alg\":\"ES256\",\"kid\":\"rsa1\"}",
	    p);
	assert_int_equal(verify_std(tok), JWT_ERR_ALG);
	free(tok);

	/* EdDSA header naming the P-256 key. */
	tok = make_token("ES256", fx.ec, "{\"alg\":\"EdDSA\",\"kid\":\"ec1\"}",
	    p);
	assert_int_equal(verify_std(tok), JWT_ERR_ALG);
	free(tok);

	/* ES256 against a P-521 key. */
	tok = make_token("ES256", fx.ec, "{\"alg\":\"ES256\",\"kid\":\"ec521\"}",
	    p);
	assert_int_equal(verify_std(tok), JWT_ERR_ALG);
	free(tok);

	/* RS256 against the EC key, PS256 against the Ed25519 key. */
	tok = make_token("RS256", fx.rsa, "{\"alg\":\"RS256\",\"kid\":\"ec1\"}",
	    p);
	assert_int_equal(verify_std(tok), JWT_ERR_ALG);
	free(tok);
	tok = make_token("PS256", fx.rsa, "{\"alg\":\"PS256\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify_std(tok), JWT_ERR_ALG);
	free(tok);

	free(p);
}

static void
test_jwk_alg_mismatch(void **state)
{
	char		*p, *tok;

	(void)state;

	p = std_payload();

	/* JWK rsa-rs says "alg":"RS256": a PS256 token may not use it. */
	tok = make_token("PS256", fx.rsa, "{\"alg\":\"PS256\",\"kid\":\"rsa-rs\"}",
	    p);
	assert_int_equal(verify_std(tok), JWT_ERR_ALG);
	free(tok);

	free(p);
}

static void
test_header_not_json(void **state)
{
	char		*p, *tok, *seg, *bad;

	(void)state;

	p = std_payload();
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);

	seg = b64url((const unsigned char *)"not json", 8);
	bad = seg_replace(tok, 0, seg);
	assert_int_equal(verify_std(bad), JWT_ERR_MALFORMED);
	free(bad);
	free(seg);

	seg = b64url((const unsigned char *)"[\"EdDSA\"]", 9);
	bad = seg_replace(tok, 0, seg);
	assert_int_equal(verify_std(bad), JWT_ERR_MALFORMED);
	free(bad);
	free(seg);

	free(tok);

	/* Missing alg, non-string alg, duplicate alg, crit, long kid. */
	tok = make_token("EdDSA", fx.ed, "{\"kid\":\"ed1\"}", p);
	assert_int_equal(verify_std(tok), JWT_ERR_MALFORMED);
	free(tok);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":7,\"kid\":\"ed1\"}", p);
	assert_int_equal(verify_std(tok), JWT_ERR_MALFORMED);
	free(tok);
	tok = make_token("EdDSA", fx.ed,
	    "{\"alg\":\"EdDSA\",\"alg\":\"none\",\"kid\":\"ed1\"}", p);
	assert_int_equal(verify_std(tok), JWT_ERR_MALFORMED);
	free(tok);
	tok = make_token("EdDSA", fx.ed,
	    "{\"alg\":\"EdDSA\",\"kid\":\"ed1\",\"crit\":[\"b64\"],"
	    "\"b64\":false}", p);
	assert_int_equal(verify_std(tok), JWT_ERR_MALFORMED);
	free(tok);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":"
	    "\"0123456789012345678901234567890123456789012345678901234567890123"
	    "456789012345678901234567890123456789012345678901234567890123456789"
	    "\"}", p);
	assert_int_equal(verify_std(tok), JWT_ERR_MALFORMED);
	free(tok);
	free(p);

	/* Validly signed payloads that are not JSON objects. */
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    "not json");
	assert_int_equal(verify_std(tok), JWT_ERR_MALFORMED);
	free(tok);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    "[1,2,3]");
	assert_int_equal(verify_std(tok), JWT_ERR_MALFORMED);
	free(tok);

	/* Duplicate claim: which "sub" wins must not be a question. */
	p = payload("{\"sub\":\"u1\",\"sub\":\"admin\",\"exp\":%lld,"
	    "\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"}", NOW + 60);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify_std(tok), JWT_ERR_MALFORMED);
	free(tok);
	free(p);
}

static void
test_claim_types(void **state)
{
	struct jwt_config	cfg;
	struct jwt_claims	c;
	char			*p, *tok;

	(void)state;

	cfg = std_cfg();

	/* Non-string profile claims are malformed, and nothing leaks out. */
	p = payload("{\"sub\":\"u1\",\"email\":7,\"exp\":%lld,"
	    "\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"}", NOW + 60);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify(tok, fx.keys, &cfg, &c), JWT_ERR_MALFORMED);
	assert_string_equal(c.sub, "");
	assert_int_equal(c.exp, 0);
	free(tok);
	free(p);

	p = payload("{\"sub\":\"u1\",\"role\":\"%s\",\"exp\":%lld,"
	    "\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"}",
	    "0123456789012345678901234567890123456789012345678901234567890123",
	    NOW + 60);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify(tok, fx.keys, &cfg, &c), JWT_ERR_MALFORMED);
	free(tok);
	free(p);

	/* Absent profile claims are empty strings; image as given. */
	p = payload("{\"sub\":\"u1\",\"image\":\"https://img.example/a.png\","
	    "\"exp\":%lld,\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"}", NOW + 60);
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(verify(tok, fx.keys, &cfg, &c), JWT_OK);
	assert_string_equal(c.image, "https://img.example/a.png");
	assert_string_equal(c.email, "");
	assert_string_equal(c.name, "");
	assert_string_equal(c.role, "");
	free(tok);
	free(p);
}

static void
test_bad_args(void **state)
{
	struct jwt_config	cfg;
	struct jwt_claims	c;
	char			 big[JWT_TOKEN_MAX + 2];

	(void)state;

	cfg = std_cfg();
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';

	assert_int_equal(jwt_verify(big, strlen(big), fx.keys, &cfg,
	    (time_t)NOW, &c), JWT_ERR_TOO_LARGE);
	assert_int_equal(jwt_verify(NULL, 0, fx.keys, &cfg, (time_t)NOW, &c),
	    JWT_ERR_MALFORMED);
	assert_int_equal(jwt_verify("a.b.c", 5, fx.keys, NULL, (time_t)NOW,
	    &c), JWT_ERR_INTERNAL);
	assert_int_equal(jwt_verify("a.b.c", 5, fx.keys, &cfg, (time_t)NOW,
	    NULL), JWT_ERR_INTERNAL);
}

/*
 * Known-answer vectors signed by someone else: RFC 8037 A.4 (Ed25519)
 * and RFC 7515 A.3 (ES256, raw r || s).  Their payloads are not Better
 * Auth claims, so getting past the signature shows as MALFORMED (text
 * payload) and NO_SUB (JSON without sub); a flipped byte is SIGNATURE.
 */
static void
test_rfc_vectors(void **state)
{
	struct jwt_config	cfg;
	struct jwt_claims	c;
	struct jwks		*set;
	char			 err[128];
	char			*bad;
	const char		*keys, *ed, *es;

	(void)state;

	keys = "{\"keys\":["
	    "{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
	    "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"},"
	    "{\"kty\":\"EC\",\"crv\":\"P-256\","
	    "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
	    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}";
	ed = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
	    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5B"
	    "hVsPt9g7sVvpAr_MuM0KAg";
	es = "eyJhbGciOiJFUzI1NiJ9."
	    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
	    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
	    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSA"
	    "pmWQxfKTUJqPP3-Kg6NU1Q";

	set = jwks_parse(keys, strlen(keys), err, sizeof(err));
	assert_non_null(set);
	assert_int_equal(jwks_count(set), 2);

	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(jwt_verify(ed, strlen(ed), set, &cfg,
	    (time_t)1300819000, &c), JWT_ERR_MALFORMED);
	assert_int_equal(jwt_verify(es, strlen(es), set, &cfg,
	    (time_t)1300819000, &c), JWT_ERR_NO_SUB);
	assert_int_equal(jwt_verify(es, strlen(es), set, &cfg,
	    (time_t)1300819380, &c), JWT_ERR_EXPIRED);

	bad = xstrdup(ed);
	bad[strlen(bad) - 5] = (bad[strlen(bad) - 5] == 'A') ? 'B' : 'A';
	assert_int_equal(jwt_verify(bad, strlen(bad), set, &cfg,
	    (time_t)1300819000, &c), JWT_ERR_SIGNATURE);
	free(bad);

	bad = xstrdup(es);
	bad[strlen(bad) - 5] = (bad[strlen(bad) - 5] == 'A') ? 'B' : 'A';
	assert_int_equal(jwt_verify(bad, strlen(bad), set, &cfg,
	    (time_t)1300819000, &c), JWT_ERR_SIGNATURE);
	free(bad);

	jwks_free(set);
}

/*
 * PS256 salt must be the hash length (RFC 7518 3.5): a PSS signature with
 * another salt length is not accepted.
 */
static void
test_ps256_salt_length(void **state)
{
	char		*p, *tok;

	(void)state;

	p = std_payload();
	tok = make_token("PS256-salt-max", fx.rsa,
	    "{\"alg\":\"PS256\",\"kid\":\"rsa1\"}", p);
	assert_int_equal(verify_std(tok), JWT_ERR_SIGNATURE);
	free(tok);
	free(p);
}

/*
 * JWKS.
 */

static void
test_jwks_parse(void **state)
{
	struct jwks	*set;
	char		 err[128];
	char		*doc, *big;
	size_t		 i, off;
	const char	*s;

	(void)state;

	/* The fixture: 5 usable keys, oct and XYZ skipped. */
	assert_int_equal(jwks_count(fx.keys), 5);
	assert_int_equal(jwks_skipped(fx.keys), 2);
	assert_int_equal(jwks_has_kid(fx.keys, "ed1"), 1);
	assert_int_equal(jwks_has_kid(fx.keys, "ec521"), 1);
	assert_int_equal(jwks_has_kid(fx.keys, "oct1"), 0);
	assert_int_equal(jwks_has_kid(fx.keys, "weird"), 0);
	assert_int_equal(jwks_has_kid(fx.keys, "nope"), 0);
	assert_int_equal(jwks_key_at(fx.keys, 0)->kty, JWKS_KTY_ED25519);
	assert_null(jwks_key_at(fx.keys, 5));
	assert_int_equal(jwks_count(NULL), 0);
	assert_int_equal(jwks_has_kid(NULL, "ed1"), 0);

	/* Documents that are rejected as a whole. */
	s = "garbage{";
	err[0] = '\0';
	assert_null(jwks_parse(s, strlen(s), err, sizeof(err)));
	assert_true(err[0] != '\0');
	s = "[]";
	err[0] = '\0';
	assert_null(jwks_parse(s, strlen(s), err, sizeof(err)));
	assert_true(err[0] != '\0');
	s = "{\"keys\":{}}";
	assert_null(jwks_parse(s, strlen(s), err, sizeof(err)));
	s = "{\"kys\":[]}";
	assert_null(jwks_parse(s, strlen(s), err, sizeof(err)));
	assert_null(jwks_parse("", 0, err, sizeof(err)));
	assert_null(jwks_parse(NULL, 0, NULL, 0));

	/* Over JWKS_JSON_MAX. */
	big = xmalloc(JWKS_JSON_MAX + 2);
	memset(big, ' ', JWKS_JSON_MAX + 1);
	memcpy(big, "{\"keys\":[]}", 11);
	big[JWKS_JSON_MAX + 1] = '\0';
	assert_null(jwks_parse(big, JWKS_JSON_MAX + 1, err, sizeof(err)));
	free(big);

	/* More than JWKS_MAX_KEYS entries. */
	doc = xmalloc(16 + (JWKS_MAX_KEYS + 1) * 3);
	memcpy(doc, "{\"keys\":[", 9);
	off = 9;
	for (i = 0; i <= JWKS_MAX_KEYS; i++) {
		if (i > 0)
			doc[off++] = ',';
		doc[off++] = '{';
		doc[off++] = '}';
	}
	memcpy(doc + off, "]}", 3);
	assert_null(jwks_parse(doc, strlen(doc), err, sizeof(err)));
	free(doc);

	/* Empty set is valid (the caller decides what to do with it). */
	s = "{\"keys\":[]}";
	set = jwks_parse(s, strlen(s), err, sizeof(err));
	assert_non_null(set);
	assert_int_equal(jwks_count(set), 0);
	jwks_free(set);

	/*
	 * Broken JWKs are skipped: off-curve P-256 point, short x, padded
	 * Ed25519 x, "use":"enc", non-string kid, unknown crv.
	 */
	s = "{\"keys\":["
	    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"a\","
	    "\"x\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE\","
	    "\"y\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE\"},"
	    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"b\","
	    "\"x\":\"AAAA\",\"y\":\"AAAA\"},"
	    "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"c\","
	    "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"},"
	    "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"d\",\"use\":\"enc\","
	    "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"},"
	    "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":5,"
	    "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"},"
	    "{\"kty\":\"OKP\",\"crv\":\"Ed448\",\"kid\":\"f\","
	    "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"},"
	    "\"not an object\","
	    "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"good\","
	    "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}"
	    "]}";
	set = jwks_parse(s, strlen(s), err, sizeof(err));
	assert_non_null(set);
	assert_int_equal(jwks_count(set), 1);
	assert_int_equal(jwks_skipped(set), 7);
	assert_int_equal(jwks_has_kid(set, "good"), 1);
	assert_int_equal(jwks_has_kid(set, "a"), 0);
	jwks_free(set);

	jwks_free(NULL);
}

static void
test_peek_kid(void **state)
{
	char		 kid[JWKS_KID_MAX], small[3];
	char		*p, *tok;

	(void)state;

	p = std_payload();
	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}",
	    p);
	assert_int_equal(jwt_peek_kid(tok, strlen(tok), kid, sizeof(kid)), 1);
	assert_string_equal(kid, "ed1");

	/* Buffer too small for "ed1" + NUL. */
	assert_int_equal(jwt_peek_kid(tok, strlen(tok), small, sizeof(small)),
	    0);
	assert_string_equal(small, "");
	free(tok);

	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\"}", p);
	assert_int_equal(jwt_peek_kid(tok, strlen(tok), kid, sizeof(kid)), 0);
	free(tok);

	tok = make_token("EdDSA", fx.ed, "{\"alg\":\"EdDSA\",\"kid\":1}", p);
	assert_int_equal(jwt_peek_kid(tok, strlen(tok), kid, sizeof(kid)), 0);
	free(tok);

	assert_int_equal(jwt_peek_kid("garbage", 7, kid, sizeof(kid)), 0);
	assert_int_equal(jwt_peek_kid("e30.e30.", 8, kid, sizeof(kid)), 0);
	assert_int_equal(jwt_peek_kid("!!!.e30.", 8, kid, sizeof(kid)), 0);
	assert_int_equal(jwt_peek_kid(NULL, 0, kid, sizeof(kid)), 0);

	free(p);
}

static void
test_result_labels(void **state)
{
	const char	*a, *b;
	int		 i, j;

	(void)state;

	for (i = 0; i < JWT_ERR_MAX; i++) {
		a = jwt_result_reason((enum jwt_result)i);
		assert_non_null(a);
		assert_true(a[0] != '\0');
		assert_string_not_equal(a, "unknown");
		/* snake_case only: safe as a metrics label. */
		assert_true(strspn(a, "abcdefghijklmnopqrstuvwxyz_") ==
		    strlen(a));
		b = jwt_result_message((enum jwt_result)i);
		assert_non_null(b);
		assert_true(b[0] != '\0');
		for (j = 0; j < i; j++) {
			assert_string_not_equal(a,
			    jwt_result_reason((enum jwt_result)j));
		}
	}

	assert_string_equal(jwt_result_reason(JWT_ERR_EXPIRED), "expired");
	assert_string_equal(jwt_result_reason(JWT_ERR_MAX), "unknown");
	assert_non_null(jwt_result_message(JWT_ERR_MAX));
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_valid_eddsa),
		cmocka_unit_test(test_valid_es256),
		cmocka_unit_test(test_valid_rs256),
		cmocka_unit_test(test_valid_ps256),
		cmocka_unit_test(test_valid_hs256_secret_mode),
		cmocka_unit_test(test_aud_string_and_array),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_not_yet_valid),
		cmocka_unit_test(test_wrong_issuer),
		cmocka_unit_test(test_wrong_audience),
		cmocka_unit_test(test_alg_none),
		cmocka_unit_test(test_hs_rs_confusion),
		cmocka_unit_test(test_tampered_payload),
		cmocka_unit_test(test_tampered_signature),
		cmocka_unit_test(test_wrong_signing_key),
		cmocka_unit_test(test_unknown_kid),
		cmocka_unit_test(test_no_kid),
		cmocka_unit_test(test_bad_base64url),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_missing_sub),
		cmocka_unit_test(test_missing_exp),
		cmocka_unit_test(test_wrong_key_type),
		cmocka_unit_test(test_jwk_alg_mismatch),
		cmocka_unit_test(test_header_not_json),
		cmocka_unit_test(test_claim_types),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_rfc_vectors),
		cmocka_unit_test(test_ps256_salt_length),
		cmocka_unit_test(test_jwks_parse),
		cmocka_unit_test(test_peek_kid),
		cmocka_unit_test(test_result_labels),
	};

	return (cmocka_run_group_tests(tests, group_setup, group_teardown));
}
