/* The user's webhook deliveries: the list, a retry, a test ping. */
#ifndef __H_DELIVERIES_H
#define __H_DELIVERIES_H

#include <kore/kore.h>
#include <kore/http.h>

int	page_deliveries(struct http_request *);
int	page_delivery_retry(struct http_request *);
int	page_webhook_test(struct http_request *);

#endif
