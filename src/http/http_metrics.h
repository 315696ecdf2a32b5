/*
 * The request metrics (SPEC "Operations"): each request's route, method,
 * status and latency, counted when it ends.
 */
#ifndef __H_HTTP_METRICS_H
#define __H_HTTP_METRICS_H

#include <kore/kore.h>
#include <kore/http.h>

void	http_metrics_record(struct http_request *, u_int64_t);

#endif
