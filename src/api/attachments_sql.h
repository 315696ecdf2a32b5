/*
 * The attachments' statements (migrations/0006_attachments.sql has the
 * functions and why an upload is several statements).
 */
#ifndef __H_ATTACHMENTS_SQL_H
#define __H_ATTACHMENTS_SQL_H

/* Bytes per chunk row: one statement, one round trip each. */
#define ATT_CHUNK	262144

/* $1 user, $2 task, $3 filename, $4 content type, $5 size, $6 quota */
#define SQL_ATT_BEGIN							\
	"SELECT status, id FROM attachment_begin($1, $2::uuid, $3, $4, "	\
	"$5::bigint, $6::bigint)"

/* $1 attachment, $2 seq, $3 the bytes (a binary parameter) */
#define SQL_ATT_CHUNK							\
	"INSERT INTO attachment_chunks (attachment_id, seq, data) "	\
	"VALUES ($1::uuid, $2::integer, $3::bytea)"

/* $1 attachment, $2 user, $3 sha256, $4 quota */
#define SQL_ATT_COMMIT							\
	"SELECT status, body FROM attachment_commit($1::uuid, $2, $3, "	\
	"$4::bigint)"

/* A failed upload's row, and its chunks by the cascade. */
#define SQL_ATT_ABORT							\
	"DELETE FROM attachments WHERE id = $1::uuid AND NOT ready"

/* $1 user, $2 task, $3 limit, $4 offset: NULL body when no such task. */
#define SQL_ATT_LIST							\
	"SELECT CASE WHEN EXISTS (SELECT 1 FROM tasks t WHERE t.id = $2::uuid " \
	"AND t.user_id = $1) THEN json_build_object("			\
	"'items', coalesce((SELECT json_agg(api_attachment_json(p) "	\
	"ORDER BY p.created_at, p.id) FROM (SELECT * FROM attachments a " \
	"WHERE a.task_id = $2::uuid AND a.user_id = $1 AND a.ready "	\
	"ORDER BY a.created_at, a.id LIMIT $3::integer "		\
	"OFFSET $4::integer) p), '[]'::json), "				\
	"'total', (SELECT count(*) FROM attachments a WHERE "		\
	"a.task_id = $2::uuid AND a.user_id = $1 AND a.ready), "	\
	"'limit', $3::integer, 'offset', $4::integer, "			\
	"'next_cursor', NULL)::text END AS body"

/* $1 user, $2 attachment */
#define SQL_ATT_META							\
	"SELECT filename, content_type, size, sha256 FROM attachments "	\
	"WHERE id = $2::uuid AND user_id = $1 AND ready"

/* $1 attachment, $2 seq, $3 first byte (1-based), $4 count */
#define SQL_ATT_READ							\
	"SELECT substring(data FROM $3::integer FOR $4::integer) AS data " \
	"FROM attachment_chunks WHERE attachment_id = $1::uuid "	\
	"AND seq = $2::integer"

/*
 * Triggers count the usage down and write attachment.deleted in the same
 * transaction (0006, 0009).
 */
#define SQL_ATT_DELETE							\
	"DELETE FROM attachments WHERE id = $2::uuid AND user_id = $1 "	\
	"AND ready RETURNING id"

#endif
