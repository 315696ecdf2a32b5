/*
 * multipart/form-data bodies (src/core/multipart.c), what the upload makes
 * of their file part's name and type (src/core/att_meta.c), and Range
 * headers (src/core/byterange.c).
 *
 * Input: the boundary, a newline, then the body (no newline: boundary
 * "B" and all of it is the body). Properties:
 *  - the verdict and the file found do not depend on how the body is cut
 *    into pieces (all at once, byte by byte, 7-byte pieces);
 *  - an accepted file lies inside the body, is followed by the delimiter
 *    and holds no delimiter itself;
 *  - a stored filename is 1..255 bytes without path separators or
 *    control characters; a stored type has no control characters; a
 *    Content-Disposition built from the name is one header line;
 *  - a satisfiable range lies inside the size it was parsed against.
 */

#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/att_meta.h"
#include "core/byterange.h"
#include "core/multipart.h"
#include "fuzz.h"

static enum mp_status	run(const char *, const uint8_t *, size_t, size_t,
			    struct mp_upload *);
static void		check_meta(const struct mp_upload *);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_upload	*a, *b, *c;
	const uint8_t		*nl, *body;
	char			 boundary[MP_BOUNDARY_MAX + 1], delim[80];
	char			*text;
	size_t			 blen, len, dlen;
	enum mp_status		 sa, sb, sc;
	uint64_t		 first, last;

	nl = memchr(data, '\n', size < 72 ? size : 72);
	if (nl != NULL && nl > data && (size_t)(nl - data) <= MP_BOUNDARY_MAX &&
	    memchr(data, '\r', (size_t)(nl - data)) == NULL &&
	    memchr(data, '\0', (size_t)(nl - data)) == NULL) {
		blen = (size_t)(nl - data);
		memcpy(boundary, data, blen);
		boundary[blen] = '\0';
		body = nl + 1;
	} else {
		strcpy(boundary, "B");
		body = data;
	}
	len = size - (size_t)(body - data);

	a = malloc(sizeof(*a));
	b = malloc(sizeof(*b));
	c = malloc(sizeof(*c));
	if (a == NULL || b == NULL || c == NULL)
		abort();
	sa = run(boundary, body, len, len == 0 ? 1 : len, a);
	sb = run(boundary, body, len, 1, b);
	sc = run(boundary, body, len, 7, c);
	if (sa != sb || sa != sc)
		fuzz_fail("verdict depends on the pieces: %d %d %d", sa, sb,
		    sc);
	if (sa == MP_OK) {
		if (a->data_offset != b->data_offset ||
		    a->data_length != b->data_length ||
		    a->data_offset != c->data_offset ||
		    a->data_length != c->data_length ||
		    strcmp(a->filename, b->filename) ||
		    strcmp(a->content_type, c->content_type))
			fuzz_fail("file part depends on the pieces");
		dlen = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s",
		    boundary);
		if (a->data_offset + a->data_length + dlen > len)
			fuzz_fail("file part outside the body");
		if (memcmp(body + a->data_offset + a->data_length, delim,
		    dlen) != 0)
			fuzz_fail("file part not followed by its delimiter");
		if (a->data_length >= dlen && memmem(body + a->data_offset,
		    a->data_length, delim, dlen) != NULL)
			fuzz_fail("file part holds a delimiter");
		check_meta(a);
	}

	text = fuzz_strndup(body, len);
	if (byterange_parse(text, len, &first, &last) == BYTERANGE_OK &&
	    (first > last || last >= len))
		fuzz_fail("range %llu-%llu outside %zu",
		    (unsigned long long)first, (unsigned long long)last, len);
	free(text);

	free(a);
	free(b);
	free(c);
	return (0);
}

static enum mp_status
run(const char *boundary, const uint8_t *body, size_t len, size_t piece,
    struct mp_upload *up)
{
	struct mp_parser	*mp;
	enum mp_status		 st;
	size_t			 off, n;

	if ((mp = malloc(sizeof(*mp))) == NULL)
		abort();
	mp_init(mp, boundary, up);
	st = MP_OK;
	for (off = 0; off < len && st == MP_OK; off += n) {
		n = len - off < piece ? len - off : piece;
		st = mp_feed(mp, body + off, n);
	}
	if (st == MP_OK)
		st = mp_finish(mp);
	free(mp);
	return (st);
}

static void
check_meta(const struct mp_upload *up)
{
	char		name[ATT_FILENAME_MAX + 1], type[ATT_TYPE_MAX + 1];
	char		disp[ATT_DISPOSITION_MAX];
	size_t		i, n;

	att_filename(up->filename, name);
	n = strlen(name);
	if (n == 0 || n > ATT_FILENAME_MAX)
		fuzz_fail("filename of %zu bytes", n);
	for (i = 0; i < n; i++) {
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f ||
		    name[i] == '/' || name[i] == '\\')
			fuzz_fail("filename byte 0x%02x", (unsigned char)name[i]);
	}
	att_media_type(up->content_type, type);
	for (i = 0; type[i] != '\0'; i++) {
		if ((unsigned char)type[i] < 0x20 && type[i] != '\t')
			fuzz_fail("content type byte 0x%02x",
			    (unsigned char)type[i]);
	}
	att_disposition(name, disp);
	if (strncmp(disp, "attachment; filename=\"", 22) != 0 ||
	    strpbrk(disp, "\r\n") != NULL || strlen(disp) + 1 >= sizeof(disp))
		fuzz_fail("Content-Disposition: %s", disp);
}
