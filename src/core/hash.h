/*
 * Digests as text: checksums, cache keys, request and claim hashes.
 */
#ifndef __H_HASH_H
#define __H_HASH_H

#include <stddef.h>

/* 64 lower-case hex digits and a NUL. */
#define SHA256_HEX_SIZE		65

void	sha256_hex(const void *, size_t, char [SHA256_HEX_SIZE]);

#endif
