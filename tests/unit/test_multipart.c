/*
 * Unit tests for src/core/multipart.c (cmocka): the boundary from the
 * Content-Type, the one `file` part's offset and length in the body fed
 * in pieces of every size, and each malformed body the upload refuses.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/multipart.h"

#define BODY								\
	"preamble\r\n--XyZ\r\n"						\
	"Content-Disposition: form-data; name=\"title\"\r\n\r\n"	\
	"hello\r\n--XyZ\r\n"						\
	"Content-Disposition: form-data; name=\"file\"; "		\
	"filename=\"a b.txt\"\r\nContent-Type: text/plain\r\n\r\n"	\
	"line1\r\n--XyYnot a delimiter\r\n--Xy\r\n-\r\r\n--X\r\n"		\
	"\r\n--XyZ--\r\nepilogue"
#define FILE_DATA	"line1\r\n--XyYnot a delimiter\r\n--Xy\r\n-\r\r\n--X\r\n"

static enum mp_status
parse(const char *boundary, const char *body, size_t len, size_t piece,
    struct mp_upload *up)
{
	struct mp_parser	mp;
	size_t			off, n;
	enum mp_status		st;

	mp_init(&mp, boundary, up);
	for (off = 0; off < len; off += n) {
		n = len - off < piece ? len - off : piece;
		if ((st = mp_feed(&mp, (const uint8_t *)body + off, n)) !=
		    MP_OK)
			return (st);
	}
	return (mp_finish(&mp));
}

static void
test_boundary(void **state)
{
	char	b[MP_BOUNDARY_MAX + 1];

	(void)state;
	assert_int_equal(mp_boundary("multipart/form-data; boundary=abc", b,
	    sizeof(b)), 1);
	assert_string_equal(b, "abc");
	assert_int_equal(mp_boundary("Multipart/Form-Data;boundary=\"a b\"",
	    b, sizeof(b)), 1);
	assert_string_equal(b, "a b");
	assert_int_equal(mp_boundary("multipart/form-data; charset=x; "
	    "BOUNDARY=q", b, sizeof(b)), 1);
	assert_string_equal(b, "q");
	assert_int_equal(mp_boundary("multipart/form-data", b, sizeof(b)), 0);
	assert_int_equal(mp_boundary("multipart/form-data; boundary=", b,
	    sizeof(b)), 0);
	assert_int_equal(mp_boundary("multipart/form-data; boundary=\"a \"",
	    b, sizeof(b)), 0);
	assert_int_equal(mp_boundary("multipart/form-data; boundary=a\x01", b,
	    sizeof(b)), 0);
	/* 71 characters: one over RFC 2046's limit. */
	assert_int_equal(mp_boundary("multipart/form-data; boundary="
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    b, sizeof(b)), 0);
	assert_int_equal(mp_boundary("multipart/mixed; boundary=a", b,
	    sizeof(b)), -1);
	assert_int_equal(mp_boundary("multipart/form-datax; boundary=a", b,
	    sizeof(b)), -1);
	assert_int_equal(mp_boundary("application/json", b, sizeof(b)), -1);
	assert_int_equal(mp_boundary(NULL, b, sizeof(b)), -1);
}

/* Whatever the pieces, the same file bytes are found. */
static void
test_file_in_pieces(void **state)
{
	struct mp_upload	up;
	size_t			piece, off;

	(void)state;
	off = strstr(BODY, FILE_DATA) - BODY;
	for (piece = 1; piece <= sizeof(BODY); piece++) {
		assert_int_equal(parse("XyZ", BODY, sizeof(BODY) - 1, piece,
		    &up), MP_OK);
		assert_true(up.found);
		assert_int_equal(up.data_offset, off);
		assert_int_equal(up.data_length, strlen(FILE_DATA));
		assert_string_equal(up.filename, "a b.txt");
		assert_string_equal(up.content_type, "text/plain");
	}
}

static void
test_empty_file_and_no_preamble(void **state)
{
	struct mp_upload	up;
	const char		*b = "--B\r\nContent-Disposition: form-data; "
	    "name=file\r\n\r\n\r\n--B--";

	(void)state;
	assert_int_equal(parse("B", b, strlen(b), 7, &up), MP_OK);
	assert_int_equal(up.data_length, 0);
	assert_false(up.filename_set);
	assert_string_equal(up.content_type, "");
}

static void
test_filename_forms(void **state)
{
	struct mp_upload	up;
	const char		*b1 = "--B\r\nContent-Disposition: form-data; "
	    "name=\"file\"; filename=\"x.txt\"; "
	    "filename*=UTF-8''r%C3%A9sum%C3%A9.txt\r\n\r\nx\r\n--B--";
	const char		*b2 = "--B\r\nContent-Disposition: form-data; "
	    "name=\"file\"; filename=\"C:\\dir\\a\\\"q\\\".txt\"\r\n\r\nx\r\n"
	    "--B--";
	const char		*b3 = "--B\r\nContent-Disposition: form-data; "
	    "name=\"file\"; filename=\"x\"; filename*=latin1''%E9\r\n\r\nx"
	    "\r\n--B--";

	(void)state;
	assert_int_equal(parse("B", b1, strlen(b1), 100, &up), MP_OK);
	assert_string_equal(up.filename, "r\xc3\xa9sum\xc3\xa9.txt");
	assert_int_equal(parse("B", b2, strlen(b2), 100, &up), MP_OK);
	assert_string_equal(up.filename, "C:\\dir\\a\"q\".txt");
	/* Not UTF-8: the plain filename stands. */
	assert_int_equal(parse("B", b3, strlen(b3), 100, &up), MP_OK);
	assert_string_equal(up.filename, "x");
}

static void
test_errors(void **state)
{
	struct mp_upload	up;
	char			big[MP_HEADER_MAX + 200];
	size_t			n;

	(void)state;
#define BAD(body, want)	\
	assert_int_equal(parse("B", body, strlen(body), 3, &up), want)
	BAD("", MP_ERR_TRUNCATED);
	BAD("no boundary at all", MP_ERR_TRUNCATED);
	BAD("--B\r\nContent-Disposition: form-data; name=file\r\n\r\nabc",
	    MP_ERR_TRUNCATED);
	BAD("--B\r\nContent-Disposition: form-data; name=file\r\n\r\nabc\r\n"
	    "--B", MP_ERR_TRUNCATED);
	BAD("--B\r\nContent-Disposition: form-data; name=file", MP_ERR_TRUNCATED);
	BAD("--Bx\r\n", MP_ERR_SYNTAX);
	BAD("--B-x", MP_ERR_SYNTAX);
	BAD("--B\rx", MP_ERR_SYNTAX);
	BAD("--B\r\nno colon\r\n\r\nx\r\n--B--", MP_ERR_SYNTAX);
	BAD("--B\r\nContent-Type: text/plain\r\n\r\nx\r\n--B--",
	    MP_ERR_NO_DISPOSITION);
	BAD("--B\r\n\r\nx\r\n--B--", MP_ERR_NO_DISPOSITION);
	BAD("--B\r\nContent-Disposition: attachment; name=file\r\n\r\nx\r\n"
	    "--B--", MP_ERR_NO_DISPOSITION);
	BAD("--B\r\nContent-Disposition: form-data; name=other\r\n\r\nx\r\n"
	    "--B--", MP_ERR_NO_FILE);
	BAD("--B--", MP_ERR_NO_FILE);
	BAD("--B\r\nContent-Disposition: form-data; name=file\r\n\r\nx\r\n"
	    "--B\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\ny\r\n"
	    "--B--", MP_ERR_TWO_FILES);
#undef BAD

	n = (size_t)snprintf(big, sizeof(big), "--B\r\nContent-Disposition: "
	    "form-data; name=file\r\nX: ");
	memset(big + n, 'a', MP_HEADER_MAX);
	n += MP_HEADER_MAX;
	n += (size_t)snprintf(big + n, sizeof(big) - n, "\r\n\r\nx\r\n--B--");
	assert_int_equal(parse("B", big, n, 4096, &up),
	    MP_ERR_HEADER_TOO_LARGE);
}

static void
test_too_many_parts(void **state)
{
	struct mp_upload	up;
	char			body[MP_PARTS_MAX * 64 + 64];
	size_t			n;
	int			i;

	(void)state;
	n = 0;
	for (i = 0; i <= MP_PARTS_MAX; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "--B\r\n"
		    "Content-Disposition: form-data; name=f%d\r\n\r\nx\r\n", i);
	n += (size_t)snprintf(body + n, sizeof(body) - n, "--B--");
	assert_int_equal(parse("B", body, n, 64, &up), MP_ERR_TOO_MANY_PARTS);
}

static void
test_messages(void **state)
{
	(void)state;
	assert_non_null(strstr(mp_error_message(MP_ERR_TRUNCATED),
	    "truncated"));
	assert_non_null(strstr(mp_error_message(MP_ERR_HEADER_TOO_LARGE),
	    "8192"));
	assert_string_equal(mp_error_message(MP_ERR_NO_FILE),
	    "Field required");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boundary),
		cmocka_unit_test(test_file_in_pieces),
		cmocka_unit_test(test_empty_file_and_no_preamble),
		cmocka_unit_test(test_filename_forms),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_too_many_parts),
		cmocka_unit_test(test_messages),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
