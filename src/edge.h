/*
 * The HTTP edge every response passes: CORS, rate limits, compression,
 * and the request metrics (SPEC "Operations").
 */
#ifndef __H_EDGE_H
#define __H_EDGE_H

#include <kore/kore.h>
#include <kore/http.h>

int	edge_preflight(struct http_request *);
void	edge_cors(struct http_request *);
int	edge_limit_user(struct http_request *, const char *);
int	edge_limit_client(struct http_request *);
struct strbuf;

int	edge_accepts_gzip(struct http_request *);
int	edge_gzip(const void *, size_t, int, struct strbuf *);
int	edge_send_json(struct http_request *, int, const void *, size_t);
void	edge_record(struct http_request *, u_int64_t);
int	page_metrics(struct http_request *);

#endif
