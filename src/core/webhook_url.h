/*
 * The SSRF rule for webhook_url when it is set: https:// only, and no
 * host that is (or, by the WEBHOOK_RESOLVE test override, resolves to) a
 * non-public address. Names are checked again at delivery against the
 * address connected to (jobs/webhooks.c). Pure, so it has unit tests.
 */
#ifndef __H_WEBHOOK_URL_H
#define __H_WEBHOOK_URL_H

#include <stddef.h>

int	webhook_url_check(const char *, int, const char *, char *, size_t);
int	webhook_url_host(const char *, char *, size_t, int *);

#endif
