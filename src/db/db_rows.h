/*
 * Reading columns of binary results.
 */
#ifndef __H_DB_ROWS_H
#define __H_DB_ROWS_H

#include <stdint.h>

#include <libpq-fe.h>

#include "core/uuid.h"

uint32_t	pg_be32(const unsigned char *);
uint64_t	pg_be64(const unsigned char *);
int		pg_int(const PGresult *, int, int, long long *);
void		pg_uuid_text(const unsigned char *, char [UUID_TEXT_SIZE]);

#endif
