/* Request body checks: media type, JSON, and the declarative field table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fields.h"
#include "validation.h"

static const char * const priorities[] = { "low", "medium", "high", NULL };

static const struct field_spec specs[] = {
	{ "title", FIELD_STRING, 1, 0, 1, 5, NULL },
	{ "done", FIELD_BOOL, 0, 0, 0, 0, NULL },
	{ "priority", FIELD_ENUM, 0, 0, 0, 0, priorities },
	{ "url", FIELD_URL, 0, 1, 0, 40, NULL },
};
#define NSPECS	(sizeof(specs) / sizeof(specs[0]))

/* Runs the table over a JSON text; returns the parsed 422 detail list. */
static json_t *
check(const char *text, int *ok)
{
	struct validation_errors	errs;
	json_t				*body, *out;
	char				*s;
	size_t				len;

	validation_init(&errs);
	assert_int_equal(body_parse("application/json", text, strlen(text),
	    &body, &errs), BODY_OK);
	*ok = fields_check(body, specs, NSPECS, &errs);
	s = validation_body(&errs, &len);
	out = json_loads(s, 0, NULL);
	free(s);
	json_decref(body);
	validation_cleanup(&errs);
	return (out);
}

static const char *
entry_str(json_t *detail, size_t i, const char *key)
{
	return (json_string_value(json_object_get(
	    json_array_get(json_object_get(detail, "detail"), i), key)));
}

static void
test_valid_body(void **state)
{
	json_t	*d;
	int	ok;

	(void)state;
	d = check("{\"title\":\"héllo\",\"done\":true,\"priority\":\"low\","
	    "\"url\":null,\"unknown\":[1,2]}", &ok);
	assert_true(ok);
	assert_int_equal(json_array_size(json_object_get(d, "detail")), 0);
	json_decref(d);
}

static void
test_every_problem_at_once(void **state)
{
	json_t	*d, *list;
	int	ok;

	(void)state;
	d = check("{\"done\":\"yes\",\"priority\":\"top\",\"url\":\"ftp://x\"}",
	    &ok);
	assert_false(ok);
	list = json_object_get(d, "detail");
	assert_int_equal(json_array_size(list), 4);
	assert_string_equal(entry_str(d, 0, "type"), "missing");
	assert_string_equal(entry_str(d, 0, "msg"), "Field required");
	assert_string_equal(entry_str(d, 1, "type"), "bool_type");
	assert_string_equal(entry_str(d, 2, "type"), "enum");
	assert_string_equal(entry_str(d, 2, "msg"),
	    "Input should be 'low', 'medium' or 'high'");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_array_get(list, 2), "ctx"), "expected")),
	    "'low', 'medium' or 'high'");
	assert_string_equal(entry_str(d, 3, "type"), "url_parsing");
	assert_string_equal(json_string_value(json_array_get(json_object_get(
	    json_array_get(list, 3), "loc"), 1)), "url");
	json_decref(d);
}

static void
test_string_bounds_count_characters(void **state)
{
	json_t	*d, *e;
	int	ok;

	(void)state;
	/* Five characters, ten bytes: within max_length 5. */
	d = check("{\"title\":\"ééééé\"}", &ok);
	assert_true(ok);
	json_decref(d);

	d = check("{\"title\":\"abcdef\"}", &ok);
	assert_false(ok);
	e = json_array_get(json_object_get(d, "detail"), 0);
	assert_string_equal(json_string_value(json_object_get(e, "type")),
	    "string_too_long");
	assert_string_equal(json_string_value(json_object_get(e, "msg")),
	    "String should have at most 5 characters");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(e,
	    "ctx"), "max_length")), 5);
	assert_string_equal(json_string_value(json_object_get(e, "input")),
	    "abcdef");
	json_decref(d);

	d = check("{\"title\":\"\"}", &ok);
	assert_false(ok);
	assert_string_equal(entry_str(d, 0, "type"), "string_too_short");
	assert_string_equal(entry_str(d, 0, "msg"),
	    "String should have at least 1 character");
	json_decref(d);
}

static void
test_null_only_where_nullable(void **state)
{
	json_t	*d;
	int	ok;

	(void)state;
	d = check("{\"title\":null,\"url\":null}", &ok);
	assert_false(ok);
	assert_int_equal(json_array_size(json_object_get(d, "detail")), 1);
	assert_string_equal(entry_str(d, 0, "type"), "string_type");
	json_decref(d);
}

static void
test_media_type_and_syntax(void **state)
{
	struct validation_errors	errs;
	json_t				*body;

	(void)state;
	validation_init(&errs);
	assert_int_equal(body_parse("text/plain", "{}", 2, &body, &errs),
	    BODY_UNSUPPORTED_MEDIA);
	assert_int_equal(body_parse(NULL, "{}", 2, &body, &errs),
	    BODY_UNSUPPORTED_MEDIA);
	assert_int_equal(body_parse("application/jsonx", "{}", 2, &body,
	    &errs), BODY_UNSUPPORTED_MEDIA);
	assert_int_equal(validation_count(&errs), 0);

	assert_int_equal(body_parse("application/json; charset=utf-8", "{\"a\":",
	    5, &body, &errs), BODY_INVALID);
	assert_int_equal(body_parse("Application/JSON", "[1]", 3, &body,
	    &errs), BODY_INVALID);
	assert_int_equal(body_parse("application/json", "{\"a\":1,\"a\":2}",
	    13, &body, &errs), BODY_INVALID);
	assert_int_equal(validation_count(&errs), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    errs.list, 0), "type")), "json_invalid");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    errs.list, 1), "type")), "model_attributes_type");
	validation_cleanup(&errs);
}

static void
test_utf8_length(void **state)
{
	(void)state;
	assert_int_equal(utf8_length(""), 0);
	assert_int_equal(utf8_length("abc"), 3);
	assert_int_equal(utf8_length("日本語"), 3);
	assert_int_equal(utf8_length("😀x"), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_body),
		cmocka_unit_test(test_every_problem_at_once),
		cmocka_unit_test(test_string_bounds_count_characters),
		cmocka_unit_test(test_null_only_where_nullable),
		cmocka_unit_test(test_media_type_and_syntax),
		cmocka_unit_test(test_utf8_length),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
