// Webhook deliveries to a real local receiver (plain HTTP, so
// WEBHOOK_ALLOW_PRIVATE_NETWORKS=true): the body is the event, both
// signatures verify with the user's secret, retries after failures keep
// the X-Event-Id, a receiver that keeps failing makes the delivery dead,
// and one user's events arrive in event order.
// WEBHOOK_BACKOFF_BASE_MS=100 (test-only) makes the backoff 100x shorter.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFileSync, spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { startServer, request, psql, mintToken, sleep, adminUrl } from './harness.mjs';

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

  // The queue's head mark (migration 0014) moves on as each delivery
  // closes while the user's writers add more: a delivery written as the
  // head closes must be seen by one of the two, or the queue stalls.
  test('eight writers at once while deliveries close: every event delivered once, in order, the queue empty', async () => {
    const u = await hooked('writers');
    let next = 0;
    const lane = async () => {
      while (next < 160) {
        next++;
        const r = await api(u, '/api/v1/tasks', { method: 'POST', body: { title: `w${next}` } });
        assert.equal(r.status, 201, r.text);
      }
    };
    await Promise.all(Array.from({ length: 8 }, lane));
    await until('all delivered', () => (got.get(u.path) ?? []).length >= 160, 30000);
    const ids = got.get(u.path).map((h) => Number(h.headers['x-event-id']));
    assert.equal(ids.length, 160);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    assert.equal(new Set(ids).size, 160);
    assert.equal(psql(`SELECT count(*) FILTER (WHERE status = 'delivered') || ' ' || count(*) FILTER (WHERE is_head) `
      + `FROM deliveries WHERE user_id = '${u.sub}'`), '160 0');
  });

  // The same race made certain: a writer holds the user's event head
  // with its new delivery not yet committed (written as no head: an open
  // one is there) while the open one closes. The close waits for the
  // writer, then hands the mark on; without that wait the new delivery
  // would never be claimed.
  test('a delivery written while the head closes becomes the head and is delivered', async () => {
    const u = await hooked('handover');
    const token = '6f1c2a3e-0000-4000-8000-00000000beef';
    psql(`BEGIN; SELECT events_emit('${u.sub}', 'ping', '{}');
      UPDATE deliveries SET lease_until = now() + interval '1 hour', lease_token = '${token}'
        WHERE user_id = '${u.sub}'; COMMIT;`);
    const head = psql(`SELECT id FROM deliveries WHERE user_id = '${u.sub}' AND is_head`);
    assert.match(head, /^[0-9a-f-]{36}$/);
    const writer = new Promise((resolve, reject) => {
      const p = spawn('psql', [adminUrl, '-XAtq', '-v', 'ON_ERROR_STOP=1', '-c',
        `BEGIN; SELECT events_emit('${u.sub}', 'ping', '{}'); SELECT pg_sleep(1.5); COMMIT;`]);
      let err = '';
      p.stderr.on('data', (d) => { err += d; });
      p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(err))));
    });
    await sleep(500);
    assert.equal(psql(`SELECT deliveries_done('${head}', '${token}', 'delivered', 200, NULL, 0)`), 't');
    await writer;
    await until('the second delivered', () => psql(`SELECT count(*) FROM deliveries `
      + `WHERE user_id = '${u.sub}' AND status = 'delivered'`) === '2', 10000);
    assert.equal((got.get(u.path) ?? []).length, 1);
  });

  test('no webhook_url: events are written, nothing is queued', async () => {
    const u = newUser('none');
    await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'quiet' } });
    assert.equal(psql(`SELECT count(*) FROM events WHERE user_id = '${u.sub}'`), '1');
    assert.equal(psql(`SELECT count(*) FROM deliveries WHERE user_id = '${u.sub}'`), '0');
  });
});

describe('instances and crashes', () => {
  test('two instances on one database deliver each event exactly once to a receiver that answers 200', async () => {
    const other = await startServer({ env: {
      BETTER_AUTH_SECRET: SECRET, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_BACKOFF_BASE_MS: '100' } });
    try {
      const users = [await hooked('two-a'), await hooked('two-b'), await hooked('two-c')];
      const writes = [];
      for (const u of users) {
        for (let i = 0; i < 10; i++) {
          writes.push(request(i % 2 ? srv : other, '/api/v1/tasks', {
            method: 'POST', body: { title: `n${i}` }, headers: u.headers }));
        }
      }
      assert.ok((await Promise.all(writes)).every((r) => r.status === 201));
      for (const u of users) {
        await until('delivered', () => deliveries(u).length === 10
          && deliveries(u).every((d) => d.status === 'delivered'));
        const ids = got.get(u.path).map((h) => h.headers['x-event-id']);
        assert.equal(ids.length, 10, 'each event exactly once');
        assert.equal(new Set(ids).size, 10);
      }
      // Both instances did some of the work (each logs nothing on success,
      // so ask the receiver's view: attempts are all 1).
      for (const u of users) assert.ok(deliveries(u).every((d) => d.attempts === 1));
    } finally {
      await other.stop();
    }
  });

  test('a server killed with SIGKILL mid-delivery: after a restart the event is delivered, same X-Event-Id', async () => {
    // WEBHOOK_TIMEOUT_SECONDS=2 (test-only): the lease is 2 + 5 s.
    const env = { BETTER_AUTH_SECRET: SECRET, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      WEBHOOK_BACKOFF_BASE_MS: '100', WEBHOOK_TIMEOUT_SECONDS: '2' };
    let victim = await startServer({ env });
    const u = newUser('kill');
    u.path = `/hang/${u.sub}`;
    u.secret = `whsec-${RUN}-kill-0123456789`;
    const held = [];
    // The first request is never answered while the server lives.
    const hanging = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        held.push({ headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
        if (held.length > 1) { res.writeHead(200); res.end('ok'); }
      });
    });
    await new Promise((r) => hanging.listen(0, '127.0.0.1', r));
    try {
      const r = await request(victim, '/api/v1/users/me', { method: 'PATCH', headers: u.headers, body: {
        webhook_url: `http://127.0.0.1:${hanging.address().port}${u.path}`, webhook_secret: u.secret } });
      assert.equal(r.status, 200);
      // The other server of this file must not take it: stop it first.
      await srv.stop();
      srv = null;
      const c = await request(victim, '/api/v1/tasks', { method: 'POST', headers: u.headers, body: { title: 'k' } });
      assert.equal(c.status, 201);
      await until('the first attempt in flight', () => held.length === 1);
      // The whole server: its workers first (they would outlive their
      // parent), then the parent, all at once with SIGKILL.
      const kids = execFileSync('pgrep', ['-P', String(victim.child.pid)], { encoding: 'utf8' })
        .trim().split('\n').filter(Boolean).map(Number);
      assert.ok(kids.length >= 2);
      for (const pid of kids) process.kill(pid, 'SIGKILL');
      victim.child.kill('SIGKILL');
      await victim.exitPromise;
      for (const pid of kids) {
        await until(`worker ${pid} gone`, () => { try { process.kill(pid, 0); return false; } catch { return true; } });
      }
      assert.equal(psql(`SELECT status FROM deliveries WHERE user_id = '${u.sub}'`), 'pending');
      victim = await startServer({ env });
      await until('delivered after the restart', () => deliveries(u)[0]?.status === 'delivered', 30000);
      assert.equal(held.length, 2);
      assert.equal(held[1].headers['x-event-id'], held[0].headers['x-event-id']);
      assert.equal(held[1].raw, held[0].raw);
      assert.equal(deliveries(u)[0].attempts, 2);
    } finally {
      hanging.closeAllConnections?.();
      hanging.close();
      await victim.stop();
      srv = await startServer({ env: { BETTER_AUTH_SECRET: SECRET } });
    }
  });
});
