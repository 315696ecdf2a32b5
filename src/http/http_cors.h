/*
 * CORS for the configured origins only (CORS_ORIGINS): the headers on
 * every answer, and those of the answer to an OPTIONS preflight, which
 * api_begin() gives before any authentication.
 */
#ifndef __H_HTTP_CORS_H
#define __H_HTTP_CORS_H

#include <kore/kore.h>
#include <kore/http.h>

enum http_cors_options {
	CORS_NONE = 0,		/* not an OPTIONS request */
	CORS_OPTIONS,		/* OPTIONS without a preflight: 204, Allow */
	CORS_PREFLIGHT,		/* an allowed origin's preflight: 204 */
	CORS_REFUSED		/* another origin's: 400 */
};

void			http_cors(struct http_request *);
enum http_cors_options	http_cors_options(struct http_request *);

#endif
