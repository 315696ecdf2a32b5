/*
 * Settings from the environment. Every variable is checked here, once, and
 * a bad value stops the start with one line that names the variable. The
 * value of a secret is never part of a message.
 */

#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "settings.h"

#define DOTENV_LINE_MAX		4096

static int	setting_string(settings_getenv, const char *, const char *,
		    size_t, char **, char *, size_t);
static int	setting_long(settings_getenv, const char *, long, long, long,
		    long *, char *, size_t);
static int	setting_origins(settings_getenv, struct settings *,
		    char *, size_t);
static int	setting_database_url(settings_getenv, struct settings *,
		    char *, size_t);
static int	setting_http_url(const char *);
static int	setting_ports(const char *);
static int	setting_one_of(const char *, const char * const *);

struct settings		settings;

int
settings_load(struct settings *s, settings_getenv get, char *err,
    size_t errlen)
{
	const char	*v;

	memset(s, 0, sizeof(*s));

	if (!setting_database_url(get, s, err, errlen))
		return (0);

	if (!setting_string(get, "BETTER_AUTH_JWKS_URL", NULL, 2048,
	    &s->jwks_url, err, errlen))
		return (0);
	if (s->jwks_url != NULL && !setting_http_url(s->jwks_url)) {
		snprintf(err, errlen, "BETTER_AUTH_JWKS_URL: must be an "
		    "http:// or https:// URL");
		return (0);
	}
	if (!setting_string(get, "BETTER_AUTH_JWKS_FILE", NULL, 1024,
	    &s->jwks_file, err, errlen))
		return (0);
	if (!setting_string(get, "BETTER_AUTH_SECRET", NULL, 1024,
	    &s->auth_secret, err, errlen))
		return (0);
	if (s->auth_secret != NULL && strlen(s->auth_secret) < 32) {
		snprintf(err, errlen,
		    "BETTER_AUTH_SECRET: must be at least 32 characters");
		return (0);
	}
	if (s->jwks_url != NULL && s->jwks_file != NULL) {
		snprintf(err, errlen, "BETTER_AUTH_JWKS_FILE: set either it "
		    "or BETTER_AUTH_JWKS_URL, not both");
		return (0);
	}
	if (!setting_string(get, "BETTER_AUTH_ISSUER", NULL, 512,
	    &s->auth_issuer, err, errlen))
		return (0);
	if (!setting_string(get, "BETTER_AUTH_AUDIENCE", NULL, 512,
	    &s->auth_audience, err, errlen))
		return (0);
	if (!setting_long(get, "BETTER_AUTH_JWKS_REFRESH_SECONDS", 300, 1,
	    86400, &s->jwks_refresh, err, errlen))
		return (0);
	if (!setting_long(get, "JWT_LEEWAY_SECONDS", 30, 0, 600,
	    &s->jwt_leeway, err, errlen))
		return (0);
	if (!setting_origins(get, s, err, errlen))
		return (0);
	if (!setting_long(get, "RATE_LIMIT_RPM", 600, 0, 1000000,
	    &s->rate_limit_rpm, err, errlen))
		return (0);
	if (!setting_long(get, "RATE_LIMIT_ANON_RPM", 120, 0, 1000000,
	    &s->rate_limit_anon_rpm, err, errlen))
		return (0);

	s->log_level = LOG_LEVEL_INFO;
	if ((v = get("LOG_LEVEL")) != NULL && *v != '\0' &&
	    !settings_log_level_parse(v, &s->log_level)) {
		snprintf(err, errlen, "LOG_LEVEL: must be one of debug, info, "
		    "warning, error");
		return (0);
	}

	if (!setting_string(get, "METRICS_TOKEN", NULL, 512,
	    &s->metrics_token, err, errlen))
		return (0);
	if (!setting_long(get, "UPLOAD_MAX_BYTES", 10 * 1024 * 1024, 1,
	    1024L * 1024 * 1024, &s->upload_max_bytes, err, errlen))
		return (0);
	if (!setting_string(get, "MIGRATIONS_DIR", "migrations", 1024,
	    &s->migrations_dir, err, errlen))
		return (0);
	if (!setting_string(get, "DOCS_DIR", ".build/docs", 1024,
	    &s->docs_dir, err, errlen))
		return (0);

	return (1);
}

void
settings_free(struct settings *s)
{
	size_t		i;

	free(s->database_url);
	free(s->jwks_url);
	free(s->jwks_file);
	free(s->auth_secret);
	free(s->auth_issuer);
	free(s->auth_audience);
	for (i = 0; i < s->cors_origins_count; i++)
		free(s->cors_origins[i]);
	free(s->metrics_token);
	free(s->migrations_dir);
	free(s->docs_dir);
	memset(s, 0, sizeof(*s));
}

int
settings_log_level_parse(const char *v, enum log_level *level)
{
	if (!strcasecmp(v, "debug"))
		*level = LOG_LEVEL_DEBUG;
	else if (!strcasecmp(v, "info"))
		*level = LOG_LEVEL_INFO;
	else if (!strcasecmp(v, "warning") || !strcasecmp(v, "warn"))
		*level = LOG_LEVEL_WARNING;
	else if (!strcasecmp(v, "error"))
		*level = LOG_LEVEL_ERROR;
	else
		return (0);

	return (1);
}

/*
 * Reads KEY=VALUE lines from a .env file into the environment. Variables
 * already set win, so the real environment always overrides the file.
 * A missing file is fine; a malformed line is an error naming the line.
 */
int
settings_dotenv(const char *path, char *err, size_t errlen)
{
	FILE		*fp;
	size_t		len;
	int		lineno;
	char		line[DOTENV_LINE_MAX], *key, *val, *eq;

	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return (1);
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (0);
	}

	lineno = 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			snprintf(err, errlen, "%s:%d: line too long",
			    path, lineno);
			fclose(fp);
			return (0);
		}
		while (len > 0 && isspace((unsigned char)line[len - 1]))
			line[--len] = '\0';

		key = line;
		while (isspace((unsigned char)*key))
			key++;
		if (*key == '\0' || *key == '#')
			continue;
		if (!strncmp(key, "export ", 7))
			key += 7;

		if ((eq = strchr(key, '=')) == NULL || eq == key) {
			snprintf(err, errlen, "%s:%d: expected KEY=VALUE",
			    path, lineno);
			fclose(fp);
			return (0);
		}
		*eq = '\0';
		val = eq + 1;

		len = strlen(val);
		if (len >= 2 && (val[0] == '"' || val[0] == '\'') &&
		    val[len - 1] == val[0]) {
			val[len - 1] = '\0';
			val++;
		}

		if (setenv(key, val, 0) == -1) {
			snprintf(err, errlen, "%s:%d: invalid variable name",
			    path, lineno);
			fclose(fp);
			return (0);
		}
	}

	fclose(fp);
	return (1);
}

static int
setting_database_url(settings_getenv get, struct settings *s, char *err,
    size_t errlen)
{
	PQconninfoOption	*opts, *o;
	char			*perr;
	static const char	*sslmodes[] = { "disable", "allow", "prefer",
				    "require", "verify-ca", "verify-full", NULL };

	if (!setting_string(get, "DATABASE_URL", NULL, 4096,
	    &s->database_url, err, errlen))
		return (0);

	if (s->database_url == NULL) {
		snprintf(err, errlen, "DATABASE_URL: not set (make run sets "
		    "it to the local cluster)");
		return (0);
	}

	/* libpq's own parser decides; its message may quote the URL. */
	perr = NULL;
	if (strncmp(s->database_url, "postgres://", 11) &&
	    strncmp(s->database_url, "postgresql://", 13)) {
		snprintf(err, errlen, "DATABASE_URL: must start with "
		    "postgresql://");
		return (0);
	}
	if ((opts = PQconninfoParse(s->database_url, &perr)) == NULL) {
		if (perr != NULL)
			PQfreemem(perr);
		snprintf(err, errlen, "DATABASE_URL: not a valid PostgreSQL "
		    "connection URI");
		return (0);
	}

	/* libpq checks the syntax only; values fail later, at connect. */
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		if (!strcmp(o->keyword, "port") && !setting_ports(o->val)) {
			snprintf(err, errlen, "DATABASE_URL: the port must be "
			    "a number from 1 to 65535");
			PQconninfoFree(opts);
			return (0);
		}
		if (!strcmp(o->keyword, "sslmode") &&
		    !setting_one_of(o->val, sslmodes)) {
			snprintf(err, errlen, "DATABASE_URL: sslmode must be "
			    "one of disable, allow, prefer, require, "
			    "verify-ca, verify-full");
			PQconninfoFree(opts);
			return (0);
		}
	}
	PQconninfoFree(opts);

	return (1);
}

/* A port, or a comma-separated list of them (libpq's multi-host form). */
static int
setting_ports(const char *v)
{
	long		n;
	char		*ep;

	for (;;) {
		if (!isdigit((unsigned char)*v))
			return (0);
		errno = 0;
		n = strtol(v, &ep, 10);
		if (errno != 0 || n < 1 || n > 65535)
			return (0);
		if (*ep == '\0')
			return (1);
		if (*ep != ',')
			return (0);
		v = ep + 1;
	}
}

static int
setting_one_of(const char *v, const char * const *allowed)
{
	for (; *allowed != NULL; allowed++) {
		if (!strcmp(v, *allowed))
			return (1);
	}
	return (0);
}

static int
setting_origins(settings_getenv get, struct settings *s, char *err,
    size_t errlen)
{
	const char	*v, *p, *end;
	size_t		len;
	char		*origin;

	if ((v = get("CORS_ORIGINS")) == NULL || *v == '\0')
		return (1);

	for (p = v; *p != '\0'; p = (*end == ',') ? end + 1 : end) {
		while (*p == ' ')
			p++;
		end = strchrnul(p, ',');
		len = end - p;
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == 0)
			continue;

		if (s->cors_origins_count == SETTINGS_ORIGINS_MAX) {
			snprintf(err, errlen, "CORS_ORIGINS: at most %d "
			    "origins", SETTINGS_ORIGINS_MAX);
			return (0);
		}
		if ((origin = strndup(p, len)) == NULL) {
			snprintf(err, errlen, "CORS_ORIGINS: out of memory");
			return (0);
		}
		s->cors_origins[s->cors_origins_count++] = origin;

		/* An origin is scheme://host[:port], nothing more. */
		if (!setting_http_url(origin) ||
		    strchr(strstr(origin, "://") + 3, '/') != NULL) {
			snprintf(err, errlen, "CORS_ORIGINS: '%.100s' is not "
			    "an origin like https://app.example.com", origin);
			return (0);
		}
	}

	return (1);
}

static int
setting_http_url(const char *v)
{
	const char	*host;

	if (!strncmp(v, "https://", 8))
		host = v + 8;
	else if (!strncmp(v, "http://", 7))
		host = v + 7;
	else
		return (0);

	if (*host == '\0' || *host == '/' || *host == ':')
		return (0);

	for (; *host != '\0'; host++) {
		if (isspace((unsigned char)*host) || iscntrl((unsigned char)*host))
			return (0);
	}

	return (1);
}

static int
setting_string(settings_getenv get, const char *name, const char *def,
    size_t max, char **out, char *err, size_t errlen)
{
	const char	*v;

	if ((v = get(name)) == NULL || *v == '\0')
		v = def;

	if (v == NULL) {
		*out = NULL;
		return (1);
	}

	if (strlen(v) > max) {
		snprintf(err, errlen, "%s: longer than %zu characters",
		    name, max);
		return (0);
	}

	if ((*out = strdup(v)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return (0);
	}

	return (1);
}

static int
setting_long(settings_getenv get, const char *name, long def, long min,
    long max, long *out, char *err, size_t errlen)
{
	const char	*v;
	char		*ep;
	long		n;

	if ((v = get(name)) == NULL || *v == '\0') {
		*out = def;
		return (1);
	}

	errno = 0;
	n = strtol(v, &ep, 10);
	if (errno != 0 || ep == v || *ep != '\0' || n < min || n > max) {
		snprintf(err, errlen, "%s: must be a whole number from %ld "
		    "to %ld", name, min, max);
		return (0);
	}

	*out = n;
	return (1);
}

/* Tokens need keys: a JWKS (URL or file) or the shared secret. */
int
settings_key_source_check(const struct settings *s, char *err, size_t errlen)
{
	if (s->jwks_url != NULL || s->jwks_file != NULL ||
	    s->auth_secret != NULL)
		return (1);

	snprintf(err, errlen, "no token keys: set BETTER_AUTH_JWKS_URL, "
	    "BETTER_AUTH_JWKS_FILE or BETTER_AUTH_SECRET");
	return (0);
}
