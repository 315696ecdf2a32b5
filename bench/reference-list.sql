-- SPEC's reference: a one-statement task list (page with tags, total) of
-- the kind an idiomatic implementation sends. Our statement should be at
-- least as fast.
SELECT json_build_object(
    'items', (SELECT coalesce(json_agg(row_to_json(p)), '[]'::json) FROM
        (SELECT id, title, description, completed, priority, due_at, tags,
                created_at, updated_at
         FROM tasks WHERE user_id = :user
         ORDER BY created_at DESC, id DESC LIMIT 20) p),
    'total', (SELECT count(*) FROM tasks WHERE user_id = :user));
