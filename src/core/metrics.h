/*
 * Counters shared by all workers (memory mapped before they fork), summed
 * by construction, rendered in Prometheus text format. Labels come from
 * fixed lists (route templates, methods, statuses), never from requests.
 */
#ifndef __H_METRICS_H
#define __H_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/strbuf.h"

#define MET_ROUTES	64
#define MET_METHODS	8
#define MET_STATUSES	22
#define MET_BUCKETS	12
#define MET_REASONS	16
#define MET_WORKERS	64
#define MET_OUTCOMES	3	/* delivered, failed, dead */
#define MET_DBUCKETS	10

struct metrics {
	uint64_t	requests[MET_ROUTES][MET_METHODS][MET_STATUSES];
	uint64_t	latency[MET_ROUTES][MET_BUCKETS];
	uint64_t	latency_sum_us[MET_ROUTES];
	uint64_t	latency_count[MET_ROUTES];
	uint64_t	auth_failures[MET_REASONS];
	uint64_t	rate_limited;
	/* Statements sent: [0] unnamed, [1] as prepared statements. */
	uint64_t	db_statements[2];
	/* Capped list totals: [0] counted, [1] remembered (count_cache). */
	uint64_t	list_counts[2];
	uint64_t	attachment_uploads;
	uint64_t	attachment_bytes_stored;
	uint64_t	attachment_bytes_sent;
	uint64_t	attachment_deletes;
	int64_t		db_in_use[MET_WORKERS];
	int64_t		db_queued[MET_WORKERS];
	/* Webhooks and reminders (jobs/). */
	uint64_t	deliveries[MET_OUTCOMES];
	uint64_t	delivery_latency[MET_DBUCKETS];
	uint64_t	delivery_latency_sum_us;
	uint64_t	delivery_latency_count;
	uint64_t	reminders_fired;
	uint64_t	reminders_late;
	/* The queue as the last check saw it (any worker's). */
	int64_t		queue_pending;
	int64_t		queue_failed;
	int64_t		queue_oldest_ms;
};

/* What renders a metrics page: names for the fixed indexes. */
struct metrics_names {
	const char	*routes[MET_ROUTES];
	size_t		nroutes;
	const char	*reasons[MET_REASONS];
	size_t		nreasons;
};

extern const char	*metrics_methods[MET_METHODS];

int	metrics_status_index(int);
void	metrics_request(struct metrics *, size_t, size_t, int, uint64_t);
void	metrics_add(uint64_t *, uint64_t);
int	metrics_outcome_index(const char *);
void	metrics_delivery(struct metrics *, const char *, uint64_t);
void	metrics_queue(struct metrics *, int64_t, int64_t, int64_t);
void	metrics_render(const struct metrics *, const struct metrics_names *,
	    struct strbuf *);

#endif
