/*
 * A claim leases each delivery (lease_until, lease_token) for the
 * transfer's timeout and some slack: a worker or instance that dies
 * mid-delivery leaves the lease to run out, and the next claim after it
 * sends the same event again (at least once; X-Event-Id is the same).
 * The outcome is written under the lease's token, so the late answer of
 * a lease that ran out changes nothing.
 *
 * SSRF: the URL was checked when set (core/webhook_url.c); here every
 * socket libcurl opens is checked against the address it is about to
 * connect to (CURLOPT_OPENSOCKETFUNCTION), whatever DNS answered, and
 * only https is spoken, without redirects or proxies.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/curl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "core/backoff.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/netaddr.h"
#include "core/settings.h"
#include "core/shared.h"
#include "jobs/job_stmt.h"
#include "jobs/jobs_sql.h"
#include "jobs/webhooks.h"

/* The most of an answer read (SPEC): the status is what counts. */
#define WEBHOOK_RECV_MAX	(64 * 1024)
/* A lease outlives the transfer by this much. */
#define WEBHOOK_LEASE_SLACK	5
#define WEBHOOK_BODY_MAX	(1024 * 1024)
/*
 * A claim that finds nothing doubles the wait before the next, from
 * 200 ms to 1 s: an idle server costs each worker a statement a second,
 * not five, and the first delivery after a quiet spell waits at most 1 s.
 * A failed attempt's retry time and a finished delivery wake it sooner.
 */
#define WEBHOOK_IDLE_MIN_MS	200
#define WEBHOOK_IDLE_MAX_MS	1000
#define WEBHOOK_RETRY_SLACK_MS	20

struct delivery {
	int			used;
	int			sending;
	struct kore_curl	client;
	struct job_stmt		stmt;
	const char		*params[6];
	char			id[40];
	char			token[40];
	char			event_id[24];
	char			attempt_ts[24];
	char			status_text[16];
	char			code[24];
	char			delay[24];
	char			error[256];
	char			blocked[96];
	char			*body;
	size_t			body_len;
	size_t			received;
	int			attempts;
	int			truncated;
	u_int64_t		started;
};

static void	webhooks_claim_done(struct job_stmt *, int, PGresult *);
static void	delivery_start(struct delivery *, PGresult *, int);
static void	delivery_sent(struct kore_curl *, void *);
static void	delivery_finish(struct delivery *, const char *, long,
		    const char *, long);
static void	delivery_written(struct job_stmt *, int, PGresult *);
static void	delivery_free(struct delivery *);
static size_t	delivery_recv(char *, size_t, size_t, void *);
static curl_socket_t	delivery_socket(void *, curlsocktype,
			    struct curl_sockaddr *);

static struct delivery		*slots = NULL;
static size_t			nslots = 0;
static size_t			inflight = 0;
static struct job_stmt		claim;
static const char		*claim_params[2];
static char			claim_limit[24], claim_lease[24];
static struct curl_slist	*resolve = NULL;
static u_int64_t		idle_ms = 0;
static u_int64_t		poll_at = 0;
static u_int64_t		retry_at = 0;

void
webhooks_worker_init(void)
{
	size_t		wc, idx;
	const char	*p, *e;
	char		entry[512];

	/* The instance's limit shared out: worker i gets its part. */
	wc = worker_count > 0 ? worker_count : 1;
	idx = worker != NULL && worker->id >= KORE_WORKER_BASE ?
	    (size_t)(worker->id - KORE_WORKER_BASE) % wc : 0;
	nslots = (size_t)settings.webhook_concurrency / wc +
	    (idx < (size_t)settings.webhook_concurrency % wc ? 1 : 0);
	if (nslots == 0)
		return;
	slots = kore_calloc(nslots, sizeof(*slots));

	/* WEBHOOK_RESOLVE (tests): curl's --resolve entries. */
	if (settings.webhook_resolve != NULL) {
		for (p = settings.webhook_resolve; *p != '\0';
		    p = *e == ',' ? e + 1 : e) {
			e = p + strcspn(p, ",");
			if ((size_t)(e - p) >= sizeof(entry) || e == p)
				continue;
			memcpy(entry, p, (size_t)(e - p));
			entry[e - p] = '\0';
			resolve = curl_slist_append(resolve, entry);
		}
	}
}

/* The jobs' timer: a claim when the idle wait or a retry time is up. */
void
webhooks_tick(u_int64_t now)
{
	if (now >= poll_at || (retry_at != 0 && now >= retry_at))
		webhooks_poll();
}

/* Claims what the free slots can take, now. */
void
webhooks_poll(void)
{
	if (nslots == 0 || claim.running || inflight >= nslots)
		return;
	retry_at = 0;

	(void)snprintf(claim_limit, sizeof(claim_limit), "%zu",
	    nslots - inflight);
	(void)snprintf(claim_lease, sizeof(claim_lease), "%ld",
	    settings.webhook_timeout_seconds + WEBHOOK_LEASE_SLACK);
	claim_params[0] = claim_limit;
	claim_params[1] = claim_lease;
	job_stmt_start(&claim, SQL_DELIVERY_CLAIM, 2, claim_params,
	    webhooks_claim_done, NULL);
}

static void
webhooks_claim_done(struct job_stmt *j, int status, PGresult *res)
{
	size_t		i;
	int		row, n;

	if (status != DB_OK) {
		app_log(LOG_LEVEL_WARNING, "webhooks: claim failed: %s",
		    j->cause);
		poll_at = kore_time_ms() + WEBHOOK_IDLE_MAX_MS;
		return;
	}

	n = PQntuples(res);
	if (n == 0) {
		idle_ms = idle_ms == 0 ? WEBHOOK_IDLE_MIN_MS :
		    MIN(idle_ms * 2, WEBHOOK_IDLE_MAX_MS);
		poll_at = kore_time_ms() + idle_ms;
	} else {
		idle_ms = 0;
		poll_at = 0;
	}
	for (row = 0; row < n; row++) {
		for (i = 0; i < nslots && slots[i].used; i++)
			;
		if (i == nslots) {
			/* Cannot happen (LIMIT): the lease runs out. */
			app_log(LOG_LEVEL_ERROR, "webhooks: no free slot");
			break;
		}
		delivery_start(&slots[i], res, row);
	}

	/* A full batch: there may be more waiting. */
	if (n > 0 && inflight < nslots)
		webhooks_poll();
}

static void
delivery_start(struct delivery *d, PGresult *res, int row)
{
	const char	*url, *secret, *body;
	char		sig[SHA256_HEX_SIZE], b64[HMAC_SHA256_B64_SIZE];
	char		hdr[128 + SHA256_HEX_SIZE], *signed_content;
	size_t		len, slen, secret_len;
	time_t		now;

	memset(d, 0, sizeof(*d));
	d->used = 1;
	inflight++;
	d->started = kore_time_ms();
	(void)kore_strlcpy(d->id, PQgetvalue(res, row, PQfnumber(res, "id")),
	    sizeof(d->id));
	(void)kore_strlcpy(d->token, PQgetvalue(res, row,
	    PQfnumber(res, "token")), sizeof(d->token));
	(void)kore_strlcpy(d->event_id, PQgetvalue(res, row,
	    PQfnumber(res, "event_id")), sizeof(d->event_id));
	d->attempts = atoi(PQgetvalue(res, row, PQfnumber(res, "attempts")));

	body = PQgetvalue(res, row, PQfnumber(res, "body"));
	len = (size_t)PQgetlength(res, row, PQfnumber(res, "body"));
	if (PQgetisnull(res, row, PQfnumber(res, "url"))) {
		delivery_finish(d, "dead", 0, "the user has no webhook_url", 0);
		return;
	}
	if (len > WEBHOOK_BODY_MAX) {
		delivery_finish(d, "dead", 0, "event too large", 0);
		return;
	}
	url = PQgetvalue(res, row, PQfnumber(res, "url"));
	secret = PQgetisnull(res, row, PQfnumber(res, "secret")) ? NULL :
	    PQgetvalue(res, row, PQfnumber(res, "secret"));
	secret_len = secret != NULL ? strlen(secret) : 0;

	d->body = kore_malloc(len + 1);
	memcpy(d->body, body, len);
	d->body[len] = '\0';
	d->body_len = len;

	if (!kore_curl_init(&d->client, url, KORE_CURL_ASYNC)) {
		delivery_finish(d, "failed", 0, "cannot set up the request", 0);
		return;
	}
	d->sending = 1;
	kore_curl_http_setup(&d->client, HTTP_METHOD_POST, d->body,
	    d->body_len);

	now = time(NULL);
	(void)snprintf(d->attempt_ts, sizeof(d->attempt_ts), "%lld",
	    (long long)now);
	kore_curl_http_set_header(&d->client, "content-type",
	    "application/json");
	kore_curl_http_set_header(&d->client, "user-agent",
	    "tasks-api-webhooks/1");
	kore_curl_http_set_header(&d->client, "x-event-id", d->event_id);
	kore_curl_http_set_header(&d->client, "webhook-id", d->event_id);
	kore_curl_http_set_header(&d->client, "webhook-timestamp",
	    d->attempt_ts);
	if (secret != NULL) {
		/* X-Signature: the raw body. */
		if (hmac_sha256_hex(secret, secret_len, d->body, d->body_len,
		    sig)) {
			(void)snprintf(hdr, sizeof(hdr), "sha256=%s", sig);
			kore_curl_http_set_header(&d->client, "x-signature",
			    hdr);
		}
		/* Standard Webhooks: "id.timestamp.body". */
		slen = strlen(d->event_id) + strlen(d->attempt_ts) + 2 +
		    d->body_len;
		signed_content = kore_malloc(slen + 1);
		(void)snprintf(signed_content, slen + 1, "%s.%s.%s",
		    d->event_id, d->attempt_ts, d->body);
		if (hmac_sha256_b64(secret, secret_len, signed_content, slen,
		    b64)) {
			(void)snprintf(hdr, sizeof(hdr), "v1,%s", b64);
			kore_curl_http_set_header(&d->client,
			    "webhook-signature", hdr);
		}
		kore_free(signed_content);
	}

	curl_easy_setopt(d->client.handle, CURLOPT_TIMEOUT,
	    settings.webhook_timeout_seconds);
	curl_easy_setopt(d->client.handle, CURLOPT_CONNECTTIMEOUT,
	    settings.webhook_timeout_seconds);
	curl_easy_setopt(d->client.handle, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(d->client.handle, CURLOPT_PROXY, "");
	curl_easy_setopt(d->client.handle, CURLOPT_PROTOCOLS_STR,
	    settings.webhook_allow_private ? "http,https" : "https");
	curl_easy_setopt(d->client.handle, CURLOPT_WRITEFUNCTION,
	    delivery_recv);
	curl_easy_setopt(d->client.handle, CURLOPT_WRITEDATA, d);
	curl_easy_setopt(d->client.handle, CURLOPT_OPENSOCKETFUNCTION,
	    delivery_socket);
	curl_easy_setopt(d->client.handle, CURLOPT_OPENSOCKETDATA, d);
	if (settings.webhook_ca_file != NULL)
		curl_easy_setopt(d->client.handle, CURLOPT_CAINFO,
		    settings.webhook_ca_file);
	if (resolve != NULL)
		curl_easy_setopt(d->client.handle, CURLOPT_RESOLVE, resolve);

	kore_curl_bind_callback(&d->client, delivery_sent, d);
	kore_curl_run(&d->client);
}

/* At most WEBHOOK_RECV_MAX bytes of the answer, then the transfer ends. */
static size_t
delivery_recv(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct delivery	*d = arg;
	size_t		len;

	(void)ptr;
	len = size * nmemb;
	if (d->received + len > WEBHOOK_RECV_MAX) {
		d->truncated = 1;
		return (0);
	}
	d->received += len;
	return (len);
}

/* Every address libcurl connects to, whatever DNS said. */
static curl_socket_t
delivery_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *sa)
{
	struct delivery			*d = arg;
	const struct sockaddr_in	*in4;
	const struct sockaddr_in6	*in6;
	struct netaddr			a;
	const char			*why;
	char				text[NETADDR_TEXT];

	if (purpose != CURLSOCKTYPE_IPCXN)
		return (CURL_SOCKET_BAD);

	if (!settings.webhook_allow_private) {
		memset(&a, 0, sizeof(a));
		if (sa->family == AF_INET &&
		    sa->addrlen >= sizeof(struct sockaddr_in)) {
			in4 = (const struct sockaddr_in *)(const void *)&sa->addr;
			memcpy(a.a, &in4->sin_addr, 4);
		} else if (sa->family == AF_INET6 &&
		    sa->addrlen >= sizeof(struct sockaddr_in6)) {
			in6 = (const struct sockaddr_in6 *)(const void *)&sa->addr;
			netaddr_from_v6(in6->sin6_addr.s6_addr, &a);
		} else {
			(void)kore_strlcpy(d->blocked, "address family not "
			    "allowed", sizeof(d->blocked));
			return (CURL_SOCKET_BAD);
		}
		if ((why = netaddr_nonpublic(&a)) != NULL) {
			netaddr_format(&a, text, sizeof(text));
			(void)snprintf(d->blocked, sizeof(d->blocked),
			    "address not allowed: %s (%s)", text, why);
			return (CURL_SOCKET_BAD);
		}
	}

	return (socket(sa->family, sa->socktype, sa->protocol));
}

static void
delivery_sent(struct kore_curl *client, void *arg)
{
	struct delivery	*d = arg;
	const char	*retry_after;
	long		code, delay;
	int		ok;
	char		err[256];
	uint32_t	rnd;
	u_int64_t	due;

	code = client->http.status;
	ok = code >= 200 && code <= 299 &&
	    (kore_curl_success(client) || (d->truncated &&
	    client->result == CURLE_WRITE_ERROR));

	if (ok) {
		delivery_finish(d, "delivered", code, NULL, 0);
		return;
	}

	if (d->blocked[0] != '\0')
		(void)kore_strlcpy(err, d->blocked, sizeof(err));
	else if (!kore_curl_success(client) && !(d->truncated &&
	    client->result == CURLE_WRITE_ERROR))
		(void)kore_strlcpy(err, curl_easy_strerror(client->result),
		    sizeof(err));
	else
		(void)snprintf(err, sizeof(err), "HTTP %ld", code);

	retry_after = NULL;
	if (code > 0 && kore_curl_http_get_header(client, "retry-after",
	    &retry_after) != KORE_RESULT_OK)
		retry_after = NULL;

	if (RAND_bytes((unsigned char *)&rnd, sizeof(rnd)) != 1)
		rnd = (uint32_t)random();
	delay = retry_delay_ms(d->attempts, settings.webhook_backoff_base_ms,
	    rnd, retry_after, time(NULL));

	if (d->attempts >= settings.webhook_max_attempts)
		delivery_finish(d, "dead", code, err, 0);
	else {
		/*
		 * Claim when its retry is due, not an idle wait later (the
		 * slack: the database's now() is read after ours).
		 */
		due = kore_time_ms() + (u_int64_t)delay + WEBHOOK_RETRY_SLACK_MS;
		if (retry_at == 0 || due < retry_at)
			retry_at = due;
		delivery_finish(d, "failed", code, err, delay);
	}
}

/* Writes the outcome under the lease; the slot is free once written. */
static void
delivery_finish(struct delivery *d, const char *status, long code,
    const char *error, long delay_ms)
{
	u_int64_t	ms;

	(void)kore_strlcpy(d->status_text, status, sizeof(d->status_text));
	(void)snprintf(d->code, sizeof(d->code), "%ld", code);
	(void)snprintf(d->delay, sizeof(d->delay), "%ld", delay_ms);
	if (error != NULL)
		(void)kore_strlcpy(d->error, error, sizeof(d->error));

	ms = kore_time_ms() - d->started;
	if (shared != NULL)
		metrics_delivery(&shared->metrics, status, ms * 1000);
	if (strcmp(status, "delivered"))
		app_log(LOG_LEVEL_INFO, "webhooks: delivery %s event %s "
		    "attempt %d %s: %s", d->id, d->event_id, d->attempts,
		    status, d->error);

	d->params[0] = d->id;
	d->params[1] = d->token;
	d->params[2] = d->status_text;
	d->params[3] = code > 0 ? d->code : NULL;
	d->params[4] = error != NULL ? d->error : NULL;
	d->params[5] = d->delay;
	job_stmt_start(&d->stmt, SQL_DELIVERY_DONE, 6, d->params,
	    delivery_written, d);
}

static void
delivery_written(struct job_stmt *j, int status, PGresult *res)
{
	struct delivery	*d = j->arg;

	(void)res;
	if (status != DB_OK) {
		/* The lease runs out and the event is sent again. */
		app_log(LOG_LEVEL_WARNING, "webhooks: outcome of delivery %s "
		    "not written: %s", d->id, j->cause);
	}
	delivery_free(d);
	webhooks_poll();
}

static void
delivery_free(struct delivery *d)
{
	if (d->sending)
		kore_curl_cleanup(&d->client);
	kore_free(d->body);
	d->body = NULL;
	d->used = 0;
	d->sending = 0;
	inflight--;
}

