/*
 * Each slot holds the key's digest, its expiry and the value. The slot is
 * chosen by the digest's first bytes; a lookup compares the whole digest,
 * so a collision is a miss, never a wrong answer.
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/digest_cache.h"

#define DIGEST_LEN	32

struct slot_head {
	unsigned char	digest[DIGEST_LEN];
	time_t		expires;
	int		used;
};

static unsigned char	*slot_for(struct digest_cache *, const unsigned char *);
static int		 digest_of(const void *, size_t, unsigned char *);

int
digest_cache_init(struct digest_cache *dc, size_t nslots, size_t value_size)
{
	memset(dc, 0, sizeof(*dc));
	if (nslots == 0)
		return (0);

	/* Keep values aligned for any struct stored in them. */
	dc->slot_size = (sizeof(struct slot_head) + value_size + 15) & ~15UL;
	dc->nslots = nslots;
	dc->value_size = value_size;
	if ((dc->slots = calloc(nslots, dc->slot_size)) == NULL)
		return (0);

	return (1);
}

void
digest_cache_free(struct digest_cache *dc)
{
	free(dc->slots);
	memset(dc, 0, sizeof(*dc));
}

/* The value stored for key, or NULL when absent or expired at now. */
void *
digest_cache_get(struct digest_cache *dc, const void *key, size_t len,
    time_t now)
{
	unsigned char		digest[DIGEST_LEN], *slot;
	struct slot_head	*head;

	if (dc->slots == NULL || !digest_of(key, len, digest)) {
		dc->misses++;
		return (NULL);
	}

	slot = slot_for(dc, digest);
	head = (struct slot_head *)slot;
	if (!head->used || head->expires < now ||
	    memcmp(head->digest, digest, DIGEST_LEN)) {
		dc->misses++;
		return (NULL);
	}

	dc->hits++;
	return (slot + sizeof(*head));
}

void
digest_cache_put(struct digest_cache *dc, const void *key, size_t len,
    const void *value, time_t expires)
{
	unsigned char		digest[DIGEST_LEN], *slot;
	struct slot_head	*head;

	if (dc->slots == NULL || !digest_of(key, len, digest))
		return;

	slot = slot_for(dc, digest);
	head = (struct slot_head *)slot;
	memcpy(head->digest, digest, DIGEST_LEN);
	head->expires = expires;
	head->used = 1;
	memcpy(slot + sizeof(*head), value, dc->value_size);
}

void
digest_cache_remove(struct digest_cache *dc, const void *key, size_t len)
{
	unsigned char		digest[DIGEST_LEN], *slot;
	struct slot_head	*head;

	if (dc->slots == NULL || !digest_of(key, len, digest))
		return;

	slot = slot_for(dc, digest);
	head = (struct slot_head *)slot;
	if (head->used && !memcmp(head->digest, digest, DIGEST_LEN))
		memset(slot, 0, dc->slot_size);
}

void
digest_cache_clear(struct digest_cache *dc)
{
	if (dc->slots != NULL)
		memset(dc->slots, 0, dc->nslots * dc->slot_size);
}

static unsigned char *
slot_for(struct digest_cache *dc, const unsigned char *digest)
{
	uint64_t	h;

	memcpy(&h, digest, sizeof(h));
	return (dc->slots + (h % dc->nslots) * dc->slot_size);
}

static int
digest_of(const void *key, size_t len, unsigned char *out)
{
	unsigned int	outlen;

	return (EVP_Digest(key, len, out, &outlen, EVP_sha256(), NULL) &&
	    outlen == DIGEST_LEN);
}
