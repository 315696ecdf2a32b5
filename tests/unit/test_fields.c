/* Request body checks: media type, JSON, and the declarative field table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/fields.h"
#include "core/validation.h"

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
	d = check("{\"done\":\"maybe\",\"priority\":\"top\",\"url\":\"ftp://x\"}",
	    &ok);
	assert_false(ok);
	list = json_object_get(d, "detail");
	assert_int_equal(json_array_size(list), 4);
	assert_string_equal(entry_str(d, 0, "type"), "missing");
	assert_string_equal(entry_str(d, 0, "msg"), "Field required");
	assert_string_equal(entry_str(d, 1, "type"), "bool_parsing");
	assert_string_equal(entry_str(d, 2, "type"), "enum");
	assert_string_equal(entry_str(d, 2, "msg"),
	    "Input should be 'low', 'medium' or 'high'");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_array_get(list, 2), "ctx"), "expected")),
	    "'low', 'medium' or 'high'");
	assert_string_equal(entry_str(d, 3, "type"), "url_scheme");
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
	assert_int_equal(validation_count(&errs), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    errs.list, 0), "type")), "json_invalid");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    errs.list, 1), "type")), "model_attributes_type");
	validation_cleanup(&errs);
}

/* FastAPI: application/json and application/<anything>+json are JSON. */
static void
test_json_media_types(void **state)
{
	static const char * const	json_types[] = {
		"application/json", "APPLICATION/JSON", "application/json;",
		"application/json; charset=utf-8", " application/json ",
		"application/merge-patch+json",
		"application/merge-patch+json; charset=UTF-8",
		"Application/Problem+JSON", "application/vnd.api+json",
		"application/json ;charset=utf-8", NULL
	};
	static const char * const	other_types[] = {
		"", "application", "application/", "application/jsonx",
		"application/json-patch", "application/json+xml",
		"application/x-www-form-urlencoded", "text/json",
		"text/plain+json", "application/ json", "application/js on",
		"application/merge-patch+jsonx", "multipart/form-data", NULL
	};
	size_t				i;

	(void)state;
	for (i = 0; json_types[i] != NULL; i++) {
		if (!media_type_json(json_types[i]))
			fail_msg("not JSON: '%s'", json_types[i]);
	}
	for (i = 0; other_types[i] != NULL; i++) {
		if (media_type_json(other_types[i]))
			fail_msg("JSON: '%s'", other_types[i]);
	}
	assert_false(media_type_json(NULL));
}

/* Python's json (and so FastAPI): the last of duplicate keys wins. */
static void
test_duplicate_keys_last_wins(void **state)
{
	struct validation_errors	errs;
	json_t				*body;
	const char			*text = "{\"a\":1,\"b\":0,\"a\":2}";

	(void)state;
	validation_init(&errs);
	assert_int_equal(body_parse("application/json", text, strlen(text),
	    &body, &errs), BODY_OK);
	assert_int_equal(validation_count(&errs), 0);
	assert_int_equal(json_integer_value(json_object_get(body, "a")), 2);
	assert_int_equal(json_object_size(body), 2);
	json_decref(body);
	validation_cleanup(&errs);
}

/* pydantic's bool in lax mode, value by value (checked against 2.13). */
static void
test_lax_bool(void **state)
{
	static const struct {
		const char	*json;
		int		want;	/* 0, 1, or -1: refused */
		const char	*type;
	} cases[] = {
		{ "true", 1, NULL }, { "false", 0, NULL },
		{ "\"true\"", 1, NULL }, { "\"TRUE\"", 1, NULL },
		{ "\"tRuE\"", 1, NULL }, { "\"yes\"", 1, NULL },
		{ "\"Yes\"", 1, NULL }, { "\"on\"", 1, NULL },
		{ "\"1\"", 1, NULL }, { "\"t\"", 1, NULL }, { "\"y\"", 1, NULL },
		{ "\"false\"", 0, NULL }, { "\"no\"", 0, NULL },
		{ "\"OFF\"", 0, NULL }, { "\"0\"", 0, NULL },
		{ "\"f\"", 0, NULL }, { "\"n\"", 0, NULL },
		{ "1", 1, NULL }, { "0", 0, NULL }, { "-0", 0, NULL },
		{ "1.0", 1, NULL }, { "0.0", 0, NULL }, { "1e0", 1, NULL },
		{ "2", -1, "bool_parsing" }, { "-1", -1, "bool_parsing" },
		{ "2.0", -1, "bool_parsing" }, { "\"2\"", -1, "bool_parsing" },
		{ "\"\"", -1, "bool_parsing" }, { "\" true\"", -1, "bool_parsing" },
		{ "\"1.0\"", -1, "bool_parsing" }, { "\"yess\"", -1, "bool_parsing" },
		{ "1.5", -1, "bool_type" }, { "0.5", -1, "bool_type" },
		{ "null", -1, "bool_type" }, { "[]", -1, "bool_type" },
		{ "{}", -1, "bool_type" }, { "[true]", -1, "bool_type" },
	};
	struct lax_error	e;
	json_t			*v;
	size_t			i;
	int			got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);
		assert_non_null(v);
		got = lax_bool(v, &e);
		if (got != cases[i].want)
			fail_msg("%s: got %d, want %d", cases[i].json, got,
			    cases[i].want);
		if (got == -1) {
			assert_string_equal(e.type, cases[i].type);
			assert_string_equal(e.msg, !strcmp(cases[i].type,
			    "bool_type") ? "Input should be a valid boolean" :
			    "Input should be a valid boolean, unable to "
			    "interpret input");
		}
		json_decref(v);
	}
}

/*
 * pydantic's AwareDatetime in lax mode: every row was produced by
 * pydantic 2.13 (TypeAdapter(AwareDatetime).validate_python(json.loads(
 * input))), the instant printed in UTC, or the first error's type and msg.
 */
static void
test_lax_datetime(void **state)
{
	static const struct {
		const char	*json;
		const char	*type;		/* "ok": accepted */
		const char	*want;		/* UTC instant, or msg */
	} cases[] = {
	{ "\"2026-11-26T10:57:25Z\"", "ok",
	    "2026-11-26T10:57:25.000000Z" },
	{ "\"2026-11-26T10:57:25.123Z\"", "ok",
	    "2026-11-26T10:57:25.123000Z" },
	{ "\"2026-11-26t10:57:25z\"", "ok",
	    "2026-11-26T10:57:25.000000Z" },
	{ "\"2026-11-26 10:57:25Z\"", "ok",
	    "2026-11-26T10:57:25.000000Z" },
	{ "\"2026-11-26_10:57:25Z\"", "ok",
	    "2026-11-26T10:57:25.000000Z" },
	{ "\"2026-11-26T10:57Z\"", "ok",
	    "2026-11-26T10:57:00.000000Z" },
	{ "\"2026-11-26T10:57:25,5+01:00\"", "ok",
	    "2026-11-26T09:57:25.500000Z" },
	{ "\"2026-11-26T10:57:25.1234567-05:30\"", "ok",
	    "2026-11-26T16:27:25.123456Z" },
	{ "\"2026-11-26T10:57:25+0530\"", "ok",
	    "2026-11-26T05:27:25.000000Z" },
	{ "\"2026-11-26T10:57:25\u221202:00\"", "ok",
	    "2026-11-26T12:57:25.000000Z" },
	{ "\"2026-11-26T00:30:00+23:59\"", "ok",
	    "2026-11-25T00:31:00.000000Z" },
	{ "\"2026-11-26T10:57:25\"", "timezone_aware",
	    "Input should have timezone info" },
	{ "\"2026-11-26\"", "timezone_aware",
	    "Input should have timezone info" },
	{ "\"2026-11-26T24:00:00Z\"", "datetime_from_date_parsing",
	    "Input should be a valid datetime or date, unexpected extra characters at the end of the input" },
	{ "\"2026-11-26T10:60:00Z\"", "datetime_from_date_parsing",
	    "Input should be a valid datetime or date, unexpected extra characters at the end of the input" },
	{ "\"2026-11-26T10:57:60Z\"", "datetime_from_date_parsing",
	    "Input should be a valid datetime or date, unexpected extra characters at the end of the input" },
	{ "\"2026-02-29T00:00:00Z\"", "datetime_from_date_parsing",
	    "Input should be a valid datetime or date, day value is outside expected range" },
	{ "\"2024-02-29T00:00:00Z\"", "ok",
	    "2024-02-29T00:00:00.000000Z" },
	{ "\"2026-13-01T00:00:00Z\"", "datetime_from_date_parsing",
	    "Input should be a valid datetime or date, month value is outside expected range of 1-12" },
	{ "\"2026-11-26T10:57:25+24:00\"", "datetime_from_date_parsing",
	    "Input should be a valid datetime or date, unexpected extra characters at the end of the input" },
	{ "\"2026-11-26T10:57:25+01:60\"", "datetime_from_date_parsing",
	    "Input should be a valid datetime or date, unexpected extra characters at the end of the input" },
	{ "\"2026-11-26T10:57:25.Z\"", "datetime_from_date_parsing",
	    "Input should be a valid datetime or date, unexpected extra characters at the end of the input" },
	{ "\"2026-11-26T10Z\"", "datetime_from_date_parsing",
	    "Input should be a valid datetime or date, unexpected extra characters at the end of the input" },
	{ "\"2026-11-26X10:57:25Z\"", "datetime_from_date_parsing",
	    "Input should be a valid datetime or date, unexpected extra characters at the end of the input" },
	{ "\"tomorrow\"", "datetime_from_date_parsing",
	    "Input should be a valid datetime or date, input is too short" },
	{ "\"\"", "datetime_from_date_parsing",
	    "Input should be a valid datetime or date, input is too short" },
	{ "\"x\"", "datetime_from_date_parsing",
	    "Input should be a valid datetime or date, input is too short" },
	{ "\" 2026-11-26T10:57:25Z\"", "datetime_from_date_parsing",
	    "Input should be a valid datetime or date, invalid character in year" },
	{ "\"2026/11/26T10:57:25Z\"", "datetime_from_date_parsing",
	    "Input should be a valid datetime or date, invalid date separator, expected `-`" },
	{ "\"0000-01-01T00:00:00Z\"", "datetime_parsing",
	    "Input should be a valid datetime, year 0 is out of range" },
	{ "\"1700000000\"", "ok",
	    "2023-11-14T22:13:20.000000Z" },
	{ "\"1700000000.5\"", "ok",
	    "2023-11-14T22:13:20.500000Z" },
	{ "\"-1\"", "ok",
	    "1969-12-31T23:59:59.000000Z" },
	{ "\"+5\"", "ok",
	    "1970-01-01T00:00:05.000000Z" },
	{ "\"1e5\"", "datetime_from_date_parsing",
	    "Input should be a valid datetime or date, input is too short" },
	{ "\"1.7e9\"", "ok",
	    "2023-11-14T22:13:20.000000Z" },
	{ "\"12\"", "ok",
	    "1970-01-01T00:00:12.000000Z" },
	{ "\"99999999999999999\"", "datetime_from_date_parsing",
	    "Input should be a valid datetime or date, dates after 9999 are not supported as unix timestamps" },
	{ "\"1700000000 \"", "datetime_from_date_parsing",
	    "Input should be a valid datetime or date, invalid date separator, expected `-`" },
	{ "1700000000", "ok",
	    "2023-11-14T22:13:20.000000Z" },
	{ "1700000000.5", "ok",
	    "2023-11-14T22:13:20.500000Z" },
	{ "0", "ok",
	    "1970-01-01T00:00:00.000000Z" },
	{ "-1", "ok",
	    "1969-12-31T23:59:59.000000Z" },
	{ "-1.5", "ok",
	    "1969-12-31T23:59:58.500000Z" },
	{ "1e11", "ok",
	    "1973-03-03T09:46:40.000000Z" },
	{ "2e10", "ok",
	    "2603-10-11T11:33:20.000000Z" },
	{ "20000000001", "ok",
	    "1970-08-20T11:33:20.001000Z" },
	{ "-20000000001", "ok",
	    "1969-05-14T12:26:39.999000Z" },
	{ "1e20", "datetime_parsing",
	    "Input should be a valid datetime, dates after 9999 are not supported as unix timestamps" },
	{ "-1e20", "datetime_parsing",
	    "Input should be a valid datetime, dates before 0000 are not supported as unix timestamps" },
	{ "1700000000123", "ok",
	    "2023-11-14T22:13:20.123000Z" },
	{ "1700000000123.4", "ok",
	    "2023-11-14T22:13:20.123400Z" },
	{ "253402300799", "ok",
	    "1978-01-11T21:31:40.799000Z" },
	{ "1.7e9", "ok",
	    "2023-11-14T22:13:20.000000Z" },
	{ "86400", "ok",
	    "1970-01-02T00:00:00.000000Z" },
	{ "\"86400\"", "ok",
	    "1970-01-02T00:00:00.000000Z" },
	{ "true", "datetime_type",
	    "Input should be a valid datetime" },
	{ "false", "datetime_type",
	    "Input should be a valid datetime" },
	{ "null", "datetime_type",
	    "Input should be a valid datetime" },
	{ "[]", "datetime_type",
	    "Input should be a valid datetime" },
	{ "{}", "datetime_type",
	    "Input should be a valid datetime" },
	{ "\"2026-11-26T10:57:25+01\"", "datetime_from_date_parsing",
	    "Input should be a valid datetime or date, unexpected extra characters at the end of the input" },
	{ "\"2026-11-26T10:57:25+1\"", "datetime_from_date_parsing",
	    "Input should be a valid datetime or date, unexpected extra characters at the end of the input" },
	{ "\"2026-11-26T1:57:25Z\"", "datetime_from_date_parsing",
	    "Input should be a valid datetime or date, unexpected extra characters at the end of the input" },
	{ "\"9999-12-31T23:59:59Z\"", "ok",
	    "9999-12-31T23:59:59.000000Z" },
	{ "-1.25", "ok",
	    "1969-12-31T23:59:58.250000Z" },
	{ "3e13", "ok",
	    "2920-08-30T05:20:00.000000Z" },
	{ "20000000000.5", "ok",
	    "2603-10-11T11:33:20.000500Z" },
	{ "\"20000000000.5\"", "ok",
	    "1970-08-20T11:33:20.000500Z" },
	{ "1e15", "datetime_parsing",
	    "Input should be a valid datetime, dates after 9999 are not supported as unix timestamps" },
	{ "\"-1.25\"", "ok",
	    "1969-12-31T23:59:58.750000Z" },
	{ "\"1.5e3\"", "ok",
	    "1970-01-01T00:25:00.000000Z" },
	{ "\".5\"", "ok",
	    "1970-01-01T00:00:00.500000Z" },
	{ "\"2026-11-26T10:57:25.000001Z\"", "ok",
	    "2026-11-26T10:57:25.000001Z" },
	{ "\"2026-11-26T10:57:25.9999999Z\"", "ok",
	    "2026-11-26T10:57:25.999999Z" },
	};
	struct lax_error	e;
	json_t			*v;
	char			out[64];
	size_t			i;
	int			ok;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);
		if (v == NULL)
			fail_msg("bad test JSON %s", cases[i].json);
		ok = lax_datetime(v, out, sizeof(out), &e);
		if (!strcmp(cases[i].type, "ok")) {
			if (!ok)
				fail_msg("%s: refused (%s: %s)", cases[i].json,
				    e.type, e.msg);
			if (strcmp(out, cases[i].want))
				fail_msg("%s: %s, want %s", cases[i].json, out,
				    cases[i].want);
		} else {
			if (ok)
				fail_msg("%s: accepted as %s", cases[i].json,
				    out);
			if (strcmp(e.type, cases[i].type) ||
			    strcmp(e.msg, cases[i].want))
				fail_msg("%s: %s \"%s\", want %s \"%s\"",
				    cases[i].json, e.type, e.msg, cases[i].type,
				    cases[i].want);
		}
		json_decref(v);
	}
}

/* Years outside 1..9999 in UTC after the offset: ours, not pydantic's. */
static void
test_lax_datetime_bounds(void **state)
{
	struct lax_error	e;
	json_t			*v;
	char			out[64];

	(void)state;
	v = json_string("0001-01-01T00:30:00+01:00");
	assert_false(lax_datetime(v, out, sizeof(out), &e));
	assert_string_equal(e.type, "datetime_parsing");
	assert_string_equal(e.ctx_error, "date value out of range");
	json_decref(v);
	v = json_string("0001-01-01T00:00:00Z");
	assert_true(lax_datetime(v, out, sizeof(out), &e));
	assert_string_equal(out, "0001-01-01T00:00:00.000000Z");
	json_decref(v);
}

/* Converted values replace the sent ones; refusals keep the sent input. */
static void
test_conversions_in_place(void **state)
{
	static const struct field_spec	lax[] = {
		{ "done", FIELD_BOOL, 0, 0, 0, 0, NULL },
		{ "when", FIELD_DATETIME, 0, 1, 0, 0, NULL },
		{ "name", FIELD_STRING, 0, 0, 0, 10, NULL },
	};
	struct validation_errors	errs;
	json_t				*body;
	const char			*text;

	(void)state;
	validation_init(&errs);
	text = "{\"done\":\"yes\",\"when\":1700000000,\"name\":\"x\"}";
	assert_int_equal(body_parse("application/json", text, strlen(text),
	    &body, &errs), BODY_OK);
	assert_true(fields_check(body, lax, 3, &errs));
	assert_true(json_is_true(json_object_get(body, "done")));
	assert_string_equal(json_string_value(json_object_get(body, "when")),
	    "2023-11-14T22:13:20.000000Z");
	json_decref(body);

	text = "{\"done\":2,\"when\":true,\"name\":5}";
	assert_int_equal(body_parse("application/json", text, strlen(text),
	    &body, &errs), BODY_OK);
	assert_false(fields_check(body, lax, 3, &errs));
	assert_int_equal(validation_count(&errs), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    errs.list, 0), "type")), "bool_parsing");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    errs.list, 0), "input")), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    errs.list, 1), "type")), "datetime_type");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    errs.list, 2), "type")), "string_type");
	assert_int_equal(json_integer_value(json_object_get(body, "done")), 2);
	json_decref(body);
	validation_cleanup(&errs);
}

/* An enum refuses any non-member (enum); a URL wants a string first. */
static void
test_enum_and_url_errors(void **state)
{
	json_t	*d;
	int	ok;

	(void)state;
	d = check("{\"title\":\"a\",\"priority\":1,\"url\":7}", &ok);
	assert_false(ok);
	assert_string_equal(entry_str(d, 0, "type"), "enum");
	assert_string_equal(entry_str(d, 1, "type"), "url_type");
	assert_string_equal(entry_str(d, 1, "msg"),
	    "URL input should be a string or URL");
	json_decref(d);

	d = check("{\"title\":\"a\",\"priority\":null,\"url\":\"mailto:a@b\"}",
	    &ok);
	assert_false(ok);
	assert_string_equal(entry_str(d, 0, "type"), "enum");
	assert_string_equal(entry_str(d, 1, "type"), "url_scheme");
	assert_string_equal(entry_str(d, 1, "msg"),
	    "URL scheme should be 'http' or 'https'");
	json_decref(d);

	d = check("{\"title\":\"a\",\"url\":\"https://example.com/"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", &ok);
	assert_string_equal(entry_str(d, 0, "type"), "url_too_long");
	assert_string_equal(entry_str(d, 0, "msg"),
	    "URL should have at most 40 characters");
	json_decref(d);

	d = check("{\"title\":\"a\",\"url\":\"https://\"}", &ok);
	assert_string_equal(entry_str(d, 0, "type"), "url_parsing");
	assert_string_equal(entry_str(d, 0, "msg"),
	    "Input should be a valid URL, empty host");
	json_decref(d);

	d = check("{\"title\":\"a\",\"url\":\"example.com\"}", &ok);
	assert_string_equal(entry_str(d, 0, "msg"),
	    "Input should be a valid URL, relative URL without a base");
	json_decref(d);

	d = check("{\"title\":\"a\",\"url\":\"HTTPS://Example.com/x\"}", &ok);
	assert_true(ok);
	json_decref(d);
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
		cmocka_unit_test(test_json_media_types),
		cmocka_unit_test(test_duplicate_keys_last_wins),
		cmocka_unit_test(test_lax_bool),
		cmocka_unit_test(test_lax_datetime),
		cmocka_unit_test(test_lax_datetime_bounds),
		cmocka_unit_test(test_conversions_in_place),
		cmocka_unit_test(test_enum_and_url_errors),
		cmocka_unit_test(test_utf8_length),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
