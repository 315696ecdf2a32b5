/*
 * RFC 3339 date-times: rfc3339_parse (query dates, cursors) and
 * lax_datetime (body fields, pydantic's rules).
 *
 * The input is the text of a date-time; when it is also a JSON number or
 * string, lax_datetime gets that value too. Properties:
 *  - an accepted instant is in 0001-01-01..9999-12-31 UTC, so PostgreSQL
 *    and our answers can hold it (finding 18.4 when not);
 *  - what rfc3339_format writes parses back to the same instant;
 *  - a strict RFC 3339 text rfc3339_parse accepts, lax_datetime accepts
 *    too, as the same instant (pydantic takes all of RFC 3339);
 *  - lax_datetime writes canonical text (formatting it again changes
 *    nothing), and a refusal always says why.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/fields.h"
#include "fuzz.h"
#include "core/rfc3339.h"

#define UNIX_0001	(-62135596800LL)	/* 0001-01-01T00:00:00Z */
#define UNIX_9999	253402300799LL		/* 9999-12-31T23:59:59Z */

static void	check_parse(const char *);
static void	check_lax(json_t *, const char *, int64_t, int);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t		*v;
	char		*s;

	s = fuzz_strndup(data, size);
	check_parse(s);

	/* The same text as a JSON string, and as any JSON value. */
	if ((v = json_string(s)) != NULL) {
		check_lax(v, s, 0, 0);
		json_decref(v);
	}
	if ((v = json_loadb((const char *)data, size, JSON_DECODE_ANY,
	    NULL)) != NULL) {
		check_lax(v, NULL, 0, 0);
		json_decref(v);
	}
	free(s);
	return (0);
}

static void
check_parse(const char *s)
{
	char		buf[RFC3339_BUF], again[RFC3339_BUF];
	int64_t		secs, secs2;
	int		usec, usec2;
	json_t		*v;

	if (!rfc3339_parse(s, &secs, &usec))
		return;
	if (usec < 0 || usec > 999999)
		fuzz_fail("rfc3339_parse(\"%s\"): usec %d", s, usec);
	if (secs < UNIX_0001 || secs > UNIX_9999) {
		fuzz_known("18.4", "rfc3339_parse(\"%s\") accepted %lld, "
		    "outside years 1..9999", s, (long long)secs);
		return;
	}

	rfc3339_format(secs, usec, buf, sizeof(buf));
	if (!rfc3339_parse(buf, &secs2, &usec2) || secs2 != secs ||
	    usec2 != usec)
		fuzz_fail("rfc3339_format of \"%s\" is \"%s\", which does not "
		    "parse back to the same instant", s, buf);
	rfc3339_format(secs2, usec2, again, sizeof(again));
	if (strcmp(buf, again))
		fuzz_fail("formatting \"%s\" twice: \"%s\"", buf, again);

	/* pydantic takes every RFC 3339 date-time, as the same instant. */
	if ((v = json_string(s)) == NULL)
		fuzz_fail("rfc3339_parse accepted non-UTF-8 \"%s\"", s);
	check_lax(v, s, secs, usec + 1);
	json_decref(v);
}

/* want_usec > 0: the value must be accepted as secs, want_usec - 1. */
static void
check_lax(json_t *v, const char *s, int64_t want_secs, int want_usec)
{
	struct lax_error	e;
	char			out[RFC3339_BUF], again[RFC3339_BUF];
	int64_t			secs;
	int			usec;

	memset(out, 0, sizeof(out));
	if (!lax_datetime(v, out, sizeof(out), &e)) {
		if (e.type == NULL || e.msg[0] == '\0')
			fuzz_fail("lax_datetime refused \"%s\" without a "
			    "reason", s != NULL ? s : "(json)");
		if (want_usec > 0)
			fuzz_fail("lax_datetime refused RFC 3339 \"%s\": %s",
			    s, e.msg);
		return;
	}
	if (!rfc3339_parse(out, &secs, &usec))
		fuzz_fail("lax_datetime wrote \"%s\", not RFC 3339", out);
	if (secs < UNIX_0001 || secs > UNIX_9999)
		fuzz_fail("lax_datetime accepted \"%s\" outside 1..9999", out);
	rfc3339_format(secs, usec, again, sizeof(again));
	if (strcmp(out, again))
		fuzz_fail("lax_datetime wrote \"%s\", not canonical \"%s\"",
		    out, again);
	if (want_usec > 0 && (secs != want_secs || usec != want_usec - 1))
		fuzz_fail("\"%s\": lax_datetime says %s, rfc3339_parse %lld.%06d",
		    s, out, (long long)want_secs, want_usec - 1);
}
