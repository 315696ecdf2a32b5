/*
 * Declarative validation of JSON request bodies: a table of fields with
 * type, bounds and nullability, checked all at once into FastAPI's 422
 * list, with pydantic v2's lax conversions (a value it converts is
 * replaced in the body by the converted one). Every resource that takes a
 * body describes it with this table.
 */
#ifndef __H_FIELDS_H
#define __H_FIELDS_H

#include <stddef.h>

#include <jansson.h>

#include "core/validation.h"

enum field_type {
	FIELD_STRING,
	FIELD_BOOL,
	FIELD_ENUM,
	FIELD_URL,
	FIELD_DATETIME,
	FIELD_TAGS
};

struct field_spec {
	const char		*name;
	enum field_type		type;
	int			required;
	int			nullable;
	size_t			min_len;	/* characters, strings */
	size_t			max_len;	/* FIELD_TAGS: most items */
	const char * const	*values;	/* FIELD_ENUM, NULL-ended */
};

/* Body checks before the fields: media type, JSON syntax, an object. */
enum body_status {
	BODY_OK = 0,
	BODY_UNSUPPORTED_MEDIA,
	BODY_INVALID
};

/* Why a value was refused: pydantic's error type, message, ctx.error. */
struct lax_error {
	const char	*type;
	char		msg[192];
	char		ctx_error[96];
};

enum body_status	 body_parse(const char *, const void *, size_t,
			    json_t **, struct validation_errors *);
int			 fields_check(json_t *, const struct field_spec *,
			    size_t, struct validation_errors *);
int			 media_type_json(const char *);
int			 lax_bool(json_t *, struct lax_error *);
int			 lax_datetime(json_t *, char *, size_t,
			    struct lax_error *);
size_t			 utf8_length(const char *);
json_t			*tags_normalize(json_t *);
int			 tags_literal(json_t *, char *, size_t);

#define TAG_MAX_LEN		32
#define TAGS_LITERAL_MAX	512

#endif
