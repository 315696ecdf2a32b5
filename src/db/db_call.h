/*
 * One statement at a time on Kore's async pgsql, with no HTTP request in
 * sight: whoever drives a db_call binds its kore_pgsql the first time
 * (bind: kore_pgsql_bind_request for a handler, http/http_db.h;
 * kore_pgsql_bind_callback for background work) and calls db_call_run()
 * again each time Kore wakes it, until it is not DB_PENDING.
 */
#ifndef __H_DB_CALL_H
#define __H_DB_CALL_H

#include <kore/kore.h>
#include <kore/pgsql.h>

#include "core/db_errors.h"

#define DB_NAME		"db"
#define DB_PARAMS_MAX	32

struct db_call {
	struct kore_pgsql	sql;
	PGresult		*result;
	int			state;
	int			bound;
	int			in_use;
	enum db_status		failure;
	int			running;	/* inside db_call_run */
	/* Why it failed, for the log: never for a client. */
	char			cause[256];
};

/*
 * How a statement runs. DB_BINARY: results in binary (the cheapest for
 * the database to send). DB_CUSTOM_PLAN: never as a prepared statement,
 * for statements whose best plan depends on their values (lists with
 * filters and search: a generic plan could take the wrong index).
 */
#define DB_BINARY	0x01
#define DB_CUSTOM_PLAN	0x02

typedef void	(*db_bind_fn)(struct kore_pgsql *, void *);

int	db_call_run(struct db_call *, const char *, int, const char **, int,
	    db_bind_fn, void *);
int	db_call_run_fields(struct db_call *, const char *, int,
	    const char **, int *, int *, int, db_bind_fn, void *);
void	db_call_release(struct db_call *);
void	db_call_cleanup(struct db_call *);

#endif
