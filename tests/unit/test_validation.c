/*
 * Unit tests for src/core/validation.c (cmocka): the FastAPI-style 422 body
 * {"detail": [{type, loc, msg, input, ctx}, ...]}. Each body is parsed
 * back with jansson and checked field by field.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <jansson.h>

#include "core/validation.h"

static json_t	*body_json(const struct validation_errors *);
static json_t	*detail_at(json_t *, size_t);
static void	 assert_loc(json_t *, const char *, const char *);

/* The body parsed back; checks that the reported length is right. */
static json_t *
body_json(const struct validation_errors *v)
{
	json_error_t	jerr;
	json_t		*root;
	char		*body;
	size_t		len;

	len = 0;
	body = validation_body(v, &len);
	assert_non_null(body);
	assert_int_equal(len, strlen(body));

	root = json_loads(body, 0, &jerr);
	if (root == NULL)
		fail_msg("body is not JSON (%s): %s", jerr.text, body);
	free(body);

	assert_true(json_is_object(root));
	assert_int_equal(json_object_size(root), 1);
	assert_true(json_is_array(json_object_get(root, "detail")));

	return (root);
}

static json_t *
detail_at(json_t *root, size_t i)
{
	json_t		*e;

	e = json_array_get(json_object_get(root, "detail"), i);
	assert_non_null(e);
	assert_true(json_is_object(e));

	return (e);
}

/* loc is [where] or [where, field]. */
static void
assert_loc(json_t *e, const char *where, const char *field)
{
	json_t		*loc;

	loc = json_object_get(e, "loc");
	assert_true(json_is_array(loc));
	assert_int_equal(json_array_size(loc), field != NULL ? 2 : 1);
	assert_string_equal(json_string_value(json_array_get(loc, 0)), where);
	if (field != NULL) {
		assert_string_equal(json_string_value(json_array_get(loc, 1)),
		    field);
	}
}

static void
test_empty_body_has_empty_detail(void **state)
{
	struct validation_errors	v;
	char				*body;
	size_t				len;

	(void)state;

	validation_init(&v);
	assert_int_equal(validation_count(&v), 0);

	len = 0;
	body = validation_body(&v, &len);
	assert_non_null(body);
	assert_string_equal(body, "{\"detail\":[]}");
	assert_int_equal(len, strlen("{\"detail\":[]}"));

	free(body);
	validation_cleanup(&v);
	assert_null(v.list);
}

static void
test_single_error_exact_body(void **state)
{
	struct validation_errors	v;
	char				*body;
	size_t				len;

	(void)state;

	validation_init(&v);
	validation_add(&v, "missing", "body", "title", "Field required",
	    NULL, NULL);
	assert_int_equal(validation_count(&v), 1);

	len = 0;
	body = validation_body(&v, &len);
	assert_non_null(body);
	assert_string_equal(body, "{\"detail\":[{\"type\":\"missing\","
	    "\"loc\":[\"body\",\"title\"],\"msg\":\"Field required\","
	    "\"input\":null}]}");
	assert_int_equal(len, strlen(body));

	free(body);
	validation_cleanup(&v);
}

static void
test_fields_of_one_error(void **state)
{
	struct validation_errors	v;
	json_t				*root, *e;

	(void)state;

	validation_init(&v);
	validation_add(&v, "string_too_short", "body", "title",
	    "String should have at least 1 character", json_string(""),
	    json_pack("{s:i}", "min_length", 1));

	root = body_json(&v);
	assert_int_equal(json_array_size(json_object_get(root, "detail")), 1);

	e = detail_at(root, 0);
	assert_int_equal(json_object_size(e), 5);
	assert_string_equal(json_string_value(json_object_get(e, "type")),
	    "string_too_short");
	assert_loc(e, "body", "title");
	assert_string_equal(json_string_value(json_object_get(e, "msg")),
	    "String should have at least 1 character");
	assert_true(json_is_string(json_object_get(e, "input")));
	assert_string_equal(json_string_value(json_object_get(e, "input")), "");
	assert_true(json_is_object(json_object_get(e, "ctx")));
	assert_int_equal(json_object_size(json_object_get(e, "ctx")), 1);
	assert_int_equal(json_integer_value(json_object_get(
	    json_object_get(e, "ctx"), "min_length")), 1);

	json_decref(root);
	validation_cleanup(&v);
}

static void
test_errors_kept_in_insertion_order(void **state)
{
	struct validation_errors	v;
	json_t				*root, *e;

	(void)state;

	validation_init(&v);
	validation_add(&v, "missing", "body", "title", "Field required",
	    NULL, NULL);
	validation_add(&v, "int_parsing", "query", "limit",
	    "Input should be a valid integer", json_string("ten"), NULL);
	validation_add(&v, "uuid_parsing", "path", "task_id",
	    "Input should be a valid UUID", json_string("xyz"), NULL);
	validation_add(&v, "enum", "body", "status",
	    "Input should be 'todo' or 'done'", json_string("maybe"), NULL);
	assert_int_equal(validation_count(&v), 4);

	root = body_json(&v);
	assert_int_equal(json_array_size(json_object_get(root, "detail")), 4);

	e = detail_at(root, 0);
	assert_string_equal(json_string_value(json_object_get(e, "type")),
	    "missing");
	assert_loc(e, "body", "title");

	e = detail_at(root, 1);
	assert_string_equal(json_string_value(json_object_get(e, "type")),
	    "int_parsing");
	assert_loc(e, "query", "limit");
	assert_string_equal(json_string_value(json_object_get(e, "input")),
	    "ten");

	e = detail_at(root, 2);
	assert_string_equal(json_string_value(json_object_get(e, "type")),
	    "uuid_parsing");
	assert_loc(e, "path", "task_id");
	assert_string_equal(json_string_value(json_object_get(e, "msg")),
	    "Input should be a valid UUID");

	e = detail_at(root, 3);
	assert_string_equal(json_string_value(json_object_get(e, "type")),
	    "enum");
	assert_loc(e, "body", "status");
	assert_string_equal(json_string_value(json_object_get(e, "input")),
	    "maybe");

	json_decref(root);
	validation_cleanup(&v);
}

static void
test_loc_without_field_is_only_where(void **state)
{
	struct validation_errors	v;
	json_t				*root, *e;

	(void)state;

	validation_init(&v);
	validation_add(&v, "extra_forbidden", "query", NULL,
	    "Unknown query parameter", json_string("x=1"), NULL);
	validation_add(&v, "json_invalid", "body", NULL, "JSON decode error",
	    NULL, NULL);

	root = body_json(&v);
	e = detail_at(root, 0);
	assert_loc(e, "query", NULL);
	e = detail_at(root, 1);
	assert_loc(e, "body", NULL);

	json_decref(root);
	validation_cleanup(&v);
}

static void
test_null_input_is_json_null(void **state)
{
	struct validation_errors	v;
	json_t				*root, *e, *input;

	(void)state;

	validation_init(&v);
	validation_add(&v, "missing", "body", "title", "Field required",
	    NULL, NULL);

	root = body_json(&v);
	e = detail_at(root, 0);
	input = json_object_get(e, "input");
	/* Present, and null: not left out. */
	assert_non_null(input);
	assert_true(json_is_null(input));

	json_decref(root);
	validation_cleanup(&v);
}

static void
test_input_keeps_its_json_type(void **state)
{
	struct validation_errors	v;
	json_t				*root, *e, *input;

	(void)state;

	validation_init(&v);
	validation_add(&v, "string_type", "body", "title",
	    "Input should be a valid string", json_integer(42), NULL);
	validation_add(&v, "model_type", "body", NULL,
	    "Input should be an object", json_pack("[i,i]", 1, 2), NULL);
	validation_add(&v, "bool_type", "body", "done",
	    "Input should be a valid boolean", json_false(), NULL);

	root = body_json(&v);

	e = detail_at(root, 0);
	input = json_object_get(e, "input");
	assert_true(json_is_integer(input));
	assert_int_equal(json_integer_value(input), 42);

	e = detail_at(root, 1);
	input = json_object_get(e, "input");
	assert_true(json_is_array(input));
	assert_int_equal(json_array_size(input), 2);
	assert_int_equal(json_integer_value(json_array_get(input, 1)), 2);

	e = detail_at(root, 2);
	assert_true(json_is_false(json_object_get(e, "input")));

	json_decref(root);
	validation_cleanup(&v);
}

static void
test_ctx_only_present_when_given(void **state)
{
	struct validation_errors	v;
	json_t				*root, *e, *ctx;

	(void)state;

	validation_init(&v);
	validation_add(&v, "missing", "body", "title", "Field required",
	    NULL, NULL);
	validation_add(&v, "string_too_long", "body", "title",
	    "String should have at most 200 characters", json_string("..."),
	    json_pack("{s:i}", "max_length", 200));

	root = body_json(&v);

	e = detail_at(root, 0);
	assert_null(json_object_get(e, "ctx"));
	assert_int_equal(json_object_size(e), 4);

	e = detail_at(root, 1);
	ctx = json_object_get(e, "ctx");
	assert_true(json_is_object(ctx));
	assert_int_equal(json_integer_value(json_object_get(ctx,
	    "max_length")), 200);
	assert_int_equal(json_object_size(e), 5);

	json_decref(root);
	validation_cleanup(&v);
}

static void
test_at_most_max_errors_kept(void **state)
{
	struct validation_errors	v;
	json_t				*root, *e;
	char				field[32];
	int				i;

	(void)state;

	validation_init(&v);
	/* input and ctx of the dropped ones must be freed (LeakSanitizer). */
	for (i = 0; i < 70; i++) {
		snprintf(field, sizeof(field), "f%d", i);
		validation_add(&v, "missing", "body", field, "Field required",
		    json_pack("{s:i}", "n", i), json_pack("{s:s}", "k", field));
	}
	assert_int_equal(VALIDATION_ERRORS_MAX, 64);
	assert_int_equal(validation_count(&v), VALIDATION_ERRORS_MAX);

	root = body_json(&v);
	assert_int_equal(json_array_size(json_object_get(root, "detail")),
	    VALIDATION_ERRORS_MAX);

	/* The first 64 are kept, in order; the last 6 are dropped. */
	e = detail_at(root, 0);
	assert_loc(e, "body", "f0");
	e = detail_at(root, VALIDATION_ERRORS_MAX - 1);
	assert_loc(e, "body", "f63");
	assert_int_equal(json_integer_value(json_object_get(
	    json_object_get(e, "input"), "n")), 63);
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(e, "ctx"), "k")), "f63");

	json_decref(root);
	validation_cleanup(&v);
}

static void
test_body_does_not_consume_the_list(void **state)
{
	struct validation_errors	v;
	char				*a, *b;
	size_t				alen, blen;

	(void)state;

	validation_init(&v);
	validation_add(&v, "missing", "body", "title", "Field required",
	    NULL, NULL);

	a = validation_body(&v, &alen);
	b = validation_body(&v, &blen);
	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(a, b);
	assert_int_equal(alen, blen);

	/* Still ours after building a body: more can be added. */
	validation_add(&v, "missing", "body", "due", "Field required",
	    NULL, NULL);
	assert_int_equal(validation_count(&v), 2);

	free(a);
	free(b);
	validation_cleanup(&v);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_empty_body_has_empty_detail),
		cmocka_unit_test(test_single_error_exact_body),
		cmocka_unit_test(test_fields_of_one_error),
		cmocka_unit_test(test_errors_kept_in_insertion_order),
		cmocka_unit_test(test_loc_without_field_is_only_where),
		cmocka_unit_test(test_null_input_is_json_null),
		cmocka_unit_test(test_input_keeps_its_json_type),
		cmocka_unit_test(test_ctx_only_present_when_given),
		cmocka_unit_test(test_at_most_max_errors_kept),
		cmocka_unit_test(test_body_does_not_consume_the_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
