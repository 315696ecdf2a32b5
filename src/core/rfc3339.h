/*
 * RFC 3339 date-times: any offset in, UTC with milliseconds out.
 */
#ifndef __H_RFC3339_H
#define __H_RFC3339_H

#include <stddef.h>
#include <stdint.h>

#define RFC3339_BUF	64

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in epoch seconds. */
#define RFC3339_MIN_SECS	(-62135596800LL)
#define RFC3339_MAX_SECS	(253402300799LL)

int	rfc3339_parse(const char *, int64_t *, int *);
void	rfc3339_format(int64_t, int, char *, size_t);
int	rfc3339_days_in_month(int, int);
int64_t	rfc3339_days_from_civil(int, int, int);

#endif
