// The per-user counters behind a list's total and /tags (migration 0005):
// hammered by concurrent creates, replaces, patches, completions of
// recurring tasks, deletes and DELETE /users/me over real HTTPS, they must
// equal count(*) over the tasks afterwards, and the API must answer them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer, request, psql, mintToken, sleep } from './harness.mjs';

const SECRET = 'counters-integration-secret-0123456789-abcdef';
const RUN = randomBytes(4).toString('hex');
const TAGS = ['a', 'b', 'c', 'd', 'e'];

let srv;
before(async () => {
  srv = await startServer({ env: { BETTER_AUTH_SECRET: SECRET, RATE_LIMIT_RPM: '0' } });
});
after(async () => { await srv?.stop(); });

const lit = (s) => `'${s.replace(/'/g, "''")}'`;
function user(name) {
  const sub = `${name}-${RUN}`;
  return { sub, headers: { authorization: `Bearer ${mintToken(SECRET, sub)}` } };
}

// A TLS handshake that fails under load never reached the handler, so it
// is retried; anything else is not.
async function api(u, path, opts = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request(srv, path, { ...opts, headers: { ...u.headers, ...(opts.headers || {}) } });
    } catch (e) {
      if (e.code !== 'EPROTO' || attempt >= 4) throw e;
    }
  }
}

// A small deterministic generator, so a failure can be replayed.
function rng(seed) {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}
const pick = (r, a) => a[Math.floor(r() * a.length)];
function someTags(r) {
  return TAGS.filter(() => r() < 0.4);
}

// What the counters say and what count(*) says, for one user.
function counted(sub) {
  return JSON.parse(psql(`SELECT json_build_object(
    'total', (SELECT coalesce(sum(total), 0) FROM task_counts WHERE user_id = ${lit(sub)}),
    'completed', (SELECT coalesce(sum(completed), 0) FROM task_counts WHERE user_id = ${lit(sub)}),
    'tags', (SELECT coalesce(json_object_agg(name, n ORDER BY name), '{}') FROM
      (SELECT name, sum(n) AS n FROM tag_counts WHERE user_id = ${lit(sub)} GROUP BY name HAVING sum(n) <> 0) s))`));
}
function actual(sub) {
  return JSON.parse(psql(`SELECT json_build_object(
    'total', (SELECT count(*) FROM tasks WHERE user_id = ${lit(sub)}),
    'completed', (SELECT count(*) FROM tasks WHERE user_id = ${lit(sub)} AND completed),
    'tags', (SELECT coalesce(json_object_agg(name, n ORDER BY name), '{}') FROM
      (SELECT name, count(*) AS n FROM tasks, unnest(tags) name WHERE user_id = ${lit(sub)} GROUP BY name) s))`));
}

// One writer: n random operations on u's tasks, ids shared with the other
// writers of u, so they race on the same rows.
// A write racing a delete of its task may answer 412 (the row went
// between the statement's read and its write). With racingUser, writes
// race DELETE /users/me, which may also fail them with a 500 (a create's
// foreign key check finds the user gone, or a completion's spawn and the
// cascade wait on each other: PostgreSQL's deadlock error); the counters
// must be right whichever way each went.
async function writer(u, ids, seed, n, racingUser = false) {
  const r = rng(seed);
  const ok = (res, codes) => assert.ok(codes.includes(res.status) || (racingUser && res.status === 500), res.text);
  for (let i = 0; i < n; i++) {
    const op = r();
    const id = ids.length > 0 ? pick(r, ids) : null;
    let res;
    if (op < 0.3 || id === null) {
      const recurring = r() < 0.5;
      res = await api(u, '/api/v1/tasks', {
        method: 'POST',
        body: {
          title: `t${seed}-${i}`, tags: someTags(r), completed: r() < 0.2,
          ...(recurring ? { due_at: '2030-01-01T00:00:00Z', recurrence: 'daily' } : {}),
        },
      });
      ok(res, [201, 401]);
      if (res.status === 201) ids.push(res.json.id);
    } else if (op < 0.5) {
      res = await api(u, `/api/v1/tasks/${id}/complete`, { method: 'PATCH' });
      ok(res, [200, 404, 412, 401]);
      const next = res.headers['x-next-task-id'];
      if (next) ids.push(next);
    } else if (op < 0.65) {
      res = await api(u, `/api/v1/tasks/${id}`, { method: 'PATCH', body: { tags: someTags(r), completed: r() < 0.5 } });
      ok(res, [200, 404, 412, 401]);
    } else if (op < 0.75) {
      res = await api(u, `/api/v1/tasks/${id}`, { method: 'PUT', body: { title: 'replaced', tags: someTags(r) } });
      ok(res, [200, 404, 412, 401]);
    } else if (op < 0.8) {
      res = await api(u, `/api/v1/tasks/${id}`, { method: 'PATCH', body: { title: 'renamed' } });
      ok(res, [200, 404, 412, 401]);
    } else {
      res = await api(u, `/api/v1/tasks/${id}`, { method: 'DELETE' });
      ok(res, [204, 404, 412, 401]);
    }
  }
}

test('counters equal count(*) after concurrent writes, completions and deletes', async () => {
  const users = [user('cnt-a'), user('cnt-b')];
  const jobs = [];
  for (const [k, u] of users.entries()) {
    const ids = [];
    for (let w = 0; w < 6; w++) jobs.push(writer(u, ids, 1000 * k + w + 1, 60));
  }
  // A bulk statement of the database's own amid the requests.
  jobs.push((async () => {
    await sleep(200);
    // The users' rows exist once their first requests are through (a
    // loaded machine may take longer than the 200 ms).
    for (let i = 0; i < 200 && psql(`SELECT count(*) FROM users WHERE id IN `
      + `(${users.map((u) => lit(u.sub)).join(', ')})`) !== '2'; i++) await sleep(50);
    psql(`INSERT INTO tasks (user_id, title, tags, completed, completed_at)
      SELECT ${lit(users[0].sub)}, 'bulk ' || g, ARRAY['a', 'z'], g % 3 = 0, CASE WHEN g % 3 = 0 THEN now() END
      FROM generate_series(1, 500) g`);
    await sleep(200);
    psql(`UPDATE tasks SET completed = NOT completed, completed_at = CASE WHEN completed THEN NULL ELSE now() END
      WHERE user_id = ${lit(users[0].sub)} AND title LIKE 'bulk %' AND random() < 0.5`);
    psql(`DELETE FROM tasks WHERE user_id = ${lit(users[0].sub)} AND title LIKE 'bulk %' AND random() < 0.3`);
  })());
  await Promise.all(jobs);

  for (const u of users) {
    const want = actual(u.sub);
    assert.ok(want.total > 0, 'the writers made tasks');
    assert.deepEqual(counted(u.sub), want, u.sub);

    // The API answers the counters, exact, for the list and completed.
    const all = await api(u, '/api/v1/tasks?limit=1');
    assert.equal(all.status, 200, all.text);
    assert.equal(all.json.total, want.total);
    assert.equal(all.json.total_exact, true);
    const done = await api(u, '/api/v1/tasks?limit=1&completed=true');
    assert.equal(done.json.total, want.completed);
    assert.equal(done.json.total_exact, true);
    const open = await api(u, '/api/v1/tasks?limit=1&completed=false');
    assert.equal(open.json.total, want.total - want.completed);
    const tags = await api(u, '/api/v1/tags');
    assert.equal(tags.status, 200, tags.text);
    assert.deepEqual(Object.fromEntries(tags.json.items.map((t) => [t.name, t.task_count])), want.tags);
  }
});

test('DELETE /users/me amid concurrent writes leaves no counts behind', async () => {
  const u = user('cnt-del');
  const ids = [];
  await writer(u, ids, 77, 20);
  assert.ok(actual(u.sub).total > 0);
  const jobs = [];
  for (let w = 0; w < 4; w++) jobs.push(writer(u, ids, 500 + w, 30, true));
  jobs.push((async () => {
    await sleep(300);
    const r = await api(u, '/api/v1/users/me', { method: 'DELETE' });
    assert.equal(r.status, 204, r.text);
  })());
  await Promise.all(jobs);

  // Writers whose token was minted in the deletion's second may go on
  // (the user is made again just in time): whatever is left is counted.
  const left = actual(u.sub);
  assert.deepEqual(counted(u.sub), left);
  if (left.total === 0) {
    assert.equal(psql(`SELECT count(*) FROM task_counts WHERE user_id = ${lit(u.sub)}`), '0');
    assert.equal(psql(`SELECT count(*) FROM tag_counts WHERE user_id = ${lit(u.sub)}`), '0');
  }
});

test('DELETE /users/me leaves no counts behind', async () => {
  const u = user('cnt-gone');
  await writer(u, [], 99, 30);
  assert.ok(actual(u.sub).total > 0);
  const r = await api(u, '/api/v1/users/me', { method: 'DELETE' });
  assert.equal(r.status, 204, r.text);
  assert.equal(psql(`SELECT count(*) FROM task_counts WHERE user_id = ${lit(u.sub)}`), '0');
  assert.equal(psql(`SELECT count(*) FROM tag_counts WHERE user_id = ${lit(u.sub)}`), '0');
});

test('a filtered total is exact up to 10,000 matches, then 10,000 and not exact', async () => {
  const u = user('cnt-cap');
  assert.equal((await api(u, '/api/v1/tags')).status, 200);
  psql(`INSERT INTO tasks (user_id, title, priority, tags)
    SELECT ${lit(u.sub)}, 'cap ' || g, CASE WHEN g <= 10000 THEN 'high' ELSE 'low' END::task_priority,
      CASE WHEN g <= 10001 THEN ARRAY['many'] ELSE ARRAY['few'] END
    FROM generate_series(1, 10010) g`);
  const high = await api(u, '/api/v1/tasks?priority=high&limit=1');
  assert.equal(high.status, 200, high.text);
  assert.deepEqual([high.json.total, high.json.total_exact], [10000, true]);
  // One tag alone is counted by the tag counts: exact at any size.
  const many = await api(u, '/api/v1/tasks?tag=many&limit=1');
  assert.deepEqual([many.json.total, many.json.total_exact], [10001, true]);
  const manyq = await api(u, '/api/v1/tasks?tag=many&q=cap&limit=1');
  assert.deepEqual([manyq.json.total, manyq.json.total_exact], [10000, false]);
  const manyq2 = await api(u, '/api/v1/tasks?q=cap&limit=1');
  assert.deepEqual([manyq2.json.total, manyq2.json.total_exact], [10000, false]);
  const few = await api(u, '/api/v1/tasks?tag=few&limit=1');
  assert.deepEqual([few.json.total, few.json.total_exact], [9, true]);
  // The unfiltered and completed totals come from the counters: exact at
  // any size.
  const all = await api(u, '/api/v1/tasks?limit=1');
  assert.deepEqual([all.json.total, all.json.total_exact], [10010, true]);
  const open = await api(u, '/api/v1/tasks?limit=1&completed=false');
  assert.deepEqual([open.json.total, open.json.total_exact], [10010, true]);
  const tags = await api(u, '/api/v1/tags');
  assert.deepEqual(tags.json.items, [{ name: 'few', task_count: 9 }, { name: 'many', task_count: 10001 }]);
});
