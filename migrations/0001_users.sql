-- Users are Better Auth's: the id is the token's `sub`. The row is created
-- or refreshed from the token's claims just in time.
CREATE TABLE users (
    id              text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 255),
    email           text NOT NULL DEFAULT '' CHECK (length(email) <= 320),
    name            text NOT NULL DEFAULT '' CHECK (length(name) <= 255),
    image           text CHECK (length(image) <= 2048),
    role            text NOT NULL DEFAULT 'user' CHECK (length(role) <= 64),
    timezone        text NOT NULL DEFAULT 'UTC' CHECK (length(timezone) <= 64),
    webhook_url     text CHECK (length(webhook_url) <= 2048),
    webhook_secret  text CHECK (length(webhook_secret) <= 256),
    -- Hash of the claims last written, so unchanged claims cost no write.
    claims_hash     text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Admin listing: search by email or name, sort by these.
CREATE INDEX users_email_idx ON users (email);
CREATE INDEX users_created_at_idx ON users (created_at, id);
