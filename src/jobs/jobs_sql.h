/*
 * The statements of the background jobs. Each is one statement (its own
 * transaction): a claim locks its rows only for the statement, and a
 * lease (deliveries) or the row's deletion (reminders) keeps the others
 * away afterwards.
 */
#ifndef __H_JOBS_SQL_H
#define __H_JOBS_SQL_H

/*
 * Up to $1 due deliveries, each the head of its user's queue (marked
 * is_head, migration 0014, and no open delivery of a lower event id),
 * leased for $2 seconds under a new token. The body, URL and secret
 * come with it.
 */
#define SQL_DELIVERY_CLAIM						\
	"WITH c AS (SELECT d.id FROM deliveries d "			\
	"WHERE d.is_head AND d.status IN ('pending', 'failed') "	\
	"AND d.next_attempt_at <= now() "				\
	"AND (d.lease_until IS NULL OR d.lease_until <= now()) "	\
	"AND NOT EXISTS (SELECT 1 FROM deliveries e "			\
	"WHERE e.user_id = d.user_id AND e.status IN ('pending', 'failed') " \
	"AND e.event_id < d.event_id) "					\
	"ORDER BY d.next_attempt_at, d.event_id LIMIT $1 "		\
	"FOR UPDATE OF d SKIP LOCKED), "				\
	"u AS (UPDATE deliveries d SET attempts = d.attempts + 1, "	\
	"lease_token = gen_random_uuid(), "				\
	"lease_until = now() + make_interval(secs => $2::int) "		\
	"FROM c WHERE d.id = c.id RETURNING d.*) "			\
	"SELECT u.id::text AS id, u.lease_token::text AS token, "	\
	"u.attempts, u.event_id::text AS event_id, e.body, "		\
	"us.webhook_url AS url, us.webhook_secret AS secret "		\
	"FROM u JOIN events e ON e.id = u.event_id "			\
	"LEFT JOIN users us ON us.id = u.user_id"

/*
 * An attempt's outcome under its lease token ($2): $3 delivered, failed
 * (next attempt in $6 ms) or dead; $4 the HTTP status, $5 the error. A
 * closed head passes the mark on (deliveries_done, migration 0014).
 */
#define SQL_DELIVERY_DONE						\
	"SELECT deliveries_done($1::uuid, $2::uuid, $3, $4::int, $5, "	\
	"$6::bigint)"

/*
 * Due reminders, claimed by deleting them (exactly once, whoever runs
 * it), each written as a reminder.due event in the same statement. The
 * task must still want it. late: it fell due more than $1 seconds ago
 * (no server was running then).
 */
#define SQL_REMINDERS_FIRE						\
	"WITH due AS (SELECT r.task_id FROM reminders r "		\
	"WHERE r.remind_at <= now() ORDER BY r.remind_at LIMIT 100 "	\
	"FOR UPDATE SKIP LOCKED), "					\
	"gone AS (DELETE FROM reminders r USING due "			\
	"WHERE r.task_id = due.task_id RETURNING r.*) "			\
	"SELECT events_emit(t.user_id, 'reminder.due', "		\
	"(left(api_task_json(t)::text, -1) || ',\"late\":' || "	\
	"(g.remind_at < now() - make_interval(secs => $1::int))::text " \
	"|| '}')::json) AS id, g.remind_at < now() - "			\
	"make_interval(secs => $1::int) AS late "			\
	"FROM gone g JOIN tasks t ON t.id = g.task_id "			\
	"AND NOT t.completed AND t.remind_at = g.remind_at"

/* Events past retention ($1 hours) whose deliveries are all closed. */
#define SQL_EVENTS_PRUNE						\
	"DELETE FROM events WHERE id IN (SELECT e.id FROM events e "	\
	"WHERE e.created_at < now() - make_interval(hours => $1::int) "	\
	"AND NOT EXISTS (SELECT 1 FROM deliveries d "			\
	"WHERE d.event_id = e.id AND d.status IN ('pending', 'failed')) " \
	"ORDER BY e.created_at LIMIT 5000 FOR UPDATE SKIP LOCKED)"

/* The queue for /metrics: open deliveries by state, the oldest's age. */
#define SQL_QUEUE_STATS							\
	"SELECT count(*) FILTER (WHERE status = 'pending') AS pending, "	\
	"count(*) FILTER (WHERE status = 'failed') AS failed, "		\
	"coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 " \
	"AS oldest FROM deliveries WHERE status IN ('pending', 'failed')"

#endif
