-- Events (a transactional outbox), webhook deliveries and reminders
-- (SPEC "Events, webhooks and reminders").
--
-- Every change to a task writes its event from a row trigger, in the
-- writing statement's transaction: a rolled-back change leaves no event,
-- a committed one always has its event, and the request path keeps its
-- one statement. Other resources call events_emit(user, type, data) from
-- their own statement or trigger (attachments: 'attachment.created' with
-- the attachment's JSON, 'attachment.deleted' with its last state).

-- The task as the API answers it (task_json.c), keys in the same order:
-- json, not jsonb, so the order stays.
CREATE FUNCTION api_task_json(t tasks) RETURNS json
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN json_build_object(
        'id', t.id, 'user_id', t.user_id, 'title', t.title,
        'description', t.description, 'completed', t.completed,
        'completed_at', api_ts(t.completed_at), 'priority', t.priority,
        'due_at', api_ts(t.due_at), 'remind_at', api_ts(t.remind_at),
        'recurrence', t.recurrence, 'tags', to_json(t.tags),
        'created_at', api_ts(t.created_at), 'updated_at', api_ts(t.updated_at));

-- One row a user, locked by every transaction that writes the user's
-- events until it commits: the id is taken after the lock, so one user's
-- ids increase in commit order (a sequence alone is ordered by nextval,
-- not by commit). No foreign key: a write takes no lock on the user row.
CREATE TABLE event_heads (
    user_id     text PRIMARY KEY,
    n           bigint NOT NULL DEFAULT 0
);

CREATE SEQUENCE events_id_seq;

CREATE TABLE events (
    id          bigint PRIMARY KEY,
    user_id     text NOT NULL,
    type        text NOT NULL CHECK (length(type) <= 64),
    -- The event as sent: {"id","type","created_at","data"}. Text, so every
    -- retry signs and sends the very same bytes.
    body        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_user_idx ON events (user_id, id);
CREATE INDEX events_created_idx ON events (created_at);

-- status: pending (not attempted yet), failed (the next attempt is due at
-- next_attempt_at), delivered, dead. lease_until: a worker is sending
-- it; a worker that died lets the lease run out and anyone claims it.
-- lease_token is new at each claim: the answer of an expired lease
-- changes nothing.
CREATE TABLE deliveries (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id          text NOT NULL,
    event_id         bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    event_type       text NOT NULL,
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'failed', 'delivered', 'dead')),
    attempts         integer NOT NULL DEFAULT 0,
    last_status_code integer,
    last_error       text CHECK (length(last_error) <= 512),
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    lease_until      timestamptz,
    lease_token      uuid,
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz
);
CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at)
    WHERE status IN ('pending', 'failed');
-- A user's deliveries go in event order: the head is the open one with
-- the lowest event id.
CREATE INDEX deliveries_user_open_idx ON deliveries (user_id, event_id)
    WHERE status IN ('pending', 'failed');
CREATE INDEX deliveries_user_list_idx ON deliveries (user_id, created_at, id);
CREATE INDEX deliveries_event_idx ON deliveries (event_id);

-- A task's pending reminder: made and removed by the task trigger,
-- claimed (deleted) by exactly one instance when due.
CREATE TABLE reminders (
    task_id     uuid PRIMARY KEY,
    user_id     text NOT NULL,
    remind_at   timestamptz NOT NULL
);
CREATE INDEX reminders_due_idx ON reminders (remind_at);

-- Writes one event of the user, and its delivery when the user has a
-- webhook. Returns the event id. The hook for every resource.
CREATE FUNCTION events_emit(p_user text, p_type text, p_data json)
    RETURNS bigint
    LANGUAGE plpgsql AS $$
DECLARE
    eid bigint;
BEGIN
    -- Serializes this user's writers until commit (see event_heads).
    INSERT INTO event_heads AS h (user_id, n) VALUES (p_user, 1)
        ON CONFLICT (user_id) DO UPDATE SET n = h.n + 1;
    eid := nextval('events_id_seq');
    INSERT INTO events (id, user_id, type, body)
        VALUES (eid, p_user, p_type, json_build_object(
            'id', eid::text, 'type', p_type, 'created_at', api_ts(now()),
            'data', p_data)::text);
    INSERT INTO deliveries (user_id, event_id, event_type)
        SELECT p_user, eid, p_type FROM users
        WHERE id = p_user AND webhook_url IS NOT NULL;
    RETURN eid;
END
$$;

-- AFTER row triggers run at the end of the statement, once its rows are
-- locked. Locks are always taken in one order, task rows, then the
-- reminder row, then the user's head row (the reminder job takes the
-- last two in the same order), so writers never wait in a cycle.
CREATE FUNCTION api_tasks_event() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM reminders WHERE task_id = OLD.id;
        -- DELETE /users/me's cascade: the user and its events are gone.
        IF EXISTS (SELECT FROM users WHERE id = OLD.user_id) THEN
            PERFORM events_emit(OLD.user_id, 'task.deleted',
                                api_task_json(OLD));
        END IF;
        RETURN NULL;
    END IF;

    -- The reminder: (re)scheduled when remind_at is set to a time to
    -- come (on create, change, or re-opening), dropped otherwise.
    IF NEW.completed OR NEW.remind_at IS NULL OR NEW.remind_at <= now() THEN
        IF TG_OP = 'UPDATE' THEN
            DELETE FROM reminders WHERE task_id = NEW.id;
        END IF;
    ELSIF TG_OP = 'INSERT' OR OLD.completed OR
          OLD.remind_at IS DISTINCT FROM NEW.remind_at THEN
        INSERT INTO reminders (task_id, user_id, remind_at)
            VALUES (NEW.id, NEW.user_id, NEW.remind_at)
            ON CONFLICT (task_id) DO UPDATE SET remind_at = EXCLUDED.remind_at;
    END IF;

    IF TG_OP = 'INSERT' THEN
        PERFORM events_emit(NEW.user_id, 'task.created', api_task_json(NEW));
    ELSIF NEW.completed AND NOT OLD.completed THEN
        PERFORM events_emit(NEW.user_id, 'task.completed', api_task_json(NEW));
    ELSE
        PERFORM events_emit(NEW.user_id, 'task.updated', api_task_json(NEW));
    END IF;

    RETURN NULL;
END
$$;

CREATE TRIGGER tasks_event AFTER INSERT OR UPDATE OR DELETE ON tasks
    FOR EACH ROW EXECUTE FUNCTION api_tasks_event();

-- DELETE /users/me: the user's events, deliveries and reminders go too.
CREATE FUNCTION api_users_events_gone() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM deliveries WHERE user_id IN (SELECT id FROM old_users);
    DELETE FROM reminders WHERE user_id IN (SELECT id FROM old_users);
    DELETE FROM events WHERE user_id IN (SELECT id FROM old_users);
    DELETE FROM event_heads WHERE user_id IN (SELECT id FROM old_users);
    RETURN NULL;
END
$$;

CREATE TRIGGER users_events_gone AFTER DELETE ON users
    REFERENCING OLD TABLE AS old_users
    FOR EACH STATEMENT EXECUTE FUNCTION api_users_events_gone();

-- Reminders of the tasks already there.
INSERT INTO reminders (task_id, user_id, remind_at)
    SELECT id, user_id, remind_at FROM tasks
    WHERE remind_at > now() AND NOT completed;
