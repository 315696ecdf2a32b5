/* Liveness and readiness probes. */
#ifndef __H_HEALTH_H
#define __H_HEALTH_H

#include <kore/kore.h>
#include <kore/http.h>

extern int	health_schema_version;

int	page_healthz(struct http_request *);
int	page_readyz(struct http_request *);

#endif
