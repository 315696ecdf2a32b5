// The transactional outbox (SPEC "Events, webhooks and reminders"): every
// change to a task writes its event in the same transaction, read back
// here with psql after the API calls: types, order, the event JSON and its
// data equal to the API's task; no event for a change that rolled back;
// one user's ids in commit order under concurrent writers; retention.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { startServer, request, psql, mintToken, adminUrl, sleep, createDatabase } from './harness.mjs';

const SECRET = 'events-integration-secret-0123456789-abcdefgh';
const RUN = randomBytes(4).toString('hex');
const TS_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

let nusers = 0;
function newUser(name) {
  const sub = `${name}-${RUN}-${++nusers}`;
  return { sub, headers: { authorization: `Bearer ${mintToken(SECRET, sub)}` } };
}

let srv, srv2;
before(async () => {
  srv = await startServer({ env: { BETTER_AUTH_SECRET: SECRET, EVENTS_PRUNE_SECONDS: '1' } });
  srv2 = await startServer({ env: { BETTER_AUTH_SECRET: SECRET } });
});
after(async () => { await srv?.stop(); await srv2?.stop(); });

const api = (u, path, opts = {}, s = srv) => request(s, path, {
  ...opts, headers: { ...u.headers, ...(opts.headers || {}) },
});

// The user's events in id order, each parsed.
function events(u) {
  const out = psql(`SELECT coalesce(json_agg(json_build_object('id', id, 'type', type, `
    + `'body', body::json) ORDER BY id), '[]') FROM events WHERE user_id = '${u.sub}'`);
  return JSON.parse(out);
}

// psql in the background: resolves when it ends.
function psqlAsync(sql) {
  return new Promise((resolve, reject) => {
    const p = spawn('psql', [adminUrl, '-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', sql]);
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(err))));
  });
}

describe('task events', () => {
  test('create, update, complete, re-open, delete: one event each, data as the API answers', async () => {
    const u = newUser('life');
    const c = await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'milk', tags: ['a'] } });
    assert.equal(c.status, 201);
    const id = c.json.id;
    const p = await api(u, `/api/v1/tasks/${id}`, { method: 'PATCH', body: { priority: 'high' } });
    assert.equal(p.status, 200);
    const done = await api(u, `/api/v1/tasks/${id}/complete`, { method: 'PATCH', body: '' });
    assert.equal(done.status, 200);
    assert.equal(done.json.completed, true);
    const reopened = await api(u, `/api/v1/tasks/${id}/complete`, { method: 'PATCH', body: '' });
    assert.equal(reopened.json.completed, false);
    const last = await api(u, `/api/v1/tasks/${id}`);
    const d = await api(u, `/api/v1/tasks/${id}`, { method: 'DELETE' });
    assert.equal(d.status, 204);

    const evs = events(u);
    assert.deepEqual(evs.map((e) => e.type),
      ['task.created', 'task.updated', 'task.completed', 'task.updated', 'task.deleted']);
    const answers = [c.json, p.json, done.json, reopened.json, last.json];
    evs.forEach((e, i) => {
      assert.deepEqual(Object.keys(e.body), ['id', 'type', 'created_at', 'data']);
      assert.equal(e.body.id, String(e.id));
      assert.equal(e.body.type, e.type);
      assert.match(e.body.created_at, TS_RE);
      assert.deepEqual(e.body.data, answers[i]);
      // The same keys in the same order as the API's JSON.
      assert.deepEqual(Object.keys(e.body.data), Object.keys(answers[i]));
      if (i > 0) assert.ok(e.id > evs[i - 1].id);
    });
  });

  test('completing a recurring task: task.completed and the next occurrence task.created', async () => {
    const u = newUser('recur');
    const c = await api(u, '/api/v1/tasks', { method: 'POST', body: {
      title: 'standup', recurrence: 'daily', due_at: '2030-01-01T09:00:00Z' } });
    assert.equal(c.status, 201);
    const done = await api(u, `/api/v1/tasks/${c.json.id}/complete`, { method: 'PATCH', body: '' });
    assert.equal(done.status, 200);
    const evs = events(u);
    assert.deepEqual(evs.map((e) => e.type).sort(), ['task.completed', 'task.created', 'task.created']);
    const next = evs.filter((e) => e.type === 'task.created')[1];
    assert.notEqual(next.body.data.id, c.json.id);
    assert.equal(next.body.data.due_at, '2030-01-02T09:00:00.000Z');
  });

  test('a replayed idempotent create, a stale If-Match, a missing task: no event', async () => {
    const u = newUser('noop');
    const key = { 'idempotency-key': `k-${RUN}` };
    const a = await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'once' }, headers: key });
    const b = await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'once' }, headers: key });
    assert.equal(a.status, 201);
    assert.equal(b.json.id, a.json.id);
    const stale = await api(u, `/api/v1/tasks/${a.json.id}`, {
      method: 'PATCH', body: { title: 'x' }, headers: { 'if-match': '"99"' } });
    assert.equal(stale.status, 412);
    const gone = await api(u, '/api/v1/tasks/00000000-0000-4000-8000-000000000000', { method: 'DELETE' });
    assert.equal(gone.status, 404);
    assert.deepEqual(events(u).map((e) => e.type), ['task.created']);
  });

  test('a write that rolls back at commit leaves neither the task nor its event', async () => {
    const u = newUser('rollback');
    await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'kept' } });
    // A deferred check that fails at commit, after the event trigger ran.
    psql(`CREATE FUNCTION test_boom() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'boom at commit'; END $$;
      CREATE CONSTRAINT TRIGGER test_boom AFTER INSERT OR UPDATE ON tasks
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.title = 'boom ${RUN}')
      EXECUTE FUNCTION test_boom();`);
    try {
      const r = await api(u, '/api/v1/tasks', { method: 'POST', body: { title: `boom ${RUN}` } });
      // The database refused the commit: an error answer, never a 2xx.
      assert.ok(r.status >= 500, `status ${r.status}`);
      const t = (await api(u, '/api/v1/tasks')).json.items;
      const p = await api(u, `/api/v1/tasks/${t[0].id}`, { method: 'PATCH', body: { title: `boom ${RUN}` } });
      assert.ok(p.status >= 500, `status ${p.status}`);
    } finally {
      psql('DROP TRIGGER test_boom ON tasks; DROP FUNCTION test_boom()');
    }
    assert.equal(psql(`SELECT count(*) FROM tasks WHERE user_id = '${u.sub}'`), '1');
    assert.deepEqual(events(u).map((e) => e.type), ['task.created']);
  });

  test('ids are in commit order: a writer of the same user waits for an open transaction', async () => {
    const u = newUser('order');
    const a = (await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'a' } })).json;
    const b = (await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'b' } })).json;
    // T1 takes its event id, then stays open for a while.
    const t1 = psqlAsync(`BEGIN; UPDATE tasks SET title = 'a1' WHERE id = '${a.id}';
      SELECT pg_sleep(1.5); COMMIT;`);
    for (let i = 0; i < 100; i++) {
      if (psql(`SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(1.5)%' `
        + `AND pid <> pg_backend_pid() AND state = 'active'`) === '1') break;
      await sleep(20);
    }
    const w = api(u, `/api/v1/tasks/${b.id}`, { method: 'PATCH', body: { title: 'b1' } });
    await sleep(400);
    // T1 still open: the API's change (and its event) is not committed.
    assert.equal(psql(`SELECT count(*) FROM events WHERE user_id = '${u.sub}' AND type = 'task.updated'`), '0');
    await t1;
    assert.equal((await w).status, 200);
    const ups = events(u).filter((e) => e.type === 'task.updated');
    assert.deepEqual(ups.map((e) => e.body.data.title), ['a1', 'b1']);
    assert.ok(ups[1].id > ups[0].id);
  });

  test('concurrent writers on two servers: every id a reader sees appears after the ones before it', async () => {
    const u = newUser('burst');
    const ids = [];
    for (let i = 0; i < 8; i++) {
      ids.push((await api(u, '/api/v1/tasks', { method: 'POST', body: { title: `t${i}` } })).json.id);
    }
    const base = Number(psql(`SELECT max(id) FROM events WHERE user_id = '${u.sub}'`));
    let running = true;
    const writes = (async () => {
      const all = [];
      for (let round = 0; round < 5; round++) {
        ids.forEach((id, i) => all.push(api(u, `/api/v1/tasks/${id}`, {
          method: 'PATCH', body: { description: `r${round}` } }, i % 2 ? srv : srv2)));
        await sleep(30);
      }
      const rs = await Promise.all(all);
      running = false;
      return rs;
    })();
    // A reader: committed ids only ever grow at the end (none appears
    // below one already seen).
    let seen = [];
    let snapshots = 0;
    while (running) {
      const now = JSON.parse(await psqlAsync(`SELECT coalesce(json_agg(id ORDER BY id), '[]') `
        + `FROM events WHERE user_id = '${u.sub}' AND id > ${base}`));
      const max = seen.length ? seen[seen.length - 1] : 0;
      assert.deepEqual(now.slice(0, seen.length), seen, 'a committed id disappeared or one appeared below another');
      for (const id of now.slice(seen.length)) assert.ok(id > max, `id ${id} committed after ${max}`);
      seen = now;
      snapshots++;
    }
    const rs = await writes;
    assert.ok(rs.every((r) => r.status === 200));
    assert.ok(snapshots > 1);
    assert.equal(Number(psql(`SELECT count(*) FROM events WHERE user_id = '${u.sub}' AND id > ${base}`)), 40);
  });

  test('DELETE /users/me removes its events and leaves no task.deleted behind', async () => {
    const u = newUser('gone');
    await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'x' } });
    const d = await api(u, '/api/v1/users/me', { method: 'DELETE' });
    assert.equal(d.status, 204);
    assert.equal(psql(`SELECT count(*) FROM events WHERE user_id = '${u.sub}'`), '0');
    assert.equal(psql(`SELECT count(*) FROM event_heads WHERE user_id = '${u.sub}'`), '0');
  });
});

describe('retention', () => {
  test('events older than EVENTS_RETENTION_HOURS are pruned in the background, newer kept', async () => {
    const u = newUser('prune');
    await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'old' } });
    await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'new' } });
    const [oldId] = events(u).map((e) => e.id);
    psql(`UPDATE events SET created_at = now() - interval '73 hours' WHERE id = ${oldId}`);
    let left;
    for (let i = 0; i < 100; i++) {
      left = events(u).map((e) => e.id);
      if (left.length === 1) break;
      await sleep(100);
    }
    assert.equal(left.length, 1);
    assert.notEqual(left[0], oldId);
  });
});

describe('reminders', () => {
  test('one reminder.due within a few seconds of remind_at; completion cancels another', async () => {
    const u = newUser('remind');
    const at = new Date(Date.now() + 2000).toISOString();
    const c = await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'call', remind_at: at } });
    const d = await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'done first', remind_at: at } });
    assert.equal(c.status, 201);
    await api(u, `/api/v1/tasks/${d.json.id}/complete`, { method: 'PATCH', body: '' });
    let due = [];
    for (let i = 0; i < 120 && due.length === 0; i++) {
      due = events(u).filter((e) => e.type === 'reminder.due');
      await sleep(50);
    }
    await sleep(1500);
    due = events(u).filter((e) => e.type === 'reminder.due');
    assert.equal(due.length, 1);
    assert.equal(due[0].body.data.id, c.json.id);
    assert.equal(due[0].body.data.late, false);
    assert.equal(psql(`SELECT count(*) FROM reminders WHERE user_id = '${u.sub}'`), '0');
  });

  // The user's reminder.due events: task id, seconds after remind_at.
  const fired = (u) => JSON.parse(psql(`SELECT coalesce(json_agg(json_build_object('task', `
    + `body::json->'data'->>'id', 'after', extract(epoch FROM created_at - `
    + `(body::json->'data'->>'remind_at')::timestamptz)) ORDER BY id), '[]') `
    + `FROM events WHERE user_id = '${u.sub}' AND type = 'reminder.due'`));
  const pending = (u) => psql(`SELECT count(*) FROM reminders WHERE user_id = '${u.sub}'`);

  test('each fires within 2 s of remind_at, once, with both instances running', async () => {
    const u = newUser('remind-many');
    const at = new Date(Date.now() + 1500).toISOString();
    const ids = [];
    for (let i = 0; i < 30; i++) {
      const r = await api(u, '/api/v1/tasks', { method: 'POST', body: { title: `r${i}`, remind_at: at } }, i % 2 ? srv2 : srv);
      assert.equal(r.status, 201, r.text);
      ids.push(r.json.id);
    }
    assert.equal(pending(u), '30');
    await sleep(Date.parse(at) - Date.now() + 3000);
    const got = fired(u);
    assert.deepEqual(got.map((e) => e.task).sort(), ids.sort());
    for (const e of got) assert.ok(e.after >= 0 && e.after < 2, `fired ${e.after} s after remind_at`);
    assert.equal(pending(u), '0');
  });

  test('moving remind_at reschedules it: nothing at the old time, one at the new', async () => {
    const u = newUser('remind-moved');
    const first = new Date(Date.now() + 1500).toISOString();
    const c = await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'moved', remind_at: first } });
    assert.equal(c.status, 201);
    const later = new Date(Date.now() + 5000).toISOString();
    const m = await api(u, `/api/v1/tasks/${c.json.id}`, { method: 'PATCH', body: { remind_at: later } });
    assert.equal(m.status, 200, m.text);
    await sleep(Date.parse(first) - Date.now() + 2500);
    assert.deepEqual(fired(u), []);
    assert.equal(pending(u), '1');
    await sleep(Date.parse(later) - Date.now() + 2500);
    const got = fired(u);
    assert.equal(got.length, 1);
    assert.equal(got[0].task, c.json.id);
    assert.ok(got[0].after >= 0 && got[0].after < 2, `fired ${got[0].after} s after remind_at`);
    // Cleared: no reminder left to fire.
    const n = await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'cleared', remind_at: later } });
    const cl = await api(u, `/api/v1/tasks/${n.json.id}`, { method: 'PATCH', body: { remind_at: null } });
    assert.equal(cl.status, 200, cl.text);
    assert.equal(psql(`SELECT count(*) FROM reminders WHERE task_id = '${n.json.id}'`), '0');
  });

  test('deleting the task cancels it', async () => {
    const u = newUser('remind-deleted');
    const at = new Date(Date.now() + 1500).toISOString();
    const c = await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'gone', remind_at: at } });
    assert.equal(c.status, 201);
    assert.equal(pending(u), '1');
    const d = await api(u, `/api/v1/tasks/${c.json.id}`, { method: 'DELETE' });
    assert.equal(d.status, 204);
    assert.equal(pending(u), '0');
    await sleep(Date.parse(at) - Date.now() + 2500);
    assert.deepEqual(fired(u), []);
  });

  test('a recurring task\'s next occurrence carries its moved remind_at, and that reminder fires', async () => {
    const u = newUser('remind-recur');
    // Due in a day less 3 s: the next occurrence's reminder falls due 3 s from now.
    const due = new Date(Date.now() - 86400000 + 3000);
    const c = await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'daily', recurrence: 'daily',
      due_at: due.toISOString(), remind_at: due.toISOString() } });
    assert.equal(c.status, 201, c.text);
    assert.equal(pending(u), '0');
    const done = await api(u, `/api/v1/tasks/${c.json.id}/complete`, { method: 'PATCH', body: '' });
    assert.equal(done.status, 200, done.text);
    const next = JSON.parse(psql(`SELECT json_build_object('id', id, 'remind_at', api_ts(remind_at)) FROM tasks `
      + `WHERE user_id = '${u.sub}' AND NOT completed`));
    assert.equal(next.remind_at, new Date(due.getTime() + 86400000).toISOString());
    assert.equal(psql(`SELECT count(*) FROM reminders WHERE task_id = '${next.id}'`), '1');
    await sleep(Date.parse(next.remind_at) - Date.now() + 2500);
    const got = fired(u);
    assert.equal(got.length, 1);
    assert.equal(got[0].task, next.id);
  });

  test('a reminder due while no server ran fires on the next start, once, with "late": true', async () => {
    // Its own database: no other server of this file may fire it.
    const env = { BETTER_AUTH_SECRET: SECRET, DATABASE_URL: createDatabase('events_late') };
    let s = await startServer({ env });
    const u = newUser('late');
    const at = new Date(Date.now() + 1500).toISOString();
    const c = await request(s, '/api/v1/tasks', { method: 'POST', headers: u.headers,
      body: { title: 'while down', remind_at: at } });
    assert.equal(c.status, 201);
    await s.stop();
    const q = (sql) => psql(sql, 'events_late');
    assert.equal(q(`SELECT count(*) FROM reminders WHERE task_id = '${c.json.id}'`), '1');
    await sleep(Date.parse(at) - Date.now() + 6000);
    s = await startServer({ env });
    try {
      let due = [];
      for (let i = 0; i < 160 && due.length === 0; i++) {
        due = JSON.parse(q(`SELECT coalesce(json_agg(body::json), '[]') FROM events `
          + `WHERE user_id = '${u.sub}' AND type = 'reminder.due'`));
        await sleep(50);
      }
      await sleep(1000);
      due = JSON.parse(q(`SELECT coalesce(json_agg(body::json), '[]') FROM events `
        + `WHERE user_id = '${u.sub}' AND type = 'reminder.due'`));
      assert.equal(due.length, 1);
      assert.equal(due[0].data.id, c.json.id);
      assert.equal(due[0].data.late, true);
    } finally {
      await s.stop();
    }
  });
});
