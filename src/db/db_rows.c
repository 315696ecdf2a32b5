/*
 * Columns of binary results (libpq's PQexecParams with resultFormat 1):
 * big-endian integers, UUIDs as 16 bytes. Pure libpq, no connection.
 */

#include <stdint.h>

#include "core/uuid.h"
#include "db/db_rows.h"

uint32_t
pg_be32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

uint64_t
pg_be64(const unsigned char *p)
{
	return ((uint64_t)pg_be32(p) << 32 | pg_be32(p + 4));
}

/* An int4 or int8 column (binary). */
int
pg_int(const PGresult *res, int row, int col, long long *out)
{
	const unsigned char	*v;

	if (col < 0 || PQgetisnull(res, row, col))
		return (0);

	v = (const unsigned char *)PQgetvalue(res, row, col);
	switch (PQgetlength(res, row, col)) {
	case 4:
		*out = (int32_t)pg_be32(v);
		return (1);
	case 8:
		*out = (long long)(int64_t)pg_be64(v);
		return (1);
	default:
		return (0);
	}
}

void
pg_uuid_text(const unsigned char *u, char out[UUID_TEXT_SIZE])
{
	static const char	hex[] = "0123456789abcdef";
	int			i, o;

	for (i = 0, o = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[u[i] >> 4];
		out[o++] = hex[u[i] & 0x0f];
	}
	out[o] = '\0';
}
