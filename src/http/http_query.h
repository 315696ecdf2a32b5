/*
 * Query parameters the Kore way: kore.conf declares each route's params
 * and their validators; Kore drops a value its validator refuses. This
 * module turns those drops into FastAPI's 422 entries, so a bad value is
 * reported, never silently ignored.
 */
#ifndef __H_QUERY_H
#define __H_QUERY_H

#include <kore/kore.h>
#include <kore/http.h>

#include "core/validation.h"

int		 query_parse(struct http_request *, struct validation_errors *);
int		 query_long(struct http_request *, const char *, long, long *);
const char	*query_string(struct http_request *, const char *);
int		 path_capture(struct http_request *, int, char *, size_t);

#endif
