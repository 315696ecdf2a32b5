/*
 * base64url (RFC 4648 section 5) without padding: JWT segments, JWKS key
 * parameters and list cursors.
 */
#ifndef __H_B64URL_H
#define __H_B64URL_H

#include <stddef.h>

struct strbuf;

/*
 * Strict: no padding, no whitespace, nothing outside the alphabet, and
 * unused trailing bits zero. Returns 1 and sets *outlen, or 0.
 */
int	b64url_decode(const char *, size_t, unsigned char *, size_t,
	    size_t *);
void	b64url_encode(struct strbuf *, const void *, size_t);

#endif
