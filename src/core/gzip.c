/*
 * One deflate call over the whole input: answers here are bounded (a
 * list page, the OpenAPI document), so no streaming is needed.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "core/gzip.h"
#include "core/strbuf.h"

/* The gzip file of in at level into out (empty). 1 on success. */
int
gzip_compress(const void *in, size_t len, int level, struct strbuf *out)
{
	z_stream	zs;
	int		ret;

	memset(&zs, 0, sizeof(zs));
	/* 15 + 16: a gzip wrapper, not raw zlib. */
	if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return (0);

	out->cap = deflateBound(&zs, len) + 1;
	if ((out->data = malloc(out->cap)) == NULL) {
		deflateEnd(&zs);
		return (0);
	}

	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	zs.next_out = (Bytef *)out->data;
	zs.avail_out = (uInt)(out->cap - 1);
	ret = deflate(&zs, Z_FINISH);
	out->len = zs.total_out;
	deflateEnd(&zs);

	return (ret == Z_STREAM_END);
}
