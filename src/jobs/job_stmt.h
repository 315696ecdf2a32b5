/*
 * One statement of a background job on Kore's async pgsql, bound with
 * kore_pgsql_bind_callback: started, then driven by Kore's callbacks until
 * done(stmt, status, result) is called (result valid only during done,
 * NULL on failure, with the reason in stmt->cause). done may start the
 * next statement. The params must outlive the statement.
 */
#ifndef __H_JOB_STMT_H
#define __H_JOB_STMT_H

#include "db/db_call.h"

struct job_stmt {
	struct db_call	db;
	const char	*sql;
	const char	**params;
	int		nparams;
	int		running;
	int		stepping;
	void		(*done)(struct job_stmt *, int, PGresult *);
	void		*arg;
	char		cause[256];
};

void	job_stmt_start(struct job_stmt *, const char *, int, const char **,
	    void (*)(struct job_stmt *, int, PGresult *), void *);

#endif
