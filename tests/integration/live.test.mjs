// Live updates (SPEC "Live updates") over real HTTPS: a real WebSocket
// client (npm ws) and a Server-Sent Events client reading the raw stream,
// against real Kore servers and PostgreSQL.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { randomBytes, createHmac } from 'node:crypto';
import WebSocket from 'ws';
import { startServer, request, sleep, mintToken, psql, databaseUrl, adminUrl } from './harness.mjs';
import { spawn } from 'node:child_process';
import { openWs as openWsWith, openSse as openSseWith, take } from './live_client.mjs';

const SECRET = 'live-integration-secret-0123456789-abcdefghij';
const RUN = randomBytes(4).toString('hex');
const uid = (n) => `live-${n}-${RUN}`;
const tok = (sub) => mintToken(SECRET, sub);
const openWs = (srv, o = {}) => openWsWith(srv, { ...o, token: o.token ?? tok(o.sub) });
const openSse = (srv, o = {}) => openSseWith(srv, { ...o, token: o.token ?? tok(o.sub) });

// An HS256 token with a chosen lifetime (seconds from now, may be past).
function tokenFor(sub, expIn) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({
    sub, email: `${sub}@example.com`, name: `User ${sub}`, role: 'user', iat: now, exp: now + expIn,
  })}`;
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
}

const api = (srv, sub, path, opts = {}) => request(srv, path, {
  ...opts, headers: { authorization: `Bearer ${tok(sub)}`, ...(opts.headers || {}) },
});

async function createTask(srv, sub, title) {
  const r = await api(srv, sub, '/api/v1/tasks', { method: 'POST', body: { title } });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

const ORIGIN = 'https://app.example.com';
const SECRET_ENV = { BETTER_AUTH_SECRET: SECRET, JWT_LEEWAY_SECONDS: '0', CORS_ORIGINS: ORIGIN };

describe('live updates, one instance', () => {
  let srv;
  before(async () => { srv = await startServer({ env: SECRET_ENV }); });
  after(async () => { await srv.stop(); });

  // Notifying transactions commit one at a time (PostgreSQL's notify lock
  // is held through the commit's flush): only users with a live
  // connection somewhere (a live_slots row) are notified (migration 0013).
  test('only the events of users with an open connection are notified', async () => {
    const quiet = uid('quiet');
    const live = uid('notified');
    await createTask(srv, quiet, 'before anyone listens');
    // A listener of our own for 4 s; psql prints what it got at the end.
    const out = [];
    const listener = spawn('psql', [adminUrl, '-XAtq', '-c', 'LISTEN live_events', '-c', 'SELECT pg_sleep(4)', '-c', 'SELECT 1']);
    listener.stdout.on('data', (d) => out.push(d.toString()));
    const done = new Promise((resolve) => listener.on('close', resolve));
    await sleep(500);
    for (let i = 0; i < 3; i++) await createTask(srv, quiet, `nobody listens ${i}`);
    const ws = openWs(srv, { sub: live });
    await ws.opened;
    const made = [await createTask(srv, live, 'one'), await createTask(srv, live, 'two')];
    const got = await take(ws, 2);
    assert.deepEqual(got.map((e) => e.data.id), made.map((t) => t.id));
    ws.close();
    await ws.closed;
    assert.equal(await done, 0);
    const text = out.join('');
    const payloads = [...text.matchAll(/payload "(\d+):([^"]+)"/g)].map((m) => m[2]);
    assert.deepEqual(payloads, [live, live], text);
  });

  test('a missing or bad token is refused before the upgrade, with the usual 401 JSON', async () => {
    const none = openWs(srv, { protocols: [] });
    const e1 = await none.opened.then(() => null, (e) => e);
    assert.equal(e1?.status, 401);
    assert.deepEqual(JSON.parse(e1.body), { detail: 'Not authenticated' });
    assert.equal(e1.headers['www-authenticate'], 'Bearer');

    const bad = openWs(srv, { token: `${tok(uid('a'))}x` });
    const e2 = await bad.opened.then(() => null, (e) => e);
    assert.equal(e2?.status, 401);
    assert.equal(e2.headers['www-authenticate'], 'Bearer error="invalid_token"');
    assert.equal(typeof JSON.parse(e2.body).detail, 'string');

    const expired = openWs(srv, { token: tokenFor(uid('a'), -10) });
    const e3 = await expired.opened.then(() => null, (e) => e);
    assert.equal(e3?.status, 401);

    const r = await request(srv, '/api/v1/events', { conformance: true });
    assert.equal(r.status, 401);
    assert.deepEqual(r.json, { detail: 'Not authenticated' });
  });

  test('WebSocket: every task event arrives in order, full payloads, delete included; nothing of another user', async () => {
    const me = uid('ws1');
    const other = uid('ws1-other');
    const ws = openWs(srv, { sub: me });
    await ws.opened;
    assert.equal(ws.protocol, 'bearer');
    const wsOther = openWs(srv, { sub: other });
    await wsOther.opened;
    await sleep(300);

    const t = await createTask(srv, me, 'first');
    const p = await api(srv, me, `/api/v1/tasks/${t.id}`, { method: 'PATCH', body: { title: 'second' } });
    assert.equal(p.status, 200, p.text);
    const c = await api(srv, me, `/api/v1/tasks/${t.id}/complete`, { method: 'PATCH', body: '' });
    assert.equal(c.status, 200, c.text);
    const d = await api(srv, me, `/api/v1/tasks/${t.id}`, { method: 'DELETE' });
    assert.equal(d.status, 204);
    await createTask(srv, other, 'not yours');

    const got = await take(ws, 4);
    assert.deepEqual(got.map((m) => m.type), ['task.created', 'task.updated', 'task.completed', 'task.deleted']);
    const ids = got.map((m) => BigInt(m.id));
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i] > ids[i - 1], 'ids increase');
    assert.deepEqual(got[0].data, t);
    assert.deepEqual(got[1].data, p.json);
    assert.deepEqual(got[2].data, c.json);
    assert.equal(got[3].data.id, t.id);
    assert.equal(got[3].data.title, 'second');
    // The event as stored is the message, byte for byte.
    const stored = psql(`SELECT body FROM events WHERE id = ${got[3].id}`);
    assert.deepEqual(JSON.parse(stored), got[3]);

    const theirs = await wsOther.next();
    assert.equal(theirs.type, 'task.created');
    assert.equal(theirs.data.user_id, other);
    await sleep(500);
    assert.equal(ws.queued(), 0, 'no other user\'s event on my socket');
    assert.equal(wsOther.queued(), 0);
    ws.close();
    wsOther.close();
  });

  test('WebSocket: ?access_token= works too', async () => {
    const me = uid('qs');
    const ws = openWs(srv, { protocols: [], query: `?access_token=${tok(me)}` });
    await ws.opened;
    await sleep(200);
    const t = await createTask(srv, me, 'via query');
    const m = await ws.next();
    assert.equal(m.type, 'task.created');
    assert.equal(m.data.id, t.id);
    ws.close();
  });

  test('SSE: text/event-stream, id = event id, data = the event, ping comments, no gzip, no-store', async () => {
    const me = uid('sse');
    const sse = openSse(srv, { sub: me, headers: { 'accept-encoding': 'gzip', origin: ORIGIN } });
    const res = await sse.response;
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/event-stream');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['access-control-allow-origin'], ORIGIN);
    await sleep(200);
    const t = await createTask(srv, me, 'sse one');
    await api(srv, me, `/api/v1/tasks/${t.id}`, { method: 'DELETE' });
    await sse.until(() => sse.events.length >= 2);
    assert.deepEqual(sse.events.map((e) => e.data.type), ['task.created', 'task.deleted']);
    for (const e of sse.events) assert.equal(e.id, e.data.id);
    assert.deepEqual(sse.events[0].data.data, t);
    sse.close();
  });
  test('replay: ?since= sends exactly the events after it, then live, with no gap or duplicate while writes continue', async () => {
    const me = uid('replay');
    const first = openWs(srv, { sub: me });
    await first.opened;
    await sleep(200);
    for (let i = 0; i < 3; i++) await createTask(srv, me, `before ${i}`);
    const seen = await take(first, 3);
    first.close();
    await first.closed;

    // Writes go on while the client is away and while it comes back.
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) { await createTask(srv, me, `during ${written}`); written++; }
    })();
    await sleep(300);
    const again = openWs(srv, { sub: me, query: `?since=${seen[2].id}` });
    await again.opened;
    await sleep(500);
    writing = false;
    await writer;
    await createTask(srv, me, 'after');
    const all = psql(`SELECT string_agg(id::text, ',' ORDER BY id) FROM events WHERE user_id = '${me}' AND id > ${seen[2].id}`).split(',');
    assert.ok(written >= 2, `writes went on (${written})`);
    const got = await take(again, all.length);
    assert.deepEqual(got.map((m) => m.id), all, 'every event after since, once, in order');
    assert.equal(got.at(-1).data.title, 'after');
    await sleep(300);
    assert.equal(again.queued(), 0, 'nothing twice');
    again.close();
  });

  test('replay: a since that is not one of the user\'s retained events gets {"type":"resync"} first, then live', async () => {
    const me = uid('resync');
    const other = uid('resync-other');
    await createTask(srv, other, 'theirs');
    const theirs = psql(`SELECT max(id) FROM events WHERE user_id = '${other}'`);
    const max = psql('SELECT max(id) FROM events');
    for (const since of ['0', String(BigInt(max) + 1000n), theirs]) {
      const ws = openWs(srv, { sub: me, query: `?since=${since}` });
      await ws.opened;
      assert.deepEqual(await ws.next(), { type: 'resync' }, `since=${since}`);
      await sleep(200);
      const t = await createTask(srv, me, `after resync ${since}`);
      const m = await ws.next();
      assert.equal(m.type, 'task.created');
      assert.equal(m.data.id, t.id);
      ws.close();
      await ws.closed;
      // The old events of this user are not replayed after a resync.
      await sleep(200);
      assert.equal(ws.queued(), 0);
    }
    // A malformed since is a 422 before the upgrade.
    const bad = openWs(srv, { sub: me, query: '?since=abc' });
    const e = await bad.opened.then(() => null, (x) => x);
    assert.equal(e?.status, 422);
    assert.equal(JSON.parse(e.body).detail[0].loc.join('.'), 'query.since');
  });

  test('SSE: Last-Event-ID replays after that id, then live; an unknown one resyncs', async () => {
    const me = uid('sse-replay');
    await createTask(srv, me, 'one');
    await createTask(srv, me, 'two');
    const ids = psql(`SELECT string_agg(id::text, ',' ORDER BY id) FROM events WHERE user_id = '${me}'`).split(',');
    const sse = openSse(srv, { sub: me, headers: { 'last-event-id': ids[0] } });
    await sse.response;
    await sse.until(() => sse.events.length >= 1);
    await createTask(srv, me, 'three');
    await sse.until(() => sse.events.length >= 2);
    assert.equal(sse.events[0].id, ids[1]);
    assert.equal(sse.events[1].data.data.title, 'three');
    sse.close();

    const lost = openSse(srv, { sub: me, headers: { 'last-event-id': 'nonsense' } });
    await lost.response;
    await lost.until(() => lost.events.length >= 1);
    assert.deepEqual(lost.events[0], { id: null, data: { type: 'resync' } });
    lost.close();
  });

  test('token lifetime: exp closes with 4001, {"type":"auth"} extends it, another user\'s token closes with 4003', async () => {
    const me = uid('exp');
    const short = openWs(srv, { token: tokenFor(me, 2) });
    await short.opened;
    const t0 = Date.now();
    const { code } = await short.closed;
    assert.equal(code, 4001);
    assert.ok(Date.now() - t0 < 6000, 'closed near the expiry');

    const renewed = openWs(srv, { token: tokenFor(me, 2) });
    await renewed.opened;
    renewed.send(JSON.stringify({ type: 'auth', token: tokenFor(me, 600) }));
    await sleep(4000);
    assert.equal(renewed.readyState, WebSocket.OPEN, 'a fresh token kept it open past the first exp');
    const t = await createTask(srv, me, 'still here');
    assert.equal((await renewed.next()).data.id, t.id);
    renewed.send(JSON.stringify({ type: 'auth', token: tok(uid('someone-else')) }));
    assert.equal((await renewed.closed).code, 4003);

    const refused = openWs(srv, { sub: me });
    await refused.opened;
    refused.send(JSON.stringify({ type: 'auth', token: `${tok(me)}x` }));
    assert.equal((await refused.closed).code, 4001);

    // SSE: the stream ends at the token's exp.
    const sse = openSse(srv, { token: tokenFor(me, 2) });
    await sse.response;
    await sse.until(() => sse.ended, 8000);
  });

  test('HEAD /api/v1/events: the stream\'s headers, no body; no slot kept', async () => {
    const me = uid('head');
    for (let i = 0; i < 25; i++) {
      const r = await api(srv, me, '/api/v1/events', { method: 'HEAD' });
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], 'text/event-stream');
      assert.equal(r.raw.length, 0);
    }
    // 25 HEADs took none of the 20 slots.
    const ws = openWs(srv, { sub: me });
    await ws.opened;
    ws.close();
  });

  test('metrics: open connections, messages sent, drops by reason', async () => {
    const ws = openWs(srv, { sub: uid('metrics') });
    await ws.opened;
    const r = await request(srv, '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.text, /^live_connections\{kind="websocket"\} [1-9]\d*$/m);
    assert.match(r.text, /^live_messages_sent_total [1-9]\d*$/m);
    assert.match(r.text, /^live_drops_total\{reason="token_expired"\} [1-9]\d*$/m);
    assert.match(r.text, /^live_drops_total\{reason="token_refused"\} [1-9]\d*$/m);
    ws.close();
  });
});

describe('live updates across workers and instances', () => {
  let a;
  let b;
  before(async () => {
    a = await startServer({ env: SECRET_ENV });
    b = await startServer({ env: SECRET_ENV });
  });
  after(async () => { await a.stop(); await b.stop(); });

  test('a change made through instance A reaches sockets and streams on instance B (and A), every worker', async () => {
    const me = uid('two');
    const sockets = [];
    for (let i = 0; i < 4; i++) sockets.push(openWs(i % 2 ? a : b, { sub: me }));
    await Promise.all(sockets.map((w) => w.opened));
    const sse = openSse(b, { sub: me });
    await sse.response;
    await sleep(300);
    const made = [];
    for (let i = 0; i < 4; i++) made.push(await createTask(i % 2 ? a : b, me, `cross ${i}`));
    for (const w of sockets) {
      const got = await take(w, 4);
      assert.deepEqual(got.map((m) => m.data.id), made.map((t) => t.id));
      w.close();
    }
    await sse.until(() => sse.events.length >= 4);
    assert.deepEqual(sse.events.map((e) => e.data.data.id), made.map((t) => t.id));
    sse.close();
  });

  test('the LISTEN connection killed (pg_terminate_backend) comes back, and no event is lost', async () => {
    const me = uid('kill');
    const ws = openWs(b, { sub: me });
    await ws.opened;
    await sleep(300);
    const listeners = () => Number(psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tasks-api-live' AND query = 'LISTEN live_events'"));
    assert.equal(listeners(), 2, 'one LISTEN connection per instance');
    const before = psql(`SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tasks-api-live'`);
    assert.equal(before, '2');

    const made = [];
    for (let i = 0; i < 5; i++) {
      psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'tasks-api-live'");
      // Written while neither instance listens.
      made.push(await createTask(a, me, `while down ${i}`));
      await sleep(50);
    }
    const got = await take(ws, 5, 20000);
    assert.deepEqual(got.map((m) => m.data.id), made.map((t) => t.id));
    const deadline = Date.now() + 15000;
    while (listeners() !== 2) {
      assert.ok(Date.now() < deadline, 'both listeners came back');
      await sleep(200);
    }
    const t = await createTask(a, me, 'after recovery');
    assert.equal((await ws.next()).data.id, t.id);
    const m = await request(b, '/metrics');
    assert.match(m.text, /^live_listen_reconnects_total [1-9]\d*$/m);
    await sleep(300);
    assert.equal(ws.queued(), 0, 'nothing twice');
    ws.close();
  });
});

describe('live limits and shutdown', () => {
  let srv;
  before(async () => { srv = await startServer({ env: { ...SECRET_ENV, LIVE_MAX_CONNECTIONS_PER_USER: '3' } }); });
  after(async () => { if (srv.exited === null) await srv.stop(); });

  test('LIVE_MAX_CONNECTIONS_PER_USER per user on the instance: the next upgrade answers 429', async () => {
    const me = uid('limit');
    const open = [openWs(srv, { sub: me }), openWs(srv, { sub: me })];
    await Promise.all(open.map((w) => w.opened));
    const sse = openSse(srv, { sub: me });
    assert.equal((await sse.response).statusCode, 200);
    const extra = openWs(srv, { sub: me });
    const e = await extra.opened.then(() => null, (x) => x);
    assert.equal(e?.status, 429);
    assert.deepEqual(JSON.parse(e.body), { detail: 'Too many live connections' });
    const r = await request(srv, '/api/v1/events', { headers: { authorization: `Bearer ${tok(me)}` } });
    assert.equal(r.status, 429);
    // Another user is not affected; a slot freed is usable again.
    const other = openWs(srv, { sub: uid('limit-other') });
    await other.opened;
    open[0].close();
    await open[0].closed;
    await sleep(300);
    const back = openWs(srv, { sub: me });
    await back.opened;
    for (const w of [open[1], other, back]) w.close();
    sse.close();
  });

  test('a consumer more than 1 MiB behind is closed with 1013, and resumes with since', async () => {
    const me = uid('slow');
    const ws = openWs(srv, { sub: me });
    await ws.opened;
    await sleep(300);
    ws._socket.pause();
    // 200 events of 60 KB each: 12 MB, far more than socket buffers.
    psql(`SELECT events_emit('${me}', 'test.big', json_build_object('pad', repeat('x', 60000))) FROM generate_series(1, 200)`);
    await sleep(2000);
    ws._socket.resume();
    const { code } = await ws.closed;
    assert.equal(code, 1013);
    const received = [];
    for (;;) {
      const m = await ws.next(100).catch(() => null);
      if (m === null) break;
      received.push(m);
    }
    assert.ok(received.length < 200, `closed before the end (${received.length} received)`);
    const ids = psql(`SELECT string_agg(id::text, ',' ORDER BY id) FROM events WHERE user_id = '${me}'`).split(',');
    assert.deepEqual(received.map((m) => m.id), ids.slice(0, received.length), 'what arrived came in order');
    // Reading again from the last id received gets the rest, once each;
    // a burst bigger than 1 MiB may close with 1013 again, and the
    // client goes on from where it was, as a client does.
    const all = received.slice();
    for (let round = 0; all.length < 200; round++) {
      assert.ok(round < 100, 'the resumes make progress');
      const again = openWs(srv, { sub: me, query: all.length ? `?since=${all.at(-1).id}` : '' });
      await again.opened;
      const before = all.length;
      for (;;) {
        const m = await again.next(3000).catch(() => null);
        if (m === null) break;
        all.push(m);
        if (all.length === 200) break;
      }
      assert.ok(all.length > before, `round ${round} received something`);
      again.close();
      await again.closed;
    }
    assert.deepEqual(all.map((m) => m.id), ids, 'every event once, in order, across the resumes');
    const r = await request(srv, '/metrics');
    assert.match(r.text, /^live_drops_total\{reason="slow_consumer"\} [1-9]\d*$/m);
  });

  test('SIGTERM closes live connections with 1001 and the server exits 0', async () => {
    const ws = openWs(srv, { sub: uid('term') });
    await ws.opened;
    const sse = openSse(srv, { sub: uid('term') });
    await sse.response;
    srv.child.kill('SIGTERM');
    assert.equal((await ws.closed).code, 1001);
    await sse.until(() => sse.ended, 10000);
    const { code } = await srv.exitPromise;
    assert.equal(code, 0);
    await srv.stop();
  });
});

describe('live pings and silent peers', () => {
  let srv;
  // Kore's websocket_timeout at 2 s instead of 60, so a silent peer goes quickly.
  before(async () => {
    srv = await startServer({
      env: SECRET_ENV,
      edit: (c) => {
        if (!/^websocket_timeout\s+60$/m.test(c)) throw new Error('kore.conf has no websocket_timeout 60');
        return c.replace(/^websocket_timeout\s+60$/m, 'websocket_timeout\t2');
      },
    });
  });
  after(async () => { await srv.stop(); });

  test('the server pings every 30 s (SSE: ": ping" every 15 s); a peer silent past websocket_timeout is dropped', async () => {
    const silent = openWs(srv, { sub: uid('silent') });
    await silent.opened;
    const talker = openWs(srv, { sub: uid('talker') });
    await talker.opened;
    const keep = setInterval(() => talker.ping(), 500);
    const pinged = new Promise((resolve) => talker.once('ping', resolve));
    const sse = openSse(srv, { sub: uid('pinged') });
    await sse.response;
    try {
      const t0 = Date.now();
      await silent.closed;
      const silentFor = Date.now() - t0;
      assert.ok(silentFor < 6000, `silent peer dropped after ${silentFor} ms`);
      await sse.until(() => sse.comments.includes('ping'), 17000);
      const t = await Promise.race([pinged.then(() => 'ping'), sleep(33000).then(() => 'none')]);
      assert.equal(t, 'ping', 'a server ping within 30 s');
      assert.equal(talker.readyState, WebSocket.OPEN, 'a peer that answers stays');
    } finally {
      clearInterval(keep);
      talker.close();
      sse.close();
    }
  });
});
