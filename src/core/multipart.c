/*
 * A delimiter is CRLF "--" boundary; a boundary holds no CR, so a CR is
 * only ever the first byte of one and a failed partial match needs no
 * back-tracking: the bytes held back are the delimiter's own prefix.
 * The body's start counts as if a CRLF came before it, so the first
 * boundary line needs none.
 */

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/multipart.h"

enum {
	ST_PREAMBLE = 0,	/* looking for the first delimiter */
	ST_AFTER_DELIM,		/* "--" (the end) or padding then CRLF */
	ST_AFTER_DELIM_LF,
	ST_AFTER_DASH,
	ST_HEADERS,
	ST_DATA,
	ST_EPILOGUE,
	ST_FAILED
};

static enum mp_status	mp_fail(struct mp_parser *, enum mp_status);
static enum mp_status	mp_headers(struct mp_parser *);
static int		mp_param(const char *, const char *, char *, size_t,
			    int *);
static int		mp_ext_value(const char *, char *, size_t);
static int		mp_boundary_char(int);
static int		mp_token_char(int);

/*
 * The boundary of a multipart/form-data Content-Type: 1 and the boundary
 * in out, 0 when the type is multipart/form-data without a valid one,
 * -1 when it is another type.
 */
int
mp_boundary(const char *ctype, char *out, size_t outlen)
{
	const char	*p;
	char		 b[MP_BOUNDARY_MAX + 2];
	size_t		 n;
	int		 quoted;

	if (ctype == NULL)
		return (-1);
	while (*ctype == ' ' || *ctype == '\t')
		ctype++;
	if (strncasecmp(ctype, "multipart/form-data", 19) != 0 ||
	    (ctype[19] != '\0' && ctype[19] != ';' && ctype[19] != ' ' &&
	    ctype[19] != '\t'))
		return (-1);

	if (!mp_param(ctype + 19, "boundary", b, sizeof(b), &quoted))
		return (0);
	n = strlen(b);
	if (n == 0 || n > MP_BOUNDARY_MAX || n + 1 > outlen)
		return (0);
	for (p = b; *p != '\0'; p++) {
		if (!mp_boundary_char((unsigned char)*p))
			return (0);
	}
	/* A boundary may not end in a space (RFC 2046 bcharsnospace). */
	if (b[n - 1] == ' ')
		return (0);

	memcpy(out, b, n + 1);
	return (1);
}

void
mp_init(struct mp_parser *mp, const char *boundary, struct mp_upload *up)
{
	memset(mp, 0, sizeof(*mp));
	memset(up, 0, sizeof(*up));
	mp->dlen = (size_t)snprintf(mp->delim, sizeof(mp->delim), "\r\n--%s",
	    boundary);
	if (mp->dlen >= sizeof(mp->delim))
		mp->dlen = sizeof(mp->delim) - 1;
	mp->match = 2;		/* the body's start stands for a CRLF */
	mp->state = ST_PREAMBLE;
	mp->up = up;
}

enum mp_status
mp_feed(struct mp_parser *mp, const uint8_t *data, size_t len)
{
	size_t		i;
	uint8_t		c;

	for (i = 0; i < len; i++, mp->offset++) {
		c = data[i];
		switch (mp->state) {
		case ST_FAILED:
			return (mp->error);
		case ST_EPILOGUE:
			mp->offset += len - i;
			return (MP_OK);
		case ST_PREAMBLE:
		case ST_DATA:
			if (c == (uint8_t)mp->delim[mp->match]) {
				if (++mp->match == mp->dlen) {
					mp->match = 0;
					if (mp->state == ST_DATA && mp->in_file)
						mp->up->data_length =
						    mp->offset + 1 - mp->dlen -
						    mp->up->data_offset;
					mp->in_file = 0;
					mp->state = ST_AFTER_DELIM;
				}
				break;
			}
			/* The held-back prefix was data after all. */
			mp->match = (c == '\r') ? 1 : 0;
			break;
		case ST_AFTER_DELIM:
			if (c == '-') {
				mp->state = ST_AFTER_DASH;
			} else if (c == '\r') {
				mp->state = ST_AFTER_DELIM_LF;
			} else if (c != ' ' && c != '\t') {
				return (mp_fail(mp, MP_ERR_SYNTAX));
			}
			break;
		case ST_AFTER_DASH:
			if (c != '-')
				return (mp_fail(mp, MP_ERR_SYNTAX));
			mp->state = ST_EPILOGUE;
			break;
		case ST_AFTER_DELIM_LF:
			if (c != '\n')
				return (mp_fail(mp, MP_ERR_SYNTAX));
			if (++mp->parts > MP_PARTS_MAX)
				return (mp_fail(mp, MP_ERR_TOO_MANY_PARTS));
			mp->hlen = 0;
			mp->state = ST_HEADERS;
			break;
		case ST_HEADERS:
			if (mp->hlen == sizeof(mp->hdr))
				return (mp_fail(mp, MP_ERR_HEADER_TOO_LARGE));
			mp->hdr[mp->hlen++] = (char)c;
			if (c != '\n')
				break;
			if ((mp->hlen == 2 && mp->hdr[0] == '\r') ||
			    (mp->hlen >= 4 &&
			    memcmp(mp->hdr + mp->hlen - 4, "\r\n\r\n", 4) == 0)) {
				if (mp_headers(mp) != MP_OK)
					return (mp->error);
				mp->state = ST_DATA;
				mp->match = 0;
				if (mp->in_file)
					mp->up->data_offset = mp->offset + 1;
			}
			break;
		}
	}

	return (mp->state == ST_FAILED ? mp->error : MP_OK);
}

/* The end of the body: complete only after the closing delimiter. */
enum mp_status
mp_finish(struct mp_parser *mp)
{
	if (mp->state == ST_FAILED)
		return (mp->error);
	if (mp->state != ST_EPILOGUE)
		return (mp_fail(mp, MP_ERR_TRUNCATED));
	if (!mp->up->found)
		return (mp_fail(mp, MP_ERR_NO_FILE));
	return (MP_OK);
}

const char *
mp_error_message(enum mp_status s)
{
	switch (s) {
	case MP_OK:
		return ("ok");
	case MP_ERR_TRUNCATED:
		return ("Multipart body is truncated (no closing boundary)");
	case MP_ERR_SYNTAX:
		return ("Multipart body is malformed");
	case MP_ERR_HEADER_TOO_LARGE:
		return ("Multipart part headers are over 8192 bytes");
	case MP_ERR_NO_DISPOSITION:
		return ("Multipart part has no form-data Content-Disposition "
		    "with a name");
	case MP_ERR_TOO_MANY_PARTS:
		return ("Multipart body has too many parts");
	case MP_ERR_TWO_FILES:
		return ("Only one file may be uploaded per request");
	case MP_ERR_NO_FILE:
		return ("Field required");
	}
	return ("Multipart body is malformed");
}

static enum mp_status
mp_fail(struct mp_parser *mp, enum mp_status s)
{
	mp->state = ST_FAILED;
	mp->error = s;
	return (s);
}

/*
 * One part's header block (CRLF-terminated lines, NUL-free): the part
 * named "file" is the upload; others are ignored.
 */
static enum mp_status
mp_headers(struct mp_parser *mp)
{
	char		 name[256], ext[MP_FILENAME_MAX + 1];
	char		*line, *next, *value, *end;
	const char	*disp, *ctype;
	int		 quoted, have_ext;

	if (memchr(mp->hdr, '\0', mp->hlen) != NULL)
		return (mp_fail(mp, MP_ERR_SYNTAX));
	mp->hdr[mp->hlen - 2] = '\0';	/* drop the final CRLF */

	disp = NULL;
	ctype = NULL;
	for (line = mp->hdr; line != NULL && *line != '\0'; line = next) {
		if ((end = strstr(line, "\r\n")) != NULL) {
			*end = '\0';
			next = end + 2;
		} else {
			next = NULL;
		}
		if ((value = strchr(line, ':')) == NULL)
			return (mp_fail(mp, MP_ERR_SYNTAX));
		*value++ = '\0';
		while (*value == ' ' || *value == '\t')
			value++;
		if (strcasecmp(line, "content-disposition") == 0)
			disp = value;
		else if (strcasecmp(line, "content-type") == 0)
			ctype = value;
	}

	if (disp == NULL || strncasecmp(disp, "form-data", 9) != 0 ||
	    (disp[9] != '\0' && disp[9] != ';' && disp[9] != ' '))
		return (mp_fail(mp, MP_ERR_NO_DISPOSITION));
	if (!mp_param(disp + 9, "name", name, sizeof(name), &quoted))
		return (mp_fail(mp, MP_ERR_NO_DISPOSITION));
	if (strcmp(name, "file") != 0)
		return (MP_OK);

	if (mp->up->found)
		return (mp_fail(mp, MP_ERR_TWO_FILES));
	mp->up->found = 1;
	mp->in_file = 1;

	have_ext = mp_param(disp + 9, "filename*", ext, sizeof(ext), &quoted);
	if (have_ext && mp_ext_value(ext, mp->up->filename,
	    sizeof(mp->up->filename))) {
		mp->up->filename_set = 1;
	} else if (mp_param(disp + 9, "filename", mp->up->filename,
	    sizeof(mp->up->filename), &quoted)) {
		mp->up->filename_set = 1;
	}

	if (ctype != NULL && strlen(ctype) <= MP_TYPE_MAX)
		memcpy(mp->up->content_type, ctype, strlen(ctype) + 1);

	return (MP_OK);
}

/*
 * The value of parameter `want` in "; a=b; c="d"" (names
 * case-insensitive; quoted strings with \" and \\ escapes). 0 when it is
 * absent, empty-named, or too long for out.
 */
static int
mp_param(const char *s, const char *want, char *out, size_t outlen,
    int *quoted)
{
	char		pname[64];
	size_t		n, o;
	int		match;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == ';')
			s++;
		if (*s == '\0')
			return (0);

		n = 0;
		while (*s != '\0' && *s != '=' && *s != ';' && *s != ' ' &&
		    *s != '\t') {
			if (n + 1 < sizeof(pname))
				pname[n++] = *s;
			s++;
		}
		pname[n] = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s != '=') {
			if (*s == '\0')
				return (0);
			continue;
		}
		s++;
		while (*s == ' ' || *s == '\t')
			s++;

		match = (n > 0 && strcasecmp(pname, want) == 0);
		o = 0;
		*quoted = 0;
		if (*s == '"') {
			*quoted = 1;
			for (s++; *s != '\0' && *s != '"'; s++) {
				/*
				 * Only \" and \\ are escapes: browsers send a
				 * Windows path's backslashes as they are.
				 */
				if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
					s++;
				if (match) {
					if (o + 1 >= outlen)
						return (0);
					out[o++] = *s;
				}
			}
			if (*s != '"')
				return (0);	/* unterminated */
			s++;
		} else {
			for (; *s != '\0' && *s != ';' && *s != ' ' &&
			    *s != '\t'; s++) {
				if (match) {
					if (o + 1 >= outlen)
						return (0);
					out[o++] = *s;
				}
			}
		}
		if (match) {
			out[o] = '\0';
			return (1);
		}
	}
}

/* RFC 8187 ext-value: UTF-8'lang'percent-encoded, decoded into out. */
static int
mp_ext_value(const char *v, char *out, size_t outlen)
{
	const char	*p;
	size_t		 o;
	int		 hi, lo;

	if (strncasecmp(v, "utf-8'", 6) != 0)
		return (0);
	if ((p = strchr(v + 6, '\'')) == NULL)
		return (0);

	for (p++, o = 0; *p != '\0'; p++) {
		if (o + 1 >= outlen)
			return (0);
		if (*p == '%') {
			if (!isxdigit((unsigned char)p[1]) ||
			    !isxdigit((unsigned char)p[2]))
				return (0);
			hi = isdigit((unsigned char)p[1]) ? p[1] - '0' :
			    (tolower((unsigned char)p[1]) - 'a' + 10);
			lo = isdigit((unsigned char)p[2]) ? p[2] - '0' :
			    (tolower((unsigned char)p[2]) - 'a' + 10);
			out[o++] = (char)(hi * 16 + lo);
			p += 2;
		} else if (mp_token_char((unsigned char)*p)) {
			out[o++] = *p;
		} else {
			return (0);
		}
	}
	out[o] = '\0';
	return (1);
}

static int
mp_boundary_char(int c)
{
	return (isalnum(c) || strchr("'()+_,-./:=? ", c) != NULL);
}

static int
mp_token_char(int c)
{
	return (c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?={}", c) ==
	    NULL);
}
