/*
 * Request bodies (fields.c) against the real field tables of tasks
 * (task_fields.h) and users (user_fields.h).
 *
 * Byte 0: bits 0-1 the table (task POST/PUT, task PATCH, user PATCH),
 * bits 2-4 the Content-Type (7: the rest up to a NUL is one). The rest
 * is the body. Properties:
 *  - a media type we call JSON gets parsed, any other is refused before;
 *    the body is accepted iff it is a JSON object;
 *  - every error names a field of the table (or the body), with a type
 *    and a message, and the 422 body is JSON;
 *  - an accepted body has only values the table allows, converted to
 *    their canonical form: booleans, dates in UTC that parse back to the
 *    same instant inside years 1..9999, tags that normalize and fit a
 *    text[] literal; checking the converted body again changes nothing.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "core/fields.h"
#include "fuzz.h"
#include "core/rfc3339.h"
#include "api/task_fields.h"
#include "api/user_fields.h"
#include "core/validation.h"

#define UNIX_0001	(-62135596800LL)
#define UNIX_9999	253402300799LL

static const char *const content_types[] = {
	"application/json", "application/json; charset=utf-8",
	"Application/Merge-Patch+JSON", "text/plain", NULL,
	"application/jsonx", "\tapplication/json ;q", NULL
};
static const int content_json[] = { 1, 1, 1, 0, 0, 0, 1, -1 };

static void	check_errors(const struct validation_errors *,
		    const struct field_spec *, size_t);
static void	check_valid(json_t *, const struct field_spec *, size_t);
static void	check_value(json_t *, const struct field_spec *);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct validation_errors	errs;
	struct field_spec		specs[TASK_NFIELDS];
	const struct field_spec		*table;
	enum body_status		st;
	json_t				*body, *copy, *any;
	char				*ct;
	const uint8_t			*part;
	size_t				n, i, partlen;
	int				ctn, ok;

	if (size < 1)
		return (0);
	ctn = (data[0] >> 2) & 7;
	switch (data[0] & 3) {
	case 0:
	case 3:
		table = task_fields;
		n = TASK_NFIELDS;
		break;
	case 1:
		/* PATCH: the same table with nothing required (tasks.c). */
		memcpy(specs, task_fields, sizeof(specs));
		for (i = 0; i < TASK_NFIELDS; i++)
			specs[i].required = 0;
		table = specs;
		n = TASK_NFIELDS;
		break;
	default:
		table = user_patch_fields;
		n = sizeof(user_patch_fields) / sizeof(user_patch_fields[0]);
		break;
	}
	data++;
	size--;
	ct = NULL;
	if (ctn == 7) {
		if (!fuzz_split(&data, &size, '\0', &part, &partlen))
			return (0);
		ct = fuzz_strndup(part, partlen);
	}

	validation_init(&errs);
	st = body_parse(ctn == 7 ? ct : content_types[ctn], data, size, &body,
	    &errs);
	if (ctn != 7 && (st != BODY_UNSUPPORTED_MEDIA) != content_json[ctn])
		fuzz_fail("Content-Type \"%s\": status %d",
		    content_types[ctn] ? content_types[ctn] : "(none)", st);
	if (st == BODY_UNSUPPORTED_MEDIA) {
		if (validation_count(&errs) != 0 || body != NULL)
			fuzz_fail("an unsupported media type left errors");
		goto done;
	}

	any = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if ((st == BODY_OK) != json_is_object(any))
		fuzz_fail("body_parse says %d for a %s", st, any == NULL ?
		    "non-JSON body" : json_is_object(any) ? "JSON object" :
		    "JSON non-object");
	json_decref(any);
	if (st != BODY_OK) {
		if (validation_count(&errs) != 1 || body != NULL)
			fuzz_fail("a refused body gave %zu errors",
			    validation_count(&errs));
		check_errors(&errs, table, n);
		goto done;
	}

	ok = fields_check(body, table, n, &errs);
	if (ok != (validation_count(&errs) == 0))
		fuzz_fail("fields_check says %d with %zu errors", ok,
		    validation_count(&errs));
	check_errors(&errs, table, n);
	if (ok) {
		check_valid(body, table, n);
		/* The converted body is a fixed point. */
		copy = json_deep_copy(body);
		if (!fields_check(copy, table, n, &errs) ||
		    !json_equal(copy, body))
			fuzz_fail("the converted body changes when checked "
			    "again");
		json_decref(copy);
	}
	json_decref(body);

done:
	validation_cleanup(&errs);
	free(ct);
	return (0);
}

static void
check_errors(const struct validation_errors *errs,
    const struct field_spec *table, size_t n)
{
	json_t		*e, *loc, *doc;
	const char	*field;
	char		*text;
	size_t		i, j, len;

	if (validation_count(errs) > VALIDATION_ERRORS_MAX)
		fuzz_fail("%zu errors", validation_count(errs));
	json_array_foreach(errs->list, i, e) {
		loc = json_object_get(e, "loc");
		if (!json_is_string(json_object_get(e, "type")) ||
		    !json_is_string(json_object_get(e, "msg")) ||
		    json_string_length(json_object_get(e, "msg")) == 0 ||
		    json_object_get(e, "input") == NULL || !json_is_array(loc) ||
		    strcmp(json_string_value(json_array_get(loc, 0)) ?
		    json_string_value(json_array_get(loc, 0)) : "", "body"))
			fuzz_fail("malformed error %zu", i);
		if (json_array_size(loc) == 1)
			continue;
		field = json_string_value(json_array_get(loc, 1));
		for (j = 0; field != NULL && j < n; j++) {
			if (!strcmp(field, table[j].name))
				break;
		}
		if (field == NULL || j == n)
			fuzz_fail("error for field %s, not in the table",
			    field ? field : "(none)");
	}

	if ((text = validation_body(errs, &len)) == NULL ||
	    (doc = json_loadb(text, len, 0, NULL)) == NULL ||
	    !json_is_array(json_object_get(doc, "detail")))
		fuzz_fail("the 422 body is not JSON: %s", text ? text : "NULL");
	json_decref(doc);
	free(text);
}

static void
check_valid(json_t *body, const struct field_spec *table, size_t n)
{
	json_t		*v;
	size_t		i;

	for (i = 0; i < n; i++) {
		v = json_object_get(body, table[i].name);
		if (v == NULL) {
			if (table[i].required)
				fuzz_fail("required %s absent but accepted",
				    table[i].name);
			continue;
		}
		if (json_is_null(v)) {
			if (!table[i].nullable)
				fuzz_fail("%s null but accepted",
				    table[i].name);
			continue;
		}
		check_value(v, &table[i]);
	}
}

static void
check_value(json_t *v, const struct field_spec *f)
{
	json_t		*norm, *t;
	const char	*s, *p;
	char		buf[RFC3339_BUF], lit[TAGS_LITERAL_MAX];
	int64_t		secs;
	size_t		i, j, len;
	int		usec;

	switch (f->type) {
	case FIELD_BOOL:
		if (!json_is_boolean(v))
			fuzz_fail("%s accepted, not converted to a boolean",
			    f->name);
		return;
	case FIELD_DATETIME:
		if (!json_is_string(v) || !rfc3339_parse(json_string_value(v),
		    &secs, &usec))
			fuzz_fail("%s accepted, not RFC 3339", f->name);
		rfc3339_format(secs, usec, buf, sizeof(buf));
		if (strcmp(buf, json_string_value(v)) || secs < UNIX_0001 ||
		    secs > UNIX_9999)
			fuzz_fail("%s accepted as \"%s\", not canonical UTC "
			    "in years 1..9999", f->name, json_string_value(v));
		return;
	case FIELD_ENUM:
		for (i = 0; json_is_string(v) && f->values[i] != NULL; i++) {
			if (!strcmp(f->values[i], json_string_value(v)))
				return;
		}
		fuzz_fail("%s accepted, not one of its values", f->name);
	case FIELD_URL:
		s = json_string_value(v);
		if (s == NULL || (strncasecmp(s, "http://", 7) &&
		    strncasecmp(s, "https://", 8)) ||
		    (f->max_len > 0 && utf8_length(s) > f->max_len))
			fuzz_fail("%s accepted, not an http(s) URL", f->name);
		p = strstr(s, "://") + 3;
		if (*p == '\0' || strchr("/:?#", *p) != NULL)
			fuzz_fail("%s accepted without a host", f->name);
		for (; *p != '\0'; p++) {
			if ((unsigned char)*p <= 0x20 || *p == 0x7f)
				fuzz_fail("%s accepted with a space or control",
				    f->name);
		}
		return;
	case FIELD_TAGS:
		if (!json_is_array(v) || json_array_size(v) > f->max_len)
			fuzz_fail("%s accepted, not a list of at most %zu",
			    f->name, f->max_len);
		json_array_foreach(v, i, t) {
			s = json_string_value(t);
			if (s == NULL || utf8_length(s) < 1 ||
			    utf8_length(s) > TAG_MAX_LEN ||
			    strspn(s, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
			    strlen(s))
				fuzz_fail("%s accepted with tag %zu bad",
				    f->name, i);
		}
		norm = tags_normalize(v);
		if (json_array_size(norm) > json_array_size(v) ||
		    (json_array_size(v) > 0 && json_array_size(norm) == 0))
			fuzz_fail("tags normalize to %zu of %zu",
			    json_array_size(norm), json_array_size(v));
		json_array_foreach(norm, i, t) {
			s = json_string_value(t);
			for (j = 0; s[j] != '\0'; j++) {
				if (s[j] >= 'A' && s[j] <= 'Z')
					fuzz_fail("tag \"%s\" not lower case",
					    s);
			}
			for (j = 0; j < i; j++) {
				if (!strcmp(s, json_string_value(
				    json_array_get(norm, j))))
					fuzz_fail("tag \"%s\" twice", s);
			}
		}
		if (!tags_literal(norm, lit, sizeof(lit)) || lit[0] != '{' ||
		    lit[strlen(lit) - 1] != '}')
			fuzz_fail("accepted tags do not fit a text[] literal");
		json_decref(norm);
		return;
	case FIELD_STRING:
		if (!json_is_string(v))
			fuzz_fail("%s accepted, not a string", f->name);
		len = utf8_length(json_string_value(v));
		if (len < f->min_len || (f->max_len > 0 && len > f->max_len))
			fuzz_fail("%s accepted with %zu characters", f->name,
			    len);
		return;
	}
	fuzz_fail("field type %d", (int)f->type);
}
