/*
 * Settings (settings.c): a .env file read by settings_dotenv, then
 * settings_load over the variables it set (a fake environment: setenv is
 * replaced in this program while the target runs, so no input touches
 * the real one).
 *
 * Byte 0, bit 0: DATABASE_URL is already set (the file cannot change
 * it). The rest is the file. Properties:
 *  - settings_dotenv sets at most one variable a line, never one with an
 *    empty name or a newline, and names the file and line when it fails;
 *  - settings_load fails with a message that starts with the variable's
 *    name and never holds a secret (a database URL or its password; of
 *    BETTER_AUTH_SECRET and METRICS_TOKEN only the length matters), or
 *    succeeds with every value in its
 *    documented range; the connection strings it builds parse in libpq
 *    to exactly the URL's options, plus our defaults.
 */

#include <sys/mman.h>

#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "fuzz.h"
#include "core/settings.h"

#define ENV_MAX		512
#define GOOD_DB_URL	"postgresql://app:pw@localhost:5432/app"

struct env_var {
	char	*name;
	char	*value;
};

static struct env_var	env[ENV_MAX];
static size_t		env_count;
static int		capturing;

int			setenv(const char *, const char *, int);
static const char	*fake_getenv(const char *);
static void		 env_clear(void);
static void		 check_failure(const char *);
static void		 check_success(const struct settings *);
static void		 check_conninfo(const char *, const char *);
static void		 check_secret(const char *, const char *);
static void		 check_blind(const char *, int);

/* While capturing, the fake environment; else the real one. */
int
setenv(const char *name, const char *value, int overwrite)
{
	static int	(*real)(const char *, const char *, int);

	if (!capturing) {
		if (real == NULL && (real = (int (*)(const char *,
		    const char *, int))dlsym(RTLD_NEXT, "setenv")) == NULL)
			abort();
		return (real(name, value, overwrite));
	}
	if (name == NULL || *name == '\0' || strchr(name, '=') != NULL) {
		errno = EINVAL;
		return (-1);
	}
	if (fake_getenv(name) != NULL)
		return (0);	/* overwrite is 0 in settings.c */
	if (env_count == ENV_MAX)
		fuzz_fail("more than %d variables set", ENV_MAX);
	if ((env[env_count].name = strdup(name)) == NULL ||
	    (env[env_count].value = strdup(value)) == NULL)
		abort();
	env_count++;
	return (0);
}

static const char *
fake_getenv(const char *name)
{
	size_t		i;

	for (i = 0; i < env_count; i++) {
		if (!strcmp(env[i].name, name))
			return (env[i].value);
	}
	return (NULL);
}

static void
env_clear(void)
{
	size_t		i;

	for (i = 0; i < env_count; i++) {
		free(env[i].name);
		free(env[i].value);
	}
	env_count = 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	fd = -1;
	struct settings	s;
	char		path[64], err[512];
	size_t		i, lines;
	int		ok;

	if (size < 1)
		return (0);
	if (fd == -1 && (fd = memfd_create("dotenv", 0)) == -1)
		abort();
	if (ftruncate(fd, 0) == -1 || pwrite(fd, data + 1, size - 1, 0) !=
	    (ssize_t)(size - 1))
		abort();
	(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	for (lines = 1, i = 1; i < size; i++)
		lines += data[i] == '\n';

	env_clear();
	capturing = 1;
	if (data[0] & 1)
		(void)setenv("DATABASE_URL", GOOD_DB_URL, 0);
	memset(err, 0, sizeof(err));
	ok = settings_dotenv(path, err, sizeof(err));
	capturing = 0;

	if (!ok && (strncmp(err, path, strlen(path)) ||
	    err[strlen(path)] != ':'))
		fuzz_fail("settings_dotenv error without file and line: %s",
		    err);
	if (env_count > lines + (data[0] & 1))
		fuzz_fail("%zu variables from %zu lines", env_count, lines);
	for (i = 0; i < env_count; i++) {
		if (env[i].name[0] == '\0' || strchr(env[i].name, '\n') ||
		    strchr(env[i].value, '\n') || strchr(env[i].name, '='))
			fuzz_fail("variable \"%s\" set from the file",
			    env[i].name);
	}

	memset(err, 0, sizeof(err));
	ok = settings_load(&s, fake_getenv, err, sizeof(err));
	if (ok)
		check_success(&s);
	else
		check_failure(err);
	settings_free(&s);
	check_blind(err, ok);
	env_clear();
	return (0);
}

static void
check_failure(const char *err)
{
	static const char *const names[] = {
		"DATABASE_URL", "DATABASE_URL_DIRECT", "DATABASE_WAIT_SECONDS",
		"BETTER_AUTH_JWKS_URL", "BETTER_AUTH_JWKS_FILE",
		"BETTER_AUTH_SECRET", "BETTER_AUTH_ISSUER",
		"BETTER_AUTH_AUDIENCE", "BETTER_AUTH_JWKS_REFRESH_SECONDS",
		"JWT_LEEWAY_SECONDS", "CORS_ORIGINS", "RATE_LIMIT_RPM",
		"RATE_LIMIT_ANON_RPM", "LOG_LEVEL", "METRICS_TOKEN",
		"UPLOAD_MAX_BYTES", "MIGRATIONS_DIR", "DOCS_DIR", NULL
	};
	PQconninfoOption	*opts, *o;
	const char		*url;
	size_t			i;

	for (i = 0; names[i] != NULL; i++) {
		if (!strncmp(err, names[i], strlen(names[i])) &&
		    err[strlen(names[i])] == ':')
			break;
	}
	if (names[i] == NULL)
		fuzz_fail("settings_load error names no variable: %s", err);

	for (i = 0; i < 2; i++) {
		url = fake_getenv(i == 0 ? "DATABASE_URL" :
		    "DATABASE_URL_DIRECT");
		check_secret(err, url);
		if (url == NULL || (opts = PQconninfoParse(url, NULL)) == NULL)
			continue;
		for (o = opts; o->keyword != NULL; o++) {
			if (o->val != NULL && !strcmp(o->keyword, "password"))
				check_secret(err, o->val);
		}
		PQconninfoFree(opts);
	}
}

/*
 * A database URL (or its password) is never said: checked when it is
 * long and unlike our own words, so no fixed text can hold it.
 */
static void
check_secret(const char *err, const char *secret)
{
	const char	*origins;

	if (secret == NULL || strlen(secret) < 16 ||
	    strchr(secret, ' ') != NULL || strstr("DATABASE_URL_DIRECT "
	    "BETTER_AUTH_JWKS_URL BETTER_AUTH_JWKS_FILE BETTER_AUTH_SECRET "
	    "BETTER_AUTH_JWKS_REFRESH_SECONDS RATE_LIMIT_ANON_RPM",
	    secret) != NULL)
		return;
	origins = fake_getenv("CORS_ORIGINS");
	if (origins != NULL && strstr(origins, secret) != NULL)
		return;
	if (strstr(err, secret) != NULL)
		fuzz_fail("settings_load error quotes a secret: %s", err);
}

/*
 * Only the length of BETTER_AUTH_SECRET and METRICS_TOKEN matters, so
 * the same start with other bytes of that length must say the same.
 */
static void
check_blind(const char *err, int ok)
{
	static const char *const secrets[] = {
		"BETTER_AUTH_SECRET", "METRICS_TOKEN"
	};
	struct settings	s;
	char		again[512], *saved, *other;
	size_t		i, j, len;
	int		ok2;

	for (i = 0; i < 2; i++) {
		for (j = 0; j < env_count && strcmp(env[j].name,
		    secrets[i]); j++)
			;
		if (j == env_count)
			continue;
		saved = env[j].value;
		len = strlen(saved);
		if ((other = malloc(len + 1)) == NULL)
			abort();
		memset(other, saved[0] == 'x' ? 'y' : 'x', len);
		other[len] = '\0';
		env[j].value = other;
		memset(again, 0, sizeof(again));
		ok2 = settings_load(&s, fake_getenv, again, sizeof(again));
		settings_free(&s);
		env[j].value = saved;
		free(other);
		if (ok2 != ok || (!ok && strcmp(err, again)))
			fuzz_fail("the start depends on the bytes of %s: %s / "
			    "%s", secrets[i], err, again);
	}
}

static void
check_success(const struct settings *s)
{
	const char	*p;
	size_t		i;

	if (s->database_conninfo == NULL || s->database_direct_conninfo ==
	    NULL || s->migrations_dir == NULL || s->docs_dir == NULL)
		fuzz_fail("settings_load left a required value unset");
	check_conninfo(fake_getenv("DATABASE_URL"), s->database_conninfo);
	p = fake_getenv("DATABASE_URL_DIRECT");
	check_conninfo(p != NULL && *p != '\0' ? p :
	    fake_getenv("DATABASE_URL"), s->database_direct_conninfo);

	if (s->database_wait_seconds < 0 || s->database_wait_seconds > 3600 ||
	    s->jwks_refresh < 1 || s->jwks_refresh > 86400 ||
	    s->jwt_leeway < 0 || s->jwt_leeway > 600 ||
	    s->rate_limit_rpm < 0 || s->rate_limit_rpm > 1000000 ||
	    s->rate_limit_anon_rpm < 0 || s->rate_limit_anon_rpm > 1000000 ||
	    s->upload_max_bytes < 1 ||
	    s->upload_max_bytes > 1024L * 1024 * 1024 ||
	    s->log_level < LOG_LEVEL_DEBUG || s->log_level > LOG_LEVEL_ERROR)
		fuzz_fail("a number out of its range");
	if (s->auth_secret != NULL && strlen(s->auth_secret) < 32)
		fuzz_fail("a short BETTER_AUTH_SECRET taken");
	if (s->jwks_url != NULL && s->jwks_file != NULL)
		fuzz_fail("both BETTER_AUTH_JWKS_URL and _FILE taken");
	if (s->jwks_url != NULL && strncmp(s->jwks_url, "http://", 7) &&
	    strncmp(s->jwks_url, "https://", 8))
		fuzz_fail("BETTER_AUTH_JWKS_URL %s taken", s->jwks_url);
	if (s->cors_origins_count > SETTINGS_ORIGINS_MAX)
		fuzz_fail("%zu origins", s->cors_origins_count);
	for (i = 0; i < s->cors_origins_count; i++) {
		p = s->cors_origins[i];
		if ((strncmp(p, "http://", 7) && strncmp(p, "https://", 8)) ||
		    strchr(strstr(p, "://") + 3, '/') != NULL ||
		    p[strcspn(p, " \t\r\n,")] != '\0')
			fuzz_fail("origin \"%s\" taken", p);
	}
}

/* libpq reads back every option of the URL, and our defaults. */
static void
check_conninfo(const char *url, const char *conninfo)
{
	PQconninfoOption	*u, *c, *o, *q;
	char			*perr;

	perr = NULL;
	if ((u = PQconninfoParse(url, NULL)) == NULL ||
	    (c = PQconninfoParse(conninfo, &perr)) == NULL)
		fuzz_fail("conninfo \"%s\" does not parse: %s", conninfo,
		    perr ? perr : "");
	for (o = u; o->keyword != NULL; o++) {
		for (q = c; q->keyword != NULL && strcmp(q->keyword,
		    o->keyword); q++)
			;
		if (q->keyword == NULL)
			fuzz_fail("conninfo lost %s", o->keyword);
		if (o->val != NULL && (q->val == NULL ||
		    strcmp(o->val, q->val)))
			fuzz_fail("conninfo changed %s", o->keyword);
		if (!strcmp(q->keyword, "gssencmode") &&
		    (q->val == NULL || strcmp(q->val, "disable")))
			fuzz_fail("conninfo without gssencmode=disable");
		if (!strcmp(q->keyword, "connect_timeout") && q->val == NULL)
			fuzz_fail("conninfo without connect_timeout");
	}
	PQconninfoFree(u);
	PQconninfoFree(c);
}
