/* The OpenAPI document and Swagger UI (SPEC "Operations"). */
#ifndef __H_DOCS_H
#define __H_DOCS_H

#include <stddef.h>

struct http_request;

int	docs_load(const char *, char *, size_t);

int	page_openapi(struct http_request *);
int	page_docs(struct http_request *);
int	page_docs_asset(struct http_request *);

#endif
