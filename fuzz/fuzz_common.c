/*
 * Helpers of the fuzz targets (fuzz.h).
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

void
fuzz_fail(const char *fmt, ...)
{
	va_list		args;

	fprintf(stderr, "fuzz property failed: ");
	va_start(args, fmt);
	vfprintf(stderr, fmt, args);
	va_end(args);
	fprintf(stderr, "\n");
	abort();
}

void
fuzz_known(const char *id, const char *fmt, ...)
{
	static unsigned long	count;
	const char		*known, *p;
	size_t			len;
	va_list			args;

	len = strlen(id);
	if ((known = getenv("FUZZ_KNOWN_FINDINGS")) != NULL) {
		for (p = known; (p = strstr(p, id)) != NULL; p += len) {
			if ((p == known || p[-1] == ',') &&
			    (p[len] == '\0' || p[len] == ',')) {
				/* Said once, so a long run's log stays short. */
				if (count++ == 0)
					fprintf(stderr, "known finding %s seen "
					    "(FUZZ_KNOWN_FINDINGS)\n", id);
				return;
			}
		}
	}

	fprintf(stderr, "fuzz property failed (finding %s): ", id);
	va_start(args, fmt);
	vfprintf(stderr, fmt, args);
	va_end(args);
	fprintf(stderr, "\n");
	abort();
}

char *
fuzz_strndup(const uint8_t *data, size_t len)
{
	char	*s;

	if ((s = malloc(len + 1)) == NULL)
		abort();
	memcpy(s, data, len);
	s[len] = '\0';
	return (s);
}

/*
 * Well-formed sequences are kept (no overlongs, no surrogates, at most
 * U+10FFFF); any other byte, and NUL, becomes '?'.
 */
char *
fuzz_utf8(const uint8_t *d, size_t len, size_t *outlen)
{
	char		*s;
	size_t		i, o, n, k;
	uint32_t	cp;

	if ((s = malloc(len + 1)) == NULL)
		abort();
	for (i = 0, o = 0; i < len; ) {
		n = d[i] < 0x80 ? 1 : (d[i] & 0xe0) == 0xc0 ? 2 :
		    (d[i] & 0xf0) == 0xe0 ? 3 : (d[i] & 0xf8) == 0xf0 ? 4 : 0;
		cp = n == 1 ? d[i] : n == 2 ? d[i] & 0x1f : n == 3 ?
		    d[i] & 0x0f : d[i] & 0x07;
		for (k = 1; n > 1 && k < n; k++) {
			if (i + k >= len || (d[i + k] & 0xc0) != 0x80)
				break;
			cp = cp << 6 | (d[i + k] & 0x3f);
		}
		if (n == 0 || k < n || cp == 0 ||
		    (n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
		    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff)) {
			s[o++] = '?';
			i++;
			continue;
		}
		memcpy(s + o, d + i, n);
		o += n;
		i += n;
	}
	s[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return (s);
}

int
fuzz_split(const uint8_t **data, size_t *len, uint8_t sep,
    const uint8_t **part, size_t *partlen)
{
	const uint8_t	*p;

	if (*len == 0)
		return (0);
	*part = *data;
	if ((p = memchr(*data, sep, *len)) == NULL) {
		*partlen = *len;
		*data += *len;
		*len = 0;
	} else {
		*partlen = (size_t)(p - *data);
		*len -= *partlen + 1;
		*data = p + 1;
	}
	return (1);
}

char *
fuzz_b64url(const void *in, size_t len)
{
	static const char	alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	const uint8_t		*d = in;
	char			*out;
	size_t			i, o;
	uint32_t		v;

	if ((out = malloc(((len + 2) / 3) * 4 + 1)) == NULL)
		abort();
	for (i = 0, o = 0; i + 2 < len; i += 3) {
		v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 | d[i + 2];
		out[o++] = alpha[(v >> 18) & 63];
		out[o++] = alpha[(v >> 12) & 63];
		out[o++] = alpha[(v >> 6) & 63];
		out[o++] = alpha[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)d[i] << 16;
		out[o++] = alpha[(v >> 18) & 63];
		out[o++] = alpha[(v >> 12) & 63];
	} else if (len - i == 2) {
		v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8;
		out[o++] = alpha[(v >> 18) & 63];
		out[o++] = alpha[(v >> 12) & 63];
		out[o++] = alpha[(v >> 6) & 63];
	}
	out[o] = '\0';
	return (out);
}
