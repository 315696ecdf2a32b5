-- Tasks with their tags in the row (no join, no N+1 for a page) and a
-- generated full-text vector over title and description.
CREATE TYPE task_priority AS ENUM ('low', 'medium', 'high', 'urgent');

CREATE TABLE tasks (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description     text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    completed       boolean NOT NULL DEFAULT false,
    completed_at    timestamptz,
    priority        task_priority NOT NULL DEFAULT 'medium',
    due_at          timestamptz,
    remind_at       timestamptz,
    recurrence      text CHECK (recurrence IN ('daily', 'weekly', 'monthly')),
    tags            text[] NOT NULL DEFAULT '{}'
                    CHECK (cardinality(tags) <= 10),
    -- The occurrence created when this one was completed, so completing it
    -- again after re-opening does not create a second one.
    next_task_id    uuid,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    search          tsvector GENERATED ALWAYS AS
                    (to_tsvector('simple', title || ' ' || description)) STORED,
    CHECK (recurrence IS NULL OR due_at IS NOT NULL),
    CHECK (completed = (completed_at IS NOT NULL))
);

-- One index per sort key, each led by the owner and ending in id for the
-- tie-break and the keyset cursor.
CREATE INDEX tasks_user_created_idx ON tasks (user_id, created_at, id);
CREATE INDEX tasks_user_updated_idx ON tasks (user_id, updated_at, id);
CREATE INDEX tasks_user_due_idx ON tasks (user_id, due_at ASC NULLS LAST, id);
CREATE INDEX tasks_user_due_desc_idx ON tasks (user_id, due_at DESC NULLS LAST, id DESC);
CREATE INDEX tasks_user_priority_idx ON tasks (user_id, priority, id);
CREATE INDEX tasks_user_title_idx ON tasks (user_id, title, id);
-- Filters: open tasks by due date (overdue), tags, full-text search.
CREATE INDEX tasks_user_open_due_idx ON tasks (user_id, due_at)
    WHERE NOT completed;
CREATE INDEX tasks_tags_idx ON tasks USING gin (tags);
CREATE INDEX tasks_search_idx ON tasks USING gin (search);
