/*
 * Failures that mean "the database is not there": a broken connection,
 * connection exceptions (SQLSTATE class 08), operator intervention such as
 * a shutdown (57P), and resource limits such as too many connections (53).
 * Everything else is a query that should not have failed.
 */

#include <string.h>

#include "core/db_errors.h"

enum db_status
db_classify(const char *sqlstate, int conn_bad)
{
	if (conn_bad || sqlstate == NULL || sqlstate[0] == '\0')
		return (DB_UNAVAILABLE);
	if (!strncmp(sqlstate, "08", 2) || !strncmp(sqlstate, "57P", 3) ||
	    !strncmp(sqlstate, "53", 2))
		return (DB_UNAVAILABLE);

	return (DB_ERROR);
}
