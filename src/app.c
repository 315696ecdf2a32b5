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

#include "auth.h"
#include "db.h"
#include "docs.h"
#include "health.h"
#include "http_errors.h"
#include "jwks_source.h"
#include "migrate.h"
#include "request.h"
#include "settings.h"
#include "shared.h"
#include "startup.h"

/* How long a starting instance waits for its database. */
#define APP_DB_WAIT_SECONDS	30

void	kore_parent_configure(int, char **);
void	kore_worker_configure(void);

static void	app_fatal(const char *) __attribute__((noreturn));
static void	app_pin_module(void);
static const char	*app_getenv(const char *);

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
	int			applied, tries;

	(void)argc;
	(void)argv;

	/* Line-buffered, so forked workers do not repeat buffered lines. */
	fflush(stdout);
	setvbuf(stdout, NULL, _IOLBF, 0);

	app_pin_module();

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
	if (!startup_routes_check(settings.docs_dir, err, sizeof(err)))
		app_fatal(err);

	set = calloc(1, sizeof(*set));
	if (set == NULL)
		app_fatal("out of memory");
	if (!migrate_load(settings.migrations_dir, set, err, sizeof(err)))
		app_fatal(err);

	for (tries = 0;; tries++) {
		if (migrate_apply(settings.database_url, set, &applied,
		    err, sizeof(err)))
			break;
		/* Only a database that is not up yet is worth waiting for. */
		if (strncmp(err, "DATABASE_URL: cannot connect", 28) ||
		    strstr(err, "invalid") != NULL ||
		    strstr(err, "authentication failed") != NULL ||
		    strstr(err, "does not exist") != NULL ||
		    tries >= APP_DB_WAIT_SECONDS)
			app_fatal(err);
		sleep(1);
	}

	if (set->count > 0)
		health_schema_version = set->items[set->count - 1].version;
	app_log(LOG_LEVEL_INFO, "migrations: %d applied, schema version %d",
	    applied, health_schema_version);
	migrate_set_free(set);
	free(set);

	if (!kore_pgsql_register(DB_NAME, settings.database_url))
		app_fatal("DATABASE_URL: cannot register the database");

	jwks_source_parent_init();
	shared_init();
}

void
kore_worker_configure(void)
{
	http_errors_worker_init();
	auth_worker_init();
	jwks_source_worker_init();
}

/*
 * SIGHUP makes Kore dlclose() and dlopen() the module. Unloaded, our
 * settings, pointers handed to Kore and in-flight callbacks would vanish;
 * pinned, the reload finds the same module and workers keep serving.
 * New code therefore needs a restart, not a SIGHUP.
 */
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
