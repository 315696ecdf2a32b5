/*
 * Unit tests for src/core/settings.c (cmocka): every variable's default, each
 * bad value stopping the start with a message that begins with the
 * variable's name and never quotes a secret, CORS_ORIGINS parsing, and
 * the .env loader.
 *
 * settings_load reads a fake environment: a small table of name/value
 * pairs. settings_dotenv writes the real one, so its tests use variable
 * names of their own (TEST_DOTENV_*) and unset them before and after.
 */

#include <sys/types.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <libpq-fe.h>

#include "core/settings.h"

#define GOOD_DB_URL	"postgresql://app:pw@localhost:5432/app"
#define GOOD_SECRET	"0123456789abcdef0123456789abcdef"
#define ENV_MAX		32

struct env_var {
	const char	*name;
	const char	*value;
};

static struct env_var	env[ENV_MAX];
static size_t		env_count;

static const char	*dotenv_names[] = {
	"TEST_DOTENV_A", "TEST_DOTENV_B", "TEST_DOTENV_C", "TEST_DOTENV_D",
	"TEST_DOTENV_E", "TEST_DOTENV_F", "TEST_DOTENV_G", "TEST_DOTENV_H",
};

static const char	*fake_getenv(const char *);
static void		 env_reset(void);
static void		 env_set(const char *, const char *);
static void		 env_unset(const char *);
static void		 expect_error(const char *, char *, size_t);
static char		*repeat(char, size_t);
static const char	*conninfo_value(const char *, const char *);
static void		 dotenv_unset(void);
static void		 dotenv_file(char *, size_t, const char *);

/* The fake environment: DATABASE_URL (required) is set by env_reset. */
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
env_reset(void)
{
	env_count = 0;
	env_set("DATABASE_URL", GOOD_DB_URL);
}

static void
env_set(const char *name, const char *value)
{
	size_t		i;

	for (i = 0; i < env_count; i++) {
		if (!strcmp(env[i].name, name)) {
			env[i].value = value;
			return;
		}
	}
	assert_true(env_count < ENV_MAX);
	env[env_count].name = name;
	env[env_count].value = value;
	env_count++;
}

static void
env_unset(const char *name)
{
	size_t		i;

	for (i = 0; i < env_count; i++) {
		if (!strcmp(env[i].name, name)) {
			env[i] = env[--env_count];
			return;
		}
	}
}

/*
 * Loading must fail with one line that starts with prefix. Frees what
 * was loaded before the failure; err keeps the message for more checks.
 */
static void
expect_error(const char *prefix, char *err, size_t errlen)
{
	struct settings	s;
	int		rc;

	err[0] = '\0';
	rc = settings_load(&s, fake_getenv, err, errlen);
	settings_free(&s);

	if (rc != 0)
		fail_msg("settings_load accepted it; expected \"%s...\"",
		    prefix);
	if (strncmp(err, prefix, strlen(prefix)))
		fail_msg("error \"%s\" does not start with \"%s\"", err,
		    prefix);
	assert_null(strchr(err, '\n'));
}

static char *
repeat(char c, size_t n)
{
	char		*s;

	s = malloc(n + 1);
	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';

	return (s);
}

static void
dotenv_unset(void)
{
	size_t		i;

	for (i = 0; i < sizeof(dotenv_names) / sizeof(dotenv_names[0]); i++)
		assert_int_equal(unsetenv(dotenv_names[i]), 0);
}

/* A temporary .env with text; path receives its name. */
static void
dotenv_file(char *path, size_t len, const char *text)
{
	const char	*tmp;
	int		fd;

	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(path, len, "%s/test_settings.XXXXXX", tmp);
	fd = mkstemp(path);
	assert_true(fd != -1);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
}

static void
test_defaults(void **state)
{
	struct settings	s;
	char		err[512];

	(void)state;

	env_reset();
	err[0] = '\0';
	assert_int_equal(settings_load(&s, fake_getenv, err, sizeof(err)), 1);
	assert_string_equal(err, "");

	assert_string_equal(conninfo_value(s.database_conninfo, "host"),
	    "localhost");
	assert_string_equal(conninfo_value(s.database_conninfo, "password"),
	    "pw");
	/* Unset, the direct URL is DATABASE_URL. */
	assert_string_equal(s.database_direct_conninfo, s.database_conninfo);
	assert_string_equal(s.database_direct_name, "DATABASE_URL");
	assert_int_equal(s.database_wait_seconds, 60);
	assert_null(s.jwks_url);
	assert_null(s.jwks_file);
	assert_null(s.auth_secret);
	assert_null(s.auth_issuer);
	assert_null(s.auth_audience);
	assert_int_equal(s.jwt_leeway, 30);
	assert_int_equal(s.cors_origins_count, 0);
	assert_null(s.cors_origins[0]);
	assert_int_equal(s.rate_limit_rpm, 600);
	assert_int_equal(s.rate_limit_anon_rpm, 120);
	assert_int_equal(s.log_level, LOG_LEVEL_INFO);
	assert_null(s.metrics_token);
	assert_int_equal(s.upload_max_bytes, 10 * 1024 * 1024);
	assert_string_equal(s.migrations_dir, "migrations");
	assert_string_equal(s.docs_dir, ".build/docs");

	settings_free(&s);
}

static void
test_empty_values_mean_defaults(void **state)
{
	struct settings	s;
	char		err[512];

	(void)state;

	env_reset();
	env_set("BETTER_AUTH_JWKS_URL", "");
	env_set("BETTER_AUTH_SECRET", "");
	env_set("JWT_LEEWAY_SECONDS", "");
	env_set("CORS_ORIGINS", "");
	env_set("RATE_LIMIT_RPM", "");
	env_set("LOG_LEVEL", "");
	env_set("UPLOAD_MAX_BYTES", "");
	env_set("MIGRATIONS_DIR", "");
	env_set("DOCS_DIR", "");
	assert_int_equal(settings_load(&s, fake_getenv, err, sizeof(err)), 1);

	assert_null(s.jwks_url);
	assert_null(s.auth_secret);
	assert_int_equal(s.jwt_leeway, 30);
	assert_int_equal(s.cors_origins_count, 0);
	assert_int_equal(s.rate_limit_rpm, 600);
	assert_int_equal(s.log_level, LOG_LEVEL_INFO);
	assert_int_equal(s.upload_max_bytes, 10 * 1024 * 1024);
	assert_string_equal(s.migrations_dir, "migrations");
	assert_string_equal(s.docs_dir, ".build/docs");

	settings_free(&s);
}

static void
test_every_variable_is_read(void **state)
{
	struct settings	s;
	char		err[512];

	(void)state;

	env_reset();
	env_set("DATABASE_URL", "postgres://u@db.internal/tasks");
	env_set("DATABASE_URL_DIRECT", "postgres://u@direct.internal/tasks");
	env_set("DATABASE_WAIT_SECONDS", "5");
	env_set("BETTER_AUTH_JWKS_URL", "http://localhost:3000/api/auth/jwks");
	env_set("BETTER_AUTH_SECRET", GOOD_SECRET);
	env_set("BETTER_AUTH_ISSUER", "http://localhost:3000");
	env_set("BETTER_AUTH_AUDIENCE", "tasks-api");
	env_set("JWT_LEEWAY_SECONDS", "600");
	env_set("CORS_ORIGINS", "https://app.example.com");
	env_set("RATE_LIMIT_RPM", "0");
	env_set("RATE_LIMIT_ANON_RPM", "1000000");
	env_set("LOG_LEVEL", "DEBUG");
	env_set("METRICS_TOKEN", "scrape-me");
	env_set("UPLOAD_MAX_BYTES", "1");
	env_set("MIGRATIONS_DIR", "/srv/migrations");
	env_set("DOCS_DIR", "/srv/docs");
	err[0] = '\0';
	assert_int_equal(settings_load(&s, fake_getenv, err, sizeof(err)), 1);
	assert_string_equal(err, "");

	assert_string_equal(conninfo_value(s.database_conninfo, "host"),
	    "db.internal");
	assert_string_equal(conninfo_value(s.database_direct_conninfo,
	    "host"), "direct.internal");
	assert_string_equal(s.database_direct_name, "DATABASE_URL_DIRECT");
	assert_int_equal(s.database_wait_seconds, 5);
	assert_string_equal(s.jwks_url, "http://localhost:3000/api/auth/jwks");
	assert_null(s.jwks_file);
	assert_string_equal(s.auth_secret, GOOD_SECRET);
	assert_string_equal(s.auth_issuer, "http://localhost:3000");
	assert_string_equal(s.auth_audience, "tasks-api");
	assert_int_equal(s.jwt_leeway, 600);
	assert_int_equal(s.cors_origins_count, 1);
	assert_string_equal(s.cors_origins[0], "https://app.example.com");
	assert_int_equal(s.rate_limit_rpm, 0);
	assert_int_equal(s.rate_limit_anon_rpm, 1000000);
	assert_int_equal(s.log_level, LOG_LEVEL_DEBUG);
	assert_string_equal(s.metrics_token, "scrape-me");
	assert_int_equal(s.upload_max_bytes, 1);
	assert_string_equal(s.migrations_dir, "/srv/migrations");
	assert_string_equal(s.docs_dir, "/srv/docs");

	settings_free(&s);
	/* settings_free leaves nothing to free twice. */
	assert_null(s.database_conninfo);
	assert_null(s.database_direct_conninfo);
	assert_null(s.migrations_dir);
	assert_null(s.docs_dir);
	assert_int_equal(s.cors_origins_count, 0);
}

static void
test_jwks_file_alone_is_accepted(void **state)
{
	struct settings	s;
	char		err[512];

	(void)state;

	env_reset();
	env_set("BETTER_AUTH_JWKS_FILE", "tests/auth-server/jwks.json");
	assert_int_equal(settings_load(&s, fake_getenv, err, sizeof(err)), 1);
	assert_string_equal(s.jwks_file, "tests/auth-server/jwks.json");
	assert_null(s.jwks_url);

	settings_free(&s);
}

static void
test_database_url_missing(void **state)
{
	char		err[512];

	(void)state;

	env_reset();
	env_unset("DATABASE_URL");
	expect_error("DATABASE_URL:", err, sizeof(err));

	env_set("DATABASE_URL", "");
	expect_error("DATABASE_URL:", err, sizeof(err));
}

static void
test_database_url_bad_scheme(void **state)
{
	char		err[512];

	(void)state;

	env_reset();
	env_set("DATABASE_URL", "mysql://u:s3cretpw@host/db");
	expect_error("DATABASE_URL:", err, sizeof(err));
	assert_null(strstr(err, "s3cretpw"));

	/* A key=value conninfo string is not a URL either. */
	env_set("DATABASE_URL", "host=localhost password=s3cretpw");
	expect_error("DATABASE_URL:", err, sizeof(err));
	assert_null(strstr(err, "s3cretpw"));
}

/* libpq's own message quotes the whole URL, password and all. */
static void
test_database_url_unparsable_hides_password(void **state)
{
	char		err[512];

	(void)state;

	env_reset();
	env_set("DATABASE_URL", "postgresql://u:s3cretpw@[::1/db");
	expect_error("DATABASE_URL:", err, sizeof(err));
	assert_null(strstr(err, "s3cretpw"));

	env_set("DATABASE_URL", "postgresql://u:s3cretpw@host/db?nosuch=1");
	expect_error("DATABASE_URL:", err, sizeof(err));
	assert_null(strstr(err, "s3cretpw"));
}

static void
test_database_url_bad_port_hides_password(void **state)
{
	char		err[512];

	(void)state;

	env_reset();
	env_set("DATABASE_URL", "postgresql://u:s3cretpw@host:notaport/db");
	expect_error("DATABASE_URL:", err, sizeof(err));
	assert_null(strstr(err, "s3cretpw"));
}

/* What libpq reads for keyword in a conninfo string we built, or "". */
static const char *
conninfo_value(const char *conninfo, const char *keyword)
{
	PQconninfoOption	*opts, *o;
	static char		value[1024];

	value[0] = '\0';
	opts = PQconninfoParse(conninfo, NULL);
	assert_non_null(opts);
	for (o = opts; o->keyword != NULL; o++) {
		if (!strcmp(o->keyword, keyword) && o->val != NULL)
			snprintf(value, sizeof(value), "%s", o->val);
	}
	PQconninfoFree(opts);

	return (value);
}

/* Neon's strings as its console gives them, pooled and direct. */
static void
test_database_url_neon(void **state)
{
	struct settings	s;
	char		err[512];

	(void)state;

	env_reset();
	env_set("DATABASE_URL", "postgresql://alex:AbC1'x\\y@"
	    "ep-cool-darkness-123456-pooler.eu-central-1.aws.neon.tech/dbname"
	    "?sslmode=require&channel_binding=require"
	    "&options=endpoint%3Dep-cool-darkness-123456"
	    "&application_name=tasks-prod");
	env_set("DATABASE_URL_DIRECT", "postgresql://alex:pw@"
	    "ep-cool-darkness-123456.eu-central-1.aws.neon.tech/dbname"
	    "?sslmode=verify-full&sslrootcert=/etc/ssl/certs/"
	    "ca-certificates.crt&connect_timeout=3");
	err[0] = '\0';
	assert_int_equal(settings_load(&s, fake_getenv, err, sizeof(err)), 1);
	assert_string_equal(err, "");

	assert_string_equal(conninfo_value(s.database_conninfo, "host"),
	    "ep-cool-darkness-123456-pooler.eu-central-1.aws.neon.tech");
	/* Quotes and backslashes survive the keyword/value form. */
	assert_string_equal(conninfo_value(s.database_conninfo, "password"),
	    "AbC1'x\\y");
	assert_string_equal(conninfo_value(s.database_conninfo, "sslmode"),
	    "require");
	assert_string_equal(conninfo_value(s.database_conninfo,
	    "channel_binding"), "require");
	assert_string_equal(conninfo_value(s.database_conninfo, "options"),
	    "endpoint=ep-cool-darkness-123456");
	assert_string_equal(conninfo_value(s.database_conninfo,
	    "application_name"), "tasks-prod");
	/* Our defaults where the URL says nothing. */
	assert_string_equal(conninfo_value(s.database_conninfo, "gssencmode"),
	    "disable");
	assert_string_equal(conninfo_value(s.database_conninfo,
	    "connect_timeout"), "10");
	assert_string_equal(conninfo_value(s.database_conninfo,
	    "keepalives_idle"), "30");

	assert_string_equal(conninfo_value(s.database_direct_conninfo,
	    "sslrootcert"), "/etc/ssl/certs/ca-certificates.crt");
	assert_string_equal(conninfo_value(s.database_direct_conninfo,
	    "connect_timeout"), "3");
	assert_string_equal(conninfo_value(s.database_direct_conninfo,
	    "application_name"), "tasks-api");

	settings_free(&s);
}

static void
test_database_url_bad_values(void **state)
{
	char		err[512];
	size_t		i;
	static const char *bad[][2] = {
		{ "?sslmode=required", "sslmode must be one of" },
		{ "?channel_binding=yes", "channel_binding must be one of" },
		{ "?gssencmode=prefer", "gssencmode must be disable" },
		{ "?gssencmode=require", "gssencmode must be disable" },
		{ "?connect_timeout=soon", "connect_timeout must be" },
	};
	char		url[256];

	(void)state;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		env_reset();
		snprintf(url, sizeof(url), "postgresql://u:s3cretpw@h/db%s",
		    bad[i][0]);
		env_set("DATABASE_URL", url);
		expect_error("DATABASE_URL:", err, sizeof(err));
		assert_non_null(strstr(err, bad[i][1]));
		assert_null(strstr(err, "s3cretpw"));

		/* The direct URL is checked the same way, and named. */
		env_reset();
		env_set("DATABASE_URL_DIRECT", url);
		expect_error("DATABASE_URL_DIRECT:", err, sizeof(err));
		assert_null(strstr(err, "s3cretpw"));
	}

	/* gssencmode=disable is what we would set anyway. */
	env_reset();
	env_set("DATABASE_URL", "postgresql://u@h/db?gssencmode=disable");
	{
		struct settings	s;

		assert_int_equal(settings_load(&s, fake_getenv, err,
		    sizeof(err)), 1);
		assert_string_equal(conninfo_value(s.database_conninfo,
		    "gssencmode"), "disable");
		settings_free(&s);
	}
}

/* Keys fetched in the clear could be anybody's: https, or loopback. */
static void
test_jwks_url_https_unless_loopback(void **state)
{
	struct settings	s;
	char		err[512];
	size_t		i;
	static const char *ok[] = {
		"https://auth.example.com/api/auth/jwks",
		"http://localhost:3000/api/auth/jwks",
		"http://127.0.0.1:3000/api/auth/jwks",
		"http://127.9.8.7/jwks",
		"http://[::1]:3000/jwks",
	};
	static const char *bad[] = {
		"http://auth.example.com/api/auth/jwks",
		"http://127.0.0.1.evil.example/jwks",
		"http://localhost.evil.example/jwks",
		"http://10.0.0.1/jwks",
		"http://[::2]/jwks",
		"ftp://auth.example.com/jwks",
	};

	(void)state;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		env_reset();
		env_set("BETTER_AUTH_JWKS_URL", ok[i]);
		assert_int_equal(settings_load(&s, fake_getenv, err,
		    sizeof(err)), 1);
		settings_free(&s);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		env_reset();
		env_set("BETTER_AUTH_JWKS_URL", bad[i]);
		expect_error("BETTER_AUTH_JWKS_URL: must be an https://", err,
		    sizeof(err));
	}
}

static void
test_jwt_leeway_must_be_number_in_range(void **state)
{
	struct settings	s;
	char		err[512];

	(void)state;

	env_reset();
	env_set("JWT_LEEWAY_SECONDS", "abc");
	expect_error("JWT_LEEWAY_SECONDS:", err, sizeof(err));

	env_set("JWT_LEEWAY_SECONDS", "601");
	expect_error("JWT_LEEWAY_SECONDS:", err, sizeof(err));

	env_set("JWT_LEEWAY_SECONDS", "-1");
	expect_error("JWT_LEEWAY_SECONDS:", err, sizeof(err));

	env_set("JWT_LEEWAY_SECONDS", "30s");
	expect_error("JWT_LEEWAY_SECONDS:", err, sizeof(err));

	env_set("JWT_LEEWAY_SECONDS", "99999999999999999999999");
	expect_error("JWT_LEEWAY_SECONDS:", err, sizeof(err));

	env_set("JWT_LEEWAY_SECONDS", "0");
	assert_int_equal(settings_load(&s, fake_getenv, err, sizeof(err)), 1);
	assert_int_equal(s.jwt_leeway, 0);
	settings_free(&s);
}

static void
test_rate_limits_must_not_be_negative(void **state)
{
	char		err[512];

	(void)state;

	env_reset();
	env_set("RATE_LIMIT_RPM", "-1");
	expect_error("RATE_LIMIT_RPM:", err, sizeof(err));

	env_reset();
	env_set("RATE_LIMIT_ANON_RPM", "many");
	expect_error("RATE_LIMIT_ANON_RPM:", err, sizeof(err));

	env_set("RATE_LIMIT_ANON_RPM", "1000001");
	expect_error("RATE_LIMIT_ANON_RPM:", err, sizeof(err));
}

static void
test_upload_max_bytes_at_least_one(void **state)
{
	char		err[512];

	(void)state;

	env_reset();
	env_set("UPLOAD_MAX_BYTES", "0");
	expect_error("UPLOAD_MAX_BYTES:", err, sizeof(err));

	env_set("UPLOAD_MAX_BYTES", "1073741825");
	expect_error("UPLOAD_MAX_BYTES:", err, sizeof(err));
}

static void
test_prepared_statements_default_by_url(void **state)
{
	struct settings	s;
	char		err[512];

	(void)state;

	/* One URL: a direct connection, prepared statements on. */
	env_reset();
	assert_int_equal(settings_load(&s, fake_getenv, err, sizeof(err)), 1);
	assert_int_equal(s.database_prepared, 1);
	settings_free(&s);

	/* A separate direct URL: DATABASE_URL is a pooler, off. */
	env_set("DATABASE_URL_DIRECT", "postgresql://app:pw@db.internal:5432/app");
	assert_int_equal(settings_load(&s, fake_getenv, err, sizeof(err)), 1);
	assert_int_equal(s.database_prepared, 0);
	settings_free(&s);

	/* The same URL named twice is still direct. */
	env_set("DATABASE_URL_DIRECT", GOOD_DB_URL);
	assert_int_equal(settings_load(&s, fake_getenv, err, sizeof(err)), 1);
	assert_int_equal(s.database_prepared, 1);
	settings_free(&s);

	/* Said explicitly, either way. */
	env_set("DATABASE_URL_DIRECT", "postgresql://app:pw@db.internal:5432/app");
	env_set("DATABASE_PREPARED_STATEMENTS", "on");
	assert_int_equal(settings_load(&s, fake_getenv, err, sizeof(err)), 1);
	assert_int_equal(s.database_prepared, 1);
	settings_free(&s);
	env_unset("DATABASE_URL_DIRECT");
	env_set("DATABASE_PREPARED_STATEMENTS", "off");
	assert_int_equal(settings_load(&s, fake_getenv, err, sizeof(err)), 1);
	assert_int_equal(s.database_prepared, 0);
	settings_free(&s);

	/* Neon's pooled host, PgBouncer's port: taken for poolers. */
	env_unset("DATABASE_PREPARED_STATEMENTS");
	env_set("DATABASE_URL", "postgresql://a:pw@ep-cool-123-pooler.eu-central-1.aws.neon.tech/app");
	assert_int_equal(settings_load(&s, fake_getenv, err, sizeof(err)), 1);
	assert_int_equal(s.database_prepared, 0);
	settings_free(&s);
	env_set("DATABASE_URL", "postgresql://a:pw@ep-cool-123.eu-central-1.aws.neon.tech/app");
	assert_int_equal(settings_load(&s, fake_getenv, err, sizeof(err)), 1);
	assert_int_equal(s.database_prepared, 1);
	settings_free(&s);
	env_set("DATABASE_URL", "postgresql://a:pw@db.internal:6432/app");
	assert_int_equal(settings_load(&s, fake_getenv, err, sizeof(err)), 1);
	assert_int_equal(s.database_prepared, 0);
	settings_free(&s);

	env_set("DATABASE_PREPARED_STATEMENTS", "yes");
	expect_error("DATABASE_PREPARED_STATEMENTS: on or off", err,
	    sizeof(err));
}

static void
test_log_level_names(void **state)
{
	struct settings	s;
	enum log_level	level;
	char		err[512];

	(void)state;

	env_reset();
	env_set("LOG_LEVEL", "loud");
	expect_error("LOG_LEVEL:", err, sizeof(err));

	env_set("LOG_LEVEL", "warn");
	assert_int_equal(settings_load(&s, fake_getenv, err, sizeof(err)), 1);
	assert_int_equal(s.log_level, LOG_LEVEL_WARNING);
	settings_free(&s);

	assert_true(settings_log_level_parse("debug", &level));
	assert_int_equal(level, LOG_LEVEL_DEBUG);
	assert_true(settings_log_level_parse("Info", &level));
	assert_int_equal(level, LOG_LEVEL_INFO);
	assert_true(settings_log_level_parse("WARNING", &level));
	assert_int_equal(level, LOG_LEVEL_WARNING);
	assert_true(settings_log_level_parse("error", &level));
	assert_int_equal(level, LOG_LEVEL_ERROR);

	level = LOG_LEVEL_ERROR;
	assert_false(settings_log_level_parse("trace", &level));
	assert_false(settings_log_level_parse("", &level));
	assert_int_equal(level, LOG_LEVEL_ERROR);
}

static void
test_cors_origins_split_and_trimmed(void **state)
{
	struct settings	s;
	char		err[512];

	(void)state;

	env_reset();
	env_set("CORS_ORIGINS", "https://a.com, http://localhost:3000");
	assert_int_equal(settings_load(&s, fake_getenv, err, sizeof(err)), 1);
	assert_int_equal(s.cors_origins_count, 2);
	assert_string_equal(s.cors_origins[0], "https://a.com");
	assert_string_equal(s.cors_origins[1], "http://localhost:3000");
	assert_null(s.cors_origins[2]);
	settings_free(&s);

	/* Spaces around, and empty entries, are dropped. */
	env_set("CORS_ORIGINS", "  https://a.com  ,, ,http://b.org ,");
	assert_int_equal(settings_load(&s, fake_getenv, err, sizeof(err)), 1);
	assert_int_equal(s.cors_origins_count, 2);
	assert_string_equal(s.cors_origins[0], "https://a.com");
	assert_string_equal(s.cors_origins[1], "http://b.org");
	settings_free(&s);
}

static void
test_cors_origin_with_path_is_error(void **state)
{
	char		err[512];

	(void)state;

	env_reset();
	env_set("CORS_ORIGINS", "https://a.com/x");
	expect_error("CORS_ORIGINS:", err, sizeof(err));
	assert_non_null(strstr(err, "https://a.com/x"));

	env_set("CORS_ORIGINS", "https://ok.com, https://a.com/");
	expect_error("CORS_ORIGINS:", err, sizeof(err));
	assert_non_null(strstr(err, "https://a.com/"));
}

static void
test_cors_origin_needs_http_scheme_and_host(void **state)
{
	char		err[512];

	(void)state;

	env_reset();
	env_set("CORS_ORIGINS", "a.com");
	expect_error("CORS_ORIGINS:", err, sizeof(err));

	env_set("CORS_ORIGINS", "ftp://a.com");
	expect_error("CORS_ORIGINS:", err, sizeof(err));

	env_set("CORS_ORIGINS", "https://");
	expect_error("CORS_ORIGINS:", err, sizeof(err));

	env_set("CORS_ORIGINS", "https://a .com");
	expect_error("CORS_ORIGINS:", err, sizeof(err));
}

static void
test_cors_at_most_16_origins(void **state)
{
	struct settings	s;
	char		err[512], list[1024];
	size_t		off;
	int		i;

	(void)state;

	assert_int_equal(SETTINGS_ORIGINS_MAX, 16);

	off = 0;
	for (i = 0; i < SETTINGS_ORIGINS_MAX; i++) {
		off += (size_t)snprintf(list + off, sizeof(list) - off,
		    "%shttps://o%d.example.com", i > 0 ? "," : "", i);
	}
	assert_true(off < sizeof(list));

	env_reset();
	env_set("CORS_ORIGINS", list);
	assert_int_equal(settings_load(&s, fake_getenv, err, sizeof(err)), 1);
	assert_int_equal(s.cors_origins_count, 16);
	assert_string_equal(s.cors_origins[15], "https://o15.example.com");
	settings_free(&s);

	/* One more: the 16 already copied are freed (LeakSanitizer). */
	snprintf(list + off, sizeof(list) - off, ",https://o16.example.com");
	env_set("CORS_ORIGINS", list);
	expect_error("CORS_ORIGINS:", err, sizeof(err));
	assert_non_null(strstr(err, "16"));
}

static void
test_auth_secret_too_short_is_error_without_value(void **state)
{
	struct settings	s;
	char		err[512], secret[40];

	(void)state;

	/* 31 characters. */
	snprintf(secret, sizeof(secret), "%s",
	    "tooShortSecretValue-abcdefghijk");
	assert_int_equal(strlen(secret), 31);

	env_reset();
	env_set("BETTER_AUTH_SECRET", secret);
	expect_error("BETTER_AUTH_SECRET:", err, sizeof(err));
	assert_null(strstr(err, secret));
	assert_null(strstr(err, "tooShort"));

	/* 32 is enough. */
	env_set("BETTER_AUTH_SECRET", GOOD_SECRET);
	assert_int_equal(settings_load(&s, fake_getenv, err, sizeof(err)), 1);
	assert_string_equal(s.auth_secret, GOOD_SECRET);
	settings_free(&s);
}

static void
test_secrets_too_long_are_errors_without_value(void **state)
{
	char		err[512];
	char		*secret, *token;

	(void)state;

	secret = repeat('S', 1025);
	token = repeat('T', 513);

	env_reset();
	env_set("BETTER_AUTH_SECRET", secret);
	expect_error("BETTER_AUTH_SECRET:", err, sizeof(err));
	assert_null(strstr(err, "SSSS"));

	env_reset();
	env_set("METRICS_TOKEN", token);
	expect_error("METRICS_TOKEN:", err, sizeof(err));
	assert_null(strstr(err, "TTTT"));

	free(secret);
	free(token);
}

static void
test_string_longer_than_limit_is_error(void **state)
{
	char		err[512];
	char		*issuer;

	(void)state;

	issuer = repeat('i', 513);

	env_reset();
	env_set("BETTER_AUTH_ISSUER", issuer);
	expect_error("BETTER_AUTH_ISSUER:", err, sizeof(err));
	assert_non_null(strstr(err, "512"));

	free(issuer);
}

static void
test_jwks_url_and_file_both_set_is_error(void **state)
{
	char		err[512];

	(void)state;

	env_reset();
	env_set("BETTER_AUTH_JWKS_URL", "https://auth.example.com/jwks");
	env_set("BETTER_AUTH_JWKS_FILE", "jwks.json");
	expect_error("BETTER_AUTH_JWKS_FILE:", err, sizeof(err));
	assert_non_null(strstr(err, "BETTER_AUTH_JWKS_URL"));
}

static void
test_jwks_url_must_be_http(void **state)
{
	char		err[512];

	(void)state;

	env_reset();
	env_set("BETTER_AUTH_JWKS_URL", "ftp://x");
	expect_error("BETTER_AUTH_JWKS_URL:", err, sizeof(err));

	env_set("BETTER_AUTH_JWKS_URL", "https://");
	expect_error("BETTER_AUTH_JWKS_URL:", err, sizeof(err));

	env_set("BETTER_AUTH_JWKS_URL", "http:///jwks");
	expect_error("BETTER_AUTH_JWKS_URL:", err, sizeof(err));

	env_set("BETTER_AUTH_JWKS_URL", "auth.example.com/jwks");
	expect_error("BETTER_AUTH_JWKS_URL:", err, sizeof(err));
}

static void
test_dotenv_comments_export_and_quotes(void **state)
{
	char		path[256], err[512];

	(void)state;

	dotenv_unset();
	dotenv_file(path, sizeof(path),
	    "# a comment\n"
	    "   # an indented comment\n"
	    "\n"
	    "   \n"
	    "TEST_DOTENV_A=plain\n"
	    "export TEST_DOTENV_B=exported\n"
	    "TEST_DOTENV_C=\"double quoted\"\n"
	    "TEST_DOTENV_D='single # quoted'\n"
	    "TEST_DOTENV_E=a=b\n"
	    "   TEST_DOTENV_F=indented   \n"
	    "TEST_DOTENV_G=\n"
	    "TEST_DOTENV_H=\"unbalanced\n");

	err[0] = '\0';
	assert_int_equal(settings_dotenv(path, err, sizeof(err)), 1);
	assert_string_equal(err, "");

	assert_string_equal(getenv("TEST_DOTENV_A"), "plain");
	assert_string_equal(getenv("TEST_DOTENV_B"), "exported");
	assert_string_equal(getenv("TEST_DOTENV_C"), "double quoted");
	assert_string_equal(getenv("TEST_DOTENV_D"), "single # quoted");
	assert_string_equal(getenv("TEST_DOTENV_E"), "a=b");
	assert_string_equal(getenv("TEST_DOTENV_F"), "indented");
	assert_string_equal(getenv("TEST_DOTENV_G"), "");
	assert_string_equal(getenv("TEST_DOTENV_H"), "\"unbalanced");

	unlink(path);
	dotenv_unset();
}

static void
test_dotenv_crlf_line_endings(void **state)
{
	char		path[256], err[512];

	(void)state;

	dotenv_unset();
	dotenv_file(path, sizeof(path),
	    "# windows\r\nTEST_DOTENV_A=one\r\nTEST_DOTENV_B=\"two\"\r\n");

	assert_int_equal(settings_dotenv(path, err, sizeof(err)), 1);
	assert_string_equal(getenv("TEST_DOTENV_A"), "one");
	assert_string_equal(getenv("TEST_DOTENV_B"), "two");

	unlink(path);
	dotenv_unset();
}

static void
test_dotenv_existing_variable_wins(void **state)
{
	char		path[256], err[512];

	(void)state;

	dotenv_unset();
	assert_int_equal(setenv("TEST_DOTENV_A", "from-environment", 1), 0);
	assert_int_equal(setenv("TEST_DOTENV_C", "", 1), 0);
	dotenv_file(path, sizeof(path),
	    "TEST_DOTENV_A=from-file\n"
	    "TEST_DOTENV_B=from-file\n"
	    "TEST_DOTENV_C=from-file\n");

	assert_int_equal(settings_dotenv(path, err, sizeof(err)), 1);
	assert_string_equal(getenv("TEST_DOTENV_A"), "from-environment");
	assert_string_equal(getenv("TEST_DOTENV_B"), "from-file");
	/* Set but empty is still set. */
	assert_string_equal(getenv("TEST_DOTENV_C"), "");

	unlink(path);
	dotenv_unset();
}

static void
test_dotenv_line_without_equals_is_error(void **state)
{
	char		path[256], err[512], where[300];

	(void)state;

	dotenv_unset();
	dotenv_file(path, sizeof(path),
	    "# settings\n"
	    "TEST_DOTENV_A=ok\n"
	    "\n"
	    "TEST_DOTENV_B\n"
	    "TEST_DOTENV_C=never\n");

	err[0] = '\0';
	assert_int_equal(settings_dotenv(path, err, sizeof(err)), 0);
	snprintf(where, sizeof(where), "%s:4:", path);
	if (strncmp(err, where, strlen(where)))
		fail_msg("error \"%s\" does not start with \"%s\"", err, where);
	/* Stops at the bad line. */
	assert_null(getenv("TEST_DOTENV_C"));

	unlink(path);
	dotenv_unset();
}

static void
test_dotenv_empty_name_is_error(void **state)
{
	char		path[256], err[512], where[300];

	(void)state;

	dotenv_unset();
	dotenv_file(path, sizeof(path), "TEST_DOTENV_A=ok\n=value\n");

	err[0] = '\0';
	assert_int_equal(settings_dotenv(path, err, sizeof(err)), 0);
	snprintf(where, sizeof(where), "%s:2:", path);
	if (strncmp(err, where, strlen(where)))
		fail_msg("error \"%s\" does not start with \"%s\"", err, where);

	unlink(path);
	dotenv_unset();
}

static void
test_dotenv_line_too_long_is_error(void **state)
{
	char		path[256], err[512], where[300];
	char		*text;

	(void)state;

	dotenv_unset();
	text = repeat('x', 5000);
	memcpy(text, "TEST_DOTENV_A=", 14);
	dotenv_file(path, sizeof(path), text);
	free(text);

	err[0] = '\0';
	assert_int_equal(settings_dotenv(path, err, sizeof(err)), 0);
	snprintf(where, sizeof(where), "%s:1:", path);
	if (strncmp(err, where, strlen(where)))
		fail_msg("error \"%s\" does not start with \"%s\"", err, where);
	assert_null(getenv("TEST_DOTENV_A"));

	unlink(path);
	dotenv_unset();
}

static void
test_dotenv_missing_file_is_fine(void **state)
{
	char		path[256], err[512];

	(void)state;

	/* A name that surely is not there: a temp file, removed. */
	dotenv_file(path, sizeof(path), "");
	assert_int_equal(unlink(path), 0);

	assert_int_equal(settings_dotenv(path, err, sizeof(err)), 1);
}

/*
 * A .env that exists but cannot be read is an error, and like every
 * other error it comes with a message (the caller prints err).
 */
static void
test_dotenv_unreadable_path_is_error_with_message(void **state)
{
	char		file[256], path[300], err[512];
	int		rc;

	(void)state;

	/* Under a regular file: fopen fails with ENOTDIR, not ENOENT. */
	dotenv_file(file, sizeof(file), "TEST_DOTENV_A=x\n");
	snprintf(path, sizeof(path), "%s/.env", file);

	memset(err, 0, sizeof(err));
	rc = settings_dotenv(path, err, sizeof(err));
	unlink(file);

	assert_int_equal(rc, 0);
	if (strstr(err, path) == NULL)
		fail_msg("error \"%s\" does not name \"%s\"", err, path);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_empty_values_mean_defaults),
		cmocka_unit_test(test_every_variable_is_read),
		cmocka_unit_test(test_jwks_file_alone_is_accepted),
		cmocka_unit_test(test_database_url_missing),
		cmocka_unit_test(test_database_url_bad_scheme),
		cmocka_unit_test(test_database_url_unparsable_hides_password),
		cmocka_unit_test(test_database_url_bad_port_hides_password),
		cmocka_unit_test(test_database_url_neon),
		cmocka_unit_test(test_jwks_url_https_unless_loopback),
		cmocka_unit_test(test_database_url_bad_values),
		cmocka_unit_test(test_jwt_leeway_must_be_number_in_range),
		cmocka_unit_test(test_rate_limits_must_not_be_negative),
		cmocka_unit_test(test_upload_max_bytes_at_least_one),
		cmocka_unit_test(test_prepared_statements_default_by_url),
		cmocka_unit_test(test_log_level_names),
		cmocka_unit_test(test_cors_origins_split_and_trimmed),
		cmocka_unit_test(test_cors_origin_with_path_is_error),
		cmocka_unit_test(test_cors_origin_needs_http_scheme_and_host),
		cmocka_unit_test(test_cors_at_most_16_origins),
		cmocka_unit_test(
		    test_auth_secret_too_short_is_error_without_value),
		cmocka_unit_test(
		    test_secrets_too_long_are_errors_without_value),
		cmocka_unit_test(test_string_longer_than_limit_is_error),
		cmocka_unit_test(test_jwks_url_and_file_both_set_is_error),
		cmocka_unit_test(test_jwks_url_must_be_http),
		cmocka_unit_test(test_dotenv_comments_export_and_quotes),
		cmocka_unit_test(test_dotenv_crlf_line_endings),
		cmocka_unit_test(test_dotenv_existing_variable_wins),
		cmocka_unit_test(test_dotenv_line_without_equals_is_error),
		cmocka_unit_test(test_dotenv_empty_name_is_error),
		cmocka_unit_test(test_dotenv_line_too_long_is_error),
		cmocka_unit_test(test_dotenv_missing_file_is_fine),
		cmocka_unit_test(
		    test_dotenv_unreadable_path_is_error_with_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
