/*
 * Conditional requests: If-None-Match and If-Match lists.
 */
#ifndef __H_ETAG_H
#define __H_ETAG_H

int	etag_matches(const char *, const char *);

#endif
