// Query plans of the real statements: with 100,000 tasks of other users in
// the table, every task list the server runs (default, each filter, q, each
// sort) uses indexes, and a list is one statement whatever its length.
// PostgreSQL's auto_explain logs the plan of each statement the server's
// own connections run; the test reads them from the cluster's log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { startServer, request, psql, createDatabase } from './harness.mjs';

const secret = 'plans-test-shared-secret-0123456789';
const user = 'plan-user';
const logFile = path.join(process.env.TEST_PGDATA, 'server.log');
let srv;
let token;

function mint(sub) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, email: `${sub}@example.com`, name: sub, role: 'user', iat: now, exp: now + 3600 })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

// The plans auto_explain logged since offset, for statements on tasks.
function plansSince(offset) {
  const text = readFileSync(logFile, 'utf8').slice(offset);
  const plans = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/LOG:\s+duration: .* plan:/.test(lines[i])) continue;
    const body = [];
    for (i++; i < lines.length && /^\s/.test(lines[i]); i++) body.push(lines[i]);
    i--;
    plans.push(JSON.parse(body.join('\n')));
  }
  return plans;
}

function nodes(plan, out = []) {
  out.push(plan);
  for (const p of plan.Plans || []) nodes(p, out);
  return out;
}

async function listPlans(query, who = user) {
  const offset = statSync(logFile).size;
  const r = await request(srv, `/api/v1/tasks${query}`, { headers: { authorization: `Bearer ${mint(who)}` } });
  assert.equal(r.status, 200, r.text);
  // auto_explain writes when the statement ends; give the log a moment.
  for (let i = 0; i < 20; i++) {
    const plans = plansSince(offset).filter((p) => /FROM tasks t WHERE/.test(p['Query Text']));
    if (plans.length > 0) return { plans, body: r.json };
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`no plan logged for ${query}`);
}

before(async () => {
  const url = createDatabase('plans');
  // Superuser settings, so on the database: the server's role cannot set them.
  psql(`ALTER DATABASE plans SET session_preload_libraries = 'auto_explain';
    ALTER DATABASE plans SET auto_explain.log_min_duration = 0;
    ALTER DATABASE plans SET auto_explain.log_format = 'json'`, 'postgres');
  srv = await startServer({ env: { DATABASE_URL: url, BETTER_AUTH_SECRET: secret } });
  token = mint(user);
  // The first request creates the user's row (just in time).
  assert.equal((await request(srv, '/api/v1/tags', { headers: { authorization: `Bearer ${token}` } })).status, 200);
  psql(`
    INSERT INTO users (id, email) SELECT 'other-' || g, 'o' || g || '@example.com' FROM generate_series(1, 1000) g;
    INSERT INTO tasks (user_id, title, description, priority, due_at, tags, completed, completed_at)
      SELECT 'other-' || (g % 1000 + 1), 'task ' || g || ' milk', 'about bread ' || g,
        (ARRAY['low','medium','high','urgent'])[g % 4 + 1]::task_priority,
        CASE WHEN g % 3 = 0 THEN NULL ELSE now() + (g % 50 - 25) * interval '1 day' END,
        ARRAY['t' || (g % 20), 'work'], g % 5 = 0, CASE WHEN g % 5 = 0 THEN now() END
      FROM generate_series(1, 100000) g;
    INSERT INTO tasks (user_id, title, description, priority, due_at, tags)
      SELECT '${user}', 'mine ' || g || CASE WHEN g % 10 = 0 THEN ' milk' ELSE '' END, 'text ' || g,
        (ARRAY['low','medium','high','urgent'])[g % 4 + 1]::task_priority,
        CASE WHEN g % 4 = 0 THEN NULL ELSE now() + (g % 40 - 20) * interval '1 day' END,
        CASE WHEN g % 2 = 0 THEN ARRAY['home'] ELSE ARRAY['work', 'home'] END
      FROM generate_series(1, 300) g;
    INSERT INTO tasks (user_id, title, tags) SELECT '${user}', 'zebra crossing ' || g, ARRAY['zoo'] FROM generate_series(1, 3) g;
    INSERT INTO users (id, email) VALUES ('big-user', 'big@example.com');
    INSERT INTO tasks (user_id, title, tags) SELECT 'big-user', 'big task ' || g || CASE WHEN g % 7000 = 0 THEN ' zebra' ELSE '' END, ARRAY['big']
      FROM generate_series(1, 20000) g;
    ANALYZE users; ANALYZE tasks;`, 'plans');
});

after(async () => { await srv?.stop(); });

const lists = [
  ['default list', ''],
  ['completed filter', '?completed=false'],
  ['priority filter', '?priority=high'],
  ['tag filter', '?tag=work'],
  ['two tags', '?tag=work&tag=home'],
  ['due_before', `?due_before=${encodeURIComponent(new Date(Date.now() + 5 * 864e5).toISOString())}`],
  ['due_after', `?due_after=${encodeURIComponent(new Date(Date.now() - 5 * 864e5).toISOString())}`],
  ['overdue', '?overdue=true'],
  ['q, a common word', '?q=milk'],
  ['q, a rare word', '?q=zebra'],
  ['q, a rare word among 20,000 own tasks', '?q=zebra', 'big-user'],
  // Prefix matching (search-as-you-type): the same GIN index answers it.
  ['q, a prefix of a common word', '?q=mil'],
  ['q, a prefix of a rare word', '?q=zeb'],
  ['q, two prefixes', '?q=zeb%20cro'],
  ['q, a prefix of a rare word among 20,000 own tasks', '?q=zeb', 'big-user'],
  ['q, a one-letter prefix among 20,000 own tasks', '?q=z', 'big-user'],
];
for (const key of ['created_at', 'updated_at', 'due_at', 'priority', 'title']) {
  lists.push([`sort ${key}`, `?sort=${key}`]);
  lists.push([`sort -${key}`, `?sort=-${key}`]);
}

for (const [name, query, who] of lists) {
  test(`${name}: no sequential scan of tasks`, async () => {
    const { plans } = await listPlans(query, who);
    assert.equal(plans.length, 1, 'one statement per list');
    const all = nodes(plans[0].Plan);
    const onTasks = all.filter((n) => n['Relation Name'] === 'tasks');
    assert.ok(onTasks.length > 0, 'the plan reads tasks');
    for (const n of onTasks) {
      assert.notEqual(n['Node Type'], 'Seq Scan', `${name}: ${JSON.stringify(n).slice(0, 300)}`);
    }
    const indexes = all.map((n) => n['Index Name']).filter(Boolean);
    assert.ok(indexes.some((i) => i.startsWith('tasks_')), `${name}: indexes ${indexes}`);
    if (query.startsWith('?q=')) {
      // Full-text matching, never a LIKE scan.
      assert.match(JSON.stringify(plans[0].Plan), /@@/);
    }
    // Among many own tasks, a rare word is found through the GIN index,
    // not by reading the user's rows one by one.
    if (who === 'big-user') assert.ok(indexes.includes('tasks_search_idx'), `q uses the GIN index: ${indexes}`);
  });
}

test('q prefixes find what the whole words find, through the GIN index', async () => {
  const { body: whole } = await listPlans('?q=zebra&limit=100', 'big-user');
  const { body: prefix, plans } = await listPlans('?q=ZEB&limit=100', 'big-user');
  assert.equal(whole.total, 2);
  assert.deepEqual(prefix.items.map((t) => t.id).sort(), whole.items.map((t) => t.id).sort());
  const { body: two } = await listPlans('?q=zeb%20cross', user);
  assert.equal(two.total, 3);
  const indexes = nodes(plans[0].Plan).map((n) => n['Index Name']).filter(Boolean);
  assert.ok(indexes.includes('tasks_search_idx'), `prefix q uses the GIN index: ${indexes}`);
  // The query is folded to a constant before planning: the plan holds
  // the prefix tsquery itself, not a function of the parameter.
  assert.match(JSON.stringify(plans[0].Plan), / @@ '''[0-9a-f]{8}zeb'':\*'::tsquery/);
});

test('a list is one statement whatever its length', async () => {
  const small = await listPlans('?limit=1');
  const large = await listPlans('?limit=100');
  assert.equal(small.plans.length, 1);
  assert.equal(large.plans.length, 1);
  assert.equal(large.body.items.length, 100);
  assert.equal(large.body.total, 303);
  assert.equal(small.body.items.length, 1);
  assert.ok(large.body.items.every((t) => Array.isArray(t.tags) && t.tags.length > 0));
});

// The statements of one request whose plan auto_explain logged, matched
// by their text.
async function requestPlans(urlPath, opts, match) {
  const offset = statSync(logFile).size;
  const r = await request(srv, urlPath, { ...opts, headers: { authorization: `Bearer ${token}`, ...(opts.headers || {}) } });
  for (let i = 0; i < 20; i++) {
    const plans = plansSince(offset).filter((p) => match.test(p['Query Text']));
    if (plans.length > 0) return { plans, r };
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`no plan logged for ${urlPath}`);
}

test('totals of unfiltered and completed lists read the counters, not the tasks', async () => {
  for (const query of ['', '?completed=true', '?completed=false&sort=title']) {
    const { plans, body } = await listPlans(query);
    const all = nodes(plans[0].Plan);
    const counts = all.filter((n) => n['Relation Name'] === 'task_counts');
    assert.ok(counts.length > 0, query);
    for (const n of counts) {
      assert.ok(nodes(n).some((m) => m['Index Name'] === 'task_counts_pkey'), `${query}: ${JSON.stringify(n)}`);
    }
    assert.ok(!all.some((n) => n['Node Type'] === 'Aggregate' && (n.Plans || []).some((p) => p['Relation Name'] === 'tasks')),
      `${query}: no count over tasks`);
    assert.equal(body.total_exact, true);
  }
});

test('the total of one tag alone reads the tag counts', async () => {
  const { plans, body } = await listPlans('?tag=home');
  assert.deepEqual([body.total, body.total_exact], [300, true]);
  const all = nodes(plans[0].Plan);
  assert.ok(all.some((n) => n['Relation Name'] === 'tag_counts'), JSON.stringify(plans[0].Plan).slice(0, 400));
  assert.ok(!all.some((n) => n['Node Type'] === 'Aggregate' && nodes(n).some((p) => p['Relation Name'] === 'tasks')));
});

test('a filtered total stops counting at 10,001 rows', async () => {
  const { plans, body } = await listPlans('?q=big', 'big-user');
  assert.deepEqual([body.total, body.total_exact], [10000, false]);
  const limits = nodes(plans[0].Plan).filter((n) => n['Node Type'] === 'Limit');
  assert.ok(limits.some((n) => n['Actual Rows'] === undefined || n['Actual Rows'] <= 10001), JSON.stringify(limits).slice(0, 300));
  assert.ok(!nodes(plans[0].Plan).some((n) => n['Relation Name'] === 'tasks' && n['Node Type'] === 'Seq Scan'));
});

// Once a worker has counted q=big capped, its page is the many-matches
// form: q a test no index serves, so the page walks the owner's sort
// index and stops at a page, never fetching and sorting every match.
test('a q known to match more than the cap: the page walks the owner\'s sort index', async () => {
  let many = 0;
  for (let i = 0; i < 6; i++) {
    const { plans, body } = await listPlans('?q=big', 'big-user');
    assert.deepEqual([body.total, body.total_exact], [10000, false]);
    const all = nodes(plans[0].Plan);
    assert.ok(!all.some((n) => n['Relation Name'] === 'tasks' && n['Node Type'] === 'Seq Scan'));
    const onTasks = all.filter((n) => n['Relation Name'] === 'tasks' && n['Node Type'] !== 'Bitmap Heap Scan');
    if (plans[0]['Query Text'].includes(') IS TRUE ORDER BY')
      && onTasks.length > 0 && onTasks.every((n) => n['Index Name'] === 'tasks_user_created_idx')) many++;
  }
  // Two workers, six requests: each worker has counted by its second.
  assert.ok(many >= 4, `many-matches form in ${many} of 6`);
});

test('/tags reads the tag counts by the owner, never the tasks', async () => {
  const { plans, r } = await requestPlans('/api/v1/tags', {}, /FROM tag_counts/);
  assert.equal(r.status, 200);
  assert.ok(r.json.items.some((t) => t.name === 'home' && t.task_count === 300), r.text);
  const all = nodes(plans[0].Plan);
  assert.ok(!all.some((n) => n['Relation Name'] === 'tasks'));
  assert.ok(all.some((n) => n['Index Name'] === 'tag_counts_pkey'), JSON.stringify(plans[0].Plan).slice(0, 400));
});

// Every statement that reads one task by id: the primary key, and no
// other index could serve it (with the primary key hidden from the
// planner, the statement has only a sequential scan left), so stale
// statistics cannot turn it to an owner-led index.
test('statements on one task by id use the primary key whatever the statistics say', async () => {
  const id = psql(`SELECT id FROM tasks WHERE user_id = '${user}' ORDER BY created_at LIMIT 1`, 'plans');
  // Each with its statement's parameters after the owner and the id.
  const calls = [
    ['GET', `/api/v1/tasks/${id}`, undefined, []],
    ['PATCH', `/api/v1/tasks/${id}`, { title: 'renamed' }, ['{"title": "x"}', null]],
    ['PATCH', `/api/v1/tasks/${id}/complete`, undefined, [null]],
    ['PUT', `/api/v1/tasks/${id}`, { title: 'replaced' }, ['{"title": "x"}', null]],
    ['DELETE', `/api/v1/tasks/${id}`, undefined, [null]],
  ];
  for (const [method, urlPath, body, rest] of calls) {
    // The request's statement, not a background job's (webhook claims
    // and reminders take parameters too).
    const { plans, r } = await requestPlans(urlPath, { method, body }, /^(?![\s\S]*\b(deliveries|reminders)\b)[\s\S]*\$2/);
    assert.ok(r.status < 300, `${method} ${urlPath}: ${r.text}`);
    const onTasks = nodes(plans[0].Plan).filter((n) => n['Relation Name'] === 'tasks' && n['Node Type'] !== 'ModifyTable');
    assert.ok(onTasks.length > 0, method);
    for (const n of onTasks) assert.equal(n['Index Name'], 'tasks_pkey', `${method}: ${JSON.stringify(n).slice(0, 300)}`);

    const text = plans[0]['Query Text'];
    const plan = psql(`BEGIN;
      UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'tasks_pkey'::regclass;
      PREPARE s AS ${text};
      EXPLAIN (FORMAT JSON) EXECUTE s(${[user, id, ...rest].map((v) => (v === null ? 'NULL' : `'${v}'`)).join(', ')});
      ROLLBACK;`, 'plans');
    // Another index could only be read whole (id is no leading column),
    // at a cost that no owner statistics make small: the owner is never
    // an index condition.
    const byOwner = nodes(JSON.parse(plan.slice(plan.indexOf('[')))[0].Plan)
      .filter((n) => /user_id/.test(n['Index Cond'] || '') || /user_id/.test(n['Recheck Cond'] || ''));
    assert.deepEqual(byOwner, [], `${method}: the owner as an index condition`);
  }
});

// GET /users/me/deliveries: the user's list index (user_id, created_at,
// id) of migration 0007, newest first, with 50,000 deliveries of other
// users in the table; with the status filter and after a cursor too.
test('the deliveries list reads the user\'s list index, never the whole table', async () => {
  psql(`
    INSERT INTO events (id, user_id, type, body)
      SELECT nextval('events_id_seq'), CASE WHEN g <= 300 THEN '${user}' ELSE 'other-' || (g % 1000 + 1) END,
        'task.created', '{}' FROM generate_series(1, 50300) g;
    INSERT INTO deliveries (user_id, event_id, event_type, status, attempts, created_at, delivered_at)
      SELECT e.user_id, e.id, e.type, CASE WHEN e.id % 10 = 0 THEN 'dead' ELSE 'delivered' END, 1,
        now() - (e.id % 5000) * interval '1 second', now()
      FROM events e WHERE e.type = 'task.created' AND e.body = '{}';
    ANALYZE events; ANALYZE deliveries;`, 'plans');
  const list = async (query) => {
    const { plans, r } = await requestPlans(`/api/v1/users/me/deliveries${query}`, {}, /FROM deliveries d WHERE d\.user_id/);
    assert.equal(r.status, 200, r.text);
    return { plans, body: r.json };
  };
  const first = await list('?limit=5');
  assert.equal(first.body.total, 300);
  assert.equal(first.body.items.length, 5);
  for (const query of ['', '?status=dead', `?limit=5&cursor=${first.body.next_cursor}`]) {
    const { plans, body } = await list(query);
    assert.equal(plans.length, 1, `${query}: one statement`);
    const all = nodes(plans[0].Plan);
    const onDeliveries = all.filter((n) => n['Relation Name'] === 'deliveries');
    assert.ok(onDeliveries.length > 0, query);
    for (const n of onDeliveries) assert.notEqual(n['Node Type'], 'Seq Scan', `${query}: ${JSON.stringify(n).slice(0, 300)}`);
    assert.ok(all.some((n) => n['Index Name'] === 'deliveries_user_list_idx'), `${query}: ${all.map((n) => n['Index Name']).filter(Boolean)}`);
    if (query === '?status=dead') assert.ok(body.items.every((d) => d.status === 'dead') && body.total === 30, query);
  }
});

// Filtered lists counted up to 10,000: the user's write version is read
// by its primary key, and a query known to match few rows reads its page
// from the GIN index's matches (the "few matches" form, a fenced
// subquery), not by walking a sort index of the user's 20,000 tasks. On
// this data the planner picks the GIN index for the unfenced form too, so
// this guards the plan, not the form (bench/growth.sh shows the form: a
// user with 100,000 tasks, q=zebra).
test('remembered counts: the version by primary key, few matches read from the GIN index', async () => {
  let few = 0;
  for (let i = 0; i < 6; i++) {
    const { plans, body } = await listPlans('?q=zeb&sort=title', 'big-user');
    assert.equal(body.total, 2);
    const all = nodes(plans[0].Plan);
    const heads = all.filter((n) => n['Relation Name'] === 'event_heads');
    assert.ok(heads.length > 0, 'the version is read');
    for (const n of heads) assert.equal(n['Index Name'], 'event_heads_pkey', JSON.stringify(n).slice(0, 300));
    // The few-matches form (the fence is planned away once it has done
    // its work): no sort index of tasks anywhere in the plan.
    // Nor another index ANDed in: q's lexemes carry the owner, so the
    // owner test is only a recheck (an AND with the tags index read every
    // entry of the owner's).
    const onTasks = all.filter((n) => n['Relation Name'] === 'tasks').map((n) => n['Index Name'] || n['Node Type']);
    const indexes = all.map((n) => n['Index Name']).filter(Boolean);
    if (onTasks.every((i) => i === 'tasks_search_idx' || i === 'Bitmap Heap Scan')
      && indexes.every((i) => i === 'tasks_search_idx' || i === 'event_heads_pkey')) few++;
  }
  // Two workers, six requests: each worker has counted by its second.
  assert.ok(few >= 4, `few-matches form in ${few} of 6`);
});

// The webhook claim (src/jobs/jobs_sql.h) every worker runs: with 20,000
// open deliveries queued behind 100 users' heads, it reads the heads'
// index (deliveries_head_due_idx, migration 0014), not every open
// delivery. The queue here is leased far ahead, so nothing is sent and
// the idle claims keep coming (one a second a worker).
test('the webhook claim reads only the queue heads', async () => {
  psql(`
    INSERT INTO events (id, user_id, type, body)
      SELECT nextval('events_id_seq'), 'queued-' || (g % 100 + 1), 'task.created', '{"queued":1}'
      FROM generate_series(1, 20000) g;
    INSERT INTO deliveries (user_id, event_id, event_type, lease_until, is_head)
      SELECT e.user_id, e.id, e.type, now() + interval '1 hour', false
      FROM events e WHERE e.body = '{"queued":1}';
    UPDATE deliveries d SET is_head = true FROM (SELECT DISTINCT ON (user_id) id FROM deliveries
      WHERE user_id LIKE 'queued-%' ORDER BY user_id, event_id) h WHERE d.id = h.id;
    ANALYZE events; ANALYZE deliveries;`, 'plans');
  const offset = statSync(logFile).size;
  let claims = [];
  for (let i = 0; i < 60 && claims.length === 0; i++) {
    await new Promise((res) => setTimeout(res, 100));
    claims = plansSince(offset).filter((p) => /FOR UPDATE OF d SKIP LOCKED/.test(p['Query Text']));
  }
  assert.ok(claims.length > 0, 'no claim plan logged');
  const all = nodes(claims[0].Plan);
  const scans = all.filter((n) => n['Relation Name'] === 'deliveries' && n['Alias'] === 'd');
  assert.ok(scans.length > 0, JSON.stringify(claims[0].Plan).slice(0, 500));
  for (const n of scans) assert.equal(n['Index Name'], 'deliveries_head_due_idx', JSON.stringify(n).slice(0, 400));
  assert.equal(psql(`SELECT count(*) FROM deliveries WHERE user_id LIKE 'queued-%' AND status = 'pending'`, 'plans'), '20000');
});
