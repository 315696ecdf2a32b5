/*
 * OpenSSL's digests, written out as hex.
 */

#include <limits.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/hash.h"

static void	hash_hex(const unsigned char *, size_t, char *);

/* The lower-case hex SHA-256 of data; "" if OpenSSL fails. */
void
sha256_hex(const void *data, size_t len, char out[SHA256_HEX_SIZE])
{
	unsigned char		md[EVP_MAX_MD_SIZE];
	unsigned int		mdlen;

	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen * 2 + 1 != SHA256_HEX_SIZE) {
		out[0] = '\0';
		return;
	}

	hash_hex(md, mdlen, out);
}

/* HMAC-SHA256 of data with key (any length, empty included). */
int
hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
    unsigned char out[32])
{
	unsigned int	mdlen;

	if (keylen > INT_MAX)
		return (0);
	mdlen = 0;
	if (HMAC(EVP_sha256(), keylen > 0 ? key : "", (int)keylen,
	    data, len, out, &mdlen) == NULL || mdlen != 32)
		return (0);
	return (1);
}

/* X-Signature's form: lower-case hex. */
int
hmac_sha256_hex(const void *key, size_t keylen, const void *data,
    size_t len, char out[SHA256_HEX_SIZE])
{
	unsigned char	md[32];

	out[0] = '\0';
	if (!hmac_sha256(key, keylen, data, len, md))
		return (0);
	hash_hex(md, sizeof(md), out);
	return (1);
}

/* Standard Webhooks' form: base64 with padding. */
int
hmac_sha256_b64(const void *key, size_t keylen, const void *data,
    size_t len, char out[HMAC_SHA256_B64_SIZE])
{
	unsigned char	md[32];

	out[0] = '\0';
	if (!hmac_sha256(key, keylen, data, len, md))
		return (0);
	if (EVP_EncodeBlock((unsigned char *)out, md, sizeof(md)) !=
	    HMAC_SHA256_B64_SIZE - 1) {
		out[0] = '\0';
		return (0);
	}
	return (1);
}

static void
hash_hex(const unsigned char *md, size_t len, char *out)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < len; i++) {
		out[i * 2] = hex[md[i] >> 4];
		out[i * 2 + 1] = hex[md[i] & 0x0f];
	}
	out[len * 2] = '\0';
}
