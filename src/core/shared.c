/*
 * MAP_SHARED | MAP_ANONYMOUS memory survives fork as the same pages in
 * every worker; a worker Kore restarts after a crash gets it back too.
 */

#include <sys/mman.h>

#include <stddef.h>

#include "core/shared.h"

struct shared	*shared = NULL;

/* Before the workers fork. 0 when the mapping or its locks fail. */
int
shared_init(void)
{
	void	*p;

	p = mmap(NULL, sizeof(struct shared), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return (0);

	/* Anonymous mappings start zeroed: empty buckets, zero counters. */
	shared = p;
	return (rl_init(&shared->rl));
}
