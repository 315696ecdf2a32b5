/*
 * Where the verification keys come from: BETTER_AUTH_JWKS_FILE or
 * BETTER_AUTH_JWKS_URL, loaded at start, refreshed in the background, and
 * refetched (at most once per interval) when a token names a key we do
 * not know yet.
 */
#ifndef __H_JWKS_SOURCE_H
#define __H_JWKS_SOURCE_H

#include <kore/kore.h>

#include "auth/jwks.h"

/* An unknown kid refetches the JWKS at most this often. */
#define JWKS_REFETCH_MIN_SECONDS	10
#define JWKS_WAITERS_MAX		256

enum jwks_refetch {
	JWKS_REFETCH_WAIT = 0,		/* wake(arg) once the fetch ends */
	JWKS_REFETCH_AGAIN,		/* newer keys are here: verify again */
	JWKS_REFETCH_NONE		/* nothing newer to wait for */
};

void			 jwks_source_parent_init(void);
void			 jwks_source_worker_init(void);
const struct jwks	*jwks_source_keys(void);
u_int64_t		 jwks_source_generation(void);
enum jwks_refetch	 jwks_source_refetch(u_int64_t, void (*)(void *),
			    void *);
void			 jwks_source_forget(void *);

#endif
