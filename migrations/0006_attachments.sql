-- Attachments (SPEC "Attachments"): files of a task, stored in the database
-- in chunks of 256 KiB so that neither an upload nor a download holds a
-- whole file in a worker's memory, and they go with the data's backups.
--
-- An upload is several statements (one per chunk, each its own round trip
-- and transaction, since a request does not hold a connection between
-- them): attachment_begin() inserts the row not yet ready, the chunks
-- follow, and attachment_commit() checks the task's count and the user's
-- quota and makes it ready, all in one statement. A row that is not ready
-- is invisible to every read; a failed upload deletes it (its chunks go by
-- the cascade), and one left by a crash is swept (attachment_sweep).
CREATE TABLE attachments (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id         uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    -- The task's owner. No foreign key to users: the task's cascade
    -- removes the row with the user, and an upload then takes no lock on
    -- the user's row that a DELETE /users/me could wait on in a cycle.
    user_id         text NOT NULL,
    filename        text NOT NULL CHECK (octet_length(filename) BETWEEN 1 AND 255),
    content_type    text NOT NULL CHECK (octet_length(content_type) BETWEEN 1 AND 255),
    size            bigint NOT NULL CHECK (size >= 0),
    sha256          text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    ready           boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (NOT ready OR sha256 IS NOT NULL)
);

CREATE INDEX attachments_task_idx ON attachments (task_id, created_at, id);
CREATE INDEX attachments_user_idx ON attachments (user_id);
CREATE INDEX attachments_pending_idx ON attachments (created_at) WHERE NOT ready;

CREATE TABLE attachment_chunks (
    attachment_id   uuid NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
    seq             integer NOT NULL CHECK (seq >= 0),
    data            bytea NOT NULL CHECK (octet_length(data) BETWEEN 1 AND 262144),
    PRIMARY KEY (attachment_id, seq)
);
-- Files are mostly compressed already: no compression attempt, and a
-- Range read of part of a chunk fetches only the slices it needs.
ALTER TABLE attachment_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- Bytes of ready attachments per user, for the quota: one row a user,
-- changed by a conditional UPDATE in the committing statement, so two
-- concurrent uploads queue on the row and cannot both take the last free
-- bytes. Deletes count down by the trigger below, whatever deletes (the
-- route, a task's delete, DELETE /users/me).
CREATE TABLE attachment_usage (
    user_id     text PRIMARY KEY,
    bytes       bigint NOT NULL DEFAULT 0 CHECK (bytes >= 0)
);

CREATE FUNCTION attachments_usage_delete() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    UPDATE attachment_usage u SET bytes = u.bytes - d.bytes
    FROM (SELECT user_id, sum(size) AS bytes FROM old_rows
          WHERE ready GROUP BY user_id) d
    WHERE u.user_id = d.user_id;
    RETURN NULL;
END $$;

CREATE TRIGGER attachments_usage_delete AFTER DELETE ON attachments
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION attachments_usage_delete();

CREATE FUNCTION attachments_user_gone() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM attachment_usage WHERE user_id = OLD.id;
    RETURN NULL;
END $$;

CREATE TRIGGER attachments_user_gone AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION attachments_user_gone();

-- Rows an interrupted upload left behind (a crash between its
-- statements): older than any upload can take.
CREATE FUNCTION attachment_sweep(p_user text) RETURNS void
    LANGUAGE sql AS $$
    DELETE FROM attachments
    WHERE NOT ready AND created_at < now() - interval '1 hour'
      AND (p_user IS NULL OR user_id = p_user);
$$;

CREATE FUNCTION api_attachment_json(a attachments) RETURNS json
    LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', a.id, 'task_id', a.task_id,
        'filename', a.filename, 'content_type', a.content_type,
        'size', a.size, 'sha256', a.sha256,
        'created_at', api_ts(a.created_at));
$$;

-- The first statement of an upload: 'ok' and the new row's id, or why
-- not ('not_found': no such task of this user; 'too_many'; 'quota'). The
-- count and the quota are checked again, race-free, by the commit; this
-- check spares a client sending a file that cannot fit.
CREATE FUNCTION attachment_begin(p_user text, p_task uuid, p_filename text,
    p_type text, p_size bigint, p_quota bigint)
    RETURNS TABLE (status text, id uuid)
    LANGUAGE plpgsql AS $$
DECLARE
    new_id uuid;
BEGIN
    PERFORM attachment_sweep(p_user);
    IF NOT EXISTS (SELECT 1 FROM tasks t
                   WHERE t.id = p_task AND t.user_id = p_user) THEN
        RETURN QUERY SELECT 'not_found'::text, NULL::uuid;
        RETURN;
    END IF;
    IF (SELECT count(*) FROM attachments a
        WHERE a.task_id = p_task AND a.ready) >= 100 THEN
        RETURN QUERY SELECT 'too_many'::text, NULL::uuid;
        RETURN;
    END IF;
    IF coalesce((SELECT u.bytes FROM attachment_usage u
                 WHERE u.user_id = p_user), 0) + p_size > p_quota THEN
        RETURN QUERY SELECT 'quota'::text, NULL::uuid;
        RETURN;
    END IF;
    INSERT INTO attachments (task_id, user_id, filename, content_type, size)
    VALUES (p_task, p_user, p_filename, p_type, p_size)
    RETURNING attachments.id INTO new_id;
    RETURN QUERY SELECT 'ok'::text, new_id;
END $$;

-- The last statement of an upload, one transaction: every chunk is there,
-- the task has room (its row locked, so concurrent commits to one task
-- count one after another), the user's quota has room (the conditional
-- UPDATE), then the row is ready. On 'too_many' or 'quota' the row and its
-- chunks are deleted; 'gone' when the row is not there any more (the task
-- was deleted meanwhile), 'incomplete' when chunks are missing.
CREATE FUNCTION attachment_commit(p_id uuid, p_user text, p_sha256 text,
    p_quota bigint)
    RETURNS TABLE (status text, body text)
    LANGUAGE plpgsql AS $$
DECLARE
    a attachments;
    stored bigint;
BEGIN
    SELECT * INTO a FROM attachments x
    WHERE x.id = p_id AND x.user_id = p_user AND NOT x.ready FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'gone'::text, NULL::text;
        RETURN;
    END IF;

    SELECT coalesce(sum(octet_length(c.data)), 0) INTO stored
    FROM attachment_chunks c WHERE c.attachment_id = p_id;
    IF stored <> a.size THEN
        DELETE FROM attachments x WHERE x.id = p_id;
        RETURN QUERY SELECT 'incomplete'::text, NULL::text;
        RETURN;
    END IF;

    PERFORM 1 FROM tasks t WHERE t.id = a.task_id FOR NO KEY UPDATE;
    IF (SELECT count(*) FROM attachments x
        WHERE x.task_id = a.task_id AND x.ready) >= 100 THEN
        DELETE FROM attachments x WHERE x.id = p_id;
        RETURN QUERY SELECT 'too_many'::text, NULL::text;
        RETURN;
    END IF;

    INSERT INTO attachment_usage AS u (user_id, bytes) VALUES (p_user, 0)
    ON CONFLICT (user_id) DO NOTHING;
    UPDATE attachment_usage u SET bytes = u.bytes + a.size
    WHERE u.user_id = p_user AND u.bytes + a.size <= p_quota;
    IF NOT FOUND THEN
        DELETE FROM attachments x WHERE x.id = p_id;
        RETURN QUERY SELECT 'quota'::text, NULL::text;
        RETURN;
    END IF;

    UPDATE attachments x SET ready = true, sha256 = p_sha256
    WHERE x.id = p_id RETURNING * INTO a;

    -- attachment.created: a trigger on this UPDATE writes its event row,
    -- in this transaction (0009_attachment_events.sql).

    RETURN QUERY SELECT 'ok'::text, api_attachment_json(a)::text;
END $$;
