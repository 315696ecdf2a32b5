/*
 * Application settings, read once from the environment (and .env in
 * development) before the workers start.
 */
#ifndef __H_SETTINGS_H
#define __H_SETTINGS_H

#include <stddef.h>

#include "core/netaddr.h"

#define SETTINGS_ORIGINS_MAX	16
#define SETTINGS_PROXIES_MAX	32

enum log_level {
	LOG_LEVEL_DEBUG = 0,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_ERROR
};

struct settings {
	/* libpq keyword/value strings built from the URLs (settings.c). */
	char		*database_conninfo;
	char		*database_direct_conninfo;
	const char	*database_direct_name;	/* the variable it came from */
	long		database_wait_seconds;
	int		database_prepared;	/* DATABASE_PREPARED_STATEMENTS */
	char		*jwks_url;
	char		*jwks_file;
	char		*auth_secret;
	char		*auth_issuer;
	char		*auth_audience;
	long		jwks_refresh;
	long		jwt_leeway;
	char		*cors_origins[SETTINGS_ORIGINS_MAX];
	size_t		cors_origins_count;
	long		rate_limit_rpm;
	long		rate_limit_anon_rpm;
	struct netaddr_cidr	trusted_proxies[SETTINGS_PROXIES_MAX];
	size_t		trusted_proxies_count;
	enum log_level	log_level;
	char		*metrics_token;
	long		upload_max_bytes;
	long		storage_quota_bytes;
	long		live_max_per_user;
	long		live_slot_lease;	/* seconds */
	char		*migrations_dir;
	char		*docs_dir;
	/* Events and webhooks (SPEC "Events, webhooks and reminders"). */
	long		events_retention_hours;
	long		webhook_max_attempts;
	long		webhook_concurrency;
	int		webhook_allow_private;
	char		*webhook_ca_file;
	/* Test-only knobs (README "Events and webhooks"). */
	long		events_prune_seconds;
	long		webhook_timeout_seconds;
	long		webhook_backoff_base_ms;
	char		*webhook_resolve;	/* host:port:addr,... */
};

/* Looks a variable up; returns NULL when it is not set. */
typedef const char	*(*settings_getenv)(const char *);

extern struct settings	settings;

int	settings_load(struct settings *, settings_getenv, char *, size_t);
void	settings_free(struct settings *);
int	settings_key_source_check(const struct settings *, char *, size_t);
int	settings_dotenv(const char *, char *, size_t);
int	settings_log_level_parse(const char *, enum log_level *);

#endif
