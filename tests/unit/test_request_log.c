/*
 * Unit tests for src/core/request_log.c (cmocka): which X-Request-ID is kept,
 * generated ids, the one JSON log line per request and route templates.
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

#include "core/request_log.h"

/* 2025-11-26T10:57:25.123Z */
#define NOW_MS		1764154645123LL
#define CANARY		0x5a

static struct request_log_entry	std_entry(void);
static json_t			*line_json(const char *, size_t);
static void			 assert_one_line(const char *, size_t);

static struct request_log_entry
std_entry(void)
{
	struct request_log_entry	e;

	memset(&e, 0, sizeof(e));
	e.level = "info";
	e.request_id = "req-1";
	e.method = "GET";
	e.route = "/healthz";
	e.user_id = NULL;
	e.status = 200;
	e.duration_us = 1500;
	e.bytes = 12;
	e.error = NULL;

	return (e);
}

/* One line: ends in "\n", no other newline, length as returned. */
static void
assert_one_line(const char *line, size_t len)
{
	assert_int_equal(strlen(line), len);
	assert_true(len >= 3);
	assert_int_equal(line[0], '{');
	assert_int_equal(line[len - 2], '}');
	assert_int_equal(line[len - 1], '\n');
	assert_ptr_equal(strchr(line, '\n'), line + len - 1);
}

/* The line parsed back as JSON (without its newline). */
static json_t *
line_json(const char *line, size_t len)
{
	json_error_t	jerr;
	json_t		*root;

	assert_one_line(line, len);
	root = json_loadb(line, len - 1, 0, &jerr);
	if (root == NULL)
		fail_msg("line is not JSON (%s): %s", jerr.text, line);
	assert_true(json_is_object(root));

	return (root);
}

static void
test_request_id_valid_accepts_allowed_characters(void **state)
{
	(void)state;

	assert_true(request_id_valid("a"));
	assert_true(request_id_valid("abcXYZ019"));
	assert_true(request_id_valid("trace.id_01-x"));
	assert_true(request_id_valid("-._"));
	assert_true(request_id_valid("9b2f6c1e-3d4a-4c5b-8e7f-0a1b2c3d4e5f"));
}

static void
test_request_id_valid_length_limit_is_128(void **state)
{
	char		id[REQUEST_ID_MAX + 2];

	(void)state;

	assert_int_equal(REQUEST_ID_MAX, 128);

	memset(id, 'a', 128);
	id[128] = '\0';
	assert_true(request_id_valid(id));

	memset(id, 'a', 129);
	id[129] = '\0';
	assert_false(request_id_valid(id));
}

static void
test_request_id_valid_rejects_empty(void **state)
{
	(void)state;

	assert_false(request_id_valid(""));
}

static void
test_request_id_valid_rejects_other_characters(void **state)
{
	(void)state;

	assert_false(request_id_valid("a b"));
	assert_false(request_id_valid(" abc"));
	assert_false(request_id_valid("a/b"));
	assert_false(request_id_valid("caf\xc3\xa9"));
	assert_false(request_id_valid("\xff"));
	assert_false(request_id_valid("a\nb"));
	assert_false(request_id_valid("a\"b"));
	assert_false(request_id_valid("a:b"));
	assert_false(request_id_valid("a+b"));
}

static void
test_request_id_generate_is_uuid_v4(void **state)
{
	char		id[37];
	size_t		i;
	int		n;

	(void)state;

	for (n = 0; n < 64; n++) {
		memset(id, CANARY, sizeof(id));
		request_id_generate(id);

		assert_int_equal(strlen(id), 36);
		for (i = 0; i < 36; i++) {
			if (i == 8 || i == 13 || i == 18 || i == 23) {
				assert_int_equal(id[i], '-');
				continue;
			}
			assert_non_null(strchr("0123456789abcdef", id[i]));
		}
		assert_int_equal(id[14], '4');
		assert_non_null(strchr("89ab", id[19]));
		assert_true(request_id_valid(id));
	}
}

static void
test_request_id_generate_differs_each_call(void **state)
{
	char		a[37], b[37];

	(void)state;

	request_id_generate(a);
	request_id_generate(b);
	assert_string_not_equal(a, b);
}

static void
test_log_format_exact_line(void **state)
{
	struct request_log_entry	e;
	char				line[REQUEST_LOG_LINE_MAX];
	size_t				len;

	(void)state;

	e = std_entry();
	len = request_log_format(line, sizeof(line), &e, NOW_MS);

	assert_string_equal(line, "{\"time\":\"2025-11-26T10:57:25.123Z\","
	    "\"level\":\"info\",\"request_id\":\"req-1\",\"method\":\"GET\","
	    "\"route\":\"/healthz\",\"status\":200,\"duration_ms\":1.500,"
	    "\"bytes\":12,\"user_id\":null}\n");
	assert_int_equal(len, strlen(line));
}

static void
test_log_format_fields_parse_back(void **state)
{
	struct request_log_entry	e;
	json_t				*root;
	char				line[REQUEST_LOG_LINE_MAX];
	size_t				len;

	(void)state;

	e = std_entry();
	e.level = "error";
	e.method = "POST";
	e.route = "/api/v1/tasks/{}";
	e.user_id = "user_abc123";
	e.status = 503;
	e.duration_us = 2000250;
	e.bytes = 0;
	len = request_log_format(line, sizeof(line), &e, NOW_MS);

	root = line_json(line, len);
	assert_string_equal(json_string_value(json_object_get(root, "time")),
	    "2025-11-26T10:57:25.123Z");
	assert_string_equal(json_string_value(json_object_get(root, "level")),
	    "error");
	assert_string_equal(json_string_value(json_object_get(root,
	    "request_id")), "req-1");
	assert_string_equal(json_string_value(json_object_get(root, "method")),
	    "POST");
	assert_string_equal(json_string_value(json_object_get(root, "route")),
	    "/api/v1/tasks/{}");
	assert_int_equal(json_integer_value(json_object_get(root, "status")),
	    503);
	assert_true(json_is_real(json_object_get(root, "duration_ms")));
	assert_true(json_real_value(json_object_get(root, "duration_ms")) ==
	    2000.25);
	assert_int_equal(json_integer_value(json_object_get(root, "bytes")), 0);
	assert_string_equal(json_string_value(json_object_get(root,
	    "user_id")), "user_abc123");
	assert_null(json_object_get(root, "error"));
	assert_int_equal(json_object_size(root), 9);

	json_decref(root);
}

static void
test_log_format_escapes_quote_backslash_control(void **state)
{
	struct request_log_entry	e;
	json_t				*root;
	char				line[REQUEST_LOG_LINE_MAX];
	size_t				len;

	(void)state;

	e = std_entry();
	e.user_id = "a\"b\\c\x01" "d\n\x7f";
	len = request_log_format(line, sizeof(line), &e, NOW_MS);

	assert_non_null(strstr(line,
	    "\"user_id\":\"a\\\"b\\\\c\\u0001d\\u000a\\u007f\"}\n"));

	root = line_json(line, len);
	assert_string_equal(json_string_value(json_object_get(root,
	    "user_id")), "a\"b\\c\x01" "d\n\x7f");
	json_decref(root);
}

static void
test_log_format_null_user_id_is_json_null(void **state)
{
	struct request_log_entry	e;
	json_t				*root;
	char				line[REQUEST_LOG_LINE_MAX];
	size_t				len;

	(void)state;

	e = std_entry();
	e.user_id = NULL;
	len = request_log_format(line, sizeof(line), &e, NOW_MS);

	assert_non_null(strstr(line, "\"user_id\":null"));
	root = line_json(line, len);
	assert_non_null(json_object_get(root, "user_id"));
	assert_true(json_is_null(json_object_get(root, "user_id")));
	json_decref(root);
}

static void
test_log_format_error_only_when_set(void **state)
{
	struct request_log_entry	e;
	json_t				*root;
	char				line[REQUEST_LOG_LINE_MAX];
	size_t				len;

	(void)state;

	e = std_entry();
	len = request_log_format(line, sizeof(line), &e, NOW_MS);
	assert_null(strstr(line, "\"error\""));
	root = line_json(line, len);
	assert_null(json_object_get(root, "error"));
	json_decref(root);

	e.status = 500;
	e.error = "query failed: \"tasks\" missing";
	len = request_log_format(line, sizeof(line), &e, NOW_MS);
	root = line_json(line, len);
	assert_string_equal(json_string_value(json_object_get(root, "error")),
	    "query failed: \"tasks\" missing");
	assert_int_equal(json_object_size(root), 10);
	json_decref(root);
}

static void
test_log_time_is_utc_with_milliseconds(void **state)
{
	struct request_log_entry	e;
	char				line[REQUEST_LOG_LINE_MAX];

	(void)state;

	e = std_entry();

	request_log_format(line, sizeof(line), &e, NOW_MS);
	assert_memory_equal(line, "{\"time\":\"2025-11-26T10:57:25.123Z\",",
	    strlen("{\"time\":\"2025-11-26T10:57:25.123Z\","));

	/* Milliseconds are zero-padded to three digits. */
	request_log_format(line, sizeof(line), &e, 1764154645007LL);
	assert_memory_equal(line, "{\"time\":\"2025-11-26T10:57:25.007Z\",",
	    strlen("{\"time\":\"2025-11-26T10:57:25.007Z\","));

	request_log_format(line, sizeof(line), &e, 0);
	assert_memory_equal(line, "{\"time\":\"1970-01-01T00:00:00.000Z\",",
	    strlen("{\"time\":\"1970-01-01T00:00:00.000Z\","));
}

static void
test_log_format_long_user_id_is_cut_to_one_line(void **state)
{
	struct request_log_entry	e;
	char				line[REQUEST_LOG_LINE_MAX + 64];
	char				*user;
	size_t				len, i;

	(void)state;

	user = malloc(3001);
	assert_non_null(user);
	memset(user, 'u', 3000);
	user[3000] = '\0';

	memset(line, CANARY, sizeof(line));
	e = std_entry();
	e.user_id = user;
	len = request_log_format(line, REQUEST_LOG_LINE_MAX, &e, NOW_MS);

	assert_true(len < REQUEST_LOG_LINE_MAX);
	assert_one_line(line, len);
	assert_memory_equal(line + len - 2, "}\n", 3);
	/* The part before the cut is intact. */
	assert_non_null(strstr(line, "\"user_id\":\"uuuu"));
	/* Nothing written past the buffer it was given. */
	for (i = REQUEST_LOG_LINE_MAX; i < sizeof(line); i++)
		assert_int_equal((unsigned char)line[i], CANARY);

	free(user);
}

static void
test_log_format_long_escaped_user_id_is_cut_to_one_line(void **state)
{
	struct request_log_entry	e;
	char				line[REQUEST_LOG_LINE_MAX + 64];
	char				user[1024];
	size_t				len, i;

	(void)state;

	/* Each byte becomes six: \u0001. */
	memset(user, '\x01', sizeof(user) - 1);
	user[sizeof(user) - 1] = '\0';

	memset(line, CANARY, sizeof(line));
	e = std_entry();
	e.user_id = user;
	e.error = "after the cut";
	len = request_log_format(line, REQUEST_LOG_LINE_MAX, &e, NOW_MS);

	assert_true(len < REQUEST_LOG_LINE_MAX);
	assert_one_line(line, len);
	assert_null(strstr(line, "after the cut"));
	for (i = REQUEST_LOG_LINE_MAX; i < sizeof(line); i++)
		assert_int_equal((unsigned char)line[i], CANARY);
}

static void
test_log_message_line(void **state)
{
	json_t		*root;
	char		line[REQUEST_LOG_LINE_MAX];
	size_t		len;

	(void)state;

	len = request_log_message(line, sizeof(line), "warning",
	    "migrations: \"0002\" applied", NOW_MS);

	assert_string_equal(line, "{\"time\":\"2025-11-26T10:57:25.123Z\","
	    "\"level\":\"warning\",\"msg\":\"migrations: \\\"0002\\\" "
	    "applied\"}\n");
	assert_int_equal(len, strlen(line));

	root = line_json(line, len);
	assert_int_equal(json_object_size(root), 3);
	assert_string_equal(json_string_value(json_object_get(root, "msg")),
	    "migrations: \"0002\" applied");
	json_decref(root);
}

static void
test_route_template_plain_path_unchanged(void **state)
{
	char		out[256];

	(void)state;

	route_template("/healthz", out, sizeof(out));
	assert_string_equal(out, "/healthz");

	route_template("/", out, sizeof(out));
	assert_string_equal(out, "/");
}

static void
test_route_template_group_becomes_braces(void **state)
{
	char		out[256];

	(void)state;

	route_template("^/api/v1/tasks/([0-9a-f-]{36})$", out, sizeof(out));
	assert_string_equal(out, "/api/v1/tasks/{}");
}

static void
test_route_template_two_groups(void **state)
{
	char		out[256];

	(void)state;

	route_template("^/api/([^/]+)/tasks/([0-9a-f-]{36})/complete$", out,
	    sizeof(out));
	assert_string_equal(out, "/api/{}/tasks/{}/complete");
}

static void
test_route_template_nested_groups_collapse(void **state)
{
	char		out[256];

	(void)state;

	route_template("^/files/((a|b)(c(d))?)/x$", out, sizeof(out));
	assert_string_equal(out, "/files/{}/x");
}

static void
test_route_template_escaped_characters(void **state)
{
	char		out[256];

	(void)state;

	route_template("^/files/(.+)\\.json$", out, sizeof(out));
	assert_string_equal(out, "/files/{}.json");

	/* An escaped parenthesis is a character, not a group. */
	route_template("^/a\\(b\\)$", out, sizeof(out));
	assert_string_equal(out, "/a(b)");
}

static void
test_route_template_small_buffer_is_safe(void **state)
{
	const char	*full = "/api/{}/tasks/{}/complete";
	char		out[64];
	size_t		len, olen, i;

	(void)state;

	for (len = 1; len <= strlen(full) + 1; len++) {
		memset(out, CANARY, sizeof(out));
		route_template("^/api/([^/]+)/tasks/([0-9a-f-]{36})/complete$",
		    out, len);

		olen = strnlen(out, len);
		/* Terminated within the buffer, a prefix of the template. */
		assert_true(olen < len);
		assert_memory_equal(out, full, olen);
		/* Never half a {}. */
		if (olen > 0)
			assert_int_not_equal(out[olen - 1], '{');
		for (i = len; i < sizeof(out); i++)
			assert_int_equal((unsigned char)out[i], CANARY);
	}

	/* A zero-length buffer is not written at all. */
	memset(out, CANARY, sizeof(out));
	route_template("/healthz", out, 0);
	assert_int_equal((unsigned char)out[0], CANARY);

	memset(out, CANARY, sizeof(out));
	route_template("/healthz", out, 1);
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(
		    test_request_id_valid_accepts_allowed_characters),
		cmocka_unit_test(test_request_id_valid_length_limit_is_128),
		cmocka_unit_test(test_request_id_valid_rejects_empty),
		cmocka_unit_test(
		    test_request_id_valid_rejects_other_characters),
		cmocka_unit_test(test_request_id_generate_is_uuid_v4),
		cmocka_unit_test(test_request_id_generate_differs_each_call),
		cmocka_unit_test(test_log_format_exact_line),
		cmocka_unit_test(test_log_format_fields_parse_back),
		cmocka_unit_test(
		    test_log_format_escapes_quote_backslash_control),
		cmocka_unit_test(test_log_format_null_user_id_is_json_null),
		cmocka_unit_test(test_log_format_error_only_when_set),
		cmocka_unit_test(test_log_time_is_utc_with_milliseconds),
		cmocka_unit_test(
		    test_log_format_long_user_id_is_cut_to_one_line),
		cmocka_unit_test(
		    test_log_format_long_escaped_user_id_is_cut_to_one_line),
		cmocka_unit_test(test_log_message_line),
		cmocka_unit_test(test_route_template_plain_path_unchanged),
		cmocka_unit_test(test_route_template_group_becomes_braces),
		cmocka_unit_test(test_route_template_two_groups),
		cmocka_unit_test(test_route_template_nested_groups_collapse),
		cmocka_unit_test(test_route_template_escaped_characters),
		cmocka_unit_test(test_route_template_small_buffer_is_safe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
