/*
 * gzip in memory (zlib), for answers worth compressing.
 */
#ifndef __H_GZIP_H
#define __H_GZIP_H

#include <stddef.h>

struct strbuf;

int	gzip_compress(const void *, size_t, int, struct strbuf *);

#endif
