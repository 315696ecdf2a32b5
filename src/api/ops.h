/*
 * Operations (SPEC "Operations"): the probes, /metrics, the OpenAPI
 * document and Swagger UI, and the JSON 404 for what matched no route.
 * Public routes: none of them needs a token.
 */
#ifndef __H_OPS_H
#define __H_OPS_H

#include <kore/kore.h>
#include <kore/http.h>

/* The newest migration on disk, set at start before the workers fork. */
extern int	health_schema_version;

int	docs_load(const char *, char *, size_t);

int	page_healthz(struct http_request *);
int	page_readyz(struct http_request *);
int	page_metrics(struct http_request *);
int	page_openapi(struct http_request *);
int	page_docs(struct http_request *);
int	page_docs_asset(struct http_request *);
int	page_not_found(struct http_request *);

#endif
