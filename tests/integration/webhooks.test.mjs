// Webhook deliveries to a real local receiver (plain HTTP, so
// WEBHOOK_ALLOW_PRIVATE_NETWORKS=true): the body is the event, both
// signatures verify with the user's secret, retries after failures keep
// the X-Event-Id, a receiver that keeps failing makes the delivery dead,
// and one user's events arrive in event order.
// WEBHOOK_BACKOFF_BASE_MS=100 (test-only) makes the backoff 100x shorter.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHmac, randomBytes } from 'node:crypto';
import { startServer, request, psql, mintToken, sleep } from './harness.mjs';

const SECRET = 'webhooks-integration-secret-0123456789-abcdef';
const RUN = randomBytes(4).toString('hex');
let nusers = 0;
function newUser(name) {
  const sub = `${name}-${RUN}-${++nusers}`;
  return { sub, headers: { authorization: `Bearer ${mintToken(SECRET, sub)}` } };
}

// The receiver: every request kept per path; plan[path] answers them.
const got = new Map();
const plan = new Map();
let receiver, rport;
before(async () => {
  receiver = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const list = got.get(req.url) ?? [];
      list.push({ headers: req.headers, raw: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      got.set(req.url, list);
      const answer = (plan.get(req.url) ?? (() => 200))(list.length);
      res.writeHead(answer, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  rport = receiver.address().port;
});
after(() => receiver?.close());

let srv;
before(async () => {
  srv = await startServer({ env: {
    BETTER_AUTH_SECRET: SECRET, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    WEBHOOK_BACKOFF_BASE_MS: '100', WEBHOOK_MAX_ATTEMPTS: '3',
  } });
});
after(async () => { await srv?.stop(); });

const api = (u, path, opts = {}) => request(srv, path, {
  ...opts, headers: { ...u.headers, ...(opts.headers || {}) },
});

async function hooked(name, secret = `whsec-${RUN}-${name}-0123456789`) {
  const u = newUser(name);
  u.path = `/hook/${u.sub}`;
  u.secret = secret;
  const r = await api(u, '/api/v1/users/me', { method: 'PATCH', body: {
    webhook_url: `http://127.0.0.1:${rport}${u.path}`, webhook_secret: secret } });
  assert.equal(r.status, 200, r.text);
  return u;
}

async function until(what, fn, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const deliveries = (u) => JSON.parse(psql(`SELECT coalesce(json_agg(json_build_object(`
  + `'status', status, 'attempts', attempts, 'code', last_status_code, 'error', last_error, `
  + `'event_id', event_id::text) ORDER BY event_id), '[]') FROM deliveries WHERE user_id = '${u.sub}'`));

describe('delivery', () => {
  test('the event as the body, X-Signature and Standard Webhooks signatures that verify', async () => {
    const u = await hooked('sig');
    const c = await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'hello' } });
    assert.equal(c.status, 201);
    const [hit] = await until('the delivery', () => got.get(u.path));
    const ev = JSON.parse(hit.raw);
    assert.equal(ev.type, 'task.created');
    assert.deepEqual(ev.data, c.json);
    const stored = psql(`SELECT body FROM events WHERE id = ${ev.id}`);
    assert.equal(hit.raw, stored);
    assert.equal(hit.headers['x-event-id'], ev.id);
    assert.equal(hit.headers['content-type'], 'application/json');
    assert.equal(hit.headers['x-signature'],
      `sha256=${createHmac('sha256', u.secret).update(hit.raw).digest('hex')}`);
    assert.equal(hit.headers['webhook-id'], ev.id);
    const ts = hit.headers['webhook-timestamp'];
    assert.ok(Math.abs(Number(ts) - Date.now() / 1000) < 60);
    assert.equal(hit.headers['webhook-signature'],
      `v1,${createHmac('sha256', u.secret).update(`${ev.id}.${ts}.${hit.raw}`).digest('base64')}`);
    // A wrong secret does not verify.
    assert.notEqual(hit.headers['x-signature'],
      `sha256=${createHmac('sha256', 'other').update(hit.raw).digest('hex')}`);
    await until('delivered', () => deliveries(u)[0]?.status === 'delivered');
    assert.equal(deliveries(u)[0].attempts, 1);
    assert.equal(deliveries(u)[0].code, 200);
  });

  test('a receiver that fails twice, then answers 200: three attempts, one X-Event-Id', async () => {
    const u = await hooked('flaky');
    plan.set(u.path, (n) => (n <= 2 ? 503 : 200));
    await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'retry me' } });
    await until('delivered', () => deliveries(u)[0]?.status === 'delivered');
    const hits = got.get(u.path);
    assert.equal(hits.length, 3);
    assert.equal(new Set(hits.map((h) => h.headers['x-event-id'])).size, 1);
    assert.equal(new Set(hits.map((h) => h.raw)).size, 1);
    assert.equal(deliveries(u)[0].attempts, 3);
  });

  test('a receiver that always fails: dead after WEBHOOK_MAX_ATTEMPTS, last status kept', async () => {
    const u = await hooked('dead');
    plan.set(u.path, () => 500);
    await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'never' } });
    const [d] = await until('dead', () => (deliveries(u)[0]?.status === 'dead' ? deliveries(u) : null));
    assert.equal(d.attempts, 3);
    assert.equal(d.code, 500);
    assert.equal(d.error, 'HTTP 500');
    assert.equal(got.get(u.path).length, 3);
  });

  test('a redirect is a failed attempt with its status, never followed', async () => {
    const u = await hooked('redir');
    plan.set(u.path, () => 302);
    await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'moved' } });
    const [d] = await until('dead', () => (deliveries(u)[0]?.status === 'dead' ? deliveries(u) : null));
    assert.equal(d.code, 302);
    assert.equal(got.get(u.path).length, 3);
  });

  test('one user\'s events arrive in event order, even when the first needs retries', async () => {
    const u = await hooked('order');
    plan.set(u.path, (n) => (n === 1 ? 500 : 200));
    const c = await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 't' } });
    for (let i = 0; i < 5; i++) {
      await api(u, `/api/v1/tasks/${c.json.id}`, { method: 'PATCH', body: { description: `d${i}` } });
    }
    await until('all delivered', () => deliveries(u).length === 6
      && deliveries(u).every((d) => d.status === 'delivered'));
    const ids = got.get(u.path).map((h) => Number(h.headers['x-event-id']));
    // The first twice (failed, then delivered), then the rest in order.
    assert.equal(ids[0], ids[1]);
    const after = ids.slice(1);
    assert.deepEqual(after, [...after].sort((a, b) => a - b));
    assert.equal(new Set(after).size, 6);
  });

  test('no webhook_url: events are written, nothing is queued', async () => {
    const u = newUser('none');
    await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'quiet' } });
    assert.equal(psql(`SELECT count(*) FROM events WHERE user_id = '${u.sub}'`), '1');
    assert.equal(psql(`SELECT count(*) FROM deliveries WHERE user_id = '${u.sub}'`), '0');
  });
});
