/*
 * A page handler's queries: db/db_call.h bound to the request. A handler
 * runs a parameterized query in a few lines and is called again when the
 * answer is there:
 *
 *	if (!db_ready(req, db_query(req, SQL, 1, params), &ret))
 *		return (ret);
 *	name = db_value(req, 0, "name");
 *
 * db_ready() is true once the answer is there; otherwise ret is what the
 * handler returns: KORE_RESULT_RETRY while waiting, or the 503/500 answer.
 */
#ifndef __H_HTTP_DB_H
#define __H_HTTP_DB_H

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

#include "db/db_call.h"

int		 db_query(struct http_request *, const char *, int,
		    const char **);
int		 db_query_binary(struct http_request *, const char *, int,
		    const char **);
int		 db_query_flags(struct http_request *, const char *, int,
		    const char **, int);
int		 db_query_fields(struct http_request *, const char *, int,
		    const char **, int *, int *);
PGresult	*db_result(struct http_request *);
void		 db_release(struct http_request *);
int		 db_error_response(struct http_request *);
int		 db_ready(struct http_request *, int, int *);
int		 db_rows(struct http_request *);
const char	*db_value(struct http_request *, int, const char *);
int		 db_is_null(struct http_request *, int, const char *);

#endif
