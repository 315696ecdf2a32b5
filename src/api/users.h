/* The users resource: one's own profile, and the admin listing. */
#ifndef __H_USERS_H
#define __H_USERS_H

#include <kore/kore.h>
#include <kore/http.h>

int	page_users_me(struct http_request *);
int	page_users_list(struct http_request *);
int	page_users_one(struct http_request *);

#endif
