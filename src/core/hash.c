/*
 * OpenSSL's digests, written out as hex.
 */

#include <openssl/evp.h>

#include "core/hash.h"

/* The lower-case hex SHA-256 of data; "" if OpenSSL fails. */
void
sha256_hex(const void *data, size_t len, char out[SHA256_HEX_SIZE])
{
	static const char	hex[] = "0123456789abcdef";
	unsigned char		md[EVP_MAX_MD_SIZE];
	unsigned int		i, mdlen;

	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen * 2 + 1 != SHA256_HEX_SIZE) {
		out[0] = '\0';
		return;
	}

	for (i = 0; i < mdlen; i++) {
		out[i * 2] = hex[md[i] >> 4];
		out[i * 2 + 1] = hex[md[i] & 0x0f];
	}
	out[mdlen * 2] = '\0';
}
