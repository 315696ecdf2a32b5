/*
 * base64url by hand for decoding, where OpenSSL's decoder is too lenient
 * (it skips whitespace and accepts padding); its encoder for encoding.
 */

#include <string.h>

#include <openssl/evp.h>

#include "core/b64url.h"
#include "core/strbuf.h"

static int	b64url_val(int);

int
b64url_decode(const char *in, size_t inlen, unsigned char *out,
    size_t outmax, size_t *outlen)
{
	size_t		i, o, need;
	unsigned int	acc;
	int		v, bits;

	*outlen = 0;

	/* A lone trailing character cannot encode a full byte. */
	if (inlen % 4 == 1)
		return (0);

	need = (inlen / 4) * 3 + ((inlen % 4) ? (inlen % 4) - 1 : 0);
	if (need > outmax)
		return (0);

	acc = 0;
	bits = 0;
	o = 0;

	for (i = 0; i < inlen; i++) {
		if ((v = b64url_val((unsigned char)in[i])) < 0)
			return (0);
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}

	/* Non-canonical encodings (stray low bits) are rejected. */
	if (acc != 0)
		return (0);

	*outlen = o;

	return (1);
}

/* Appends the encoding of data to b (a failure is strbuf's sticky one). */
void
b64url_encode(struct strbuf *b, const void *data, size_t len)
{
	const unsigned char	*in = data;
	unsigned char		 quad[5];
	size_t			 i, n, k;

	/* Three bytes at a time: no buffer of the whole encoding. */
	for (i = 0; i < len; i += 3) {
		n = len - i < 3 ? len - i : 3;
		(void)EVP_EncodeBlock(quad, in + i, (int)n);
		for (k = 0; k < n + 1; k++) {
			if (quad[k] == '+')
				quad[k] = '-';
			else if (quad[k] == '/')
				quad[k] = '_';
		}
		strbuf_add(b, quad, n + 1);
	}
}

static int
b64url_val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '-')
		return (62);
	if (c == '_')
		return (63);

	return (-1);
}
