/*
 * The capped totals of filtered task lists, remembered per worker with the
 * user's write version (event_heads.n, a new value of the events sequence at
 * every change to the user's tasks) they were counted at. A list whose
 * version has not moved reuses its count instead of counting up to
 * 10,001 rows again; the version is read by the list statement itself,
 * so a stale entry is never used. Direct-mapped: a collision replaces.
 */
#ifndef __H_COUNT_CACHE_H
#define __H_COUNT_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define COUNT_CACHE_SLOTS	1024
#define COUNT_CACHE_KEY_MAX	2048	/* longer keys are not cached */

struct count_cache_entry {
	char		*key;		/* NULL: empty */
	int64_t		version;
	int64_t		count;
};

struct count_cache {
	struct count_cache_entry	slot[COUNT_CACHE_SLOTS];
	uint64_t			hits;
	uint64_t			misses;
};

void	count_cache_init(struct count_cache *);
void	count_cache_clear(struct count_cache *);
int	count_cache_get(struct count_cache *, const char *, int64_t *,
	    int64_t *);
int	count_cache_put(struct count_cache *, const char *, int64_t, int64_t);

#endif
