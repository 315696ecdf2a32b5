-- q's owner-keyed lexemes (migration 0005) as a stored column. As an
-- index expression they were computed again for every row a plan
-- filters instead of reading the index (the page of a common word walks
-- the owner's created_at index and tests each row): a regexp over the
-- row's tsvector each time, about 0.2 ms a row. Stored, the test is a
-- plain tsvector match. The expression is 0005's, on the same text as
-- the search column.
--
-- A plain column kept by a trigger, not a stored generated one: adding
-- a generated column rewrites the table, which PostgreSQL refuses (since
-- 15.20 and the minors released with it) while a function takes the
-- table's row type, as api_task_json(tasks) does.
ALTER TABLE tasks ADD COLUMN owned_search tsvector;

CREATE FUNCTION api_tasks_owned_search() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    NEW.owned_search := api_owned_search(NEW.user_id,
        to_tsvector('simple', NEW.title || ' ' || NEW.description));
    RETURN NEW;
END
$$;

CREATE TRIGGER tasks_owned_search
    BEFORE INSERT OR UPDATE OF user_id, title, description ON tasks
    FOR EACH ROW EXECUTE FUNCTION api_tasks_owned_search();

-- The rows already there, without their triggers: no event, no counter
-- moves for a column the API never shows.
ALTER TABLE tasks DISABLE TRIGGER USER;
UPDATE tasks SET owned_search = api_owned_search(user_id,
    to_tsvector('simple', title || ' ' || description));
ALTER TABLE tasks ENABLE TRIGGER USER;

DROP INDEX tasks_search_idx;
CREATE INDEX tasks_search_idx ON tasks USING gin (owned_search);

-- The user's write version for remembered list totals (count_cache.c):
-- event_heads.n becomes a value of the events sequence, new at every
-- event, so it never repeats for a user id, not even after DELETE
-- /users/me and a new account under the same id (a per-user counter
-- would start again at 1 and match a count remembered before). The row
-- is still locked until commit, before the event id is taken.
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
    INSERT INTO deliveries (user_id, event_id, event_type)
        SELECT p_user, eid, p_type FROM users
        WHERE id = p_user AND webhook_url IS NOT NULL;
    RETURN eid;
END
$$;

-- Users who wrote nothing since 0007 get a version too.
INSERT INTO event_heads (user_id, n)
    SELECT id, nextval('events_id_seq') FROM users
    ON CONFLICT (user_id) DO NOTHING;
