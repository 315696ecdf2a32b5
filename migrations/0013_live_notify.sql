-- Live notifications only for users with a live connection somewhere.
-- A transaction that notifies takes PostgreSQL's notify lock at commit
-- and holds it until the commit is flushed, so notifying transactions
-- commit one at a time, and WAL flushes can no longer be shared between
-- them: with a notification on every event, every task write of every
-- user queued behind one lock (pgbench, the POST statement, 64 users:
-- 1,012 tps with it, 1,635 without). A user with no open connection has
-- no listener to wake; one who has holds a live_slots row (0012).
CREATE OR REPLACE FUNCTION live_events_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    -- A fresh snapshot (a statement of a volatile function), taken
    -- after events_emit locked the user's event head: see live_slot_take
    -- for why a connection that opens meanwhile misses nothing.
    IF EXISTS (SELECT 1 FROM live_slots WHERE user_id = NEW.user_id) THEN
        PERFORM pg_notify('live_events', NEW.id::text || ':' || NEW.user_id);
    END IF;
    RETURN NULL;
END
$$;

-- 0012's slot take, and then the user's event head locked until commit:
-- a writer that held it when the slot was taken (its check above ran
-- before the slot was visible) commits first, so the connection's start
-- query, which runs after this commits, reads that writer's event; a
-- writer that takes the head after sees the slot. (Lock order: the slot
-- row, then the head, as writers take task rows, then the head.)
CREATE OR REPLACE FUNCTION live_slot_take(p_user text, p_owner text, p_max integer,
    p_lease integer) RETURNS integer
    LANGUAGE plpgsql AS $$
DECLARE
    s   integer;
    got integer;
BEGIN
    FOR s IN
        SELECT g FROM generate_series(0, p_max - 1) g
        WHERE NOT EXISTS (SELECT 1 FROM live_slots l
            WHERE l.user_id = p_user AND l.slot = g
            AND l.expires_at >= clock_timestamp())
        ORDER BY g
    LOOP
        INSERT INTO live_slots AS l (user_id, slot, owner, expires_at)
        VALUES (p_user, s, p_owner,
            clock_timestamp() + make_interval(secs => p_lease))
        ON CONFLICT (user_id, slot) DO UPDATE
            SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
            WHERE l.expires_at < clock_timestamp()
        RETURNING l.slot INTO got;
        IF got IS NOT NULL THEN
            INSERT INTO event_heads AS h (user_id, n)
                VALUES (p_user, nextval('events_id_seq'))
                ON CONFLICT (user_id) DO UPDATE SET n = h.n;
            RETURN got;
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
