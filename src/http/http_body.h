/*
 * Request bodies: JSON objects checked against a field table.
 */
#ifndef __H_HTTP_BODY_H
#define __H_HTTP_BODY_H

#include <kore/kore.h>
#include <kore/http.h>

#include <jansson.h>

#include "core/fields.h"

void	http_body(struct http_request *, const char **, size_t *);
int	http_body_json(struct http_request *, const struct field_spec *,
	    size_t, struct validation_errors *, json_t **);
int	http_body_valid(struct http_request *, json_t *,
	    struct validation_errors *);

#endif
