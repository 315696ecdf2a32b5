/* Live updates: the WebSocket upgrade and the Server-Sent Events stream. */
#ifndef __H_LIVE_ROUTES_H
#define __H_LIVE_ROUTES_H

#include <kore/kore.h>
#include <kore/http.h>

int	page_live_ws(struct http_request *);
int	page_live_events(struct http_request *);

#endif
