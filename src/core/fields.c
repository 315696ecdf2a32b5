/*
 * Messages and types follow pydantic v2, so a front end written against a
 * FastAPI backend reads our 422s unchanged. Unknown fields are ignored.
 */

#include <ctype.h>
#include <math.h>		/* isfinite() only: a macro, no libm */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/fields.h"
#include "core/rfc3339.h"

#define DT_MS_WATERSHED		20000000000LL
#define DT_UNIX_0000		(-62167219200LL)	/* 0000-01-01 */
#define DT_UNIX_0001		(-62135596800LL)	/* 0001-01-01 */
#define DT_UNIX_9999		253402300799LL		/* 9999-12-31 23:59:59 */
#define DT_TOO_SMALL		"dates before 0000 are not supported as unix " \
				"timestamps"
#define DT_TOO_LARGE		"dates after 9999 are not supported as unix " \
				"timestamps"

/* A parsed date-time: the instant in UTC, and what the text said. */
struct lax_time {
	int64_t		secs;
	int		usec;
	int		year;
	int		has_tz;
};

static void		 field_check(json_t *, json_t *,
			    const struct field_spec *,
			    struct validation_errors *);
static void		 url_check(json_t *, const struct field_spec *,
			    struct validation_errors *);
static void		 tags_check(json_t *, const struct field_spec *,
			    struct validation_errors *);
static int		 tag_char_ok(char);
static int		 token_char(char);
static void		 enum_expected(const char * const *, char *, size_t);
static const char	*dt_from_string(const char *, struct lax_time *);
static const char	*dt_date(const char *, size_t, int *, int *, int *);
static const char	*dt_rfc3339(const char *, struct lax_time *);
static int		 dt_number(const char *, int64_t *, double *);
static int		 dt_decimal(const char *, double *);
static const char	*dt_from_timestamp(int64_t, int64_t,
			    struct lax_time *);
static const char	*dt_from_float(double, struct lax_time *);
static const char	*dt_from_number(double, struct lax_time *);
static void		 dt_date_error(const char *, struct lax_error *);
static int		 dt_digits(const char *, int, int *);
static void		 str_copy(char *, const char *, size_t);

/*
 * Parses a request body that must be a JSON object. content_type is the
 * request's Content-Type (NULL when absent). Duplicate keys: the last one
 * wins, as Python's json module (and so FastAPI) has it.
 */
enum body_status
body_parse(const char *content_type, const void *data, size_t len,
    json_t **out, struct validation_errors *errs)
{
	json_error_t	jerr;
	json_t		*body;
	char		msg[256];

	*out = NULL;
	if (!media_type_json(content_type))
		return (BODY_UNSUPPORTED_MEDIA);

	body = json_loadb(data != NULL ? data : "", len, JSON_DECODE_ANY,
	    &jerr);
	if (body == NULL) {
		(void)snprintf(msg, sizeof(msg), "JSON decode error");
		validation_add(errs, "json_invalid", "body", NULL, msg,
		    json_string(""), json_pack("{s:s}", "error", jerr.text));
		return (BODY_INVALID);
	}

	if (!json_is_object(body)) {
		validation_add(errs, "model_attributes_type", "body", NULL,
		    "Input should be a valid dictionary or object to extract "
		    "fields from", body, NULL);
		return (BODY_INVALID);
	}

	*out = body;
	return (BODY_OK);
}

/*
 * FastAPI's test: main type application and subtype json or *+json, in
 * any case, parameters (charset) allowed. Anything else, or none, is not
 * JSON.
 */
int
media_type_json(const char *ct)
{
	const char	*sub, *end;
	size_t		n;

	if (ct == NULL)
		return (0);
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, "application/", 12))
		return (0);
	sub = ct + 12;
	for (end = sub; *end != '\0' && *end != ';' && *end != ' ' &&
	    *end != '\t'; end++) {
		if (!token_char(*end))
			return (0);
	}
	for (n = (size_t)(end - sub); *end == ' ' || *end == '\t'; end++)
		;
	if (*end != '\0' && *end != ';')
		return (0);

	if (n == 4 && !strncasecmp(sub, "json", 4))
		return (1);
	return (n >= 5 && !strncasecmp(sub + n - 5, "+json", 5));
}

/* Checks every field of the table; returns 1 when all are valid. */
int
fields_check(json_t *body, const struct field_spec *specs, size_t n,
    struct validation_errors *errs)
{
	size_t		i, before;
	json_t		*v;

	before = validation_count(errs);
	for (i = 0; i < n; i++) {
		v = json_object_get(body, specs[i].name);
		if (v == NULL) {
			if (specs[i].required) {
				validation_add(errs, "missing", "body",
				    specs[i].name, "Field required",
				    json_incref(body), NULL);
			}
			continue;
		}
		field_check(body, v, &specs[i], errs);
	}

	return (validation_count(errs) == before);
}

/* Length in characters (code points) of valid UTF-8, as pydantic counts. */
size_t
utf8_length(const char *s)
{
	size_t		n;

	for (n = 0; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	}
	return (n);
}

/*
 * One field, as pydantic v2 validates the value json.loads gave it (lax
 * mode, Python input: FastAPI's path). A value it converts (a bool from
 * "yes", a datetime from a Unix time) is replaced in body by the
 * converted one, so callers only ever see the canonical form.
 */
static void
field_check(json_t *body, json_t *v, const struct field_spec *f,
    struct validation_errors *errs)
{
	struct lax_error	e;
	const char		*s;
	size_t			len;
	char			msg[512], expected[384], when[RFC3339_BUF];
	int			b;

	if (json_is_null(v) && f->nullable)
		return;

	switch (f->type) {
	case FIELD_TAGS:
		tags_check(v, f, errs);
		return;
	case FIELD_BOOL:
		if ((b = lax_bool(v, &e)) == -1) {
			validation_add(errs, e.type, "body", f->name, e.msg,
			    json_incref(v), NULL);
		} else if (!json_is_boolean(v)) {
			json_object_set_new(body, f->name, json_boolean(b));
		}
		return;
	case FIELD_DATETIME:
		if (!lax_datetime(v, when, sizeof(when), &e)) {
			validation_add(errs, e.type, "body", f->name, e.msg,
			    json_incref(v), e.ctx_error[0] == '\0' ? NULL :
			    json_pack("{s:s}", "error", e.ctx_error));
		} else {
			json_object_set_new(body, f->name, json_string(when));
		}
		return;
	case FIELD_ENUM:
		for (len = 0; f->values[len] != NULL; len++) {
			if (json_is_string(v) &&
			    !strcmp(json_string_value(v), f->values[len]))
				return;
		}
		enum_expected(f->values, expected, sizeof(expected));
		(void)snprintf(msg, sizeof(msg), "Input should be %s",
		    expected);
		validation_add(errs, "enum", "body", f->name, msg,
		    json_incref(v), json_pack("{s:s}", "expected", expected));
		return;
	case FIELD_URL:
		url_check(v, f, errs);
		return;
	default:
		break;
	}

	/* A str field takes a str only: no number, no bool (string_type). */
	if (!json_is_string(v)) {
		validation_add(errs, "string_type", "body", f->name,
		    "Input should be a valid string", json_incref(v), NULL);
		return;
	}

	s = json_string_value(v);
	len = utf8_length(s);
	if (len < f->min_len) {
		(void)snprintf(msg, sizeof(msg), "String should have at least "
		    "%zu character%s", f->min_len, f->min_len == 1 ? "" : "s");
		validation_add(errs, "string_too_short", "body", f->name, msg,
		    json_incref(v), json_pack("{s:I}", "min_length",
		    (json_int_t)f->min_len));
	} else if (f->max_len > 0 && len > f->max_len) {
		(void)snprintf(msg, sizeof(msg), "String should have at most "
		    "%zu character%s", f->max_len, f->max_len == 1 ? "" : "s");
		validation_add(errs, "string_too_long", "body", f->name, msg,
		    json_incref(v), json_pack("{s:I}", "max_length",
		    (json_int_t)f->max_len));
	}
}

/*
 * pydantic's bool: true/false; the ints 0 and 1 (and floats equal to
 * them); the strings 0 off f false n no 1 on t true y yes in any case.
 * Returns the value, or -1 with e set: bool_parsing for a string or a
 * whole number it cannot read, bool_type for anything else.
 */
int
lax_bool(json_t *v, struct lax_error *e)
{
	static const char * const	no[] = {
		"0", "off", "f", "false", "n", "no", NULL
	};
	static const char * const	yes[] = {
		"1", "on", "t", "true", "y", "yes", NULL
	};
	const char			*s;
	double				d;
	size_t				i;

	memset(e, 0, sizeof(*e));
	if (json_is_boolean(v))
		return (json_is_true(v));

	if (json_is_integer(v)) {
		if (json_integer_value(v) == 0 || json_integer_value(v) == 1)
			return ((int)json_integer_value(v));
		goto parsing;
	}
	if (json_is_real(v)) {
		d = json_real_value(v);
		if (d == 0.0 || d == 1.0)
			return (d == 1.0);
		if (isfinite(d) && d > -9.2e18 && d < 9.2e18 &&
		    d == (double)(int64_t)d)
			goto parsing;
		goto type;
	}
	if (json_is_string(v)) {
		s = json_string_value(v);
		for (i = 0; no[i] != NULL; i++) {
			if (!strcasecmp(s, no[i]))
				return (0);
			if (!strcasecmp(s, yes[i]))
				return (1);
		}
		goto parsing;
	}

type:
	e->type = "bool_type";
	(void)snprintf(e->msg, sizeof(e->msg), "Input should be a valid boolean");
	return (-1);
parsing:
	e->type = "bool_parsing";
	(void)snprintf(e->msg, sizeof(e->msg), "Input should be a valid boolean, "
	    "unable to interpret input");
	return (-1);
}

/*
 * pydantic's AwareDatetime in lax mode (its speedate parser): an RFC 3339
 * date-time, with the leniencies pydantic has (a space, '_' or lower-case
 * 't' between date and time, seconds optional, ',' before the fraction,
 * digits past microseconds dropped, +HHMM), or a Unix time as a number or
 * numeric string (milliseconds when over 2e10 in magnitude). A time
 * without an offset is refused (timezone_aware), as "Z" must be said.
 * Writes the instant in UTC as rfc3339_format does; returns 0 with e set.
 */
int
lax_datetime(json_t *v, char *out, size_t outlen, struct lax_error *e)
{
	struct lax_time		t;
	const char		*err;
	double			d;

	memset(e, 0, sizeof(*e));
	memset(&t, 0, sizeof(t));

	if (json_is_integer(v)) {
		err = dt_from_timestamp(json_integer_value(v), 0, &t);
	} else if (json_is_real(v)) {
		d = json_real_value(v);
		err = isfinite(d) ? dt_from_number(d, &t) :
		    "NaN values not permitted";
	} else if (json_is_string(v)) {
		if ((err = dt_from_string(json_string_value(v), &t)) != NULL) {
			/* lax mode then tries a date; its error is the one. */
			dt_date_error(json_string_value(v), e);
			return (0);
		}
	} else {
		e->type = "datetime_type";
		(void)snprintf(e->msg, sizeof(e->msg),
		    "Input should be a valid datetime");
		return (0);
	}

	if (err == NULL && t.year == 0)
		err = "year 0 is out of range";
	if (err == NULL && !t.has_tz) {
		e->type = "timezone_aware";
		(void)snprintf(e->msg, sizeof(e->msg),
		    "Input should have timezone info");
		return (0);
	}
	/* Our own bound: PostgreSQL and the answers keep years 1 to 9999. */
	if (err == NULL && (t.secs < DT_UNIX_0001 || t.secs > DT_UNIX_9999))
		err = "date value out of range";
	if (err != NULL) {
		e->type = "datetime_parsing";
		str_copy(e->ctx_error, err, sizeof(e->ctx_error));
		(void)snprintf(e->msg, sizeof(e->msg),
		    "Input should be a valid datetime, %s", err);
		return (0);
	}

	rfc3339_format(t.secs, t.usec, out, outlen);
	return (1);
}

/* Date-time text; NULL when parsed, else speedate's reason. */
static const char *
dt_from_string(const char *s, struct lax_time *t)
{
	const char	*err;
	double		d;
	int64_t		n;
	int		r;

	if ((err = dt_rfc3339(s, t)) == NULL)
		return (NULL);

	/* Not a date-time: a number, seconds or milliseconds since 1970. */
	if ((r = dt_number(s, &n, &d)) == 1)
		return (dt_from_timestamp(n, 0, t));
	if (r == 2)
		return (dt_from_float(d, t));
	return (err);
}

/* YYYY-MM-DD, as speedate checks it; NULL when valid. */
static const char *
dt_date(const char *s, size_t len, int *year, int *mon, int *day)
{
	if (len < 10)
		return ("input is too short");
	if (!dt_digits(s, 4, year))
		return ("invalid character in year");
	if (s[4] != '-')
		return ("invalid date separator, expected `-`");
	if (!dt_digits(s + 5, 2, mon))
		return ("invalid character in month");
	if (s[7] != '-')
		return ("invalid date separator, expected `-`");
	if (!dt_digits(s + 8, 2, day))
		return ("invalid character in day");
	if (*mon < 1 || *mon > 12)
		return ("month value is outside expected range of 1-12");
	if (*day < 1 || *day > rfc3339_days_in_month(*year, *mon))
		return ("day value is outside expected range");
	return (NULL);
}

static const char *
dt_rfc3339(const char *s, struct lax_time *t)
{
	const char	*err;
	size_t		len, i, n;
	int		year, mon, day, hour, min, sec, usec, oh, om, sign;
	int64_t		off;

	len = strlen(s);
	if ((err = dt_date(s, len, &year, &mon, &day)) != NULL)
		return (err);
	if (len < 11 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ' &&
	    s[10] != '_'))
		return ("invalid datetime separator, expected `T`, `t`, `_` "
		    "or space");

	if (len - 11 < 5)
		return ("input is too short");
	if (!dt_digits(s + 11, 2, &hour))
		return ("invalid character in hour");
	if (s[13] != ':')
		return ("invalid time separator, expected `:`");
	if (!dt_digits(s + 14, 2, &min))
		return ("invalid character in minute");
	if (hour > 23)
		return ("hour value is outside expected range of 0-23");
	if (min > 59)
		return ("minute value is outside expected range of 0-59");

	i = 16;
	sec = usec = 0;
	if (s[i] == ':') {
		if (!isdigit((unsigned char)s[i + 1]) ||
		    !isdigit((unsigned char)s[i + 2]))
			return ("invalid character in second");
		sec = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
		if (sec > 59)
			return ("second value is outside expected range of "
			    "0-59");
		i += 3;
		if (s[i] == '.' || s[i] == ',') {
			i++;
			for (n = 0; isdigit((unsigned char)s[i + n]); n++) {
				if (n < 6)
					usec = usec * 10 + (s[i + n] - '0');
			}
			if (n == 0)
				return ("second fraction digits missing after "
				    "`.`");
			for (; n < 6; n++)
				usec *= 10;
			while (isdigit((unsigned char)s[i]))
				i++;
		}
	}

	t->has_tz = 0;
	off = 0;
	if (s[i] != '\0') {
		if (s[i] == 'Z' || s[i] == 'z') {
			i++;
		} else {
			if (s[i] == '+') {
				sign = 1;
				i++;
			} else if (s[i] == '-') {
				sign = -1;
				i++;
			} else if (!strncmp(s + i, "\xe2\x88\x92", 3)) {
				/* U+2212 MINUS SIGN, as ISO 8601 allows. */
				sign = -1;
				i += 3;
			} else {
				return ("invalid timezone sign");
			}
			if (!dt_digits(s + i, 2, &oh))
				return ("invalid timezone hour");
			i += 2;
			if (s[i] == ':')
				i++;
			if (!dt_digits(s + i, 2, &om))
				return ("invalid timezone minute");
			i += 2;
			if (om > 59)
				return ("timezone minute value is outside "
				    "expected range of 0-59");
			off = sign * (oh * 3600 + om * 60);
			if (off <= -86400 || off >= 86400)
				return ("timezone offset must be less than 24 "
				    "hours");
		}
		t->has_tz = 1;
	}
	if (s[i] != '\0')
		return ("unexpected extra characters at the end of the input");

	t->year = year;
	t->secs = rfc3339_days_from_civil(year, mon, day) * 86400 + hour * 3600 +
	    min * 60 + sec - off;
	t->usec = usec;
	return (NULL);
}

/*
 * speedate's number test: an integer ([+-]digits, 1), or, when reading
 * one stops at a '.', a decimal with an optional exponent (2). 0: not a
 * number ("1e5" is not one: no '.').
 */
static int
dt_number(const char *s, int64_t *n, double *d)
{
	const char	*p;
	int64_t		v;
	int		neg;

	p = s;
	neg = 0;
	if (*p == '-' || *p == '+')
		neg = (*p++ == '-');
	if (!isdigit((unsigned char)*p))
		return (*p == '.' ? dt_decimal(s, d) : 0);
	for (v = 0; isdigit((unsigned char)*p); p++) {
		if (v > (INT64_MAX - 9) / 10)
			return (0);
		v = v * 10 + (*p - '0');
	}
	if (*p == '\0') {
		*n = neg ? -v : v;
		return (1);
	}
	if (*p != '.')
		return (0);
	return (dt_decimal(s, d));
}

/* [+-]digits.digits[(e|E)[+-]digits], at least one digit before the e. */
static int
dt_decimal(const char *s, double *d)
{
	const char	*p;
	char		*ep;
	int		digits;

	p = s;
	if (*p == '-' || *p == '+')
		p++;
	for (digits = 0; isdigit((unsigned char)*p); p++)
		digits++;
	if (*p == '.')
		p++;
	for (; isdigit((unsigned char)*p); p++)
		digits++;
	if (digits == 0)
		return (0);
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!isdigit((unsigned char)*p))
			return (0);
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p != '\0')
		return (0);

	*d = strtod(s, &ep);
	return (*ep == '\0' && isfinite(*d) ? 2 : 0);
}

/*
 * speedate's from_timestamp: seconds, or milliseconds when the magnitude
 * is over 2e10, plus extra microseconds; years 0 to 9999.
 */
static const char *
dt_from_timestamp(int64_t ts, int64_t extra_usec, struct lax_time *t)
{
	int64_t		secs, usec;

	if (ts == INT64_MIN)
		return (DT_TOO_SMALL);
	secs = ts;
	usec = 0;
	if ((ts < 0 ? -ts : ts) > DT_MS_WATERSHED) {
		secs = ts / 1000;
		usec = (ts % 1000) * 1000;
		if (usec < 0) {
			secs--;
			usec += 1000000;
		}
	}
	usec += extra_usec;
	secs += usec / 1000000;
	usec %= 1000000;

	if (secs < DT_UNIX_0000)
		return (DT_TOO_SMALL);
	if (secs > DT_UNIX_9999)
		return (DT_TOO_LARGE);

	t->secs = secs;
	t->usec = (int)usec;
	t->has_tz = 1;
	t->year = secs < DT_UNIX_0001 ? 0 : 1;
	return (NULL);
}

/*
 * A Unix time in a numeric string with a '.': speedate scales it to
 * seconds (milliseconds over 2e10), rounds the fraction to microseconds,
 * then reads the whole seconds as above. No libm here.
 */
static const char *
dt_from_float(double d, struct lax_time *t)
{
	int64_t		whole;
	double		frac;

	if (d > (double)DT_MS_WATERSHED || d < -(double)DT_MS_WATERSHED)
		d /= 1000.0;
	if (d < -9.2e18 || d > 9.2e18)
		return (d < 0 ? DT_TOO_SMALL : DT_TOO_LARGE);
	whole = (int64_t)d;
	if ((double)whole > d)
		whole--;
	frac = (d - (double)whole) * 1000000.0;
	return (dt_from_timestamp(whole, (int64_t)(frac + 0.5), t));
}

/*
 * A JSON number that is not an integer, as pydantic-core reads a Python
 * float: the floor as the timestamp (seconds or milliseconds, above), plus
 * the magnitude of the fraction in microseconds (milliseconds over 2e10).
 * That is its arithmetic, -1.25 being -1.75: kept, for the same answers.
 */
static const char *
dt_from_number(double d, struct lax_time *t)
{
	int64_t		whole;
	double		frac, mag;

	if (d < -9.2e18 || d > 9.2e18)
		return (d < 0 ? DT_TOO_SMALL : DT_TOO_LARGE);
	whole = (int64_t)d;
	frac = d - (double)whole;
	if (frac < 0)
		frac = -frac;
	if ((double)whole > d)
		whole--;
	mag = d < 0 ? -d : d;
	frac *= mag <= (double)DT_MS_WATERSHED ? 1000000.0 : 1000.0;
	return (dt_from_timestamp(whole, (int64_t)(frac + 0.5), t));
}

/*
 * The reason pydantic gives for a string that is no datetime: it then
 * reads it as a date, and that attempt's error is reported
 * (datetime_from_date_parsing).
 */
static void
dt_date_error(const char *s, struct lax_error *e)
{
	struct lax_time		t;
	const char		*err;
	double			d;
	int64_t			n;
	int			year, mon, day;

	if ((err = dt_date(s, strlen(s), &year, &mon, &day)) == NULL) {
		if (strlen(s) > 10)
			err = "unexpected extra characters at the end of the "
			    "input";
	}
	if (err != NULL && dt_number(s, &n, &d) == 1) {
		if ((err = dt_from_timestamp(n, 0, &t)) == NULL &&
		    (t.secs % 86400 != 0 || t.usec != 0))
			err = "Timestamp is not an exact date";
	}

	if (err == NULL) {
		/* A date alone: midnight without an offset. */
		e->type = "timezone_aware";
		(void)snprintf(e->msg, sizeof(e->msg),
		    "Input should have timezone info");
		return;
	}
	e->type = "datetime_from_date_parsing";
	str_copy(e->ctx_error, err, sizeof(e->ctx_error));
	(void)snprintf(e->msg, sizeof(e->msg),
	    "Input should be a valid datetime or date, %s", err);
}

static int
dt_digits(const char *s, int n, int *out)
{
	int	i, v;

	for (i = 0, v = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return (0);
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return (1);
}

/* A copy that always ends in NUL (no Kore here: unit-tested alone). */
static void
str_copy(char *dst, const char *src, size_t len)
{
	(void)snprintf(dst, len, "%s", src);
}

/*
 * Tags as stored: lower-cased, duplicates merged, first order kept. Call
 * only on a list fields_check accepted. Returns a new array.
 */
json_t *
tags_normalize(json_t *v)
{
	json_t		*out, *tag;
	size_t		i, j, k;
	char		buf[TAG_MAX_LEN + 1];
	const char	*s;
	int		dup;

	out = json_array();
	for (i = 0; i < json_array_size(v); i++) {
		s = json_string_value(json_array_get(v, i));
		if (s == NULL || strlen(s) > TAG_MAX_LEN)
			continue;
		for (k = 0; s[k] != '\0'; k++)
			buf[k] = (char)tolower((unsigned char)s[k]);
		buf[k] = '\0';

		for (dup = 0, j = 0; j < json_array_size(out); j++) {
			if (!strcmp(json_string_value(json_array_get(out, j)),
			    buf))
				dup = 1;
		}
		if (!dup) {
			tag = json_string(buf);
			json_array_append_new(out, tag);
		}
	}

	return (out);
}

/* Normalized tags as a PostgreSQL text[] literal, for a query parameter. */
int
tags_literal(json_t *tags, char *out, size_t len)
{
	size_t		i, off;
	const char	*s;

	if (len < 3)
		return (0);

	off = 0;
	out[off++] = '{';
	for (i = 0; i < json_array_size(tags); i++) {
		s = json_string_value(json_array_get(tags, i));
		if (off + strlen(s) + 4 >= len)
			return (0);
		off += (size_t)snprintf(out + off, len - off, "%s\"%s\"",
		    i == 0 ? "" : ",", s);
	}
	out[off++] = '}';
	out[off] = '\0';

	return (1);
}

static void
tags_check(json_t *v, const struct field_spec *f,
    struct validation_errors *errs)
{
	const char	*s;
	size_t		i, k, len;
	char		msg[128];

	if (!json_is_array(v)) {
		validation_add(errs, "list_type", "body", f->name,
		    "Input should be a valid list", json_incref(v), NULL);
		return;
	}

	if (json_array_size(v) > f->max_len) {
		(void)snprintf(msg, sizeof(msg), "List should have at most %zu "
		    "items after validation, not %zu", f->max_len,
		    json_array_size(v));
		validation_add(errs, "too_long", "body", f->name, msg,
		    json_incref(v), json_pack("{s:s,s:I,s:I}", "field_type",
		    "List", "max_length", (json_int_t)f->max_len,
		    "actual_length", (json_int_t)json_array_size(v)));
		return;
	}

	for (i = 0; i < json_array_size(v); i++) {
		s = json_string_value(json_array_get(v, i));
		if (s == NULL) {
			validation_add_item(errs, "string_type", "body",
			    f->name, i, "Input should be a valid string",
			    json_incref(json_array_get(v, i)), NULL);
			continue;
		}
		len = utf8_length(s);
		if (len < 1 || len > TAG_MAX_LEN) {
			(void)snprintf(msg, sizeof(msg), "String should have "
			    "%s %d character%s", len < 1 ? "at least" :
			    "at most", len < 1 ? 1 : TAG_MAX_LEN,
			    len < 1 ? "" : "s");
			validation_add_item(errs, len < 1 ? "string_too_short" :
			    "string_too_long", "body", f->name, i, msg,
			    json_string(s), json_pack("{s:i}", len < 1 ?
			    "min_length" : "max_length", len < 1 ? 1 :
			    TAG_MAX_LEN));
			continue;
		}
		for (k = 0; s[k] != '\0' && tag_char_ok(s[k]); k++)
			;
		if (s[k] != '\0') {
			validation_add_item(errs, "string_pattern_mismatch",
			    "body", f->name, i, "String should match pattern "
			    "'^[a-z0-9_-]+$'", json_string(s),
			    json_pack("{s:s}", "pattern", "^[a-z0-9_-]+$"));
		}
	}
}

/* Tags are compared lower-cased, so upper-case letters are fine too. */
static int
tag_char_ok(char c)
{
	c = (char)tolower((unsigned char)c);
	return ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '_' || c == '-');
}

/*
 * pydantic's HttpUrl, in part: a string (url_type), at most max_len
 * characters (url_too_long), an http or https scheme (url_scheme), a host,
 * and, stricter than pydantic, no spaces or control characters (which it
 * would percent-encode or drop) instead of rewriting what was sent.
 */
static void
url_check(json_t *v, const struct field_spec *f,
    struct validation_errors *errs)
{
	const char	*s, *p, *host, *err;
	char		msg[256];
	size_t		len;

	if (!json_is_string(v)) {
		validation_add(errs, "url_type", "body", f->name,
		    "URL input should be a string or URL", json_incref(v),
		    NULL);
		return;
	}
	s = json_string_value(v);
	len = utf8_length(s);
	if (f->max_len > 0 && len > f->max_len) {
		(void)snprintf(msg, sizeof(msg), "URL should have at most %zu "
		    "characters", f->max_len);
		validation_add(errs, "url_too_long", "body", f->name, msg,
		    json_incref(v), json_pack("{s:I}", "max_length",
		    (json_int_t)f->max_len));
		return;
	}

	err = NULL;
	host = NULL;
	if (!strncasecmp(s, "https://", 8))
		host = s + 8;
	else if (!strncasecmp(s, "http://", 7))
		host = s + 7;

	if (host == NULL) {
		/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
		for (p = s; isalnum((unsigned char)*p) || *p == '+' ||
		    *p == '-' || *p == '.'; p++)
			;
		if (*s == '\0') {
			err = "input is empty";
		} else if (*p == ':' && p > s && isalpha((unsigned char)*s) &&
		    strncasecmp(s, "http:", 5) && strncasecmp(s, "https:", 6)) {
			validation_add(errs, "url_scheme", "body", f->name,
			    "URL scheme should be 'http' or 'https'",
			    json_incref(v), json_pack("{s:s}",
			    "expected_schemes", "'http' or 'https'"));
			return;
		} else {
			err = "relative URL without a base";
		}
	} else if (*host == '\0' || *host == '/' || *host == ':' ||
	    *host == '?' || *host == '#') {
		err = "empty host";
	} else {
		for (p = host; *p != '\0'; p++) {
			if (isspace((unsigned char)*p) ||
			    iscntrl((unsigned char)*p)) {
				err = "invalid character";
				break;
			}
		}
	}
	if (err == NULL)
		return;

	(void)snprintf(msg, sizeof(msg), "Input should be a valid URL, %s",
	    err);
	validation_add(errs, "url_parsing", "body", f->name, msg,
	    json_incref(v), json_pack("{s:s}", "error", err));
}

/* pydantic's wording: 'a', 'b' or 'c'. */
static void
enum_expected(const char * const *values, char *out, size_t len)
{
	size_t		i, n, off;

	for (n = 0; values[n] != NULL; n++)
		;

	off = 0;
	out[0] = '\0';
	for (i = 0; i < n && off < len; i++) {
		off += (size_t)snprintf(out + off, len - off, "%s'%s'",
		    i == 0 ? "" : (i == n - 1 ? " or " : ", "), values[i]);
	}
}

/* RFC 9110 tchar. */
static int
token_char(char c)
{
	return (isalnum((unsigned char)c) || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL));
}
