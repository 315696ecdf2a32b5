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

#include "digest_cache.h"
#include "migrate.h"

/* Arbitrary, fixed: the key of our migration advisory lock. */
#define MIGRATE_LOCK_KEY	"7365847301"

static int	migrate_cmp(const void *, const void *);
static int	migrate_read(const char *, const char *, struct migration *,
		    char *, size_t);
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
 * Applies every migration not yet recorded. Returns 1 on success with the
 * number applied in *applied; 0 with a one-line message otherwise.
 */
int
migrate_apply(const char *conninfo, const struct migration_set *set,
    int *applied, char *err, size_t errlen)
{
	PGconn			*conn;
	PGresult		*res;
	const struct migration	*m;
	const char		*params[3];
	char			version[16];
	size_t			i;
	int			ok;

	*applied = 0;
	ok = 0;
	res = NULL;

	conn = PQconnectdb(conninfo);
	if (PQstatus(conn) != CONNECTION_OK) {
		snprintf(err, errlen, "DATABASE_URL: cannot connect: %s",
		    PQerrorMessage(conn));
		err[strcspn(err, "\n")] = '\0';
		PQfinish(conn);
		return (0);
	}

	if (!migrate_exec(conn, "SET client_min_messages = warning", err,
	    errlen))
		goto done;
	if (!migrate_exec(conn, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")",
	    err, errlen))
		goto done;
	if (!migrate_exec(conn,
	    "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    " version integer PRIMARY KEY,"
	    " name text NOT NULL,"
	    " checksum text NOT NULL,"
	    " applied_at timestamptz NOT NULL DEFAULT now())", err, errlen))
		goto unlock;

	for (i = 0; i < set->count; i++) {
		m = &set->items[i];
		snprintf(version, sizeof(version), "%d", m->version);
		params[0] = version;

		res = PQexecParams(conn, "SELECT name, checksum FROM "
		    "schema_migrations WHERE version = $1", 1, NULL, params,
		    NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			migrate_pgerror(conn, res, m->name, err, errlen);
			goto unlock;
		}

		if (PQntuples(res) == 1) {
			if (strcmp(PQgetvalue(res, 0, 1), m->checksum)) {
				snprintf(err, errlen, "migration %s was edited "
				    "after it was applied (checksum mismatch); "
				    "add a new migration instead", m->name);
				goto unlock;
			}
			PQclear(res);
			res = NULL;
			continue;
		}
		PQclear(res);
		res = NULL;

		if (!migrate_exec(conn, "BEGIN", err, errlen))
			goto unlock;

		res = PQexec(conn, m->sql);
		if (PQresultStatus(res) != PGRES_COMMAND_OK &&
		    PQresultStatus(res) != PGRES_TUPLES_OK) {
			migrate_pgerror(conn, res, m->name, err, errlen);
			PQclear(PQexec(conn, "ROLLBACK"));
			goto unlock;
		}
		PQclear(res);

		params[1] = m->name;
		params[2] = m->checksum;
		res = PQexecParams(conn, "INSERT INTO schema_migrations "
		    "(version, name, checksum) VALUES ($1, $2, $3)", 3, NULL,
		    params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			migrate_pgerror(conn, res, m->name, err, errlen);
			PQclear(PQexec(conn, "ROLLBACK"));
			goto unlock;
		}
		PQclear(res);
		res = NULL;

		if (!migrate_exec(conn, "COMMIT", err, errlen))
			goto unlock;
		(*applied)++;
	}

	ok = 1;

unlock:
	if (res != NULL)
		PQclear(res);
	PQclear(PQexec(conn, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")"));
done:
	PQfinish(conn);
	return (ok);
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
	err[strcspn(err, "\n")] = '\0';
}
