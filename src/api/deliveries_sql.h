/*
 * The statements of the deliveries routes (src/api/deliveries.c), one
 * per request. A delivery's JSON is api_delivery_json() of migration
 * 0010; the webhook's URL and secret are never part of an answer.
 */
#ifndef __H_DELIVERIES_SQL_H
#define __H_DELIVERIES_SQL_H

/* Counts stop here: no list costs more as the queue grows. */
#define DELIVERY_TOTAL_CAP_SQL	"10000"

/* The user's rows of the list, with the status filter when $2 is set. */
#define SQL_DELIVERY_FILTER						\
	"d.user_id = $1 AND ($2::text IS NULL OR d.status = $2)"

/*
 * A cursor is base64url(JSON {"k": "-created_at", "v": created_at with
 * microseconds, "id": uuid}), the form of the task lists' cursors
 * (api/cursor.c decodes both).
 */
#define SQL_DELIVERY_CURSOR(R)						\
	"translate(encode(convert_to(json_build_object('k', '-created_at', " \
	"'v', to_char(" R ".created_at AT TIME ZONE 'UTC', "		\
	"'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), 'id', " R ".id)::text, "	\
	"'UTF8'), 'base64'), E'+/=\\n', '-_')"

/*
 * GET /users/me/deliveries: $1 user, $2 status or NULL, $3 limit,
 * $4 offset, $5/$6 the cursor's created_at and id (or NULL). Newest
 * first (created_at, then id, both descending: the user's list index of
 * migration 0007). limit + 1 rows are read: the extra one says a next
 * page exists, and the last row shown makes its cursor.
 */
#define SQL_DELIVERY_LIST						\
	"WITH page AS (SELECT s.r, row_number() OVER "			\
	"(ORDER BY (s.r).created_at DESC, (s.r).id DESC) AS n "		\
	"FROM (SELECT d AS r FROM deliveries d WHERE "			\
	SQL_DELIVERY_FILTER " AND ($5::timestamptz IS NULL OR "		\
	"(d.created_at, d.id) < ($5::timestamptz, $6::uuid)) "		\
	"ORDER BY d.created_at DESC, d.id DESC "			\
	"LIMIT $3::int + 1 OFFSET $4::int) s), "			\
	"c AS (SELECT count(*) AS n FROM (SELECT FROM deliveries d "	\
	"WHERE " SQL_DELIVERY_FILTER " LIMIT "				\
	DELIVERY_TOTAL_CAP_SQL " + 1) m) "				\
	"SELECT json_build_object("					\
	"'items', coalesce((SELECT json_agg(api_delivery_json(p.r) "	\
	"ORDER BY p.n) FROM page p WHERE p.n <= $3::int), '[]'::json), " \
	"'total', least(c.n, " DELIVERY_TOTAL_CAP_SQL "), "		\
	"'total_exact', c.n <= " DELIVERY_TOTAL_CAP_SQL ", "		\
	"'limit', $3::int, 'offset', $4::int, "				\
	"'next_cursor', (SELECT " SQL_DELIVERY_CURSOR("(p.r)")		\
	" FROM page p WHERE p.n = $3::int AND EXISTS "			\
	"(SELECT 1 FROM page q WHERE q.n > $3::int)))::text AS body "	\
	"FROM c"

/*
 * POST /users/me/deliveries/{id}/retry: $1 delivery, $2 user. A dead or
 * failed delivery no attempt holds (no live lease: a second concurrent
 * send of one event is never started) is pending again, due now, with a
 * fresh set of WEBHOOK_MAX_ATTEMPTS attempts, marked a head of the
 * queue (older than the user's open ones, it goes first: 0014). was:
 * its status before (NULL: not the user's), leased, hooked: the user
 * still has a webhook_url; body: the delivery when it was put back.
 */
#define SQL_DELIVERY_RETRY						\
	"WITH d AS (SELECT d.id, d.status, "				\
	"coalesce(d.lease_until > now(), false) AS leased, "		\
	"EXISTS (SELECT 1 FROM users u WHERE u.id = d.user_id "		\
	"AND u.webhook_url IS NOT NULL) AS hooked "			\
	"FROM deliveries d WHERE d.id = $1::uuid AND d.user_id = $2 "	\
	"FOR UPDATE), "							\
	"upd AS (UPDATE deliveries x SET status = 'pending', "		\
	"attempts = 0, next_attempt_at = now(), is_head = true FROM d "	\
	"WHERE x.id = d.id AND d.status IN ('failed', 'dead') "		\
	"AND NOT d.leased AND d.hooked RETURNING x.*) "			\
	"SELECT (SELECT status FROM d) AS was, "			\
	"(SELECT leased FROM d) AS leased, "				\
	"(SELECT hooked FROM d) AS hooked, "				\
	"(SELECT api_delivery_json(upd)::text FROM upd) AS body"

/* POST /users/me/webhook/test: the ping's delivery, NULL without a URL. */
#define SQL_WEBHOOK_PING						\
	"SELECT api_webhook_ping($1)::text AS body"

#endif
