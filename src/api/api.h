/*
 * What every handler of api/ starts with.
 */
#ifndef __H_API_H
#define __H_API_H

#include <kore/kore.h>
#include <kore/http.h>

#include "http/http_request.h"

int	api_begin(struct http_request *, struct request_ctx **);

#endif
