/*
 * Declarative validation of JSON request bodies: a table of fields with
 * type, bounds and nullability, checked all at once into FastAPI's 422
 * list. Every resource that takes a body describes it with this table.
 */
#ifndef __H_FIELDS_H
#define __H_FIELDS_H

#include <stddef.h>

#include <jansson.h>

#include "validation.h"

enum field_type {
	FIELD_STRING,
	FIELD_BOOL,
	FIELD_ENUM,
	FIELD_URL
};

struct field_spec {
	const char		*name;
	enum field_type		type;
	int			required;
	int			nullable;
	size_t			min_len;	/* characters, strings */
	size_t			max_len;
	const char * const	*values;	/* FIELD_ENUM, NULL-ended */
};

/* Body checks before the fields: media type, JSON syntax, an object. */
enum body_status {
	BODY_OK = 0,
	BODY_UNSUPPORTED_MEDIA,
	BODY_INVALID
};

enum body_status	 body_parse(const char *, const void *, size_t,
			    json_t **, struct validation_errors *);
int			 fields_check(json_t *, const struct field_spec *,
			    size_t, struct validation_errors *);
size_t			 utf8_length(const char *);

#endif
