/*
 * A direct-mapped table of filtered-list counts keyed by the user and the
 * filters (see count_cache.h). Memory is bounded: COUNT_CACHE_SLOTS keys
 * of at most COUNT_CACHE_KEY_MAX bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "core/count_cache.h"

static size_t	count_cache_index(const char *);

void
count_cache_init(struct count_cache *cc)
{
	memset(cc, 0, sizeof(*cc));
}

void
count_cache_clear(struct count_cache *cc)
{
	size_t		i;

	for (i = 0; i < COUNT_CACHE_SLOTS; i++)
		free(cc->slot[i].key);
	count_cache_init(cc);
}

/* 1 and the version and count last stored under key, or 0. */
int
count_cache_get(struct count_cache *cc, const char *key, int64_t *version,
    int64_t *count)
{
	struct count_cache_entry	*e;

	e = &cc->slot[count_cache_index(key)];
	if (e->key == NULL || strcmp(e->key, key) != 0) {
		cc->misses++;
		return (0);
	}
	cc->hits++;
	*version = e->version;
	*count = e->count;
	return (1);
}

/* Stores (replaces) the entry; 0 when the key is too long or no memory. */
int
count_cache_put(struct count_cache *cc, const char *key, int64_t version,
    int64_t count)
{
	struct count_cache_entry	*e;
	size_t				len;
	char				*copy;

	if ((len = strlen(key)) >= COUNT_CACHE_KEY_MAX)
		return (0);
	e = &cc->slot[count_cache_index(key)];
	if (e->key == NULL || strcmp(e->key, key) != 0) {
		if ((copy = malloc(len + 1)) == NULL)
			return (0);
		memcpy(copy, key, len + 1);
		free(e->key);
		e->key = copy;
	}
	e->version = version;
	e->count = count;
	return (1);
}

/* FNV-1a over the key. */
static size_t
count_cache_index(const char *key)
{
	uint64_t	h;

	for (h = 1469598103934665603ULL; *key != '\0'; key++) {
		h ^= (unsigned char)*key;
		h *= 1099511628211ULL;
	}
	return ((size_t)(h % COUNT_CACHE_SLOTS));
}
