/*
 * JSON responses and errors in FastAPI's shapes.
 */
#ifndef __H_HTTP_ERRORS_H
#define __H_HTTP_ERRORS_H

#include <kore/kore.h>
#include <kore/http.h>

#include "validation.h"

int	http_json(struct http_request *, int, const void *, size_t);
int	http_error(struct http_request *, int, const char *);
int	http_error_validation(struct http_request *,
	    const struct validation_errors *);
int	http_error_internal(struct http_request *, const char *);
void	http_errors_worker_init(void);

int	page_not_found(struct http_request *);

#endif
