// Live updates beyond one instance and through database trouble: the
// per-user limit held across instances (live_slots, migration 0012), a
// SIGKILLed instance's slots freed by their lease, a database stop and
// start under open sockets, a failed start query (1013), and the
// production value of websocket_timeout.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { randomBytes, createHmac } from 'node:crypto';
import WebSocket from 'ws';
import { startServer, request, sleep, mintToken, psql, dbctl, adminUrl, top } from './harness.mjs';
import { openWs as openWsWith, openSse as openSseWith, take } from './live_client.mjs';

const SECRET = 'live-cluster-secret-0123456789-abcdefghijkl';
const RUN = randomBytes(4).toString('hex');
const uid = (n) => `livec-${n}-${RUN}`;
const tok = (sub) => mintToken(SECRET, sub);
const openWs = (srv, o = {}) => openWsWith(srv, { ...o, token: o.token ?? tok(o.sub) });
const openSse = (srv, o = {}) => openSseWith(srv, { ...o, token: o.token ?? tok(o.sub) });
const LEASE = 3;
const ENV = { BETTER_AUTH_SECRET: SECRET, LIVE_MAX_CONNECTIONS_PER_USER: '2', LIVE_SLOT_LEASE_SECONDS: String(LEASE) };

const api = (srv, sub, p, opts = {}) => request(srv, p, {
  ...opts, headers: { authorization: `Bearer ${tok(sub)}`, ...(opts.headers || {}) },
});

// The status an upgrade was refused with (null: it opened, and is closed again).
async function refusal(srv, sub) {
  const ws = openWs(srv, { sub });
  const e = await ws.opened.then(() => null, (x) => x);
  if (e === null) { ws.close(); await ws.closed; return null; }
  return e.status;
}

const held = (sub) => Number(psql(`SELECT count(*) FROM live_slots WHERE user_id = '${sub}' AND expires_at > clock_timestamp()`));

// The processes whose parent is pid (Kore's workers and key manager).
function children(pid) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let stat;
    try { stat = readFileSync(`/proc/${d}/stat`, 'utf8'); } catch { continue; }
    if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(d));
  }
  return out;
}

async function until(what, fn, ms) {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(100);
  }
}

describe('the per-user limit across instances', () => {
  let a;
  let b;
  before(async () => {
    a = await startServer({ env: ENV });
    b = await startServer({ env: ENV });
  });
  after(async () => { await a.stop(); await b.stop(); });

  test('limit 2 over two instances: the third upgrade on either answers 429; a slot freed by a close is usable on the other', async () => {
    const me = uid('two');
    const w1 = openWs(a, { sub: me });
    await w1.opened;
    const w2 = openWs(b, { sub: me });
    await w2.opened;
    assert.equal(held(me), 2);

    const third = openWs(b, { sub: me });
    const e = await third.opened.then(() => null, (x) => x);
    assert.equal(e?.status, 429);
    assert.deepEqual(JSON.parse(e.body), { detail: 'Too many live connections' });
    assert.equal(e.headers['retry-after'], '5');
    assert.equal(await refusal(a, me), 429);
    const r = await api(b, me, '/api/v1/events');
    assert.equal(r.status, 429, 'SSE counts too');
    assert.equal(await refusal(a, uid('two-other')), null, 'another user is not affected');

    w1.close();
    await w1.closed;
    // The close gives the slot back in the database, shortly after.
    await until('the slot given back', () => held(me) === 1, 5000);
    const back = openWs(b, { sub: me });
    await back.opened;
    assert.equal(held(me), 2);
    assert.equal(await refusal(a, me), 429);
    back.close();
    w2.close();
    await Promise.all([back.closed, w2.closed]);
    await until('both slots given back', () => held(me) === 0, 5000);
  });

  test('an instance SIGKILLed: its slots are free once their lease runs out, and not before it ends', async () => {
    const me = uid('kill');
    const c = await startServer({ env: ENV });
    let killed = false;
    try {
      const s1 = openWs(c, { sub: me });
      const s2 = openWs(c, { sub: me });
      await Promise.all([s1.opened, s2.opened]);
      assert.equal(await refusal(a, me), 429);
      // Longer than a lease: the renewals keep the slots of a live instance.
      await sleep(LEASE * 1000 + 1500);
      assert.equal(await refusal(a, me), 429, 'renewed while the instance runs');

      const kids = children(c.child.pid);
      assert.ok(kids.length >= 3, `the instance's workers and key manager (${kids})`);
      for (const pid of kids) process.kill(pid, 'SIGKILL');
      process.kill(c.child.pid, 'SIGKILL');
      killed = true;
      await c.exitPromise;
      const t0 = Date.now();
      await Promise.all([s1.closed, s2.closed]);
      assert.equal(await refusal(a, me), 429, 'a dead instance\'s slots are held until their lease ends');

      // A lease, plus the renewal period it may have just been renewed at.
      let opened = null;
      while (opened === null) {
        assert.ok(Date.now() - t0 < LEASE * 1000 * 2 + 3000, 'the slots came free within the lease');
        const ws = openWs(a, { sub: me });
        if (await ws.opened.then(() => true, () => false)) opened = ws; else await sleep(250);
      }
      console.log(`# slots of the SIGKILLed instance free ${Date.now() - t0} ms after it died (lease ${LEASE} s)`);
      const second = openWs(b, { sub: me });
      await second.opened;
      assert.equal(await refusal(b, me), 429);
      opened.close();
      second.close();
      await Promise.all([opened.closed, second.closed]);
    } finally {
      if (!killed) await c.stop();
    }
  });
});

test('SIGTERM: the draining instance gives its slots back at once, not at the end of their lease', async () => {
  const me = uid('term');
  const d = await startServer({ env: { ...ENV, LIVE_SLOT_LEASE_SECONDS: '600' } });
  const socks = [openWs(d, { sub: me }), openWs(d, { sub: me })];
  await Promise.all(socks.map((w) => w.opened));
  assert.equal(held(me), 2);
  d.child.kill('SIGTERM');
  for (const w of socks) assert.equal((await w.closed).code, 1001);
  assert.equal((await d.exitPromise).code, 0);
  await d.stop();
  assert.equal(held(me), 0, 'no slot left behind for 600 s');
});

describe('live connections through database trouble', () => {
  let srv;
  before(async () => { srv = await startServer({ env: { BETTER_AUTH_SECRET: SECRET } }); });
  after(async () => { await srv.stop(); });

  test('a database stop and start: sockets stay open, a new upgrade meanwhile is 503, events written after are all delivered, LISTEN is back', async () => {
    const me = uid('outage');
    const ws = openWs(srv, { sub: me });
    await ws.opened;
    const sse = openSse(srv, { sub: me });
    await sse.response;
    await sleep(300);
    const first = await api(srv, me, '/api/v1/tasks', { method: 'POST', body: { title: 'before' } });
    assert.equal(first.status, 201);
    assert.equal((await ws.next()).data.id, first.json.id);

    const made = [];
    try {
      dbctl('stop');
      await sleep(2000);
      const during = openWs(srv, { sub: me });
      const e = await during.opened.then(() => null, (x) => x);
      assert.equal(e?.status, 503, 'an upgrade while the database is down');
      assert.deepEqual(JSON.parse(e.body), { detail: 'Database unavailable' });
      assert.equal(ws.readyState, WebSocket.OPEN, 'the socket survives the outage');
      assert.equal(sse.ended, false, 'the stream survives the outage');
    } finally {
      dbctl('start');
    }
    // Written as soon as the database answers again, likely before the
    // LISTEN connection is back (its backoff): read by the replay.
    const deadline = Date.now() + 20000;
    while (made.length < 5) {
      assert.ok(Date.now() < deadline, 'writes succeed again');
      const r = await api(srv, me, '/api/v1/tasks', { method: 'POST', body: { title: `after ${made.length}` } });
      if (r.status === 201) made.push(r.json.id); else await sleep(100);
    }
    const got = await take(ws, 5, 20000);
    assert.deepEqual(got.map((m) => m.data.id), made);
    await sse.until(() => sse.events.length >= 6, 20000);
    assert.deepEqual(sse.events.map((x) => x.data.data.id), [first.json.id, ...made]);
    await until('the LISTEN connection back', () => psql(
      "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tasks-api-live' AND query = 'LISTEN live_events'") === '1', 15000);
    const later = await api(srv, me, '/api/v1/tasks', { method: 'POST', body: { title: 'live again' } });
    assert.equal((await ws.next()).data.id, later.json.id);
    await sleep(300);
    assert.equal(ws.queued(), 0, 'nothing twice');
    assert.equal(ws.readyState, WebSocket.OPEN);
    ws.close();
    sse.close();
  });

  test('the start query failing (its backend terminated) closes the socket with 1013 and ends the stream', async () => {
    const me = uid('startfail');
    // Holds events locked, so the start query waits where we can find it.
    const locker = spawn('psql', [adminUrl, '-XAtq', '-v', 'ON_ERROR_STOP=1'], { stdio: ['pipe', 'pipe', 'pipe'] });
    locker.stdin.write('BEGIN;\nLOCK TABLE events IN ACCESS EXCLUSIVE MODE;\nSELECT \'locked\';\n');
    await new Promise((resolve, reject) => {
      locker.stdout.on('data', (d) => { if (String(d).includes('locked')) resolve(); });
      locker.once('exit', () => reject(new Error('psql ended before the lock')));
    });
    let ws;
    let sse;
    try {
      ws = openWs(srv, { sub: me });
      await ws.opened;
      sse = openSse(srv, { sub: me });
      assert.equal((await sse.response).statusCode, 200);
      const waiting = "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%max(id) FROM events%'";
      await until('both start queries waiting on the lock', () => psql(waiting).split('\n').filter(Boolean).length === 2, 10000);
      psql(`SELECT pg_terminate_backend(pid) FROM (${waiting}) w`);
      const { code, reason } = await ws.closed;
      assert.equal(code, 1013);
      assert.equal(reason, 'database unavailable');
      await sse.until(() => sse.ended, 10000);
    } finally {
      locker.stdin.end('ROLLBACK;\n');
      await new Promise((resolve) => { if (locker.exitCode !== null) resolve(); else locker.once('exit', resolve); });
    }
    const m = await request(srv, '/metrics');
    assert.match(m.text, /^live_drops_total\{reason="database"\} [2-9]\d*$/m);
    // With the database well again, the same user connects and is live.
    const again = openWs(srv, { sub: me });
    await again.opened;
    await sleep(300);
    const t = await api(srv, me, '/api/v1/tasks', { method: 'POST', body: { title: 'after the failure' } });
    assert.equal((await again.next()).data.id, t.json.id);
    again.close();
  });
});

test('production kore.conf: websocket_timeout 60 (a silent peer dropped after 60 s; the ping test runs it at 2)', () => {
  const conf = readFileSync(path.join(top, 'kore.conf'), 'utf8');
  const m = conf.match(/^websocket_timeout\s+(\d+)\s*$/gm);
  assert.equal(m?.length, 1);
  assert.equal(Number(/\d+/.exec(m[0])[0]), 60);
});

describe('the {"type":"auth"} refresh is verified as every route verifies', () => {
  const ISS = 'https://auth.example.com';
  const AUD = 'https://api.example.com';
  let srv;
  // An HS256 token with chosen claims.
  const signed = (claims) => {
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({
      email: `${claims.sub}@example.com`, name: 'U', role: 'user', iat: now, exp: now + 600, iss: ISS, aud: AUD, ...claims,
    })}`;
    return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
  };
  before(async () => {
    srv = await startServer({ env: { BETTER_AUTH_SECRET: SECRET, BETTER_AUTH_ISSUER: ISS, BETTER_AUTH_AUDIENCE: AUD, JWT_LEEWAY_SECONDS: '0' } });
  });
  after(async () => { await srv.stop(); });

  test('a token of the same user with another audience or issuer: 401 on a route, 4001 on the socket; a good one extends', async () => {
    const me = uid('aud');
    for (const bad of [{ aud: 'https://other.example.com' }, { iss: 'https://evil.example.com' }]) {
      const token = signed({ sub: me, ...bad });
      const r = await request(srv, '/api/v1/users/me', { headers: { authorization: `Bearer ${token}` } });
      assert.equal(r.status, 401, JSON.stringify(bad));
      const ws = openWs(srv, { token: signed({ sub: me }) });
      await ws.opened;
      ws.send(JSON.stringify({ type: 'auth', token: signed({ sub: me, ...bad }) }));
      assert.equal((await ws.closed).code, 4001, JSON.stringify(bad));
    }
    const short = openWs(srv, { token: signed({ sub: me, exp: Math.floor(Date.now() / 1000) + 2 }) });
    await short.opened;
    const good = signed({ sub: me });
    assert.equal((await request(srv, '/api/v1/users/me', { headers: { authorization: `Bearer ${good}` } })).status, 200);
    short.send(JSON.stringify({ type: 'auth', token: good }));
    await sleep(4500);
    assert.equal(short.readyState, WebSocket.OPEN, 'extended past its first exp (no leeway)');
    short.close();
  });
});
