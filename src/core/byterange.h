/*
 * A Range request header (RFC 9110 14.2) against a representation of a
 * known size: one "bytes=" range, suffix and open ranges included.
 */
#ifndef __H_BYTERANGE_H
#define __H_BYTERANGE_H

#include <stdint.h>

enum byterange {
	BYTERANGE_NONE = 0,	/* no range, another unit, several, invalid: 200 */
	BYTERANGE_OK,		/* 206 with [first, last] */
	BYTERANGE_UNSATISFIABLE	/* 416 */
};

enum byterange	byterange_parse(const char *, uint64_t, uint64_t *,
		    uint64_t *);

#endif
