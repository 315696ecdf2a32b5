-- wrk: POST /api/v1/tasks with a small valid body.
wrk.method = "POST"
wrk.body = '{"title":"bench task","priority":"high","tags":["bench","load"],"due_at":"2026-12-01T10:00:00Z"}'
wrk.headers["Content-Type"] = "application/json"
