/*
 * Every counter is updated with an atomic add, so workers never lock.
 * Rendering reads them relaxed: a scrape sees each counter at some moment.
 */

#include <string.h>

#include "core/metrics.h"
#include "core/strbuf.h"

static const int	statuses[MET_STATUSES - 1] = {
	200, 201, 204, 206, 304, 400, 401, 403, 404, 405, 409, 412, 413,
	415, 416, 422, 428, 429, 500, 503, 504
};

/* Upper bounds of the latency histogram, in seconds (then +Inf). */
static const char	*bucket_le[MET_BUCKETS] = {
	"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
	"0.5", "1", "2.5", "+Inf"
};
static const uint64_t	bucket_us[MET_BUCKETS - 1] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000
};

/* Delivery attempts, seconds: the transfer's timeout is 10 s. */
static const char	*dbucket_le[MET_DBUCKETS] = {
	"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "5", "+Inf"
};
static const uint64_t	dbucket_us[MET_DBUCKETS - 1] = {
	5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 5000000
};
static const char	*outcomes[MET_OUTCOMES] = {
	"delivered", "failed", "dead"
};

const char	*metrics_methods[MET_METHODS] = {
	"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "OTHER"
};

static void	label_value(struct strbuf *, const char *);
static uint64_t	load(const uint64_t *);

/* The index of a status among the labelled ones; the last is "other". */
int
metrics_status_index(int status)
{
	int	i;

	for (i = 0; i < MET_STATUSES - 1; i++) {
		if (statuses[i] == status)
			return (i);
	}
	return (MET_STATUSES - 1);
}

void
metrics_add(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

void
metrics_request(struct metrics *m, size_t route, size_t method, int status,
    uint64_t us)
{
	size_t		b;

	if (route >= MET_ROUTES || method >= MET_METHODS)
		return;

	metrics_add(&m->requests[route][method][metrics_status_index(status)],
	    1);
	for (b = 0; b < MET_BUCKETS - 1 && us > bucket_us[b]; b++)
		;
	metrics_add(&m->latency[route][b], 1);
	metrics_add(&m->latency_sum_us[route], us);
	metrics_add(&m->latency_count[route], 1);
}

int
metrics_outcome_index(const char *outcome)
{
	int	i;

	for (i = 0; i < MET_OUTCOMES; i++) {
		if (!strcmp(outcomes[i], outcome))
			return (i);
	}
	return (-1);
}

/* One delivery attempt's outcome and how long it took. */
void
metrics_delivery(struct metrics *m, const char *outcome, uint64_t us)
{
	size_t		b;
	int		i;

	if ((i = metrics_outcome_index(outcome)) < 0)
		return;
	metrics_add(&m->deliveries[i], 1);
	for (b = 0; b < MET_DBUCKETS - 1 && us > dbucket_us[b]; b++)
		;
	metrics_add(&m->delivery_latency[b], 1);
	metrics_add(&m->delivery_latency_sum_us, us);
	metrics_add(&m->delivery_latency_count, 1);
}

void
metrics_queue(struct metrics *m, int64_t pending, int64_t failed,
    int64_t oldest_ms)
{
	__atomic_store_n(&m->queue_pending, pending, __ATOMIC_RELAXED);
	__atomic_store_n(&m->queue_failed, failed, __ATOMIC_RELAXED);
	__atomic_store_n(&m->queue_oldest_ms, oldest_ms, __ATOMIC_RELAXED);
}

void
metrics_render(const struct metrics *m, const struct metrics_names *n,
    struct strbuf *b)
{
	size_t		r, k, s;
	uint64_t	v, cum;
	int64_t		in_use, queued;

	strbuf_str(b, "# HELP http_requests_total HTTP requests by route "
	    "template, method and status.\n"
	    "# TYPE http_requests_total counter\n");
	for (r = 0; r < n->nroutes; r++) {
		for (k = 0; k < MET_METHODS; k++) {
			for (s = 0; s < MET_STATUSES; s++) {
				v = load(&m->requests[r][k][s]);
				if (v == 0)
					continue;
				strbuf_str(b, "http_requests_total{route=");
				label_value(b, n->routes[r]);
				strbuf_printf(b, ",method=\"%s\",status=",
				    metrics_methods[k]);
				if (s < MET_STATUSES - 1)
					strbuf_printf(b, "\"%d\"", statuses[s]);
				else
					strbuf_str(b, "\"other\"");
				strbuf_printf(b, "} %llu\n",
				    (unsigned long long)v);
			}
		}
	}

	strbuf_str(b, "# HELP http_request_duration_seconds Time from the "
	    "first handler call to the answer.\n"
	    "# TYPE http_request_duration_seconds histogram\n");
	for (r = 0; r < n->nroutes; r++) {
		if (load(&m->latency_count[r]) == 0)
			continue;
		for (cum = 0, k = 0; k < MET_BUCKETS; k++) {
			cum += load(&m->latency[r][k]);
			strbuf_str(b, "http_request_duration_seconds_bucket"
			    "{route=");
			label_value(b, n->routes[r]);
			strbuf_printf(b, ",le=\"%s\"} %llu\n", bucket_le[k],
			    (unsigned long long)cum);
		}
		strbuf_str(b, "http_request_duration_seconds_sum{route=");
		label_value(b, n->routes[r]);
		strbuf_printf(b, "} %.6f\n",
		    (double)load(&m->latency_sum_us[r]) / 1e6);
		strbuf_str(b, "http_request_duration_seconds_count{route=");
		label_value(b, n->routes[r]);
		strbuf_printf(b, "} %llu\n",
		    (unsigned long long)load(&m->latency_count[r]));
	}

	strbuf_str(b, "# HELP auth_failures_total Refused tokens by reason.\n"
	    "# TYPE auth_failures_total counter\n");
	for (r = 0; r < n->nreasons && r < MET_REASONS; r++) {
		if (n->reasons[r] == NULL)
			continue;
		strbuf_str(b, "auth_failures_total{reason=");
		label_value(b, n->reasons[r]);
		strbuf_printf(b, "} %llu\n",
		    (unsigned long long)load(&m->auth_failures[r]));
	}

	strbuf_printf(b, "# HELP rate_limited_total Requests answered 429.\n"
	    "# TYPE rate_limited_total counter\n"
	    "rate_limited_total %llu\n",
	    (unsigned long long)load(&m->rate_limited));

	strbuf_printf(b, "# HELP db_statements_total Statements sent to the "
	    "database: prepared once per connection, or parsed and planned "
	    "each time (unnamed).\n"
	    "# TYPE db_statements_total counter\n"
	    "db_statements_total{mode=\"prepared\"} %llu\n"
	    "db_statements_total{mode=\"unnamed\"} %llu\n",
	    (unsigned long long)load(&m->db_statements[1]),
	    (unsigned long long)load(&m->db_statements[0]));
	strbuf_printf(b, "# HELP tasks_list_counts_total Filtered task lists' "
	    "totals: counted up to the cap, or remembered from a count at "
	    "the same write version of the user.\n"
	    "# TYPE tasks_list_counts_total counter\n"
	    "tasks_list_counts_total{source=\"counted\"} %llu\n"
	    "tasks_list_counts_total{source=\"remembered\"} %llu\n",
	    (unsigned long long)load(&m->list_counts[0]),
	    (unsigned long long)load(&m->list_counts[1]));
	strbuf_printf(b, "# HELP attachment_uploads_total Attachments "
	    "stored.\n# TYPE attachment_uploads_total counter\n"
	    "attachment_uploads_total %llu\n"
	    "# HELP attachment_bytes_stored_total Bytes of attachments "
	    "stored.\n# TYPE attachment_bytes_stored_total counter\n"
	    "attachment_bytes_stored_total %llu\n"
	    "# HELP attachment_bytes_sent_total Bytes of attachments "
	    "downloaded.\n# TYPE attachment_bytes_sent_total counter\n"
	    "attachment_bytes_sent_total %llu\n"
	    "# HELP attachment_deletes_total Attachments deleted by "
	    "DELETE.\n# TYPE attachment_deletes_total counter\n"
	    "attachment_deletes_total %llu\n",
	    (unsigned long long)load(&m->attachment_uploads),
	    (unsigned long long)load(&m->attachment_bytes_stored),
	    (unsigned long long)load(&m->attachment_bytes_sent),
	    (unsigned long long)load(&m->attachment_deletes));

	in_use = queued = 0;
	for (r = 0; r < MET_WORKERS; r++) {
		in_use += __atomic_load_n(&m->db_in_use[r], __ATOMIC_RELAXED);
		queued += __atomic_load_n(&m->db_queued[r], __ATOMIC_RELAXED);
	}
	strbuf_printf(b, "# HELP db_connections_in_use Database connections "
	    "running a query, all workers.\n"
	    "# TYPE db_connections_in_use gauge\n"
	    "db_connections_in_use %lld\n"
	    "# HELP db_queries_queued Queries waiting for a connection, all "
	    "workers.\n"
	    "# TYPE db_queries_queued gauge\n"
	    "db_queries_queued %lld\n", (long long)in_use, (long long)queued);

	strbuf_str(b, "# HELP webhook_deliveries_total Delivery attempts by "
	    "outcome (failed: to be retried).\n"
	    "# TYPE webhook_deliveries_total counter\n");
	for (k = 0; k < MET_OUTCOMES; k++)
		strbuf_printf(b, "webhook_deliveries_total{outcome=\"%s\"} "
		    "%llu\n", outcomes[k],
		    (unsigned long long)load(&m->deliveries[k]));
	strbuf_str(b, "# HELP webhook_delivery_duration_seconds Time of a "
	    "delivery attempt, claim to answer.\n"
	    "# TYPE webhook_delivery_duration_seconds histogram\n");
	for (cum = 0, k = 0; k < MET_DBUCKETS; k++) {
		cum += load(&m->delivery_latency[k]);
		strbuf_printf(b, "webhook_delivery_duration_seconds_bucket"
		    "{le=\"%s\"} %llu\n", dbucket_le[k],
		    (unsigned long long)cum);
	}
	strbuf_printf(b, "webhook_delivery_duration_seconds_sum %.6f\n"
	    "webhook_delivery_duration_seconds_count %llu\n",
	    (double)load(&m->delivery_latency_sum_us) / 1e6,
	    (unsigned long long)load(&m->delivery_latency_count));
	strbuf_printf(b, "# HELP webhook_queue_depth Open deliveries by "
	    "state, at the last check.\n"
	    "# TYPE webhook_queue_depth gauge\n"
	    "webhook_queue_depth{state=\"pending\"} %lld\n"
	    "webhook_queue_depth{state=\"failed\"} %lld\n"
	    "# HELP webhook_queue_oldest_seconds Age of the oldest open "
	    "delivery.\n"
	    "# TYPE webhook_queue_oldest_seconds gauge\n"
	    "webhook_queue_oldest_seconds %.3f\n"
	    "# HELP reminders_fired_total reminder.due events written "
	    "(late: fell due while no server ran).\n"
	    "# TYPE reminders_fired_total counter\n"
	    "reminders_fired_total{late=\"false\"} %llu\n"
	    "reminders_fired_total{late=\"true\"} %llu\n",
	    (long long)__atomic_load_n(&m->queue_pending, __ATOMIC_RELAXED),
	    (long long)__atomic_load_n(&m->queue_failed, __ATOMIC_RELAXED),
	    (double)__atomic_load_n(&m->queue_oldest_ms, __ATOMIC_RELAXED) /
	    1e3,
	    (unsigned long long)(load(&m->reminders_fired) -
	    load(&m->reminders_late)),
	    (unsigned long long)load(&m->reminders_late));
}

/* A label value, quoted and escaped as the text format wants. */
static void
label_value(struct strbuf *b, const char *v)
{
	strbuf_add(b, "\"", 1);
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			strbuf_add(b, "\\", 1);
		if (*v == '\n') {
			strbuf_str(b, "\\n");
			continue;
		}
		strbuf_add(b, v, 1);
	}
	strbuf_add(b, "\"", 1);
}

static uint64_t
load(const uint64_t *p)
{
	return (__atomic_load_n(p, __ATOMIC_RELAXED));
}
