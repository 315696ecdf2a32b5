/*
 * Request ids and log lines (request_log.c).
 *
 * The input is split at NUL bytes into an X-Request-ID, a route pattern,
 * a method, a user id, an error and a message; byte 0 of the input picks
 * the line buffer size (any size from 4 to REQUEST_LOG_LINE_MAX, so long
 * values get cut), the next bytes the status, duration, size and clock.
 * Properties:
 *  - request_id_valid keeps exactly 1..128 of [A-Za-z0-9._-], and a
 *    generated id is a version 4 UUID it keeps;
 *  - a route template is bounded and has no regex left in it;
 *  - a log line (values as Kore hands them: text, so UTF-8 here) is one
 *    JSON object and a newline, within the buffer, whose string members
 *    are the values given, or a prefix of them when the line was cut.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/cursor.h"
#include "fuzz.h"
#include "core/request_log.h"

#define NPARTS	6

static int	id_ok(const char *);
static void	check_line(const char *, size_t, size_t, const char *const *,
		    const char *const *, int);
static void	check_member(json_t *, const char *, const char *, int);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request_log_entry	e;
	const uint8_t			*part;
	char				*parts[NPARTS], *line, tmpl[256], gen[37];
	const char			*names[4], *values[4];
	size_t				len, partlen, buflen, n, i;
	uint64_t			u;
	int64_t				now;

	if (size < 16)
		return (0);
	buflen = 4 + (size_t)((data[0] << 8 | data[1]) %
	    (REQUEST_LOG_LINE_MAX - 3));
	for (u = 0, i = 2; i < 10; i++)
		u = u << 8 | data[i];
	/* A clock from 1970 to 9999, milliseconds. */
	now = (int64_t)(u % 253402300800000ULL);
	e.status = (int)((data[10] << 8 | data[11]) % 1000);
	e.duration_us = (uint64_t)data[12] << 24 | (uint64_t)data[13] << 8;
	e.bytes = (size_t)data[14] << 16;
	data += 15;
	size -= 15;

	for (n = 0; n < NPARTS; n++) {
		if (!fuzz_split(&data, &size, '\0', &part, &partlen))
			partlen = 0;
		parts[n] = n == 0 || n == 1 ? fuzz_strndup(part, partlen) :
		    fuzz_utf8(part, partlen, NULL);
	}

	/* The request id: kept when valid, as the rule says. */
	if (request_id_valid(parts[0]) != id_ok(parts[0]))
		fuzz_fail("request_id_valid(\"%s\") is %d", parts[0],
		    request_id_valid(parts[0]));
	request_id_generate(gen);
	if (!uuid_valid(gen) || gen[14] != '4' || !strchr("89ab", gen[19]) ||
	    !request_id_valid(gen))
		fuzz_fail("generated request id %s", gen);

	route_template(parts[1], tmpl, sizeof(tmpl));
	if (strlen(tmpl) >= sizeof(tmpl))
		fuzz_fail("route template overflows");
	route_template(parts[1], tmpl, 1);
	if (tmpl[0] != '\0')
		fuzz_fail("route template in a 1-byte buffer");

	if ((line = malloc(buflen)) == NULL)
		abort();
	memset(&e, 0, sizeof(e));
	e.level = "info";
	e.request_id = request_id_valid(parts[0]) ? parts[0] : gen;
	e.method = parts[2];
	e.route = parts[3];
	e.user_id = parts[4][0] != '\0' ? parts[4] : NULL;
	e.error = parts[5][0] != '\0' ? parts[5] : NULL;
	len = request_log_format(line, buflen, &e, now);
	names[0] = "request_id";
	values[0] = e.request_id;
	names[1] = "method";
	values[1] = e.method;
	names[2] = "route";
	values[2] = e.route;
	names[3] = "error";
	values[3] = e.error;
	check_line(line, len, buflen, names, values, e.error != NULL ? 4 : 3);

	len = request_log_message(line, buflen, "warning", parts[5], now);
	names[0] = "msg";
	values[0] = parts[5];
	check_line(line, len, buflen, names, values, 1);

	free(line);
	for (n = 0; n < NPARTS; n++)
		free(parts[n]);
	return (0);
}

static int
id_ok(const char *s)
{
	size_t	n;

	n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-");
	return (n == strlen(s) && n >= 1 && n <= REQUEST_ID_MAX);
}

static void
check_line(const char *line, size_t len, size_t buflen,
    const char *const *names, const char *const *values, int n)
{
	json_error_t	err;
	json_t		*doc;
	char		*utf8;
	int		i, cut;

	if (len >= buflen || strlen(line) != len || len < 2 ||
	    line[len - 1] != '\n')
		fuzz_fail("log line of %zu bytes in a buffer of %zu", len,
		    buflen);
	/* Too short for even the time: nothing to parse. */
	if (buflen < 64)
		return;
	/* Values are UTF-8, so a line, cut or not, is UTF-8 too. */
	utf8 = fuzz_utf8((const uint8_t *)line, len, NULL);
	if (strcmp(utf8, line))
		fuzz_fail("log line is not UTF-8: %s", line);
	free(utf8);
	/*
	 * A line that (nearly) filled its buffer may have cut its strings
	 * and dropped the members that did not fit whole: the longest text
	 * request_log.c appends at once is under 96 bytes.
	 */
	cut = len + 96 >= buflen;
	if ((doc = json_loadb(line, len - 1, 0, &err)) == NULL ||
	    !json_is_object(doc))
		fuzz_fail("log line is not a JSON object (%s): %s", err.text,
		    line);
	if (!json_is_string(json_object_get(doc, "time")))
		fuzz_fail("log line without its time: %s", line);
	for (i = 0; i < n; i++)
		check_member(doc, names[i], values[i], cut);
	json_decref(doc);
}

static void
check_member(json_t *doc, const char *name, const char *want, int cut)
{
	json_t		*v;

	v = json_object_get(doc, name);
	if (v == NULL) {
		if (!cut)
			fuzz_fail("log line lost %s", name);
		return;
	}
	if (!json_is_string(v) || json_string_length(v) > strlen(want) ||
	    strncmp(json_string_value(v), want, json_string_length(v)) ||
	    (!cut && json_string_length(v) != strlen(want)))
		fuzz_fail("log line's %s is \"%s\", not \"%s\"", name,
		    json_string_value(v), want);
}
