/*
 * Unit tests for src/core/metrics.c (cmocka): requests and latencies as
 * the workers record them, rendered as the Prometheus text format a
 * scraper parses: exact lines, cumulative buckets, escaped labels, and
 * only the routes and reasons the page names.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/metrics.h"
#include "core/strbuf.h"

/* Method indexes of metrics_methods. */
#define GET	0
#define POST	1
#define DELETE	4
#define OTHER	7

static struct metrics	*metrics(void);
static char		*render(const struct metrics *,
			    const struct metrics_names *);
static void		 has_line(const char *, const char *);
static void		 no_line(const char *, const char *);

static void
expect_prefix(const char *s, const char *want)
{
	assert_true(strlen(s) >= strlen(want));
	assert_memory_equal(s, want, strlen(want));
}

static void
test_status_index(void **state)
{
	(void)state;

	assert_int_equal(metrics_status_index(200), 0);
	assert_int_equal(metrics_status_index(201), 1);
	assert_int_equal(metrics_status_index(206), 3);
	assert_int_equal(metrics_status_index(416), 14);
	assert_int_equal(metrics_status_index(429), 17);
	assert_int_equal(metrics_status_index(504), 20);
	/* Anything unlisted is "other", the last slot. */
	assert_int_equal(metrics_status_index(418), MET_STATUSES - 1);
	assert_int_equal(metrics_status_index(0), MET_STATUSES - 1);
	assert_int_equal(metrics_status_index(-1), MET_STATUSES - 1);
	assert_string_equal(metrics_methods[GET], "GET");
	assert_string_equal(metrics_methods[DELETE], "DELETE");
	assert_string_equal(metrics_methods[OTHER], "OTHER");
}

/* A whole page for one route, byte for byte. */
static void
test_render_exact(void **state)
{
	struct metrics_names	n;
	struct metrics		*m = metrics();
	char			*s;

	(void)state;

	memset(&n, 0, sizeof(n));
	n.routes[0] = "/v1/tasks";
	n.nroutes = 1;
	n.reasons[0] = "expired";
	n.nreasons = 1;

	metrics_request(m, 0, GET, 200, 800);
	metrics_request(m, 0, GET, 200, 30000);
	metrics_request(m, 0, POST, 418, 3000000);
	metrics_add(&m->auth_failures[0], 2);
	metrics_add(&m->rate_limited, 5);
	metrics_add(&m->attachment_uploads, 2);
	metrics_add(&m->attachment_bytes_stored, 300);
	metrics_add(&m->attachment_bytes_sent, 7);
	m->db_in_use[0] = 2;
	m->db_in_use[63] = 1;
	m->db_queued[7] = 4;

	s = render(m, &n);
	/* The request metrics exactly, then the jobs' (below). */
	expect_prefix(s,
	    "# HELP http_requests_total HTTP requests by route template, "
	    "method and status.\n"
	    "# TYPE http_requests_total counter\n"
	    "http_requests_total{route=\"/v1/tasks\",method=\"GET\","
	    "status=\"200\"} 2\n"
	    "http_requests_total{route=\"/v1/tasks\",method=\"POST\","
	    "status=\"other\"} 1\n"
	    "# HELP http_request_duration_seconds Time from the first "
	    "handler call to the answer.\n"
	    "# TYPE http_request_duration_seconds histogram\n"
	    "http_request_duration_seconds_bucket{route=\"/v1/tasks\","
	    "le=\"0.001\"} 1\n"
	    "http_request_duration_seconds_bucket{route=\"/v1/tasks\","
	    "le=\"0.0025\"} 1\n"
	    "http_request_duration_seconds_bucket{route=\"/v1/tasks\","
	    "le=\"0.005\"} 1\n"
	    "http_request_duration_seconds_bucket{route=\"/v1/tasks\","
	    "le=\"0.01\"} 1\n"
	    "http_request_duration_seconds_bucket{route=\"/v1/tasks\","
	    "le=\"0.025\"} 1\n"
	    "http_request_duration_seconds_bucket{route=\"/v1/tasks\","
	    "le=\"0.05\"} 2\n"
	    "http_request_duration_seconds_bucket{route=\"/v1/tasks\","
	    "le=\"0.1\"} 2\n"
	    "http_request_duration_seconds_bucket{route=\"/v1/tasks\","
	    "le=\"0.25\"} 2\n"
	    "http_request_duration_seconds_bucket{route=\"/v1/tasks\","
	    "le=\"0.5\"} 2\n"
	    "http_request_duration_seconds_bucket{route=\"/v1/tasks\","
	    "le=\"1\"} 2\n"
	    "http_request_duration_seconds_bucket{route=\"/v1/tasks\","
	    "le=\"2.5\"} 2\n"
	    "http_request_duration_seconds_bucket{route=\"/v1/tasks\","
	    "le=\"+Inf\"} 3\n"
	    "http_request_duration_seconds_sum{route=\"/v1/tasks\"} "
	    "3.030800\n"
	    "http_request_duration_seconds_count{route=\"/v1/tasks\"} 3\n"
	    "# HELP auth_failures_total Refused tokens by reason.\n"
	    "# TYPE auth_failures_total counter\n"
	    "auth_failures_total{reason=\"expired\"} 2\n"
	    "# HELP rate_limited_total Requests answered 429.\n"
	    "# TYPE rate_limited_total counter\n"
	    "rate_limited_total 5\n"
	    "# HELP db_statements_total Statements sent to the database: "
	    "prepared once per connection, or parsed and planned each time "
	    "(unnamed).\n"
	    "# TYPE db_statements_total counter\n"
	    "db_statements_total{mode=\"prepared\"} 0\n"
	    "db_statements_total{mode=\"unnamed\"} 0\n"
	    "# HELP tasks_list_counts_total Filtered task lists' totals: "
	    "counted up to the cap, or remembered from a count at the same "
	    "write version of the user.\n"
	    "# TYPE tasks_list_counts_total counter\n"
	    "tasks_list_counts_total{source=\"counted\"} 0\n"
	    "tasks_list_counts_total{source=\"remembered\"} 0\n"
	    "# HELP attachment_uploads_total Attachments stored.\n"
	    "# TYPE attachment_uploads_total counter\n"
	    "attachment_uploads_total 2\n"
	    "# HELP attachment_bytes_stored_total Bytes of attachments "
	    "stored.\n"
	    "# TYPE attachment_bytes_stored_total counter\n"
	    "attachment_bytes_stored_total 300\n"
	    "# HELP attachment_bytes_sent_total Bytes of attachments "
	    "downloaded.\n"
	    "# TYPE attachment_bytes_sent_total counter\n"
	    "attachment_bytes_sent_total 7\n"
	    "# HELP attachment_deletes_total Attachments deleted by "
	    "DELETE.\n"
	    "# TYPE attachment_deletes_total counter\n"
	    "attachment_deletes_total 0\n"
	    "# HELP db_connections_in_use Database connections running a "
	    "query, all workers.\n"
	    "# TYPE db_connections_in_use gauge\n"
	    "db_connections_in_use 3\n"
	    "# HELP db_queries_queued Queries waiting for a connection, all "
	    "workers.\n"
	    "# TYPE db_queries_queued gauge\n"
	    "db_queries_queued 4\n");
	has_line(s, "webhook_deliveries_total{outcome=\"delivered\"} 0");
	has_line(s, "webhook_queue_depth{state=\"pending\"} 0");
	has_line(s, "reminders_fired_total{late=\"true\"} 0");
	free(s);
	free(m);
}

/* Bounds are inclusive (le), buckets cumulative, +Inf the count. */
static void
test_histogram_bounds(void **state)
{
	static const uint64_t	us[] = {
		0, 1000, 1001, 2500, 2501, 1000000, 2500000, 2500001,
		UINT64_C(3600000000)
	};
	struct metrics_names	n;
	struct metrics		*m = metrics();
	char			*s;
	size_t			i;

	(void)state;

	memset(&n, 0, sizeof(n));
	n.routes[0] = "/r";
	n.nroutes = 1;
	for (i = 0; i < sizeof(us) / sizeof(us[0]); i++)
		metrics_request(m, 0, GET, 200, us[i]);

	assert_int_equal(m->latency[0][0], 2);		/* 0, 1000 */
	assert_int_equal(m->latency[0][1], 2);		/* 1001, 2500 */
	assert_int_equal(m->latency[0][2], 1);		/* 2501 */
	assert_int_equal(m->latency[0][9], 1);		/* 1 s */
	assert_int_equal(m->latency[0][10], 1);		/* 2.5 s */
	assert_int_equal(m->latency[0][11], 2);		/* over: +Inf */

	s = render(m, &n);
	has_line(s, "http_requests_total{route=\"/r\",method=\"GET\","
	    "status=\"200\"} 9");
	has_line(s, "http_request_duration_seconds_bucket{route=\"/r\","
	    "le=\"0.001\"} 2");
	has_line(s, "http_request_duration_seconds_bucket{route=\"/r\","
	    "le=\"0.0025\"} 4");
	has_line(s, "http_request_duration_seconds_bucket{route=\"/r\","
	    "le=\"0.005\"} 5");
	has_line(s, "http_request_duration_seconds_bucket{route=\"/r\","
	    "le=\"0.5\"} 5");
	has_line(s, "http_request_duration_seconds_bucket{route=\"/r\","
	    "le=\"1\"} 6");
	has_line(s, "http_request_duration_seconds_bucket{route=\"/r\","
	    "le=\"2.5\"} 7");
	has_line(s, "http_request_duration_seconds_bucket{route=\"/r\","
	    "le=\"+Inf\"} 9");
	has_line(s, "http_request_duration_seconds_sum{route=\"/r\"} "
	    "3606.007003");
	has_line(s, "http_request_duration_seconds_count{route=\"/r\"} 9");
	free(s);
	free(m);
}

/* A route template is ours, but its label is escaped all the same. */
static void
test_label_escaping(void **state)
{
	struct metrics_names	n;
	struct metrics		*m = metrics();
	char			*s;

	(void)state;

	memset(&n, 0, sizeof(n));
	n.routes[0] = "/a\"b\\c\nd";
	n.nroutes = 1;
	n.reasons[0] = "bad \"kid\"";
	n.nreasons = 1;
	metrics_request(m, 0, DELETE, 204, 10);

	s = render(m, &n);
	has_line(s, "http_requests_total{route=\"/a\\\"b\\\\c\\nd\","
	    "method=\"DELETE\",status=\"204\"} 1");
	has_line(s, "http_request_duration_seconds_count"
	    "{route=\"/a\\\"b\\\\c\\nd\"} 1");
	has_line(s, "auth_failures_total{reason=\"bad \\\"kid\\\"\"} 0");
	/* No raw newline inside a label: every line starts as a metric. */
	no_line(s, "d\"");
	free(s);
	free(m);
}

/* Only the routes and reasons named render; a NULL reason is skipped. */
static void
test_names_respected(void **state)
{
	struct metrics_names	n;
	struct metrics		*m = metrics();
	char			*s;
	size_t			i;

	(void)state;

	memset(&n, 0, sizeof(n));
	n.routes[0] = "/zero";
	n.routes[1] = "/one";
	n.routes[2] = "/two";
	n.nroutes = 2;
	metrics_request(m, 0, GET, 200, 1);
	metrics_request(m, 2, GET, 200, 1);
	metrics_request(m, 1, OTHER, 503, 1);
	/* Out of range: not counted anywhere. */
	metrics_request(m, MET_ROUTES, GET, 200, 1);
	metrics_request(m, 0, MET_METHODS, 200, 1);

	n.reasons[0] = NULL;
	n.reasons[1] = "missing";
	n.reasons[2] = "expired";
	n.nreasons = 2;
	m->auth_failures[0] = 7;
	m->auth_failures[1] = 3;
	m->auth_failures[2] = 9;

	assert_int_equal(m->latency_count[0], 1);
	assert_int_equal(m->latency_count[1], 1);
	assert_int_equal(m->latency_count[2], 1);
	for (i = 3; i < MET_ROUTES; i++)
		assert_int_equal(m->latency_count[i], 0);

	s = render(m, &n);
	has_line(s, "http_requests_total{route=\"/zero\",method=\"GET\","
	    "status=\"200\"} 1");
	has_line(s, "http_requests_total{route=\"/one\",method=\"OTHER\","
	    "status=\"503\"} 1");
	has_line(s, "auth_failures_total{reason=\"missing\"} 3");
	assert_null(strstr(s, "/two"));
	assert_null(strstr(s, "expired"));
	assert_null(strstr(s, "} 7\n"));
	assert_null(strstr(s, "} 9\n"));
	/* No request for a route: neither counter nor histogram lines. */
	n.nroutes = 3;
	n.routes[1] = "/quiet";
	memset(m->requests[1], 0, sizeof(m->requests[1]));
	memset(m->latency[1], 0, sizeof(m->latency[1]));
	m->latency_count[1] = 0;
	m->latency_sum_us[1] = 0;
	free(s);
	s = render(m, &n);
	assert_null(strstr(s, "/quiet"));
	has_line(s, "http_request_duration_seconds_count{route=\"/two\"} 1");
	free(s);
	free(m);
}

/* Workers' gauges are summed, and may dip below zero in between. */
static void
test_gauges_and_empty(void **state)
{
	struct metrics_names	n;
	struct metrics		*m = metrics();
	char			*s;
	size_t			i;

	(void)state;

	memset(&n, 0, sizeof(n));
	s = render(m, &n);
	has_line(s, "rate_limited_total 0");
	has_line(s, "db_connections_in_use 0");
	has_line(s, "db_queries_queued 0");
	assert_null(strstr(s, "http_requests_total{"));
	assert_null(strstr(s, "http_request_duration_seconds_bucket{"));
	assert_null(strstr(s, "auth_failures_total{"));
	free(s);

	for (i = 0; i < MET_WORKERS; i++) {
		m->db_in_use[i] = 1;
		m->db_queued[i] = (int64_t)i % 2 ? -1 : 0;
	}
	metrics_add(&m->rate_limited, UINT64_MAX);
	s = render(m, &n);
	has_line(s, "db_connections_in_use 64");
	has_line(s, "db_queries_queued -32");
	has_line(s, "rate_limited_total 18446744073709551615");
	free(s);
	free(m);
}

static struct metrics *
metrics(void)
{
	struct metrics	*m;

	/* Too large for a test's stack. */
	m = calloc(1, sizeof(*m));
	assert_non_null(m);
	return (m);
}

static char *
render(const struct metrics *m, const struct metrics_names *n)
{
	struct strbuf	b;

	strbuf_init(&b);
	metrics_render(m, n, &b);
	assert_false(strbuf_failed(&b));
	assert_int_equal(b.data[b.len - 1], '\n');
	return (b.data);
}

/* line is one whole line of s. */
static void
has_line(const char *s, const char *line)
{
	const char	*p;
	size_t		len;

	len = strlen(line);
	for (p = s; (p = strstr(p, line)) != NULL; p++) {
		if ((p == s || p[-1] == '\n') && p[len] == '\n')
			return;
	}
	fail_msg("no line \"%s\" in:\n%s", line, s);
}

/* No line of s starts with start. */
static void
no_line(const char *s, const char *start)
{
	const char	*p;

	for (p = s; (p = strstr(p, start)) != NULL; p++) {
		if (p == s || p[-1] == '\n')
			fail_msg("a line starts \"%s\" in:\n%s", start, s);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_index),
		cmocka_unit_test(test_render_exact),
		cmocka_unit_test(test_histogram_bounds),
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_names_respected),
		cmocka_unit_test(test_gauges_and_empty),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
