-- LIVE_MAX_CONNECTIONS_PER_USER across every instance on this database
-- (SPEC "Live updates"). One row per open live connection: the user's
-- slot number (0 .. limit - 1), the worker holding it ("owner": one
-- worker of one instance, unique per worker start) and a lease that the
-- owner renews while it runs. A worker that dies (SIGKILL, a crashed
-- host) stops renewing: its slots are free once the lease has run out,
-- so nothing leaks for longer than the lease.
CREATE TABLE live_slots (
    user_id    text NOT NULL,
    slot       integer NOT NULL,
    owner      text NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, slot)
);

CREATE INDEX live_slots_owner ON live_slots (owner);

-- The lowest free slot of the user, taken for owner; NULL when all are
-- held. The candidates are the slots free (or expired) when the loop
-- begins, in order; each INSERT is its own statement (a fresh snapshot):
-- one that meets a concurrent taker's uncommitted row waits for it, then
-- sees it held and tries the next candidate, so two takers never share
-- a slot. The cost is one anti-join over the user's rows and, unless
-- takers race, one insert.
CREATE FUNCTION live_slot_take(p_user text, p_owner text, p_max integer,
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
            RETURN got;
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
