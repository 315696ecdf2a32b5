-- q's owner-keyed lexemes (migration 0005) as a stored column. As an
-- index expression they were computed again for every row a plan
-- filters instead of reading the index (the page of a common word walks
-- the owner's created_at index and tests each row): a regexp over the
-- row's tsvector each time, about 0.2 ms a row. Stored, the test is a
-- plain tsvector match. The expression is 0005's, on the same text as
-- the search column (a generated column cannot read another).
ALTER TABLE tasks ADD COLUMN owned_search tsvector GENERATED ALWAYS AS
    (api_owned_search(user_id,
        to_tsvector('simple', title || ' ' || description))) STORED;

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
