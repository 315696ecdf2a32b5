/*
 * Answers: JSON (gzip when worth it), and errors in FastAPI's shapes,
 * {"detail": "..."} or the 422 list. Each returns KORE_RESULT_OK, what
 * a handler returns once it has answered.
 */
#ifndef __H_HTTP_RESPONSE_H
#define __H_HTTP_RESPONSE_H

#include <kore/kore.h>
#include <kore/http.h>

#include "core/validation.h"

int	http_json(struct http_request *, int, const void *, size_t);
int	http_accepts_gzip(struct http_request *);
int	http_error(struct http_request *, int, const char *);
int	http_error_validation(struct http_request *,
	    const struct validation_errors *);
int	http_error_internal(struct http_request *, const char *);
void	http_response_worker_init(void);

#endif
