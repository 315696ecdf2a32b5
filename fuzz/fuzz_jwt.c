/*
 * JWT verification (jwt.c) with keys made at start (keys.c).
 *
 * Byte 0, bits 0-2: how the token is signed, 0 EdDSA, 1 ES256, 2 RS256,
 * 3 PS256 (keys of the set), 4 HS256 (the secret), 5 EdDSA with a key
 * outside the set, 6 HS256 keyed with the RSA public key's PEM (the HS/RS
 * confusion), 7 alg "none". Bit 7: the rest is a token as sent, not
 * signed here. Byte 1 is the configuration: bit 0 shared-secret mode,
 * 1 issuer, 2 audience, 3 the RS256-only kid, 4-5 the leeway, 6 no key
 * set. The rest is the header JSON, a NUL, the payload JSON; without a
 * NUL the header is the one the signer would write.
 *
 * Properties: only 0-4 ever verify (4 in shared-secret mode only); a
 * token that verifies has a header naming the alg it was signed with,
 * really has the claims: exp in the future (with leeway), nbf past, the
 * configured iss and aud, a non-empty sub, and the strings copied
 * exactly; changing one byte of it breaks it; jwt_peek_kid finds its kid.
 * On any error the claims are all zero.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "core/b64url.h"
#include "auth/jwks.h"
#include "auth/jwt.h"
#include "keys.h"

#define NOW		1700000000LL
#define ISS		"http://localhost:3000"
#define AUD		"tasks-api"

static const struct {
	const char	*alg;
	const char	*kid;
} signers[8] = {
	{ "EdDSA", "ed1" }, { "ES256", "ec1" }, { "RS256", "rsa1" },
	{ "PS256", "rsa1" }, { "HS256", NULL }, { "EdDSA", "ed1" },
	{ "HS256", "rsa1" }, { "none", NULL },
};

static void	check_ok(const char *, size_t, const struct jwt_config *,
		    const struct jwt_claims *, int);
static void	check_claim_str(json_t *, const char *, const char *);
static void	check_zero(const struct jwt_claims *, enum jwt_result);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fuzz_keys	*k;
	const struct jwks	*set;
	struct jwt_config	cfg;
	struct jwt_claims	claims;
	enum jwt_result		r;
	const uint8_t		*hdr, *body;
	size_t			hdrlen, bodylen, toklen;
	char			*tok, defhdr[128];
	const char		*kid;
	EVP_PKEY		*pkey;
	const unsigned char	*secret;
	size_t			secretlen;
	int			how;
	static const long	leeways[] = { 0, 30, 600, 100000 };

	if (size < 2)
		return (0);
	k = fuzz_keys();
	how = data[0] & 7;

	memset(&cfg, 0, sizeof(cfg));
	if (data[1] & 0x01) {
		cfg.hs_secret = (const unsigned char *)FUZZ_HS_SECRET;
		cfg.hs_secret_len = strlen(FUZZ_HS_SECRET);
	}
	cfg.issuer = (data[1] & 0x02) ? ISS : NULL;
	cfg.audience = (data[1] & 0x04) ? AUD : NULL;
	cfg.leeway = leeways[(data[1] >> 4) & 3];
	set = (data[1] & 0x40) ? NULL : k->set;

	if (data[0] & 0x80) {
		tok = fuzz_strndup(data + 2, size - 2);
		toklen = size - 2;
	} else {
		data += 2;
		size -= 2;
		kid = signers[how].kid;
		if (how == 2 && (data[-1] & 0x08))
			kid = "rsa-rs";
		if (memchr(data, '\0', size) != NULL) {
			(void)fuzz_split(&data, &size, '\0', &hdr, &hdrlen);
		} else {
			(void)snprintf(defhdr, sizeof(defhdr),
			    "{\"alg\":\"%s\"%s%s%s,\"typ\":\"JWT\"}",
			    signers[how].alg, kid ? ",\"kid\":\"" : "",
			    kid ? kid : "", kid ? "\"" : "");
			hdr = (const uint8_t *)defhdr;
			hdrlen = strlen(defhdr);
		}
		body = data;
		bodylen = size;

		pkey = how == 0 ? k->ed : how == 1 ? k->ec : how == 5 ?
		    k->rogue : k->rsa;
		secret = (const unsigned char *)(how == 6 ? k->rsa_pem :
		    FUZZ_HS_SECRET);
		secretlen = strlen((const char *)secret);
		tok = fuzz_sign(signers[how].alg, pkey, secret, secretlen,
		    (const char *)hdr, hdrlen, (const char *)body, bodylen);
		toklen = strlen(tok);
	}

	r = jwt_verify(tok, toklen, set, &cfg, (time_t)NOW, &claims);
	if ((unsigned)r >= JWT_ERR_MAX)
		fuzz_fail("jwt_verify returned %d", (int)r);
	if (jwt_result_reason(r) == NULL || jwt_result_message(r) == NULL)
		fuzz_fail("no text for result %d", (int)r);
	if (r != JWT_OK) {
		check_zero(&claims, r);
	} else {
		if (!(data[0] & 0x80) && (how >= 5 ||
		    (how == 4 && cfg.hs_secret == NULL)))
			fuzz_fail("a token signed as case %d verified", how);
		check_ok(tok, toklen, &cfg, &claims, (data[0] & 0x80) ? -1 :
		    how);
	}
	free(tok);
	return (0);
}

/* The claims of a verified token, against its payload read here. */
static void
check_ok(const char *tok, size_t len, const struct jwt_config *cfg,
    const struct jwt_claims *c, int how)
{
	struct jwt_claims	again;
	enum jwt_result		r;
	json_t			*hdr, *pl, *v;
	const char		*d1, *d2, *alg;
	unsigned char		buf[JWT_TOKEN_MAX];
	char			*bad, kid[JWKS_KID_MAX];
	size_t			n, i;
	long long		leeway, exp;

	d1 = memchr(tok, '.', len);
	d2 = d1 != NULL ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - tok)) :
	    NULL;
	if (d2 == NULL)
		fuzz_fail("a token without two dots verified");

	if (!b64url_decode(tok, (size_t)(d1 - tok), buf, sizeof(buf), &n) ||
	    (hdr = json_loadb((const char *)buf, n, 0, NULL)) == NULL)
		fuzz_fail("a verified token's header does not parse");
	alg = json_string_value(json_object_get(hdr, "alg"));
	if (alg == NULL || (how >= 0 && strcmp(alg,
	    signers[how].alg)) || (how < 0 && strcmp(alg, "HS256")))
		fuzz_fail("verified token has alg %s, signed as case %d",
		    alg ? alg : "(none)", how);
	if (!strcmp(alg, "HS256") && cfg->hs_secret == NULL)
		fuzz_fail("HS256 verified without shared-secret mode");
	if (json_object_get(hdr, "crit") != NULL)
		fuzz_fail("a header with crit verified");
	v = json_object_get(hdr, "kid");
	if (strcmp(c->kid, v != NULL ? json_string_value(v) : ""))
		fuzz_fail("claims kid \"%s\" is not the header's", c->kid);
	if (v != NULL && json_string_length(v) > 0 &&
	    (!jwt_peek_kid(tok, len, kid, sizeof(kid)) || strcmp(kid, c->kid)))
		fuzz_fail("jwt_peek_kid does not find kid \"%s\"", c->kid);
	json_decref(hdr);

	if (!b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), buf,
	    sizeof(buf), &n) ||
	    (pl = json_loadb((const char *)buf, n, 0, NULL)) == NULL)
		fuzz_fail("a verified token's payload does not parse");

	leeway = cfg->leeway > JWT_LEEWAY_MAX ? JWT_LEEWAY_MAX : cfg->leeway;
	v = json_object_get(pl, "exp");
	if (!json_is_number(v))
		fuzz_fail("verified without a numeric exp");
	exp = json_is_integer(v) ? (long long)json_integer_value(v) :
	    (long long)json_real_value(v);
	if (exp != c->exp || NOW >= exp + leeway)
		fuzz_fail("expired token verified (exp %lld, claims %lld)",
		    exp, c->exp);
	v = json_object_get(pl, "nbf");
	if (json_is_number(v) && (long long)json_number_value(v) >
	    NOW + leeway)
		fuzz_fail("token verified before its nbf");
	if (cfg->issuer != NULL && (!json_is_string(json_object_get(pl,
	    "iss")) || strcmp(json_string_value(json_object_get(pl, "iss")),
	    cfg->issuer)))
		fuzz_fail("token of another issuer verified");
	if (cfg->audience != NULL) {
		v = json_object_get(pl, "aud");
		if (json_is_string(v)) {
			if (strcmp(json_string_value(v), cfg->audience))
				fuzz_fail("token for another audience");
		} else if (json_is_array(v)) {
			for (i = 0; i < json_array_size(v); i++) {
				if (json_is_string(json_array_get(v, i)) &&
				    !strcmp(json_string_value(
				    json_array_get(v, i)), cfg->audience))
					break;
			}
			if (i == json_array_size(v))
				fuzz_fail("token for other audiences");
		} else {
			fuzz_fail("token without aud verified");
		}
	}
	if (c->sub[0] == '\0')
		fuzz_fail("token without sub verified");
	check_claim_str(pl, "sub", c->sub);
	check_claim_str(pl, "email", c->email);
	check_claim_str(pl, "name", c->name);
	check_claim_str(pl, "image", c->image);
	check_claim_str(pl, "role", c->role);
	json_decref(pl);

	/* One byte changed anywhere breaks it. */
	for (i = 0; i < len; i += 1 + len / 7) {
		bad = fuzz_strndup((const uint8_t *)tok, len);
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		r = jwt_verify(bad, len, jwks_count(fuzz_keys()->set) > 0 ?
		    fuzz_keys()->set : NULL, cfg, (time_t)NOW, &again);
		if (r == JWT_OK)
			fuzz_fail("token still verifies with byte %zu changed",
			    i);
		free(bad);
	}
}

/* A claim as copied, byte for byte (a JSON string may hold a NUL). */
static void
check_claim_str(json_t *pl, const char *name, const char *got)
{
	json_t		*v;

	v = json_object_get(pl, name);
	if (v == NULL || json_is_null(v)) {
		if (got[0] != '\0')
			fuzz_fail("claim %s absent but \"%s\"", name, got);
		return;
	}
	if (!json_is_string(v))
		fuzz_fail("claim %s not a string but verified", name);
	if (strlen(got) != json_string_length(v) ||
	    strcmp(got, json_string_value(v)))
		fuzz_fail("claim %s is \"%s\", token says \"%s\"", name, got,
		    json_string_value(v));
}

static void
check_zero(const struct jwt_claims *c, enum jwt_result r)
{
	const unsigned char	*p;
	size_t			i;

	p = (const unsigned char *)c;
	for (i = 0; i < sizeof(*c); i++) {
		if (p[i] != 0)
			fuzz_fail("claims not zeroed on error %s",
			    jwt_result_reason(r));
	}
}
