-- Per-user task and tag counts kept by the statements that change tasks,
-- so a list's total and /tags never count a user's rows (SPEC "Tasks").
--
-- Statement-level triggers with transition tables, in the writing
-- statement's transaction: exact under concurrency, one aggregate per
-- statement (a bulk insert or DELETE /users/me's cascade is one update
-- per user, not one per row). Each counter is split into 16 slots chosen
-- by the writing backend, so concurrent writers of one user (each on its
-- own connection) do not queue on one row until they commit; a read sums
-- at most 16 rows. A slot may go negative (a task counted in one slot is
-- removed through another); only the sum means anything.
--
-- No foreign key to users: a counter write then takes no lock on the
-- user's row (a task delete racing DELETE /users/me cannot deadlock on
-- it); the user's counters go with the user by the trigger at the end.
CREATE TABLE task_counts (
    user_id     text NOT NULL,
    slot        smallint NOT NULL,
    total       bigint NOT NULL,
    completed   bigint NOT NULL,
    PRIMARY KEY (user_id, slot)
);

CREATE TABLE tag_counts (
    user_id     text NOT NULL,
    name        text NOT NULL,
    slot        smallint NOT NULL,
    n           bigint NOT NULL,
    PRIMARY KEY (user_id, name, slot)
);

-- The slot of this connection's writes.
CREATE FUNCTION api_count_slot() RETURNS smallint
    LANGUAGE sql VOLATILE PARALLEL SAFE
    RETURN (pg_backend_pid() % 16)::smallint;

-- A statement's deltas, one statement per table: every change of a user
-- first takes the user's task_counts row of the slot, then tag rows in
-- name order, so writers of one slot queue there and never wait in a
-- cycle. Rows that reach 0 go where counts fall (an insert may bring a
-- negative slot to 0; /tags leaves zero sums out).
CREATE FUNCTION api_tasks_count_insert() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    s smallint := api_count_slot();
BEGIN
    INSERT INTO task_counts AS k (user_id, slot, total, completed)
    SELECT user_id, s, count(*), count(*) FILTER (WHERE completed)
    FROM new_rows GROUP BY user_id ORDER BY user_id
    ON CONFLICT (user_id, slot) DO UPDATE
        SET total = k.total + EXCLUDED.total,
            completed = k.completed + EXCLUDED.completed;
    INSERT INTO tag_counts AS k (user_id, name, slot, n)
    SELECT user_id, name, s, count(*) FROM new_rows, unnest(tags) AS name
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (user_id, name, slot) DO UPDATE SET n = k.n + EXCLUDED.n;
    RETURN NULL;
END
$$;

CREATE FUNCTION api_tasks_count_delete() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    s smallint := api_count_slot();
BEGIN
    INSERT INTO task_counts AS k (user_id, slot, total, completed)
    SELECT user_id, s, -count(*), -count(*) FILTER (WHERE completed)
    FROM old_rows GROUP BY user_id ORDER BY user_id
    ON CONFLICT (user_id, slot) DO UPDATE
        SET total = k.total + EXCLUDED.total,
            completed = k.completed + EXCLUDED.completed;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    INSERT INTO tag_counts AS k (user_id, name, slot, n)
    SELECT user_id, name, s, -count(*) FROM old_rows, unnest(tags) AS name
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (user_id, name, slot) DO UPDATE SET n = k.n + EXCLUDED.n;
    DELETE FROM tag_counts k WHERE k.slot = s AND k.n = 0
        AND k.user_id IN (SELECT user_id FROM old_rows);
    -- DELETE /users/me's cascade: the user is gone, and so go the counts
    -- (whether this fires before or after the users trigger below).
    DELETE FROM task_counts k WHERE k.user_id IN (SELECT user_id FROM old_rows)
        AND NOT EXISTS (SELECT FROM users WHERE id = k.user_id);
    DELETE FROM tag_counts k WHERE k.user_id IN (SELECT user_id FROM old_rows)
        AND NOT EXISTS (SELECT FROM users WHERE id = k.user_id);
    RETURN NULL;
END
$$;

-- A changed row counts as its old version out and its new one in; rows
-- whose owner, completion and tags stay are not counted again.
CREATE FUNCTION api_tasks_count_update() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    s smallint := api_count_slot();
BEGIN
    INSERT INTO task_counts AS k (user_id, slot, total, completed)
    SELECT user_id, s, sum(n), sum(c)
    FROM (SELECT o.user_id, -1 AS n, -o.completed::int AS c
          FROM old_rows o JOIN new_rows w ON w.id = o.id
          WHERE (o.user_id, o.completed, o.tags) IS DISTINCT FROM
                (w.user_id, w.completed, w.tags)
          UNION ALL
          SELECT w.user_id, 1, w.completed::int
          FROM old_rows o JOIN new_rows w ON w.id = o.id
          WHERE (o.user_id, o.completed, o.tags) IS DISTINCT FROM
                (w.user_id, w.completed, w.tags)) d
    GROUP BY user_id ORDER BY user_id
    ON CONFLICT (user_id, slot) DO UPDATE
        SET total = k.total + EXCLUDED.total,
            completed = k.completed + EXCLUDED.completed;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    INSERT INTO tag_counts AS k (user_id, name, slot, n)
    SELECT user_id, name, s, sum(n)
    FROM (SELECT o.user_id, name, -1 AS n
          FROM old_rows o JOIN new_rows w ON w.id = o.id,
               unnest(o.tags) AS name
          WHERE (o.user_id, o.tags) IS DISTINCT FROM (w.user_id, w.tags)
          UNION ALL
          SELECT w.user_id, name, 1
          FROM old_rows o JOIN new_rows w ON w.id = o.id,
               unnest(w.tags) AS name
          WHERE (o.user_id, o.tags) IS DISTINCT FROM (w.user_id, w.tags)) d
    GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2
    ON CONFLICT (user_id, name, slot) DO UPDATE SET n = k.n + EXCLUDED.n;
    DELETE FROM tag_counts k WHERE k.slot = s AND k.n = 0
        AND k.user_id IN (SELECT user_id FROM old_rows);
    RETURN NULL;
END
$$;

-- DELETE /users/me of a user whose counts remain without tasks.
CREATE FUNCTION api_users_uncount() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM task_counts WHERE user_id IN (SELECT id FROM old_users);
    DELETE FROM tag_counts WHERE user_id IN (SELECT id FROM old_users);
    RETURN NULL;
END
$$;

-- The counts of the tasks already there, with writers held off meanwhile.
LOCK TABLE tasks IN SHARE MODE;
INSERT INTO task_counts (user_id, slot, total, completed)
    SELECT user_id, 0, count(*), count(*) FILTER (WHERE completed)
    FROM tasks GROUP BY user_id;
INSERT INTO tag_counts (user_id, name, slot, n)
    SELECT user_id, name, 0, count(*) FROM tasks, unnest(tags) AS name
    GROUP BY 1, 2;

CREATE TRIGGER tasks_count_insert AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION api_tasks_count_insert();
CREATE TRIGGER tasks_count_update AFTER UPDATE ON tasks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION api_tasks_count_update();
CREATE TRIGGER tasks_count_delete AFTER DELETE ON tasks
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION api_tasks_count_delete();
CREATE TRIGGER users_uncount AFTER DELETE ON users
    REFERENCING OLD TABLE AS old_users
    FOR EACH STATEMENT EXECUTE FUNCTION api_users_uncount();

-- tag filters within one user's rows: a GIN index led by the owner
-- (btree_gin, a trusted extension: the database owner may create it). A
-- tag is an exact key, so the owner's entry and the tag's are intersected
-- in the index, skipping through other users' rows instead of reading
-- them. It replaces the global index under the same name.
CREATE EXTENSION IF NOT EXISTS btree_gin;
DROP INDEX tasks_tags_idx;
CREATE INDEX tasks_tags_idx ON tasks USING gin (user_id, tags);

-- q is a prefix search ('mil':*), and GIN reads every entry a prefix
-- matches into one bitmap whatever the other keys: with a global index a
-- common word costs every user's rows. So each lexeme is indexed with its
-- owner's key in front (8 hex digits of md5, a fixed length), and the
-- query's operands get the same key: a prefix then matches the owner's
-- entries only. Rows of another owner with the same key are left out by
-- the user_id condition every list has.
CREATE FUNCTION api_owner_key(owner text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN left(md5(owner), 8);

-- The key is inserted after the opening quote of every lexeme of the
-- text form ('...', quotes doubled inside; positions kept, for phrases
-- like "e-mail"), read back by the type's input (no text parser runs
-- again). The same for a query's operands.
CREATE FUNCTION api_owned_search(owner text, v tsvector) RETURNS tsvector
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN regexp_replace(v::text, '''((?:[^'']|'''')*)''',
                          '''' || api_owner_key(owner) || '\1''', 'g')::tsvector;

CREATE FUNCTION api_owned_tsquery(owner text, q tsquery) RETURNS tsquery
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN regexp_replace(q::text, '''((?:[^'']|'''')*)''',
                          '''' || api_owner_key(owner) || '\1''', 'g')::tsquery;

DROP INDEX tasks_search_idx;
CREATE INDEX tasks_search_idx ON tasks
    USING gin (api_owned_search(user_id, search));
