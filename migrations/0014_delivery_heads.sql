-- The head of each user's delivery queue is marked, so a claim reads the
-- due heads from their own index instead of every open delivery. Before,
-- each claim walked all open deliveries in due order and probed each for
-- an older open one of its user: a burst of 10,000 events for 100 users
-- cost PostgreSQL about 4 ms of CPU per delivery (bench/webhooks.sh), and
-- more the deeper the queue.
--
-- is_head is set on the open delivery with the lowest event id of its
-- user (a retried one is marked too; the claim's NOT EXISTS still keeps
-- event order when two are marked). It moves on when the head closes
-- (deliveries_done). Both sides hold the user's event head row: a writer
-- holds it from events_emit until commit, deliveries_done takes it
-- before closing, so a delivery written while the head closes is either
-- seen open by the close (and promoted) or sees the head closed (and is
-- the head itself), never neither.
--
-- Added nullable and without a default, then given one: PostgreSQL
-- (since 15.20 and the minors released with it) refuses an ADD COLUMN
-- that must fill or check the rows while a function takes the table's
-- row type, as api_delivery_json(deliveries) does. NULL, on rows that
-- were closed before this migration, reads as not a head.
ALTER TABLE deliveries ADD COLUMN is_head boolean;
ALTER TABLE deliveries ALTER COLUMN is_head SET DEFAULT false;

UPDATE deliveries d SET is_head = true
    FROM (SELECT DISTINCT ON (user_id) id FROM deliveries
          WHERE status IN ('pending', 'failed')
          ORDER BY user_id, event_id) h
    WHERE d.id = h.id;

CREATE INDEX deliveries_head_due_idx ON deliveries (next_attempt_at, event_id)
    WHERE is_head AND status IN ('pending', 'failed');

CREATE OR REPLACE FUNCTION events_emit(p_user text, p_type text, p_data json)
    RETURNS bigint
    LANGUAGE plpgsql AS $$
DECLARE
    eid bigint;
BEGIN
    -- Serializes this user's writers until commit (see event_heads).
    INSERT INTO event_heads AS h (user_id, n)
        VALUES (p_user, nextval('events_id_seq'))
        ON CONFLICT (user_id) DO UPDATE SET n = nextval('events_id_seq');
    eid := nextval('events_id_seq');
    INSERT INTO events (id, user_id, type, body)
        VALUES (eid, p_user, p_type, json_build_object(
            'id', eid::text, 'type', p_type, 'created_at', api_ts(now()),
            'data', p_data)::text);
    -- A fresh snapshot, taken with the event head held: the head of the
    -- queue when no open delivery of the user is left.
    INSERT INTO deliveries (user_id, event_id, event_type, is_head)
        SELECT p_user, eid, p_type, NOT EXISTS (SELECT 1 FROM deliveries d
            WHERE d.user_id = p_user AND d.status IN ('pending', 'failed'))
        FROM users WHERE id = p_user AND webhook_url IS NOT NULL;
    RETURN eid;
END
$$;

-- An attempt's outcome under its lease token: p_status delivered, failed
-- (the next attempt in p_delay_ms) or dead, with the HTTP status and the
-- error. A closed head hands the mark to the user's next open delivery.
-- False when the lease was no longer this attempt's.
CREATE FUNCTION deliveries_done(p_id uuid, p_token uuid, p_status text,
    p_code integer, p_error text, p_delay_ms bigint) RETURNS boolean
    LANGUAGE plpgsql AS $$
DECLARE
    u text;
BEGIN
    IF p_status <> 'failed' THEN
        -- The event head first (lock order: head, then delivery rows,
        -- as DELETE /users/me takes them): a writer of this user that
        -- holds it commits before the next open delivery is looked for.
        SELECT user_id INTO u FROM deliveries WHERE id = p_id;
        PERFORM 1 FROM event_heads WHERE user_id = u FOR UPDATE;
    END IF;
    UPDATE deliveries SET status = p_status,
        last_status_code = p_code, last_error = p_error,
        next_attempt_at = CASE WHEN p_status = 'failed' THEN now() +
            p_delay_ms * interval '1 millisecond' ELSE next_attempt_at END,
        lease_until = NULL, lease_token = NULL,
        delivered_at = CASE WHEN p_status = 'delivered' THEN now() END,
        is_head = is_head AND p_status = 'failed'
        WHERE id = p_id AND lease_token = p_token
        AND status IN ('pending', 'failed')
        RETURNING user_id INTO u;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF p_status <> 'failed' THEN
        UPDATE deliveries SET is_head = true
            WHERE id = (SELECT id FROM deliveries
                WHERE user_id = u AND status IN ('pending', 'failed')
                ORDER BY event_id LIMIT 1)
            AND NOT is_head;
    END IF;
    RETURN true;
END
$$;

-- DELETE /users/me: as 0007, with the event heads taken first (the lock
-- order deliveries_done follows).
CREATE OR REPLACE FUNCTION api_users_events_gone() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM event_heads WHERE user_id IN (SELECT id FROM old_users);
    DELETE FROM deliveries WHERE user_id IN (SELECT id FROM old_users);
    DELETE FROM reminders WHERE user_id IN (SELECT id FROM old_users);
    DELETE FROM events WHERE user_id IN (SELECT id FROM old_users);
    RETURN NULL;
END
$$;
