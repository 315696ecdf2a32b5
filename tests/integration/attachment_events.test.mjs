// Attachment events in the outbox (SPEC "Events, webhooks and reminders";
// migration 0009): attachment.created when an upload is stored,
// attachment.deleted with its last state when it goes (by DELETE or with
// its task), in the same transaction as the change; nothing for an
// upload that was refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer, request, psql, mintToken } from './harness.mjs';

const SECRET = 'attachment-events-secret-0123456789-abcdefgh';
const RUN = randomBytes(4).toString('hex');

let srv;
before(async () => {
  srv = await startServer({ env: { BETTER_AUTH_SECRET: SECRET, STORAGE_QUOTA_BYTES: '100000' } });
});
after(async () => { await srv?.stop(); });

let n = 0;
function newUser() {
  const sub = `att-ev-${RUN}-${++n}`;
  return { sub, headers: { authorization: `Bearer ${mintToken(SECRET, sub)}` } };
}

const api = (u, path, opts = {}) => request(srv, path, {
  ...opts, headers: { ...u.headers, ...(opts.headers || {}) },
});

// The user's events in id order, as sent.
function events(u) {
  return JSON.parse(psql(`SELECT coalesce(json_agg(body::json ORDER BY id), '[]')
    FROM events WHERE user_id = '${u.sub}'`));
}

function upload(u, task, data, filename = 'notes.txt') {
  const boundary = `----e${randomBytes(6).toString('hex')}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n`
      + 'Content-Type: text/plain\r\n\r\n'),
    Buffer.from(data), Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return api(u, `/api/v1/tasks/${task}/attachments`, {
    method: 'POST', body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  });
}

async function newTask(u) {
  const r = await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'with files' } });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

test('an upload emits attachment.created with the attachment as the API answers it', async () => {
  const u = newUser();
  const task = await newTask(u);
  const r = await upload(u, task, 'hello events');
  assert.equal(r.status, 201, r.text + JSON.stringify(srv.logLines().filter((l) => l.error)));
  const evs = events(u);
  assert.deepEqual(evs.map((e) => e.type), ['task.created', 'attachment.created']);
  assert.deepEqual(evs[1].data, r.json);
  assert.ok(Number(evs[1].id) > Number(evs[0].id));
});

test('DELETE emits attachment.deleted with its last state; a refused upload emits nothing', async () => {
  const u = newUser();
  const task = await newTask(u);
  const r = await upload(u, task, 'to be deleted');
  assert.equal(r.status, 201);
  // Over STORAGE_QUOTA_BYTES (100,000): refused, nothing announced.
  const big = await upload(u, task, 'x'.repeat(100001), 'big.txt');
  assert.equal(big.status, 413, big.text);
  assert.equal((await api(u, `/api/v1/attachments/${r.json.id}`, { method: 'DELETE' })).status, 204);
  const evs = events(u);
  assert.deepEqual(evs.map((e) => e.type), ['task.created', 'attachment.created', 'attachment.deleted']);
  assert.deepEqual(evs[2].data, r.json);
});

test("deleting the task emits each of its attachments' deletes and the task's", async () => {
  const u = newUser();
  const task = await newTask(u);
  const a = await upload(u, task, 'one', 'one.txt');
  const b = await upload(u, task, 'two', 'two.txt');
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  assert.equal((await api(u, `/api/v1/tasks/${task}`, { method: 'DELETE' })).status, 204);
  const evs = events(u);
  const deleted = evs.filter((e) => e.type === 'attachment.deleted').map((e) => e.data.id).sort();
  assert.deepEqual(deleted, [a.json.id, b.json.id].sort());
  assert.equal(evs.filter((e) => e.type === 'task.deleted').length, 1);
  assert.equal(psql(`SELECT count(*) FROM attachments WHERE task_id = '${task}'`), '0');
});

test('DELETE /users/me leaves no attachment events behind', async () => {
  const u = newUser();
  const task = await newTask(u);
  assert.equal((await upload(u, task, 'bye')).status, 201);
  assert.equal((await api(u, '/api/v1/users/me', { method: 'DELETE' })).status, 204);
  assert.equal(psql(`SELECT count(*) FROM events WHERE user_id = '${u.sub}'`), '0');
  assert.equal(psql(`SELECT count(*) FROM attachments WHERE user_id = '${u.sub}'`), '0');
});
