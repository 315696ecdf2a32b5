/*
 * Schema migrations: numbered plain-SQL files applied once, in order, each
 * in its own transaction, under a transaction-level advisory lock (safe
 * through a pooler in transaction mode), recorded with a checksum.
 */
#ifndef __H_MIGRATE_H
#define __H_MIGRATE_H

#include <stddef.h>

#include "core/hash.h"

#define MIGRATE_MAX		256
#define MIGRATE_NAME_MAX	128
#define MIGRATE_FILE_MAX	(1024 * 1024)

struct migration {
	int		version;
	char		name[MIGRATE_NAME_MAX];
	char		checksum[SHA256_HEX_SIZE];
	char		*sql;
};

struct migration_set {
	struct migration	items[MIGRATE_MAX];
	size_t			count;
};

int	migrate_parse_name(const char *, int *);
int	migrate_load(const char *, struct migration_set *, char *, size_t);
void	migrate_set_free(struct migration_set *);
enum migrate_status {
	MIGRATE_OK,
	MIGRATE_UNREACHABLE,	/* not answering (yet): worth waiting for */
	MIGRATE_REFUSED,	/* answered and refused us, or untrusted TLS */
	MIGRATE_FAILED		/* a migration failed; the message names it */
};

enum migrate_status	migrate_apply(const char *,
			    const struct migration_set *, int *, char *, size_t);
enum migrate_status	migrate_probe(const char *, char *, size_t);

#endif
