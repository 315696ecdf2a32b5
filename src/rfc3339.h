/*
 * RFC 3339 date-times: any offset in, UTC with milliseconds out.
 */
#ifndef __H_RFC3339_H
#define __H_RFC3339_H

#include <stddef.h>
#include <stdint.h>

#define RFC3339_BUF	64

int	rfc3339_parse(const char *, int64_t *, int *);
void	rfc3339_format(int64_t, int, char *, size_t);

#endif
