/*
 * Migrations run in the parent process before the workers fork, with a
 * blocking libpq connection of their own. Every instance runs them at start;
 * the advisory lock makes the second one wait and then find nothing to do.
 */

#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "core/digest_cache.h"
#include "core/hash.h"
#include "core/migrate.h"

/* Arbitrary, fixed: the key of our migration advisory lock. */
#define MIGRATE_LOCK_KEY	"7365847301"

static int	migrate_cmp(const void *, const void *);
static int	migrate_read(const char *, const char *, struct migration *,
		    char *, size_t);
static int	migrate_one(PGconn *, const struct migration *, int *,
		    char *, size_t);
static PGconn	*migrate_connect(const char *, enum migrate_status *,
		    char *, size_t);
static int	migrate_unreachable(PGconn *, const char *);
static void	migrate_one_line(char *);
static int	migrate_exec(PGconn *, const char *, char *, size_t);
static void	migrate_pgerror(PGconn *, PGresult *, const char *,
		    char *, size_t);

/*
 * A migration file is NNNN_description.sql: digits, an underscore, then
 * [a-z0-9_]. Returns 1 and the version for such a name, 0 otherwise.
 */
int
migrate_parse_name(const char *name, int *version)
{
	const char	*p;
	size_t		len;
	long		v;

	len = strlen(name);
	if (len < 6 || len >= MIGRATE_NAME_MAX ||
	    strcmp(name + len - 4, ".sql"))
		return (0);

	v = 0;
	for (p = name; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (*p - '0');
		if (v > 999999)
			return (0);
	}
	if (p == name || *p != '_' || v == 0)
		return (0);

	for (p++; p < name + len - 4; p++) {
		if (!islower((unsigned char)*p) &&
		    !isdigit((unsigned char)*p) && *p != '_')
			return (0);
	}

	*version = (int)v;
	return (1);
}

int
migrate_load(const char *dir, struct migration_set *set, char *err,
    size_t errlen)
{
	DIR		*d;
	struct dirent	*dp;
	size_t		i;
	int		version;

	memset(set, 0, sizeof(*set));

	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errlen, "MIGRATIONS_DIR: cannot open '%s': %s",
		    dir, strerror(errno));
		return (0);
	}

	while ((dp = readdir(d)) != NULL) {
		if (dp->d_name[0] == '.')
			continue;
		if (!migrate_parse_name(dp->d_name, &version)) {
			if (strlen(dp->d_name) > 4 && !strcmp(dp->d_name +
			    strlen(dp->d_name) - 4, ".sql")) {
				snprintf(err, errlen, "migration %s: name must "
				    "be NNNN_name.sql", dp->d_name);
				goto fail;
			}
			continue;
		}
		if (set->count == MIGRATE_MAX) {
			snprintf(err, errlen, "migrations: more than %d files",
			    MIGRATE_MAX);
			goto fail;
		}
		if (!migrate_read(dir, dp->d_name, &set->items[set->count],
		    err, errlen))
			goto fail;
		set->items[set->count++].version = version;
	}
	closedir(d);
	d = NULL;

	qsort(set->items, set->count, sizeof(set->items[0]), migrate_cmp);

	for (i = 1; i < set->count; i++) {
		if (set->items[i].version == set->items[i - 1].version) {
			snprintf(err, errlen, "migrations %s and %s share "
			    "version %d", set->items[i - 1].name,
			    set->items[i].name, set->items[i].version);
			goto fail;
		}
	}

	return (1);

fail:
	if (d != NULL)
		closedir(d);
	migrate_set_free(set);
	return (0);
}

void
migrate_set_free(struct migration_set *set)
{
	size_t		i;

	for (i = 0; i < set->count; i++)
		free(set->items[i].sql);
	set->count = 0;
}

/*
 * Applies every migration not yet recorded. Each one runs in a transaction
 * that first takes a transaction-level advisory lock: the lock ends with
 * the transaction, so it holds through a pooler in transaction mode (a
 * session lock would stay with whichever server connection the pooler
 * picked, and its unlock could run on another), and a dead client can
 * never leave it held. Under the lock the table is created and the
 * version checked again, so instances starting at once apply each file
 * exactly once. No session state is set.
 *
 * The status says what to do (migrate.h); err is one line.
 */
enum migrate_status
migrate_apply(const char *conninfo, const struct migration_set *set,
    int *applied, char *err, size_t errlen)
{
	PGconn			*conn;
	size_t			i;
	int			done;
	enum migrate_status	status;

	*applied = 0;

	if ((conn = migrate_connect(conninfo, &status, err, errlen)) == NULL)
		return (status);

	for (i = 0; i < set->count; i++) {
		if (!migrate_one(conn, &set->items[i], &done, err, errlen)) {
			status = PQstatus(conn) == CONNECTION_BAD ?
			    MIGRATE_UNREACHABLE : MIGRATE_FAILED;
			break;
		}
		*applied += done;
	}

	PQfinish(conn);
	return (status);
}

/* Only connects: whether the database answers, as migrate_apply says it. */
enum migrate_status
migrate_probe(const char *conninfo, char *err, size_t errlen)
{
	PGconn			*conn;
	enum migrate_status	status;

	if ((conn = migrate_connect(conninfo, &status, err, errlen)) != NULL)
		PQfinish(conn);
	return (status);
}

/* A blocking connection, or NULL with what to do about it in *status. */
static PGconn *
migrate_connect(const char *conninfo, enum migrate_status *status,
    char *err, size_t errlen)
{
	PGconn		*conn;

	*status = MIGRATE_OK;
	conn = PQconnectdb(conninfo);
	if (PQstatus(conn) == CONNECTION_OK)
		return (conn);

	*status = migrate_unreachable(conn, conninfo) ?
	    MIGRATE_UNREACHABLE : MIGRATE_REFUSED;
	snprintf(err, errlen, "cannot connect: %s", PQerrorMessage(conn));
	migrate_one_line(err);
	PQfinish(conn);

	return (NULL);
}

/* One migration in its own locked transaction; *done is 1 if applied. */
static int
migrate_one(PGconn *conn, const struct migration *m, int *done, char *err,
    size_t errlen)
{
	PGresult	*res;
	const char	*params[3];
	char		version[16];

	*done = 0;
	snprintf(version, sizeof(version), "%d", m->version);
	params[0] = version;
	params[1] = m->name;
	params[2] = m->checksum;

	if (!migrate_exec(conn, "BEGIN", err, errlen))
		return (0);
	if (!migrate_exec(conn, "SET LOCAL client_min_messages = warning",
	    err, errlen) ||
	    !migrate_exec(conn, "SELECT pg_advisory_xact_lock("
	    MIGRATE_LOCK_KEY ")", err, errlen) ||
	    !migrate_exec(conn, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    " version integer PRIMARY KEY,"
	    " name text NOT NULL,"
	    " checksum text NOT NULL,"
	    " applied_at timestamptz NOT NULL DEFAULT now())", err, errlen))
		goto rollback;

	res = PQexecParams(conn, "SELECT checksum FROM schema_migrations "
	    "WHERE version = $1", 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		migrate_pgerror(conn, res, m->name, err, errlen);
		PQclear(res);
		goto rollback;
	}
	if (PQntuples(res) == 1) {
		if (strcmp(PQgetvalue(res, 0, 0), m->checksum)) {
			snprintf(err, errlen, "migration %s was edited after "
			    "it was applied (checksum mismatch); add a new "
			    "migration instead", m->name);
			PQclear(res);
			goto rollback;
		}
		PQclear(res);
		return (migrate_exec(conn, "COMMIT", err, errlen));
	}
	PQclear(res);

	res = PQexec(conn, m->sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK) {
		migrate_pgerror(conn, res, m->name, err, errlen);
		PQclear(res);
		goto rollback;
	}
	PQclear(res);

	res = PQexecParams(conn, "INSERT INTO schema_migrations "
	    "(version, name, checksum) VALUES ($1, $2, $3)", 3, NULL,
	    params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		migrate_pgerror(conn, res, m->name, err, errlen);
		PQclear(res);
		goto rollback;
	}
	PQclear(res);

	if (!migrate_exec(conn, "COMMIT", err, errlen))
		return (0);
	*done = 1;
	return (1);

rollback:
	PQclear(PQexec(conn, "ROLLBACK"));
	return (0);
}

/*
 * Whether a failed connect is worth waiting for: nothing answered yet
 * (refused, timed out: a cold start or a restart) or the server said it
 * is starting or stopping. A server that answered and refused us (a
 * password, a database name) or a TLS peer we cannot trust (the wrong
 * CA, a plain server under sslmode=require) will not change by waiting.
 * libpq's own messages are in English: Kore never calls setlocale().
 */
static int
migrate_unreachable(PGconn *conn, const char *conninfo)
{
	const char	*msg;

	msg = PQerrorMessage(conn);
	if (strstr(msg, "certificate") != NULL ||
	    strstr(msg, "does not support SSL") != NULL)
		return (0);

	switch (PQping(conninfo)) {
	case PQPING_NO_RESPONSE:
	case PQPING_REJECT:
		return (1);
	default:
		return (0);
	}
}

/* Messages from libpq may span lines; a start error is one line. */
static void
migrate_one_line(char *msg)
{
	char		*p, *end;

	end = msg;
	for (p = msg; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
		if (*p != ' ')
			end = p + 1;
	}
	*end = '\0';
}

static int
migrate_cmp(const void *a, const void *b)
{
	const struct migration	*ma = a, *mb = b;

	return ((ma->version > mb->version) - (ma->version < mb->version));
}

static int
migrate_read(const char *dir, const char *name, struct migration *m,
    char *err, size_t errlen)
{
	FILE		*fp;
	size_t		len;
	char		path[1024];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path)) {
		snprintf(err, errlen, "migration %s: path too long", name);
		return (0);
	}

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "migration %s: %s", name,
		    strerror(errno));
		return (0);
	}

	if ((m->sql = malloc(MIGRATE_FILE_MAX + 1)) == NULL) {
		fclose(fp);
		snprintf(err, errlen, "migration %s: out of memory", name);
		return (0);
	}

	len = fread(m->sql, 1, MIGRATE_FILE_MAX + 1, fp);
	fclose(fp);
	if (len > MIGRATE_FILE_MAX) {
		free(m->sql);
		m->sql = NULL;
		snprintf(err, errlen, "migration %s: larger than %d bytes",
		    name, MIGRATE_FILE_MAX);
		return (0);
	}
	m->sql[len] = '\0';

	snprintf(m->name, sizeof(m->name), "%s", name);
	sha256_hex(m->sql, len, m->checksum);

	return (1);
}

static int
migrate_exec(PGconn *conn, const char *sql, char *err, size_t errlen)
{
	PGresult	*res;

	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK) {
		migrate_pgerror(conn, res, "migrations", err, errlen);
		PQclear(res);
		return (0);
	}

	PQclear(res);
	return (1);
}

static void
migrate_pgerror(PGconn *conn, PGresult *res, const char *what, char *err,
    size_t errlen)
{
	const char	*msg;

	msg = (res != NULL) ? PQresultErrorMessage(res) : "";
	if (*msg == '\0')
		msg = PQerrorMessage(conn);

	snprintf(err, errlen, "migration %s failed: %s", what, msg);
	migrate_one_line(err);
}
