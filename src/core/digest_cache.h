/*
 * A bounded, direct-mapped cache keyed by the SHA-256 of a string: a
 * verified token, a user id. Fixed memory whatever the number of distinct
 * keys; a newer entry simply replaces the one in its slot. Per worker, so
 * no locking. Pure, so it is unit-tested.
 */
#ifndef __H_DIGEST_CACHE_H
#define __H_DIGEST_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct digest_cache {
	unsigned char	*slots;
	size_t		nslots;
	size_t		value_size;
	size_t		slot_size;
	uint64_t	hits;
	uint64_t	misses;
};

int	digest_cache_init(struct digest_cache *, size_t, size_t);
void	digest_cache_free(struct digest_cache *);
void	*digest_cache_get(struct digest_cache *, const void *, size_t,
	    time_t);
void	digest_cache_put(struct digest_cache *, const void *, size_t,
	    const void *, time_t);
void	digest_cache_remove(struct digest_cache *, const void *, size_t);
void	digest_cache_clear(struct digest_cache *);

#endif
