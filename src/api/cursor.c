/*
 * A cursor is base64url(JSON {"k": sort, "v": value, "id": uuid}), made by
 * task_cursor() (task_json.c). Decoding checks everything a client could
 * change: the sort it belongs to, the value's type, the id's form.
 */

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "api/cursor.h"
#include "core/b64url.h"
#include "core/fields.h"
#include "core/rfc3339.h"

int
cursor_decode(const char *s, const char *sort, enum cursor_kind kind,
    struct cursor *c)
{
	unsigned char	raw[CURSOR_MAX];
	size_t		rawlen;
	json_t		*doc, *k, *v, *id;
	const char	*str;
	char		when[RFC3339_BUF];
	int64_t		secs;
	int		usec, ok;

	memset(c, 0, sizeof(*c));
	if (strlen(s) > CURSOR_MAX ||
	    !b64url_decode(s, strlen(s), raw, sizeof(raw), &rawlen))
		return (0);

	if ((doc = json_loadb((const char *)raw, rawlen,
	    JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return (0);

	ok = 0;
	k = json_object_get(doc, "k");
	v = json_object_get(doc, "v");
	id = json_object_get(doc, "id");
	if (!json_is_string(k) || strcmp(json_string_value(k), sort) ||
	    v == NULL || !json_is_string(id) ||
	    !uuid_valid(json_string_value(id)))
		goto done;

	if (json_is_null(v)) {
		if (kind != CURSOR_TIME_NULL)
			goto done;
		c->value_null = 1;
	} else {
		if (!json_is_string(v))
			goto done;
		str = json_string_value(v);
		if (strlen(str) >= sizeof(c->value))
			goto done;
		switch (kind) {
		case CURSOR_TIME:
		case CURSOR_TIME_NULL:
			/* Sent on as we write times, whatever its offset. */
			if (!rfc3339_parse(str, &secs, &usec))
				goto done;
			rfc3339_format(secs, usec, when, sizeof(when));
			str = when;
			break;
		case CURSOR_PRIORITY:
			if (strcmp(str, "low") && strcmp(str, "medium") &&
			    strcmp(str, "high") && strcmp(str, "urgent"))
				goto done;
			break;
		case CURSOR_TEXT:
			if (utf8_length(str) > CURSOR_VALUE_MAX)
				goto done;
			break;
		}
		memcpy(c->value, str, strlen(str) + 1);
	}

	memcpy(c->id, json_string_value(id), 37);
	ok = 1;

done:
	json_decref(doc);
	return (ok);
}

/* 8-4-4-4-12 hex digits, lower or upper case. */
int
uuid_valid(const char *s)
{
	size_t		i;

	if (strlen(s) != 36)
		return (0);

	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return (0);
		} else if (!isxdigit((unsigned char)s[i])) {
			return (0);
		}
	}
	return (1);
}
