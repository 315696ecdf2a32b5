/*
 * Module start-up. The parent reads and checks the settings, applies the
 * migrations and registers the database before any worker forks, so every
 * worker starts with a checked configuration and a current schema.
 */

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>
#include <kore/seccomp.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/attachments.h"
#include "api/ops.h"
#include "app/startup.h"
#include "auth/jwks_source.h"
#include "core/log.h"
#include "core/migrate.h"
#include "core/settings.h"
#include "core/shared.h"
#include "db/db_call.h"
#include "http/http_auth.h"
#include "http/http_response.h"
#include "jobs/jobs.h"
#include "live/live.h"

/* Backoff between tries while a starting instance waits for its database. */
#define APP_DB_BACKOFF_FIRST_MS	250
#define APP_DB_BACKOFF_MAX_MS	5000

void	kore_parent_configure(int, char **);
void	kore_worker_configure(void);

static void	app_fatal(const char *) __attribute__((noreturn));
#if !defined(KORE_SINGLE_BINARY)
static void	app_pin_module(void);
#endif
static const char	*app_getenv(const char *);
static void	app_database_wait(const char *, const char *,
		    const struct migration_set *, int *);

void	kore_seccomp_hook(void);

/* glibc 2.36 stats with newfstatat (Kore reload, libc internals). */
KORE_SECCOMP_FILTER("app",
	KORE_SYSCALL_ALLOW(newfstatat),
	KORE_SYSCALL_ALLOW(getpeername),
);

void
kore_parent_configure(int argc, char **argv)
{
	struct migration_set	*set;
	const char		*envfile;
	char			err[512];
	int			applied;

	(void)argc;
	(void)argv;

	/* Line-buffered, so forked workers do not repeat buffered lines. */
	fflush(stdout);
	setvbuf(stdout, NULL, _IOLBF, 0);

#if defined(KORE_SINGLE_BINARY)
	/* kodev's single binary (build.conf): main() leaves us the options. */
	kore_default_getopt(argc, argv);
#else
	app_pin_module();
#endif

	if ((envfile = getenv("ENV_FILE")) == NULL)
		envfile = ".env";
	if (!settings_dotenv(envfile, err, sizeof(err)))
		app_fatal(err);
	if (!settings_load(&settings, app_getenv, err, sizeof(err)))
		app_fatal(err);
	if (!settings_key_source_check(&settings, err, sizeof(err)))
		app_fatal(err);

	if (!docs_load(settings.docs_dir, err, sizeof(err)))
		app_fatal(err);
#if !defined(KORE_SINGLE_BINARY)
	/*
	 * kodev's single binary calls us before Kore reads its config, so
	 * no route is loaded yet; its config is baked in by kodev build from
	 * the file `make dev` writes together with the document.
	 */
	if (!startup_routes_check(settings.docs_dir, err, sizeof(err)))
		app_fatal(err);
#endif

	set = calloc(1, sizeof(*set));
	if (set == NULL)
		app_fatal("out of memory");
	if (!migrate_load(settings.migrations_dir, set, err, sizeof(err)))
		app_fatal(err);

	/* Migrations over the direct URL; then the pooled one must answer. */
	applied = 0;
	app_database_wait(settings.database_direct_name,
	    settings.database_direct_conninfo, set, &applied);
	if (strcmp(settings.database_direct_conninfo,
	    settings.database_conninfo))
		app_database_wait("DATABASE_URL", settings.database_conninfo,
		    NULL, NULL);

	if (set->count > 0)
		health_schema_version = set->items[set->count - 1].version;
	app_log(LOG_LEVEL_INFO, "migrations: %d applied, schema version %d",
	    applied, health_schema_version);
	migrate_set_free(set);
	free(set);

	if (!kore_pgsql_register(DB_NAME, settings.database_conninfo))
		app_fatal("DATABASE_URL: cannot register the database");

	if (settings.jwks_url != NULL || settings.jwks_file != NULL ||
	    settings.auth_secret != NULL) {
		if (settings.auth_issuer == NULL)
			app_log(LOG_LEVEL_WARNING, "BETTER_AUTH_ISSUER is not "
			    "set: tokens from any issuer these keys sign for "
			    "are accepted");
		if (settings.auth_audience == NULL)
			app_log(LOG_LEVEL_WARNING, "BETTER_AUTH_AUDIENCE is "
			    "not set: tokens for any app of this Better Auth "
			    "instance are accepted");
	}
	if (settings.webhook_allow_private)
		app_log(LOG_LEVEL_WARNING, "WEBHOOK_ALLOW_PRIVATE_NETWORKS is "
		    "on: webhooks may reach loopback, private and link-local "
		    "addresses and plain http:// (development and tests only)");
	jwks_source_parent_init();
	if (!shared_init())
		app_fatal("cannot map the memory the workers share");
}

void
kore_worker_configure(void)
{
	http_response_worker_init();
	auth_worker_init();
	jwks_source_worker_init();
	attachments_worker_init();
	jobs_worker_init();
	live_worker_init();
}

/*
 * SIGHUP makes Kore dlclose() and dlopen() the module. Unloaded, our
 * settings, pointers handed to Kore and in-flight callbacks would vanish;
 * pinned, the reload finds the same module and workers keep serving.
 * New code therefore needs a restart, not a SIGHUP.
 */
#if !defined(KORE_SINGLE_BINARY)
static void
app_pin_module(void)
{
	Dl_info		info;

	if (dladdr((void *)app_pin_module, &info) == 0 ||
	    info.dli_fname == NULL)
		app_fatal("cannot find the module's own path");

	if (dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE) ==
	    NULL)
		app_fatal("cannot pin the module in memory");
}
#endif

/*
 * Applies the migrations (set) or only connects (set NULL), waiting with
 * backoff while the database is not answering yet: a cold start (Neon
 * wakes its compute on the first connection), a restart, a database
 * started after us. One log line per try; anything a wait cannot fix, or
 * no answer within DATABASE_WAIT_SECONDS, stops the start naming var.
 */
static void
app_database_wait(const char *var, const char *conninfo,
    const struct migration_set *set, int *applied)
{
	enum migrate_status	status;
	u_int64_t		start, waited;
	int			tries, delay, n;
	char			err[512], msg[640];

	start = kore_time_ms();
	delay = APP_DB_BACKOFF_FIRST_MS;
	for (tries = 1;; tries++) {
		if (set != NULL) {
			/* A connection lost midway: the next try goes on. */
			status = migrate_apply(conninfo, set, &n,
			    err, sizeof(err));
			*applied += n;
		} else
			status = migrate_probe(conninfo, err, sizeof(err));
		if (status == MIGRATE_OK)
			return;

		waited = kore_time_ms() - start;
		if (status == MIGRATE_FAILED)
			app_fatal(err);
		if (status == MIGRATE_REFUSED ||
		    waited + delay > (u_int64_t)settings.database_wait_seconds *
		    1000) {
			if (status == MIGRATE_REFUSED)
				(void)snprintf(msg, sizeof(msg), "%s: %s",
				    var, err);
			else
				(void)snprintf(msg, sizeof(msg), "%s: %s "
				    "(no answer after %d tries in %llu s)",
				    var, err, tries,
				    (unsigned long long)(waited / 1000));
			app_fatal(msg);
		}

		app_log(LOG_LEVEL_WARNING, "%s: database not answering "
		    "(try %d, next in %d ms): %s", var, tries, delay, err);
		usleep(delay * 1000);
		if ((delay *= 2) > APP_DB_BACKOFF_MAX_MS)
			delay = APP_DB_BACKOFF_MAX_MS;
	}
}

static const char *
app_getenv(const char *name)
{
	return (getenv(name));
}

/* One line naming what is wrong, then stop the start. */
static void
app_fatal(const char *msg)
{
	fprintf(stderr, "config error: %s\n", msg);
	exit(1);
}
