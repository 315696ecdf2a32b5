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
