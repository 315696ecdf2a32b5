/*
 * Settings from the environment. Every variable is checked here, once, and
 * a bad value stops the start with one line that names the variable. The
 * value of a secret is never part of a message.
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/settings.h"

#define DOTENV_LINE_MAX		4096
#define SETTINGS_DB_DEFAULTS	6

static int	setting_string(settings_getenv, const char *, const char *,
		    size_t, char **, char *, size_t);
static int	setting_long(settings_getenv, const char *, long, long, long,
		    long *, char *, size_t);
static int	setting_bool(settings_getenv, const char *, int *, char *,
		    size_t);
static int	setting_origins(settings_getenv, struct settings *,
		    char *, size_t);
static int	setting_proxies(settings_getenv, struct settings *,
		    char *, size_t);
static int	setting_list_next(const char **, const char **, size_t *);
static int	setting_database(settings_getenv, const char *, const char *,
		    char **, char *, size_t);
static int	setting_conninfo_add(char **, size_t *, size_t *,
		    const char *, const char *);
static int	setting_http_url(const char *);
static int	setting_loopback_url(const char *);
static int	setting_ports(const char *);
static int	setting_one_of(const char *, const char * const *);
static int	setting_pooler_like(const char *);

struct settings		settings;

int
settings_load(struct settings *s, settings_getenv get, char *err,
    size_t errlen)
{
	const char	*v;

	memset(s, 0, sizeof(*s));

	if (!setting_database(get, "DATABASE_URL", NULL, &s->database_conninfo,
	    err, errlen))
		return (0);
	if (!setting_database(get, "DATABASE_URL_DIRECT", get("DATABASE_URL"),
	    &s->database_direct_conninfo, err, errlen))
		return (0);
	v = get("DATABASE_URL_DIRECT");
	s->database_direct_name = (v != NULL && *v != '\0') ?
	    "DATABASE_URL_DIRECT" : "DATABASE_URL";
	if (!setting_long(get, "DATABASE_WAIT_SECONDS", 60, 0, 3600,
	    &s->database_wait_seconds, err, errlen))
		return (0);

	/*
	 * Protocol-level prepared statements: on by default for a direct
	 * connection; off when DATABASE_URL_DIRECT names another server,
	 * which makes DATABASE_URL a pooler (one in transaction mode before
	 * PgBouncer 1.21 may run an execute on another server connection
	 * than its prepare).
	 */
	v = get("DATABASE_PREPARED_STATEMENTS");
	if (v == NULL || *v == '\0') {
		s->database_prepared = !strcmp(s->database_conninfo,
		    s->database_direct_conninfo) &&
		    !setting_pooler_like(s->database_conninfo);
	} else if (!strcmp(v, "on")) {
		s->database_prepared = 1;
	} else if (!strcmp(v, "off")) {
		s->database_prepared = 0;
	} else {
		snprintf(err, errlen, "DATABASE_PREPARED_STATEMENTS: on or off");
		return (0);
	}

	if (!setting_string(get, "BETTER_AUTH_JWKS_URL", NULL, 2048,
	    &s->jwks_url, err, errlen))
		return (0);
	if (s->jwks_url != NULL && (!setting_http_url(s->jwks_url) ||
	    (strncmp(s->jwks_url, "https://", 8) &&
	    !setting_loopback_url(s->jwks_url)))) {
		/* Keys fetched in the clear could be anybody's. */
		snprintf(err, errlen, "BETTER_AUTH_JWKS_URL: must be an "
		    "https:// URL (http:// only to a loopback address)");
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
	if (!setting_long(get, "LIVE_MAX_CONNECTIONS_PER_USER", 20, 1, 10000,
	    &s->live_max_per_user, err, errlen))
		return (0);
	if (!setting_long(get, "LIVE_SLOT_LEASE_SECONDS", 30, 2, 3600,
	    &s->live_slot_lease, err, errlen))
		return (0);
	if (!setting_origins(get, s, err, errlen))
		return (0);
	if (!setting_long(get, "RATE_LIMIT_RPM", 600, 0, 1000000,
	    &s->rate_limit_rpm, err, errlen))
		return (0);
	if (!setting_long(get, "RATE_LIMIT_ANON_RPM", 120, 0, 1000000,
	    &s->rate_limit_anon_rpm, err, errlen))
		return (0);
	if (!setting_proxies(get, s, err, errlen))
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
	if (!setting_long(get, "STORAGE_QUOTA_BYTES", 1024L * 1024 * 1024, 0,
	    1024L * 1024 * 1024 * 1024 * 1024, &s->storage_quota_bytes, err,
	    errlen))
		return (0);
	if (!setting_string(get, "MIGRATIONS_DIR", "migrations", 1024,
	    &s->migrations_dir, err, errlen))
		return (0);
	if (!setting_string(get, "DOCS_DIR", ".build/docs", 1024,
	    &s->docs_dir, err, errlen))
		return (0);

	if (!setting_long(get, "EVENTS_RETENTION_HOURS", 72, 1, 24 * 366,
	    &s->events_retention_hours, err, errlen))
		return (0);
	if (!setting_long(get, "WEBHOOK_MAX_ATTEMPTS", 8, 1, 100,
	    &s->webhook_max_attempts, err, errlen))
		return (0);
	if (!setting_long(get, "WEBHOOK_CONCURRENCY", 32, 1, 1024,
	    &s->webhook_concurrency, err, errlen))
		return (0);
	if (!setting_bool(get, "WEBHOOK_ALLOW_PRIVATE_NETWORKS",
	    &s->webhook_allow_private, err, errlen))
		return (0);
	if (!setting_string(get, "WEBHOOK_CA_FILE", NULL, 1024,
	    &s->webhook_ca_file, err, errlen))
		return (0);
	if (!setting_long(get, "EVENTS_PRUNE_SECONDS", 60, 1, 3600,
	    &s->events_prune_seconds, err, errlen))
		return (0);
	if (!setting_long(get, "WEBHOOK_TIMEOUT_SECONDS", 10, 1, 10,
	    &s->webhook_timeout_seconds, err, errlen))
		return (0);
	if (!setting_long(get, "WEBHOOK_BACKOFF_BASE_MS", 10000, 1, 10000,
	    &s->webhook_backoff_base_ms, err, errlen))
		return (0);
	if (!setting_string(get, "WEBHOOK_RESOLVE", NULL, 1024,
	    &s->webhook_resolve, err, errlen))
		return (0);

	return (1);
}

void
settings_free(struct settings *s)
{
	size_t		i;

	free(s->database_conninfo);
	free(s->database_direct_conninfo);
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
	free(s->webhook_ca_file);
	free(s->webhook_resolve);
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

/*
 * A PostgreSQL URI, checked and turned into the keyword/value string we
 * connect with. libpq parses it; we check the values it only checks at
 * connect time, and add our defaults for what the URI leaves unsaid:
 *
 * - gssencmode=disable: libpq's default "prefer" probes GSSAPI on every
 *   TCP connection, and that probe lists /etc/gss/mech.d (getdents64),
 *   which Kore's worker sandbox kills. Neon and most hosted PostgreSQL
 *   have no GSSAPI, so the probe only costs; a URI asking for GSSAPI
 *   encryption is refused rather than half-supported.
 * - connect_timeout=10: Kore connects synchronously inside the worker, so
 *   a host that never answers must not hold a worker for minutes.
 * - TCP keepalives after 30 s idle, 3 probes 10 s apart: a server that
 *   vanished (failover, a cut network) is noticed in a minute, not in
 *   two hours.
 * - application_name=tasks-api: operators can tell our backends apart.
 *
 * fallback is used when the variable is unset (DATABASE_URL_DIRECT falls
 * back to DATABASE_URL). No message ever quotes the value: it may hold a
 * password.
 */
static int
setting_database(settings_getenv get, const char *name, const char *fallback,
    char **out, char *err, size_t errlen)
{
	PQconninfoOption	*opts, *o;
	const char		*v, *msg;
	char			*perr, *conninfo;
	size_t			len, size;
	int			i, have[SETTINGS_DB_DEFAULTS];
	static const char	*sslmodes[] = { "disable", "allow", "prefer",
				    "require", "verify-ca", "verify-full", NULL };
	static const char	*bindings[] = { "disable", "prefer", "require",
				    NULL };
	static const char	*defaults[SETTINGS_DB_DEFAULTS][2] = {
		{ "gssencmode", "disable" },
		{ "connect_timeout", "10" },
		{ "application_name", "tasks-api" },
		{ "keepalives_idle", "30" },
		{ "keepalives_interval", "10" },
		{ "keepalives_count", "3" },
	};

	*out = NULL;
	if ((v = get(name)) == NULL || *v == '\0')
		v = fallback;
	if (v == NULL || *v == '\0') {
		snprintf(err, errlen, "%s: not set (make run sets it to the "
		    "local cluster)", name);
		return (0);
	}
	if (strlen(v) > 4096) {
		snprintf(err, errlen, "%s: longer than 4096 characters", name);
		return (0);
	}
	if (strncmp(v, "postgres://", 11) && strncmp(v, "postgresql://", 13)) {
		snprintf(err, errlen, "%s: must start with postgresql://",
		    name);
		return (0);
	}

	/* libpq's own parser decides; its message may quote the URL. */
	perr = NULL;
	if ((opts = PQconninfoParse(v, &perr)) == NULL) {
		if (perr != NULL)
			PQfreemem(perr);
		snprintf(err, errlen, "%s: not a valid PostgreSQL connection "
		    "URI", name);
		return (0);
	}

	msg = NULL;
	memset(have, 0, sizeof(have));
	for (o = opts; o->keyword != NULL && msg == NULL; o++) {
		if (o->val == NULL)
			continue;
		if (!strcmp(o->keyword, "port") && !setting_ports(o->val))
			msg = "the port must be a number from 1 to 65535";
		else if (!strcmp(o->keyword, "sslmode") &&
		    !setting_one_of(o->val, sslmodes))
			msg = "sslmode must be one of disable, allow, prefer, "
			    "require, verify-ca, verify-full";
		else if (!strcmp(o->keyword, "channel_binding") &&
		    !setting_one_of(o->val, bindings))
			msg = "channel_binding must be one of disable, prefer, "
			    "require";
		else if (!strcmp(o->keyword, "gssencmode") &&
		    strcmp(o->val, "disable"))
			msg = "gssencmode must be disable (GSSAPI is not "
			    "supported; use sslmode)";
		else if (!strcmp(o->keyword, "connect_timeout") &&
		    (!setting_ports(o->val) || strchr(o->val, ',') != NULL))
			msg = "connect_timeout must be a number of seconds";
		for (i = 0; i < SETTINGS_DB_DEFAULTS; i++) {
			if (!strcmp(o->keyword, defaults[i][0]))
				have[i] = 1;
		}
	}
	if (msg != NULL) {
		snprintf(err, errlen, "%s: %s", name, msg);
		PQconninfoFree(opts);
		return (0);
	}

	conninfo = NULL;
	len = size = 0;
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val != NULL && !setting_conninfo_add(&conninfo, &len,
		    &size, o->keyword, o->val))
			goto oom;
	}
	for (i = 0; i < SETTINGS_DB_DEFAULTS; i++) {
		if (!have[i] && !setting_conninfo_add(&conninfo, &len, &size,
		    defaults[i][0], defaults[i][1]))
			goto oom;
	}
	PQconninfoFree(opts);

	*out = conninfo;
	return (1);

oom:
	PQconninfoFree(opts);
	free(conninfo);
	snprintf(err, errlen, "%s: out of memory", name);
	return (0);
}

/* Appends keyword='value' to a conninfo string, quoted as libpq reads it. */
static int
setting_conninfo_add(char **buf, size_t *len, size_t *size,
    const char *keyword, const char *value)
{
	size_t		need;
	char		*p;

	/* Worst case: every value byte escaped, quotes, '=', ' ', NUL. */
	need = *len + strlen(keyword) + 2 * strlen(value) + 5;
	if (need > *size) {
		if ((p = realloc(*buf, need * 2)) == NULL)
			return (0);
		*buf = p;
		*size = need * 2;
	}

	p = *buf + *len;
	if (*len > 0)
		*p++ = ' ';
	p += sprintf(p, "%s='", keyword);
	for (; *value != '\0'; value++) {
		if (*value == '\'' || *value == '\\')
			*p++ = '\\';
		*p++ = *value;
	}
	*p++ = '\'';
	*p = '\0';
	*len = p - *buf;

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

/*
 * Whether a connection string looks like a pooler's: Neon's pooled host
 * (its first label ends in "-pooler") or PgBouncer's default port 6432.
 * A guess only for the default; DATABASE_PREPARED_STATEMENTS decides.
 */
static int
setting_pooler_like(const char *conninfo)
{
	PQconninfoOption	*opts, *o;
	const char		*dot;
	char			*perr;
	int			 pooler;

	perr = NULL;
	if ((opts = PQconninfoParse(conninfo, &perr)) == NULL) {
		if (perr != NULL)
			PQfreemem(perr);
		return (1);
	}
	pooler = 0;
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		if (!strcmp(o->keyword, "host")) {
			dot = strchrnul(o->val, '.');
			if (dot - o->val >= 7 && !strncmp(dot - 7, "-pooler", 7))
				pooler = 1;
		} else if (!strcmp(o->keyword, "port") &&
		    !strcmp(o->val, "6432")) {
			pooler = 1;
		}
	}
	PQconninfoFree(opts);
	return (pooler);
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

/*
 * The next item of a comma-separated list, spaces around it trimmed and
 * empty items skipped: 1 with *item and *len, 0 at the end of the list.
 */
static int
setting_list_next(const char **next, const char **item, size_t *len)
{
	const char	*p, *end;

	for (p = *next; *p != '\0'; p = (*end == ',') ? end + 1 : end) {
		while (*p == ' ')
			p++;
		end = strchrnul(p, ',');
		*len = end - p;
		while (*len > 0 && p[*len - 1] == ' ')
			(*len)--;
		if (*len > 0) {
			*item = p;
			*next = (*end == ',') ? end + 1 : end;
			return (1);
		}
	}
	*next = p;
	return (0);
}

static int
setting_origins(settings_getenv get, struct settings *s, char *err,
    size_t errlen)
{
	const char	*v, *p, *next;
	size_t		len;
	char		*origin;

	if ((v = get("CORS_ORIGINS")) == NULL || *v == '\0')
		return (1);

	for (next = v; setting_list_next(&next, &p, &len);) {

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

/*
 * TRUSTED_PROXIES: comma-separated addresses or CIDRs of the load
 * balancers in front of us, whose X-Forwarded-For is believed.
 */
static int
setting_proxies(settings_getenv get, struct settings *s, char *err,
    size_t errlen)
{
	const char	*v, *p, *next;
	size_t		len;

	if ((v = get("TRUSTED_PROXIES")) == NULL || *v == '\0')
		return (1);

	for (next = v; setting_list_next(&next, &p, &len);) {
		if (s->trusted_proxies_count == SETTINGS_PROXIES_MAX) {
			snprintf(err, errlen, "TRUSTED_PROXIES: at most %d "
			    "networks", SETTINGS_PROXIES_MAX);
			return (0);
		}
		if (!netaddr_cidr_parse(p, len,
		    &s->trusted_proxies[s->trusted_proxies_count])) {
			snprintf(err, errlen, "TRUSTED_PROXIES: '%.*s' is not "
			    "an address or CIDR like 10.0.0.0/8", (int)(len >
			    64 ? 64 : len), p);
			return (0);
		}
		s->trusted_proxies_count++;
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

/* http://localhost, http://127.x.y.z or http://[::1], any port and path. */
static int
setting_loopback_url(const char *v)
{
	struct in_addr	a4;
	const char	*host;
	char		name[64];
	size_t		len;

	host = strstr(v, "://") + 3;
	if (!strncmp(host, "[::1]", 5) && (host[5] == '\0' ||
	    host[5] == ':' || host[5] == '/'))
		return (1);

	len = strcspn(host, ":/?#");
	if (len == 0 || len >= sizeof(name))
		return (0);
	memcpy(name, host, len);
	name[len] = '\0';

	if (!strcasecmp(name, "localhost"))
		return (1);
	if (inet_pton(AF_INET, name, &a4) == 1 &&
	    (ntohl(a4.s_addr) >> 24) == 127)
		return (1);
	return (0);
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

/* true/false (also 1/0, yes/no, any case); unset or empty is false. */
static int
setting_bool(settings_getenv get, const char *name, int *out, char *err,
    size_t errlen)
{
	const char	*v;

	*out = 0;
	if ((v = get(name)) == NULL || *v == '\0')
		return (1);
	if (!strcasecmp(v, "true") || !strcmp(v, "1") ||
	    !strcasecmp(v, "yes")) {
		*out = 1;
		return (1);
	}
	if (!strcasecmp(v, "false") || !strcmp(v, "0") ||
	    !strcasecmp(v, "no"))
		return (1);
	snprintf(err, errlen, "%s: must be true or false", name);
	return (0);
}
