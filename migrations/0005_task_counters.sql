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

-- Adds a statement's deltas. Every change of a user first takes the
-- user's task_counts row of the slot, then tag rows in name order, so
-- writers of one slot queue there and never wait in a cycle.
CREATE FUNCTION api_count_add(s smallint, u text[], t bigint[], c bigint[],
    tu text[], tname text[], tn bigint[]) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO task_counts AS k (user_id, slot, total, completed)
    SELECT d.u, s, d.t, d.c FROM unnest(u, t, c) AS d(u, t, c)
    ORDER BY d.u
    ON CONFLICT (user_id, slot) DO UPDATE
        SET total = k.total + EXCLUDED.total,
            completed = k.completed + EXCLUDED.completed;
    IF cardinality(tu) > 0 THEN
        INSERT INTO tag_counts AS k (user_id, name, slot, n)
        SELECT d.u, d.name, s, d.n
        FROM unnest(tu, tname, tn) AS d(u, name, n)
        ORDER BY d.u, d.name
        ON CONFLICT (user_id, name, slot) DO UPDATE SET n = k.n + EXCLUDED.n;
        DELETE FROM tag_counts k USING unnest(tu, tname) AS d(u, name)
        WHERE k.user_id = d.u AND k.name = d.name AND k.slot = s
            AND k.n = 0;
    END IF;
END
$$;

-- The trigger of INSERT, UPDATE and DELETE on tasks. A changed row counts
-- as its old version out and its new one in; rows whose owner, completion
-- and tags stay are not counted again.
CREATE FUNCTION api_tasks_count() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    u text[];
    t bigint[];
    c bigint[];
    tu text[];
    tname text[];
    tn bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(user_id), array_agg(n), array_agg(k)
        INTO u, t, c
        FROM (SELECT user_id, count(*) AS n,
                     count(*) FILTER (WHERE completed) AS k
              FROM new_rows GROUP BY user_id) d;
        SELECT array_agg(user_id), array_agg(name), array_agg(n)
        INTO tu, tname, tn
        FROM (SELECT user_id, name, count(*) AS n
              FROM new_rows, unnest(tags) AS name GROUP BY 1, 2) d;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(user_id), array_agg(-n), array_agg(-k)
        INTO u, t, c
        FROM (SELECT user_id, count(*) AS n,
                     count(*) FILTER (WHERE completed) AS k
              FROM old_rows GROUP BY user_id) d;
        SELECT array_agg(user_id), array_agg(name), array_agg(-n)
        INTO tu, tname, tn
        FROM (SELECT user_id, name, count(*) AS n
              FROM old_rows, unnest(tags) AS name GROUP BY 1, 2) d;
    ELSE
        SELECT array_agg(user_id), array_agg(n), array_agg(k)
        INTO u, t, c
        FROM (SELECT user_id, sum(n) AS n, sum(k) AS k
              FROM (SELECT o.user_id, -1 AS n, -o.completed::int AS k
                    FROM old_rows o JOIN new_rows w ON w.id = o.id
                    WHERE (o.user_id, o.completed, o.tags) IS DISTINCT FROM
                          (w.user_id, w.completed, w.tags)
                    UNION ALL
                    SELECT w.user_id, 1, w.completed::int
                    FROM old_rows o JOIN new_rows w ON w.id = o.id
                    WHERE (o.user_id, o.completed, o.tags) IS DISTINCT FROM
                          (w.user_id, w.completed, w.tags)) d
              GROUP BY user_id) g;
        IF u IS NULL THEN
            RETURN NULL;
        END IF;
        SELECT array_agg(user_id), array_agg(name), array_agg(n)
        INTO tu, tname, tn
        FROM (SELECT user_id, name, sum(n) AS n
              FROM (SELECT o.user_id, name, -1 AS n
                    FROM old_rows o JOIN new_rows w ON w.id = o.id,
                         unnest(o.tags) AS name
                    WHERE (o.user_id, o.tags) IS DISTINCT FROM
                          (w.user_id, w.tags)
                    UNION ALL
                    SELECT w.user_id, name, 1
                    FROM old_rows o JOIN new_rows w ON w.id = o.id,
                         unnest(w.tags) AS name
                    WHERE (o.user_id, o.tags) IS DISTINCT FROM
                          (w.user_id, w.tags)) d
              GROUP BY 1, 2 HAVING sum(n) <> 0) g;
    END IF;

    IF u IS NOT NULL THEN
        PERFORM api_count_add(api_count_slot(), u, t, c, tu, tname, tn);
    END IF;
    -- DELETE /users/me's cascade: the user is gone, and so go the counts
    -- (whether this fires before or after the users trigger below).
    IF TG_OP = 'DELETE' AND u IS NOT NULL THEN
        DELETE FROM task_counts k WHERE k.user_id = ANY (u)
            AND NOT EXISTS (SELECT FROM users WHERE id = k.user_id);
        DELETE FROM tag_counts k WHERE k.user_id = ANY (u)
            AND NOT EXISTS (SELECT FROM users WHERE id = k.user_id);
    END IF;
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
    FOR EACH STATEMENT EXECUTE FUNCTION api_tasks_count();
CREATE TRIGGER tasks_count_update AFTER UPDATE ON tasks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION api_tasks_count();
CREATE TRIGGER tasks_count_delete AFTER DELETE ON tasks
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION api_tasks_count();
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

CREATE FUNCTION api_owned_search(owner text, v tsvector) RETURNS tsvector
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN array_to_tsvector(ARRAY(SELECT api_owner_key(owner) || l.lexeme
                                   FROM unnest(v) AS l));

-- The key inserted after the opening quote of every operand of the
-- query's text form ('...', quotes doubled inside), read back by the
-- tsquery input (no text parser runs again).
CREATE FUNCTION api_owned_tsquery(owner text, q tsquery) RETURNS tsquery
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN regexp_replace(q::text, '''((?:[^'']|'''')*)''',
                          '''' || api_owner_key(owner) || '\1''', 'g')::tsquery;

DROP INDEX tasks_search_idx;
CREATE INDEX tasks_search_idx ON tasks
    USING gin (api_owned_search(user_id, search));
