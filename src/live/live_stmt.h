/*
 * One statement with two to four text parameters on Kore's async
 * pgsql, bound to a callback (no request): done(st, DB_OK or the failure,
 * result) once, with running already 0 (free st later, not inside done:
 * Kore may still be in its callback). The parameters are copied.
 */
#ifndef __H_LIVE_STMT_H
#define __H_LIVE_STMT_H

#include <kore/kore.h>
#include <kore/pgsql.h>

#include "db/db_call.h"

struct live_stmt {
	struct db_call	db;
	const char	*sql;
	const char	*params[4];
	int		nparams;
	char		p1[256];
	char		p2[32];
	char		p3[64];
	char		p4[16];
	int		running;
	int		stepping;
	char		cause[256];
	void		(*done)(struct live_stmt *, int, PGresult *);
	void		*arg;
};

void	live_stmt_start(struct live_stmt *, const char *, const char *,
	    const char *, void (*)(struct live_stmt *, int, PGresult *),
	    void *);
void	live_stmt_start4(struct live_stmt *, const char *, const char *,
	    const char *, const char *, const char *,
	    void (*)(struct live_stmt *, int, PGresult *), void *);

#endif
