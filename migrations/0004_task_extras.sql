-- Idempotent creates: the first result of a key is what a retry gets.
CREATE TABLE idempotency_keys (
    user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash text NOT NULL,
    task_id      uuid NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- Monthly recurrence keeps the first occurrence's day of the month.
ALTER TABLE tasks ADD COLUMN recurrence_day smallint
    CHECK (recurrence_day BETWEEN 1 AND 31);

-- The next due date of a recurring task (UTC calendar). Monthly moves to
-- the anchor day of the next month, clamped to that month's last day.
CREATE FUNCTION api_next_due(due timestamptz, rule text, anchor_day int)
    RETURNS timestamptz
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE rule
        WHEN 'daily' THEN due + interval '1 day'
        WHEN 'weekly' THEN due + interval '7 days'
        WHEN 'monthly' THEN (
            SELECT (first_of_next + make_interval(days =>
                        least(coalesce(anchor_day, extract(day FROM due AT TIME ZONE 'UTC')::int),
                              extract(day FROM (first_of_next + interval '1 month - 1 day'))::int) - 1)
                    + ((due AT TIME ZONE 'UTC') - date_trunc('day', due AT TIME ZONE 'UTC')))
                   AT TIME ZONE 'UTC'
            FROM (SELECT date_trunc('month', due AT TIME ZONE 'UTC') + interval '1 month'
                  AS first_of_next) m)
    END;

-- The opaque keyset cursor: base64url of {"k": sort key, "v": value, "id"}.
-- Values are full precision (microseconds) so no row is skipped or repeated.
CREATE FUNCTION api_cursor(sort_key text, val text, id uuid) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN translate(encode(convert_to(
        json_build_object('k', sort_key, 'v', val, 'id', id)::text, 'UTF8'),
        'base64'), E'+/=\n', '-_');

CREATE FUNCTION api_ts_exact(ts timestamptz) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
