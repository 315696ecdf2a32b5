/*
 * Messages and types follow pydantic v2, so a front end written against a
 * FastAPI backend reads our 422s unchanged. Unknown fields are ignored.
 */

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fields.h"
#include "rfc3339.h"

static void	field_check(json_t *, json_t *, const struct field_spec *,
		    struct validation_errors *);
static int	url_valid(const char *);
static void	tags_check(json_t *, const struct field_spec *,
		    struct validation_errors *);
static int	tag_char_ok(char);
static void	enum_expected(const char * const *, char *, size_t);

/*
 * Parses a request body that must be a JSON object. content_type is the
 * request's Content-Type (NULL when absent).
 */
enum body_status
body_parse(const char *content_type, const void *data, size_t len,
    json_t **out, struct validation_errors *errs)
{
	json_error_t	jerr;
	json_t		*body;
	size_t		n;
	char		msg[256];

	*out = NULL;
	n = strlen("application/json");
	if (content_type == NULL ||
	    strncasecmp(content_type, "application/json", n) ||
	    (content_type[n] != '\0' && content_type[n] != ';' &&
	    content_type[n] != ' '))
		return (BODY_UNSUPPORTED_MEDIA);

	body = json_loadb(data != NULL ? data : "", len,
	    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
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

static void
field_check(json_t *body, json_t *v, const struct field_spec *f,
    struct validation_errors *errs)
{
	const char	*s;
	size_t		len;
	char		msg[512], expected[384];

	(void)body;

	if (json_is_null(v)) {
		if (f->nullable)
			return;
	}

	if (f->type == FIELD_TAGS) {
		tags_check(v, f, errs);
		return;
	}

	if (f->type == FIELD_BOOL) {
		if (!json_is_boolean(v)) {
			validation_add(errs, "bool_type", "body", f->name,
			    "Input should be a valid boolean", json_incref(v),
			    NULL);
		}
		return;
	}

	if (!json_is_string(v)) {
		validation_add(errs, "string_type", "body", f->name,
		    "Input should be a valid string", json_incref(v), NULL);
		return;
	}

	s = json_string_value(v);
	len = utf8_length(s);

	switch (f->type) {
	case FIELD_ENUM:
		for (len = 0; f->values[len] != NULL; len++) {
			if (!strcmp(s, f->values[len]))
				return;
		}
		enum_expected(f->values, expected, sizeof(expected));
		(void)snprintf(msg, sizeof(msg), "Input should be %s",
		    expected);
		validation_add(errs, "enum", "body", f->name, msg,
		    json_incref(v), json_pack("{s:s}", "expected", expected));
		return;
	case FIELD_DATETIME:
		if (!fields_datetime(v, msg, sizeof(msg))) {
			validation_add(errs, "datetime_parsing", "body",
			    f->name, "Input should be a valid datetime in RFC "
			    "3339 format, e.g. 2026-11-26T10:57:25Z",
			    json_incref(v), NULL);
		}
		return;
	case FIELD_URL:
		if (len > f->max_len || !url_valid(s)) {
			validation_add(errs, "url_parsing", "body", f->name,
			    "Input should be a valid URL", json_incref(v),
			    NULL);
		}
		return;
	default:
		break;
	}

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
 * A datetime value as PostgreSQL should get it: UTC, microseconds.
 * Returns 0 when v is not an RFC 3339 string.
 */
int
fields_datetime(json_t *v, char *out, size_t len)
{
	int64_t		secs;
	int		usec;

	if (!json_is_string(v) ||
	    !rfc3339_parse(json_string_value(v), &secs, &usec))
		return (0);

	rfc3339_format(secs, usec, out, len);
	return (1);
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

/* An absolute http(s) URL with a host and no spaces or controls. */
static int
url_valid(const char *s)
{
	const char	*host;

	if (!strncasecmp(s, "https://", 8))
		host = s + 8;
	else if (!strncasecmp(s, "http://", 7))
		host = s + 7;
	else
		return (0);

	if (*host == '\0' || *host == '/' || *host == ':' || *host == '?')
		return (0);

	for (; *host != '\0'; host++) {
		if (isspace((unsigned char)*host) ||
		    iscntrl((unsigned char)*host))
			return (0);
	}
	return (1);
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
