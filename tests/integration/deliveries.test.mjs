// The deliveries API (SPEC "Events, webhooks and reminders"): the list of
// one's deliveries (newest first, status filter, keyset and offset pages),
// a retry of a dead delivery that is then delivered with the same
// X-Event-Id, the refusals of a retry (another user's, delivered, still
// queued, being attempted), the test ping signed both ways, DELETE
// /users/me taking the queue with it, an HTTPS receiver trusted through
// WEBHOOK_CA_FILE, and the webhook metrics of GET /metrics moving.
// Real receivers on 127.0.0.1 (WEBHOOK_ALLOW_PRIVATE_NETWORKS=true), one
// plain HTTP and one HTTPS with the test CA's certificate.
// WEBHOOK_BACKOFF_BASE_MS=100 (test-only) makes the backoff 100x shorter.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { createHmac, randomBytes } from 'node:crypto';
import { startServer, request, psql, mintToken, sleep, work } from './harness.mjs';

const SECRET = 'deliveries-integration-secret-0123456789-abcd';
const RUN = randomBytes(4).toString('hex');
const MAX_ATTEMPTS = 2;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TS_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const DELIVERY_KEYS = ['attempts', 'created_at', 'delivered_at', 'event_id', 'event_type', 'id',
  'last_error', 'last_status_code', 'next_attempt_at', 'status'];

let nusers = 0;
function newUser(name) {
  const sub = `${name}-${RUN}-${++nusers}`;
  return { sub, headers: { authorization: `Bearer ${mintToken(SECRET, sub)}` } };
}

// A receiver: every request kept per path; plan[path](n) answers the nth
// with a status, or 'hang' to keep it unanswered until release(path).
function receiver(make) {
  const r = { got: new Map(), plan: new Map(), held: new Map() };
  r.server = make((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const list = r.got.get(req.url) ?? [];
      list.push({ headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
      r.got.set(req.url, list);
      const answer = (r.plan.get(req.url) ?? (() => 200))(list.length);
      if (answer === 'hang') {
        r.held.set(req.url, [...(r.held.get(req.url) ?? []), res]);
        return;
      }
      res.writeHead(answer, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  r.release = (p, status = 200) => {
    for (const res of r.held.get(p) ?? []) {
      if (!res.writableEnded && !res.destroyed) { res.writeHead(status); res.end('ok'); }
    }
    r.held.delete(p);
  };
  r.close = () => {
    for (const p of [...r.held.keys()]) r.release(p);
    r.server.closeAllConnections?.();
    r.server.close();
  };
  return r;
}

const plain = receiver((fn) => http.createServer(fn));
const tlsRecv = receiver((fn) => https.createServer({
  cert: readFileSync(path.join(work, 'tls/cert.pem')),
  key: readFileSync(path.join(work, 'tls/key.pem')),
}, fn));

let srv;
before(async () => {
  await new Promise((r) => plain.server.listen(0, '127.0.0.1', r));
  await new Promise((r) => tlsRecv.server.listen(0, '127.0.0.1', r));
  srv = await startServer({ env: {
    BETTER_AUTH_SECRET: SECRET, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    WEBHOOK_BACKOFF_BASE_MS: '100', WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    // The HTTPS receiver's certificate is the test CA's (localhost).
    WEBHOOK_CA_FILE: path.join(work, 'tls/ca.pem'),
    WEBHOOK_RESOLVE: `localhost:${tlsRecv.server.address().port}:127.0.0.1`,
  } });
});
after(async () => {
  plain.close();
  tlsRecv.close();
  await srv?.stop();
});

const api = (u, p, opts = {}) => request(srv, p, {
  ...opts, headers: { ...u.headers, ...(opts.headers || {}) },
});
// A POST with no body: Kore wants a Content-Length, 0 will do.
const post = (u, p) => api(u, p, { method: 'POST', body: '' });

async function hooked(name, { recv = plain, scheme = 'http', host = '127.0.0.1' } = {}) {
  const u = newUser(name);
  u.path = `/hook/${u.sub}`;
  u.secret = `whsec-${RUN}-${name}-0123456789`;
  u.url = `${scheme}://${host}:${recv.server.address().port}${u.path}`;
  const r = await api(u, '/api/v1/users/me', { method: 'PATCH', body: {
    webhook_url: u.url, webhook_secret: u.secret } });
  assert.equal(r.status, 200, r.text);
  return u;
}

async function until(what, fn, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// Every delivery of the user through the API, one page of up to 100.
async function listed(u, query = '') {
  const r = await api(u, `/api/v1/users/me/deliveries?limit=100${query}`);
  assert.equal(r.status, 200, r.text);
  return r.json.items;
}

function verifySignatures(hit, u) {
  const id = hit.headers['x-event-id'];
  assert.equal(hit.headers['x-signature'],
    `sha256=${createHmac('sha256', u.secret).update(hit.raw).digest('hex')}`);
  assert.equal(hit.headers['webhook-id'], id);
  const ts = hit.headers['webhook-timestamp'];
  assert.match(ts, /^\d+$/);
  assert.ok(Math.abs(Number(ts) - Date.now() / 1000) < 120);
  assert.equal(hit.headers['webhook-signature'],
    `v1,${createHmac('sha256', u.secret).update(`${id}.${ts}.${hit.raw}`).digest('base64')}`);
  // Another key does not verify.
  assert.notEqual(hit.headers['x-signature'],
    `sha256=${createHmac('sha256', `${u.secret}x`).update(hit.raw).digest('hex')}`);
}

const createTask = async (u, title) => {
  const c = await api(u, '/api/v1/tasks', { method: 'POST', body: { title } });
  assert.equal(c.status, 201, c.text);
  return c.json;
};

describe('GET /api/v1/users/me/deliveries', () => {
  let u;
  let all;
  before(async () => {
    u = await hooked('list');
    // Three delivered, then two dead: one request each, so each delivery
    // is newer than the one before.
    for (let i = 0; i < 3; i++) await createTask(u, `ok ${i}`);
    await until('3 delivered', async () => (await listed(u, '&status=delivered')).length === 3);
    plain.plan.set(u.path, () => 500);
    for (let i = 0; i < 2; i++) await createTask(u, `dead ${i}`);
    await until('2 dead', async () => (await listed(u, '&status=dead')).length === 2);
    all = await listed(u);
  });

  test('the envelope, every field, newest first, the same rows as the table', async () => {
    const r = await api(u, '/api/v1/users/me/deliveries');
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json).sort(), ['items', 'limit', 'next_cursor', 'offset', 'total', 'total_exact']);
    assert.equal(r.json.total, 5);
    assert.equal(r.json.total_exact, true);
    assert.equal(r.json.limit, 20);
    assert.equal(r.json.offset, 0);
    assert.equal(r.json.next_cursor, null);
    assert.equal(r.json.items.length, 5);
    for (const d of r.json.items) {
      assert.deepEqual(Object.keys(d).sort(), DELIVERY_KEYS);
      assert.match(d.id, UUID_RE);
      assert.match(d.event_id, /^[0-9]+$/);
      assert.equal(d.event_type, 'task.created');
      assert.match(d.created_at, TS_RE);
      // Nothing of the webhook: not its URL, never its secret.
      assert.ok(!r.text.includes(u.secret));
      assert.ok(!r.text.includes(u.url));
    }
    // Newest first: the two dead ones, then the three delivered, and
    // event ids (commit order) going down.
    assert.deepEqual(r.json.items.map((d) => d.status), ['dead', 'dead', 'delivered', 'delivered', 'delivered']);
    const ids = r.json.items.map((d) => Number(d.event_id));
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
    const created = r.json.items.map((d) => d.created_at);
    assert.deepEqual(created, [...created].sort().reverse());
    for (const d of r.json.items.filter((x) => x.status === 'delivered')) {
      assert.equal(d.attempts, 1);
      assert.equal(d.last_status_code, 200);
      assert.equal(d.last_error, null);
      assert.equal(d.next_attempt_at, null);
      assert.match(d.delivered_at, TS_RE);
    }
    for (const d of r.json.items.filter((x) => x.status === 'dead')) {
      assert.equal(d.attempts, MAX_ATTEMPTS);
      assert.equal(d.last_status_code, 500);
      assert.equal(d.last_error, 'HTTP 500');
      assert.equal(d.next_attempt_at, null);
      assert.equal(d.delivered_at, null);
    }
    // The same rows as the table holds for this user, in its order.
    const table = psql(`SELECT string_agg(id::text, ',' ORDER BY created_at DESC, id DESC) `
      + `FROM deliveries WHERE user_id = '${u.sub}'`);
    assert.equal(r.json.items.map((d) => d.id).join(','), table);
  });

  test('status filters, with its total', async () => {
    for (const [status, n] of [['dead', 2], ['delivered', 3], ['pending', 0], ['failed', 0]]) {
      const r = await api(u, `/api/v1/users/me/deliveries?status=${status}`);
      assert.equal(r.status, 200);
      assert.equal(r.json.total, n, status);
      assert.equal(r.json.items.length, n, status);
      assert.ok(r.json.items.every((d) => d.status === status));
    }
    const bad = await api(u, '/api/v1/users/me/deliveries?status=delivering');
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.json.detail[0].loc, ['query', 'status']);
  });

  test('keyset pages with next_cursor, offset pages, and their refusals', async () => {
    const seen = [];
    let cursor = null;
    const sizes = [];
    do {
      const r = await api(u, `/api/v1/users/me/deliveries?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.total, 5);
      assert.equal(r.json.limit, 2);
      sizes.push(r.json.items.length);
      seen.push(...r.json.items.map((d) => d.id));
      cursor = r.json.next_cursor;
      if (cursor !== null) assert.match(cursor, /^[A-Za-z0-9_-]+$/);
    } while (cursor !== null && sizes.length < 10);
    assert.deepEqual(sizes, [2, 2, 1]);
    assert.deepEqual(seen, all.map((d) => d.id));

    const page2 = await api(u, '/api/v1/users/me/deliveries?limit=2&offset=2');
    assert.equal(page2.json.offset, 2);
    assert.deepEqual(page2.json.items.map((d) => d.id), all.slice(2, 4).map((d) => d.id));
    // A cursor with the status filter pages within it.
    const d1 = await api(u, '/api/v1/users/me/deliveries?status=delivered&limit=1');
    const d2 = await api(u, `/api/v1/users/me/deliveries?status=delivered&limit=1&cursor=${d1.json.next_cursor}`);
    assert.deepEqual([...d1.json.items, ...d2.json.items].map((d) => d.id),
      all.filter((d) => d.status === 'delivered').slice(0, 2).map((d) => d.id));

    const first = await api(u, '/api/v1/users/me/deliveries?limit=2');
    const both = await api(u, `/api/v1/users/me/deliveries?offset=0&cursor=${first.json.next_cursor}`);
    assert.equal(both.status, 422);
    assert.deepEqual(both.json.detail[0].loc, ['query', 'cursor']);
    const forged = Buffer.from(JSON.stringify({ k: '-created_at', v: 'yesterday', id: all[0].id })).toString('base64url');
    const bad = await api(u, `/api/v1/users/me/deliveries?cursor=${forged}`);
    assert.equal(bad.status, 422);
    for (const q of ['limit=0', 'limit=101', 'offset=10001']) {
      assert.equal((await api(u, `/api/v1/users/me/deliveries?${q}`)).status, 422, q);
    }
  });

  test('only one\'s own: another user sees none of them', async () => {
    const other = newUser('list-other');
    const r = await api(other, '/api/v1/users/me/deliveries');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.items, []);
    assert.equal(r.json.total, 0);
    // Nor through a cursor made from the first user's rows.
    const page = await api(u, '/api/v1/users/me/deliveries?limit=1');
    const r2 = await api(other, `/api/v1/users/me/deliveries?cursor=${page.json.next_cursor}`);
    assert.equal(r2.status, 200);
    assert.deepEqual(r2.json.items, []);
  });

  test('no token: 401', async () => {
    const r = await request(srv, '/api/v1/users/me/deliveries');
    assert.equal(r.status, 401);
  });
});

describe('POST /api/v1/users/me/deliveries/{id}/retry', () => {
  test('a dead delivery retried is delivered, with the same X-Event-Id and body; then 409', async () => {
    const u = await hooked('retry');
    plain.plan.set(u.path, () => 500);
    await createTask(u, 'retry me');
    const [dead] = await until('dead', async () => {
      const l = await listed(u, '&status=dead');
      return l.length === 1 ? l : null;
    });
    assert.equal(dead.attempts, MAX_ATTEMPTS);
    const failedHits = plain.got.get(u.path);
    assert.equal(failedHits.length, MAX_ATTEMPTS);

    plain.plan.set(u.path, () => 200);
    const r = await post(u, `/api/v1/users/me/deliveries/${dead.id}/retry`);
    assert.equal(r.status, 202, r.text);
    assert.equal(r.json.id, dead.id);
    assert.equal(r.json.event_id, dead.event_id);
    assert.equal(r.json.status, 'pending');
    assert.equal(r.json.attempts, 0);
    assert.match(r.json.next_attempt_at, TS_RE);
    // The last attempt's outcome stays until the next one.
    assert.equal(r.json.last_status_code, 500);

    const [done] = await until('delivered', async () => {
      const l = await listed(u, '&status=delivered');
      return l.length === 1 ? l : null;
    });
    assert.equal(done.id, dead.id);
    assert.equal(done.attempts, 1);
    assert.equal(done.last_status_code, 200);
    assert.equal(done.last_error, null);
    const hits = plain.got.get(u.path);
    assert.equal(hits.length, MAX_ATTEMPTS + 1);
    const last = hits.at(-1);
    assert.equal(last.headers['x-event-id'], dead.event_id);
    assert.equal(last.raw, failedHits[0].raw);
    verifySignatures(last, u);

    const again = await post(u, `/api/v1/users/me/deliveries/${dead.id}/retry`);
    assert.equal(again.status, 409);
    assert.deepEqual(again.json, { detail: 'Delivery already delivered' });
  });

  test('another user\'s delivery, an unknown id, or not a UUID: 404, and nothing changes', async () => {
    const owner = await hooked('retry-owner');
    plain.plan.set(owner.path, () => 500);
    await createTask(owner, 'mine');
    const [dead] = await until('dead', async () => {
      const l = await listed(owner, '&status=dead');
      return l.length === 1 ? l : null;
    });
    const thief = await hooked('retry-thief');
    const r = await post(thief, `/api/v1/users/me/deliveries/${dead.id}/retry`);
    assert.equal(r.status, 404);
    assert.deepEqual(r.json, { detail: 'Delivery not found' });
    assert.equal(psql(`SELECT status || ' ' || attempts FROM deliveries WHERE id = '${dead.id}'`),
      `dead ${MAX_ATTEMPTS}`);
    const unknown = await post(owner, '/api/v1/users/me/deliveries/00000000-0000-4000-8000-000000000000/retry');
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.json, { detail: 'Delivery not found' });
    const notUuid = await post(owner, '/api/v1/users/me/deliveries/1/retry');
    assert.equal(notUuid.status, 404);
    // GET is not a method of the route.
    const get = await api(owner, `/api/v1/users/me/deliveries/${dead.id}/retry`, { conformance: false });
    assert.equal(get.status, 405);
  });

  test('still queued, or an attempt running: 409; no webhook_url any more: 409', async () => {
    const u = await hooked('retry-busy');
    // The first attempt fails, the second hangs (an attempt in flight).
    plain.plan.set(u.path, (n) => (n === 1 ? 500 : 'hang'));
    await createTask(u, 'first');
    await until('the second attempt in flight', () => plain.got.get(u.path)?.length === 2);
    // A second event waits behind the first: pending.
    await createTask(u, 'second');
    const items = await listed(u);
    assert.deepEqual(items.map((d) => d.status), ['pending', 'failed']);
    const [second, first] = items;
    const busy = await post(u, `/api/v1/users/me/deliveries/${first.id}/retry`);
    assert.equal(busy.status, 409, busy.text);
    assert.deepEqual(busy.json, { detail: 'Delivery is being attempted' });
    const queued = await post(u, `/api/v1/users/me/deliveries/${second.id}/retry`);
    assert.equal(queued.status, 409);
    assert.deepEqual(queued.json, { detail: 'Delivery already queued' });
    // The held attempt fails: dead (MAX_ATTEMPTS = 2), and the second
    // goes out after it.
    plain.plan.set(u.path, () => 200);
    plain.release(u.path, 500);
    await until('first dead, second delivered', async () => {
      const l = await listed(u);
      return l[0].status === 'delivered' && l[1].status === 'dead';
    });
    const cleared = await api(u, '/api/v1/users/me', { method: 'PATCH', body: { webhook_url: null } });
    assert.equal(cleared.status, 200);
    const nohook = await post(u, `/api/v1/users/me/deliveries/${first.id}/retry`);
    assert.equal(nohook.status, 409);
    assert.deepEqual(nohook.json, { detail: 'No webhook_url set' });
    assert.equal(psql(`SELECT status FROM deliveries WHERE id = '${first.id}'`), 'dead');
  });
});

describe('POST /api/v1/users/me/webhook/test', () => {
  test('202 with the ping\'s delivery; the ping arrives with both signatures', async () => {
    const u = await hooked('ping');
    const r = await post(u, '/api/v1/users/me/webhook/test');
    assert.equal(r.status, 202, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), DELIVERY_KEYS);
    assert.equal(r.json.event_type, 'ping');
    assert.equal(r.json.status, 'pending');
    assert.equal(r.json.attempts, 0);
    const [hit] = await until('the ping', () => plain.got.get(u.path));
    const ev = JSON.parse(hit.raw);
    assert.deepEqual(Object.keys(ev), ['id', 'type', 'created_at', 'data']);
    assert.equal(ev.id, r.json.event_id);
    assert.equal(ev.type, 'ping');
    assert.match(ev.created_at, TS_RE);
    assert.deepEqual(ev.data, { user_id: u.sub, webhook_url: u.url });
    assert.equal(hit.headers['x-event-id'], ev.id);
    assert.equal(hit.headers['content-type'], 'application/json');
    verifySignatures(hit, u);
    const [d] = await until('delivered', async () => {
      const l = await listed(u, '&status=delivered');
      return l.length === 1 ? l : null;
    });
    assert.equal(d.id, r.json.id);
  });

  test('no webhook_url: 409, and no event written', async () => {
    const u = newUser('ping-none');
    const r = await post(u, '/api/v1/users/me/webhook/test');
    assert.equal(r.status, 409);
    assert.deepEqual(r.json, { detail: 'No webhook_url set' });
    assert.equal(psql(`SELECT count(*) FROM events WHERE user_id = '${u.sub}'`), '0');
    assert.equal((await request(srv, '/api/v1/users/me/webhook/test', { method: 'POST', body: '' })).status, 401);
  });
});

describe('DELETE /api/v1/users/me', () => {
  test('removes the user\'s open deliveries: the receiver gets nothing more', async () => {
    const u = await hooked('gone');
    plain.plan.set(u.path, () => 'hang');
    await createTask(u, 'a');
    await until('the first attempt in flight', () => plain.got.get(u.path)?.length === 1);
    await createTask(u, 'b');
    await createTask(u, 'c');
    assert.equal(psql(`SELECT string_agg(status, ',' ORDER BY event_id) FROM deliveries WHERE user_id = '${u.sub}'`),
      'pending,pending,pending');
    const r = await api(u, '/api/v1/users/me', { method: 'DELETE' });
    assert.equal(r.status, 204);
    assert.equal(psql(`SELECT count(*) FROM deliveries WHERE user_id = '${u.sub}'`), '0');
    assert.equal(psql(`SELECT count(*) FROM events WHERE user_id = '${u.sub}'`), '0');
    // The attempt in flight fails; nothing is left to send again.
    plain.plan.set(u.path, () => 200);
    plain.release(u.path, 500);
    // Many claim rounds (every 200 ms) and the shortened backoff.
    await sleep(3000);
    assert.equal(plain.got.get(u.path).length, 1);
    assert.equal(psql(`SELECT count(*) FROM deliveries WHERE user_id = '${u.sub}'`), '0');
  });
});

describe('an HTTPS receiver', () => {
  test('with the test CA in WEBHOOK_CA_FILE: delivered, signed', async () => {
    const u = await hooked('tls', { recv: tlsRecv, scheme: 'https', host: 'localhost' });
    const t = await createTask(u, 'over tls');
    const [hit] = await until('the delivery over TLS', () => tlsRecv.got.get(u.path));
    const ev = JSON.parse(hit.raw);
    assert.equal(ev.type, 'task.created');
    assert.deepEqual(ev.data, t);
    verifySignatures(hit, u);
    const [d] = await until('delivered', async () => {
      const l = await listed(u, '&status=delivered');
      return l.length === 1 ? l : null;
    });
    assert.equal(d.last_status_code, 200);
    assert.equal(d.event_id, ev.id);
  });
});

// Prometheus text: the value of one series, 0 when absent.
async function metrics() {
  const r = await request(srv, '/metrics');
  assert.equal(r.status, 200);
  const out = new Map();
  for (const line of r.text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}
const val = (m, k) => m.get(k) ?? 0;

describe('GET /metrics', () => {
  test('outcomes, the latency histogram, queue depth and oldest age, reminders fired', async () => {
    const before0 = await metrics();
    for (const k of ['webhook_deliveries_total{outcome="delivered"}', 'webhook_deliveries_total{outcome="failed"}',
      'webhook_deliveries_total{outcome="dead"}', 'webhook_delivery_duration_seconds_count',
      'webhook_delivery_duration_seconds_sum', 'webhook_queue_depth{state="pending"}',
      'webhook_queue_depth{state="failed"}', 'webhook_queue_oldest_seconds',
      'reminders_fired_total{late="false"}', 'reminders_fired_total{late="true"}']) {
      assert.ok(before0.has(k), `no ${k}`);
    }
    const buckets = [...before0.keys()].filter((k) => k.startsWith('webhook_delivery_duration_seconds_bucket'));
    assert.ok(buckets.some((k) => k.includes('le="+Inf"')));

    // A backlog: the first attempt hangs, two more wait behind it. The
    // gauges are sampled every few seconds.
    const u = await hooked('metrics');
    plain.plan.set(u.path, (n) => (n === 1 ? 'hang' : 200));
    await createTask(u, 'm1');
    await until('the first attempt in flight', () => plain.got.get(u.path)?.length === 1);
    await createTask(u, 'm2');
    await createTask(u, 'm3');
    const backlog = await until('the queue depth and age', async () => {
      const m = await metrics();
      // Open: pending, or failed if the held attempt timed out first.
      return val(m, 'webhook_queue_depth{state="pending"}') + val(m, 'webhook_queue_depth{state="failed"}') >= 3
        && val(m, 'webhook_queue_oldest_seconds') > 0 ? m : null;
    });
    assert.ok(val(backlog, 'webhook_queue_oldest_seconds') < 3600);

    plain.release(u.path, 200);
    await until('delivered', async () => (await listed(u, '&status=delivered')).length === 3);
    const m = await until('the outcomes counted', async () => {
      const x = await metrics();
      return val(x, 'webhook_deliveries_total{outcome="delivered"}')
        >= val(before0, 'webhook_deliveries_total{outcome="delivered"}') + 3 ? x : null;
    });
    assert.ok(val(m, 'webhook_delivery_duration_seconds_count')
      >= val(before0, 'webhook_delivery_duration_seconds_count') + 3);
    assert.ok(val(m, 'webhook_delivery_duration_seconds_sum') > val(before0, 'webhook_delivery_duration_seconds_sum'));
    assert.ok(val(m, 'webhook_delivery_duration_seconds_bucket{le="+Inf"}')
      >= val(before0, 'webhook_delivery_duration_seconds_bucket{le="+Inf"}') + 3);
    // Every cumulative bucket is at most the next one.
    const series = [...m.entries()].filter(([k]) => k.startsWith('webhook_delivery_duration_seconds_bucket'))
      .map(([, v]) => v);
    assert.deepEqual(series, [...series].sort((a, b) => a - b));
    // The backlog is gone from the gauges at the next sample.
    await until('the queue drained', async () => {
      const x = await metrics();
      const open = (y) => val(y, 'webhook_queue_depth{state="pending"}') + val(y, 'webhook_queue_depth{state="failed"}');
      return open(x) < open(backlog);
    });

    // A failed attempt is counted as failed.
    const f = await hooked('metrics-fail');
    plain.plan.set(f.path, () => 503);
    await createTask(f, 'fails');
    await until('dead', async () => (await listed(f, '&status=dead')).length === 1);
    const mf = await metrics();
    assert.ok(val(mf, 'webhook_deliveries_total{outcome="failed"}')
      >= val(before0, 'webhook_deliveries_total{outcome="failed"}') + MAX_ATTEMPTS - 1);
    assert.ok(val(mf, 'webhook_deliveries_total{outcome="dead"}')
      >= val(before0, 'webhook_deliveries_total{outcome="dead"}') + 1);

    // A reminder that falls due is counted.
    const r = newUser('metrics-remind');
    const fired = val(mf, 'reminders_fired_total{late="false"}');
    const due = new Date(Date.now() + 1500).toISOString();
    const c = await api(r, '/api/v1/tasks', { method: 'POST', body: { title: 'remind', remind_at: due } });
    assert.equal(c.status, 201, c.text);
    await until('the reminder counted', async () => val(await metrics(), 'reminders_fired_total{late="false"}') > fired);
    assert.equal(psql(`SELECT count(*) FROM events WHERE user_id = '${r.sub}' AND type = 'reminder.due'`), '1');
  });
});
