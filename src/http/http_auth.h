/*
 * The authentication hook: kore.conf's `authentication` blocks name these
 * validators, and routes opt in by naming the block.
 */
#ifndef __H_AUTH_H
#define __H_AUTH_H

#include <kore/kore.h>
#include <kore/http.h>

#include "auth/jwt.h"

/* Failure reasons beyond jwt_verify's, for the metrics. */
#define AUTH_FAIL_MISSING	(JWT_ERR_MAX)
#define AUTH_FAIL_FORBIDDEN	(JWT_ERR_MAX + 1)
#define AUTH_REASONS		(JWT_ERR_MAX + 2)

int		 auth_user(struct http_request *, const void *);
int		 auth_admin(struct http_request *, const void *);
int		 auth_live(struct http_request *, const void *);
const char	*auth_reason_label(int);
void		 auth_worker_init(void);
void		 auth_user_forget(const char *);

#endif
