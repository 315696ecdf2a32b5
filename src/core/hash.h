/*
 * Digests as text: checksums, cache keys, request and claim hashes, and
 * the HMACs that sign webhooks.
 */
#ifndef __H_HASH_H
#define __H_HASH_H

#include <stddef.h>

/* 64 lower-case hex digits and a NUL. */
#define SHA256_HEX_SIZE		65

/* A 32-byte HMAC-SHA256 in standard base64 (44 characters) and a NUL. */
#define HMAC_SHA256_B64_SIZE	45

void	sha256_hex(const void *, size_t, char [SHA256_HEX_SIZE]);
int	hmac_sha256(const void *, size_t, const void *, size_t,
	    unsigned char [32]);
int	hmac_sha256_hex(const void *, size_t, const void *, size_t,
	    char [SHA256_HEX_SIZE]);
int	hmac_sha256_b64(const void *, size_t, const void *, size_t,
	    char [HMAC_SHA256_B64_SIZE]);

#endif
