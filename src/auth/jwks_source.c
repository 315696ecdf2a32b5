/*
 * The parent loads the keys once before the workers fork, so every worker
 * starts with them. Each worker then refreshes on a timer with Kore's
 * asynchronous curl client, inside its event loop, never blocking it: a
 * JWKS server that is down or slow only delays requests that wait for a
 * key we do not have, never those that carry a known one.
 */

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/curl.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/jwks.h"
#include "auth/jwks_source.h"
#include "core/digest_cache.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/settings.h"

static void	jwks_install(const char *, size_t, const char *);
static int	jwks_read_file(const char *, char **, size_t *);
static void	jwks_fetch_start(void);
static void	jwks_fetch_done(struct kore_curl *, void *);
static void	jwks_refresh_timer(void *, u_int64_t);
static void	jwks_wake_waiters(void);

static struct jwks		*keys = NULL;
static u_int64_t		generation = 0;
static char			installed_digest[SHA256_HEX_SIZE];
static u_int64_t		last_refetch = 0;
static int			fetching = 0;
static struct kore_curl		fetch_client;
static struct {
	void				(*wake)(void *);
	void				*arg;
} waiters[JWKS_WAITERS_MAX];
static size_t			nwaiters = 0;

void
jwks_source_parent_init(void)
{
	struct kore_curl	client;
	const u_int8_t		*data;
	size_t			len;
	char			*buf;

	if (settings.jwks_file != NULL) {
		if (!jwks_read_file(settings.jwks_file, &buf, &len)) {
			app_log(LOG_LEVEL_ERROR, "BETTER_AUTH_JWKS_FILE: "
			    "cannot read %s: %s", settings.jwks_file,
			    strerror(errno));
			exit(1);
		}
		jwks_install(buf, len, "file");
		free(buf);
		if (keys == NULL) {
			app_log(LOG_LEVEL_ERROR, "BETTER_AUTH_JWKS_FILE: "
			    "not a usable JWKS");
			exit(1);
		}
		return;
	}

	if (settings.jwks_url == NULL)
		return;

	/* Blocking is fine here: no worker exists yet. */
	if (!kore_curl_init(&client, settings.jwks_url, KORE_CURL_SYNC)) {
		app_log(LOG_LEVEL_WARNING, "jwks: %s", client.errbuf);
		return;
	}
	kore_curl_http_setup(&client, HTTP_METHOD_GET, NULL, 0);
	kore_curl_run(&client);
	if (kore_curl_success(&client) && client.http.status == 200) {
		kore_curl_response_as_bytes(&client, &data, &len);
		jwks_install((const char *)data, len, "url");
	} else {
		/* Workers fetch again on the first token that needs a key. */
		app_log(LOG_LEVEL_WARNING, "jwks: first fetch failed (%s, "
		    "HTTP %ld); workers will retry",
		    kore_curl_strerror(&client), client.http.status);
	}
	kore_curl_cleanup(&client);
}

void
jwks_source_worker_init(void)
{
	if (settings.jwks_url == NULL && settings.jwks_file == NULL)
		return;

	kore_timer_add(jwks_refresh_timer,
	    (u_int64_t)settings.jwks_refresh * 1000, NULL, 0);
}

const struct jwks *
jwks_source_keys(void)
{
	return (keys);
}

/* Grows whenever the key set is replaced. */
u_int64_t
jwks_source_generation(void)
{
	return (generation);
}

/*
 * A token named a key we do not have. seen is the generation the caller
 * verified against: if a newer set arrived since, try again at once;
 * else fetch (rate limited) and call wake(arg) once it ends: a request
 * put to sleep, a live connection waiting to check a fresh token.
 */
enum jwks_refetch
jwks_source_refetch(u_int64_t seen, void (*wake)(void *), void *arg)
{
	u_int64_t	now;

	if (seen != generation)
		return (JWKS_REFETCH_AGAIN);

	now = kore_time_ms();
	if (!fetching) {
		if (last_refetch != 0 &&
		    now - last_refetch < JWKS_REFETCH_MIN_SECONDS * 1000)
			return (JWKS_REFETCH_NONE);
		last_refetch = now;
		jwks_fetch_start();
		/* A file is read at once; a URL is fetched asynchronously. */
		if (!fetching) {
			return (seen != generation ? JWKS_REFETCH_AGAIN :
			    JWKS_REFETCH_NONE);
		}
	}

	if (nwaiters == JWKS_WAITERS_MAX)
		return (JWKS_REFETCH_NONE);

	waiters[nwaiters].wake = wake;
	waiters[nwaiters].arg = arg;
	nwaiters++;
	return (JWKS_REFETCH_WAIT);
}

/* A waiter went away (client closed): never wake it. */
void
jwks_source_forget(void *arg)
{
	size_t		i;

	for (i = 0; i < nwaiters; i++) {
		if (waiters[i].arg == arg) {
			waiters[i] = waiters[--nwaiters];
			return;
		}
	}
}

static void
jwks_refresh_timer(void *arg, u_int64_t now)
{
	(void)arg;
	(void)now;

	if (!fetching)
		jwks_fetch_start();
}

static void
jwks_fetch_start(void)
{
	char		*buf;
	size_t		len;

	if (settings.jwks_file != NULL) {
		if (jwks_read_file(settings.jwks_file, &buf, &len)) {
			jwks_install(buf, len, "file");
			free(buf);
		}
		jwks_wake_waiters();
		return;
	}

	if (!kore_curl_init(&fetch_client, settings.jwks_url,
	    KORE_CURL_ASYNC)) {
		app_log(LOG_LEVEL_WARNING, "jwks: %s", fetch_client.errbuf);
		return;
	}

	fetching = 1;
	app_log(LOG_LEVEL_DEBUG, "jwks: fetching %s", settings.jwks_url);
	kore_curl_http_setup(&fetch_client, HTTP_METHOD_GET, NULL, 0);
	kore_curl_bind_callback(&fetch_client, jwks_fetch_done, NULL);
	kore_curl_run(&fetch_client);
}

static void
jwks_fetch_done(struct kore_curl *client, void *arg)
{
	const u_int8_t	*data;
	size_t		len;

	(void)arg;

	if (kore_curl_success(client) && client->http.status == 200) {
		kore_curl_response_as_bytes(client, &data, &len);
		jwks_install((const char *)data, len, "url");
	} else {
		app_log(LOG_LEVEL_WARNING, "jwks: fetch failed (%s, HTTP %ld); "
		    "keeping the keys we have", kore_curl_strerror(client),
		    client->http.status);
	}

	kore_curl_cleanup(client);
	fetching = 0;
	jwks_wake_waiters();
}

/*
 * Replaces the key set when the document parses, holds at least one
 * usable key and differs from the last one installed; else keeps the
 * old (an auth server answering "no keys" must not lock every user out).
 * A new set is a new generation: verified tokens are checked again.
 */
static void
jwks_install(const char *data, size_t len, const char *from)
{
	struct jwks	*set;
	char		err[256], digest[SHA256_HEX_SIZE];

	sha256_hex(data, len, digest);
	if (keys != NULL && !strcmp(digest, installed_digest))
		return;

	if ((set = jwks_parse(data, len, err, sizeof(err))) == NULL) {
		app_log(LOG_LEVEL_WARNING, "jwks (%s): %s; keeping the keys "
		    "we have", from, err);
		return;
	}
	if (jwks_count(set) == 0) {
		app_log(LOG_LEVEL_WARNING, "jwks (%s): no usable key (%zu "
		    "skipped); keeping the keys we have", from,
		    jwks_skipped(set));
		jwks_free(set);
		return;
	}

	jwks_free(keys);
	keys = set;
	memcpy(installed_digest, digest, sizeof(installed_digest));
	generation++;
	app_log(LOG_LEVEL_DEBUG, "jwks (%s): %zu keys", from, jwks_count(set));
}

static void
jwks_wake_waiters(void)
{
	while (nwaiters > 0) {
		nwaiters--;
		waiters[nwaiters].wake(waiters[nwaiters].arg);
	}
}

static int
jwks_read_file(const char *path, char **out, size_t *len)
{
	FILE		*fp;
	char		*buf;
	size_t		n;

	if ((fp = fopen(path, "r")) == NULL)
		return (0);

	if ((buf = malloc(JWKS_JSON_MAX + 1)) == NULL) {
		fclose(fp);
		return (0);
	}

	n = fread(buf, 1, JWKS_JSON_MAX + 1, fp);
	fclose(fp);
	if (n > JWKS_JSON_MAX) {
		free(buf);
		errno = EFBIG;
		return (0);
	}

	*out = buf;
	*len = n;
	return (1);
}
