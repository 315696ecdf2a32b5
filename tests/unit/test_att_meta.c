/*
 * Unit tests for src/core/att_meta.c and src/core/byterange.c (cmocka):
 * stored filenames, media types, the download's Content-Disposition, and
 * Range headers against a size.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/att_meta.h"
#include "core/byterange.h"

static void
name_is(const char *in, const char *want)
{
	char	out[ATT_FILENAME_MAX + 1];

	att_filename(in, out);
	assert_string_equal(out, want);
}

static void
test_filename(void **state)
{
	char	long_name[300];

	(void)state;
	name_is("report.pdf", "report.pdf");
	name_is("../../etc/passwd", "passwd");
	name_is("C:\\Users\\me\\a.txt", "a.txt");
	name_is("a\x01\x1f\x7f" "b", "ab");
	name_is("a\xc2\x85" "b", "ab");			/* C1 NEL */
	name_is("r\xc3\xa9sum\xc3\xa9", "r\xc3\xa9sum\xc3\xa9");
	name_is("", "file");
	name_is("dir/", "file");
	name_is(".", "file");
	name_is("..", "file");
	name_is("\x01\x02", "file");
	name_is("bad\xff", "file");			/* not UTF-8 */
	name_is("\xc0\xaf", "file");			/* overlong */
	name_is("\xed\xa0\x80", "file");		/* a surrogate */
	memset(long_name, 'x', 255);
	long_name[255] = '\0';
	name_is(long_name, long_name);
	long_name[255] = 'x';
	long_name[256] = '\0';
	name_is(long_name, "file");
}

static void
type_is(const char *in, const char *want)
{
	char	out[ATT_TYPE_MAX + 1];

	att_media_type(in, out);
	assert_string_equal(out, want);
}

static void
test_media_type(void **state)
{
	(void)state;
	type_is("text/plain", "text/plain");
	type_is("Image/PNG", "image/png");
	type_is("text/plain; charset=UTF-8", "text/plain; charset=UTF-8");
	type_is("application/vnd.api+json", "application/vnd.api+json");
	type_is("", "application/octet-stream");
	type_is("text", "application/octet-stream");
	type_is("text/", "application/octet-stream");
	type_is("/plain", "application/octet-stream");
	type_is("text/plain x", "application/octet-stream");
	type_is("te xt/plain", "application/octet-stream");
	type_is("text/plain;\r\nX-Injected: 1", "application/octet-stream");
	type_is("text/pl\xc3\xa9", "application/octet-stream");
}

static void
test_disposition(void **state)
{
	char	out[ATT_DISPOSITION_MAX];

	(void)state;
	att_disposition("a.txt", out);
	assert_string_equal(out,
	    "attachment; filename=\"a.txt\"; filename*=UTF-8''a.txt");
	att_disposition("r\xc3\xa9sum\xc3\xa9 \"v2\"\\.txt", out);
	assert_string_equal(out, "attachment; filename=\"r_sum_ _v2__.txt\"; "
	    "filename*=UTF-8''r%C3%A9sum%C3%A9%20%22v2%22%5C.txt");
	att_disposition("a;b=c", out);
	assert_string_equal(out, "attachment; filename=\"a;b=c\"; "
	    "filename*=UTF-8''a%3Bb%3Dc");
}

static void
range_is(const char *h, uint64_t size, enum byterange want, uint64_t first,
    uint64_t last)
{
	uint64_t	f, l;

	f = l = 12345;
	assert_int_equal(byterange_parse(h, size, &f, &l), want);
	if (want == BYTERANGE_OK) {
		assert_int_equal(f, first);
		assert_int_equal(l, last);
	}
}

static void
test_range(void **state)
{
	(void)state;
	range_is(NULL, 10, BYTERANGE_NONE, 0, 0);
	range_is("bytes=0-4", 10, BYTERANGE_OK, 0, 4);
	range_is("bytes=0-0", 10, BYTERANGE_OK, 0, 0);
	range_is("bytes=9-9", 10, BYTERANGE_OK, 9, 9);
	range_is("bytes=5-", 10, BYTERANGE_OK, 5, 9);
	range_is("bytes=-3", 10, BYTERANGE_OK, 7, 9);
	range_is("bytes=-30", 10, BYTERANGE_OK, 0, 9);
	range_is("bytes=3-100", 10, BYTERANGE_OK, 3, 9);
	range_is(" bytes= 2-3 ", 10, BYTERANGE_OK, 2, 3);
	range_is("bytes=10-", 10, BYTERANGE_UNSATISFIABLE, 0, 0);
	range_is("bytes=10-20", 10, BYTERANGE_UNSATISFIABLE, 0, 0);
	range_is("bytes=-0", 10, BYTERANGE_UNSATISFIABLE, 0, 0);
	range_is("bytes=0-", 0, BYTERANGE_UNSATISFIABLE, 0, 0);
	range_is("bytes=-5", 0, BYTERANGE_UNSATISFIABLE, 0, 0);
	range_is("bytes=5-3", 10, BYTERANGE_NONE, 0, 0);
	range_is("bytes=0-1,3-4", 10, BYTERANGE_NONE, 0, 0);
	range_is("bytes=-", 10, BYTERANGE_NONE, 0, 0);
	range_is("bytes=a-b", 10, BYTERANGE_NONE, 0, 0);
	range_is("items=0-1", 10, BYTERANGE_NONE, 0, 0);
	range_is("bytes=99999999999999999999-", 10, BYTERANGE_NONE, 0, 0);
	range_is("bytes=18446744073709551615-", 10, BYTERANGE_UNSATISFIABLE,
	    0, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filename),
		cmocka_unit_test(test_media_type),
		cmocka_unit_test(test_disposition),
		cmocka_unit_test(test_range),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
