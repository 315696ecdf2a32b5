/*
 * MAP_SHARED | MAP_ANONYMOUS memory survives fork as the same pages in
 * every worker; a worker Kore restarts after a crash gets it back too.
 */

#include <sys/mman.h>

#include <kore/kore.h>

#include "shared.h"

struct shared	*shared = NULL;

void
shared_init(void)
{
	void	*p;

	p = mmap(NULL, sizeof(struct shared), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fatal("shared_init: mmap: %s", errno_s);

	/* Anonymous mappings start zeroed: empty buckets, zero counters. */
	shared = p;
	if (!rl_init(&shared->rl))
		fatal("shared_init: cannot make the rate-limit locks");
}
