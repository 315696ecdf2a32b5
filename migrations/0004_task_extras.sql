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

-- The next due date of a recurring task, on the UTC calendar whatever the
-- session's time zone. Monthly moves to the anchor day of the next month,
-- clamped to that month's last day.
CREATE FUNCTION api_next_due(due timestamptz, rule text, anchor_day int)
    RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN CASE rule
        WHEN 'daily' THEN ((due AT TIME ZONE 'UTC') + interval '1 day') AT TIME ZONE 'UTC'
        WHEN 'weekly' THEN ((due AT TIME ZONE 'UTC') + interval '7 days') AT TIME ZONE 'UTC'
        WHEN 'monthly' THEN (
            SELECT (first_of_next + make_interval(days =>
                        least(coalesce(anchor_day, extract(day FROM due AT TIME ZONE 'UTC')::int),
                              extract(day FROM (first_of_next + interval '1 month - 1 day'))::int) - 1)
                    + ((due AT TIME ZONE 'UTC') - date_trunc('day', due AT TIME ZONE 'UTC')))
                   AT TIME ZONE 'UTC'
            FROM (SELECT date_trunc('month', due AT TIME ZONE 'UTC') + interval '1 month'
                  AS first_of_next) m)
    END;

