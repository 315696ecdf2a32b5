/*
 * How a database failure is answered: 503 when the database is not there
 * (clients retry), 500 when the query itself failed (our bug). Pure, so
 * the rule has unit tests.
 */
#ifndef __H_DB_ERRORS_H
#define __H_DB_ERRORS_H

enum db_status {
	DB_PENDING = 0,
	DB_OK,
	DB_UNAVAILABLE,
	DB_ERROR
};

enum db_status	db_classify(const char *, int);

#endif
