/*
 * Filenames are stored as the client's base name, so nothing a client
 * sends can name a path or carry control characters into a header; the
 * download's header then quotes a plain-ASCII copy and percent-encodes
 * the UTF-8 one (RFC 6266, RFC 8187).
 */

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/att_meta.h"

static size_t	utf8_char(const unsigned char *, size_t);
static int	token_char(int);

/*
 * The base name of in (after the last / or \), without control
 * characters (C0, DEL, C1); "file" unless that is valid UTF-8 of
 * 1..255 bytes and not "." or "..".
 */
void
att_filename(const char *in, char out[ATT_FILENAME_MAX + 1])
{
	const unsigned char	*s;
	const char		*p;
	size_t			 n, o, len;

	if ((p = strrchr(in, '/')) != NULL)
		in = p + 1;
	if ((p = strrchr(in, '\\')) != NULL)
		in = p + 1;

	s = (const unsigned char *)in;
	len = strlen(in);
	for (o = 0; len > 0; s += n, len -= n) {
		if ((n = utf8_char(s, len)) == 0)
			goto fallback;
		if (n == 1 && (*s < 0x20 || *s == 0x7f))
			continue;
		if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0)
			continue;	/* U+0080..U+009F */
		if (o + n > ATT_FILENAME_MAX)
			goto fallback;
		memcpy(out + o, s, n);
		o += n;
	}
	out[o] = '\0';
	if (o == 0 || strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
		goto fallback;
	return;

fallback:
	(void)snprintf(out, ATT_FILENAME_MAX + 1, "file");
}

/*
 * in when it is a media type (type "/" subtype, tokens, then any
 * parameters as sent, RFC 9110 8.3.1), type and subtype lower-cased;
 * else application/octet-stream.
 */
void
att_media_type(const char *in, char out[ATT_TYPE_MAX + 1])
{
	size_t		i, len, t, st;

	len = strlen(in);
	while (len > 0 && (in[len - 1] == ' ' || in[len - 1] == '\t'))
		len--;
	if (len == 0 || len > ATT_TYPE_MAX)
		goto fallback;

	for (t = 0; t < len && token_char((unsigned char)in[t]); t++)
		;
	if (t == 0 || t == len || in[t] != '/')
		goto fallback;
	for (st = t + 1; st < len && token_char((unsigned char)in[st]); st++)
		;
	if (st == t + 1)
		goto fallback;
	if (st < len && in[st] != ';' && in[st] != ' ' && in[st] != '\t')
		goto fallback;
	for (i = st; i < len; i++) {
		/* Parameters: visible ASCII and blanks only. */
		if ((unsigned char)in[i] < 0x20 && in[i] != '\t')
			goto fallback;
		if ((unsigned char)in[i] >= 0x7f)
			goto fallback;
	}
	if (st < len) {
		for (i = st; i < len && (in[i] == ' ' || in[i] == '\t'); i++)
			;
		if (i < len && in[i] != ';')
			goto fallback;
	}

	for (i = 0; i < st; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	memcpy(out + st, in + st, len - st);
	out[len] = '\0';
	return;

fallback:
	(void)snprintf(out, ATT_TYPE_MAX + 1, "application/octet-stream");
}

/*
 * attachment; filename="<ASCII, one _ per other character>";
 * filename*=UTF-8''<percent-encoded>, for a name att_filename() made.
 */
void
att_disposition(const char *name, char out[ATT_DISPOSITION_MAX])
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*s;
	size_t			 o, n, len;

	o = (size_t)snprintf(out, ATT_DISPOSITION_MAX,
	    "attachment; filename=\"");
	s = (const unsigned char *)name;
	len = strlen(name);
	for (; len > 0 && o + 2 < ATT_DISPOSITION_MAX; s += n, len -= n) {
		if ((n = utf8_char(s, len)) == 0)
			n = 1;
		if (n > 1 || *s < 0x20 || *s >= 0x7f || *s == '"' ||
		    *s == '\\')
			out[o++] = '_';
		else
			out[o++] = (char)*s;
	}
	o += (size_t)snprintf(out + o, ATT_DISPOSITION_MAX - o,
	    "\"; filename*=UTF-8''");
	for (s = (const unsigned char *)name; *s != '\0' &&
	    o + 4 < ATT_DISPOSITION_MAX; s++) {
		if (isalnum(*s) || strchr("!#$&+-.^_`|~", *s) != NULL) {
			out[o++] = (char)*s;
		} else {
			out[o++] = '%';
			out[o++] = hex[*s >> 4];
			out[o++] = hex[*s & 0x0f];
		}
	}
	out[o] = '\0';
}

/* The length of the valid UTF-8 character at s, 0 when it is not one. */
static size_t
utf8_char(const unsigned char *s, size_t len)
{
	size_t		n, i;
	unsigned int	cp;

	if (s[0] < 0x80)
		return (1);
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return (0);
	}
	if (len < n)
		return (0);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return (0);
	return (n);
}

static int
token_char(int c)
{
	return (c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?={}", c) ==
	    NULL);
}
