// Live updates (SPEC "Live updates") over real HTTPS: a real WebSocket
// client (npm ws) and a Server-Sent Events client reading the raw stream,
// against real Kore servers and PostgreSQL.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { randomBytes, createHmac } from 'node:crypto';
import WebSocket from 'ws';
import { startServer, caPem, request, sleep, mintToken, psql, databaseUrl } from './harness.mjs';

const SECRET = 'live-integration-secret-0123456789-abcdefghij';
const RUN = randomBytes(4).toString('hex');
const uid = (n) => `live-${n}-${RUN}`;
const tok = (sub) => mintToken(SECRET, sub);

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

// A WebSocket that queues what it receives: next() waits for a message.
function openWs(srv, { token, sub, query = '', protocols, headers = {}, ...wsOpts } = {}) {
  const t = token ?? tok(sub);
  const url = `wss://127.0.0.1:${srv.port}/api/v1/ws${query}`;
  const ws = new WebSocket(url, protocols ?? ['bearer', t], {
    ca: caPem, servername: 'localhost', headers: { host: `localhost:${srv.port}`, ...headers }, ...wsOpts,
  });
  const queue = [];
  const waiters = [];
  ws.closed = new Promise((resolve) => ws.on('close', (code, reason) => {
    resolve({ code, reason: reason.toString() });
    while (waiters.length) waiters.shift()(null);
  }));
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString());
    if (waiters.length) waiters.shift()(m); else queue.push(m);
  });
  ws.on('error', () => {});
  ws.opened = new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (req, res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => reject(Object.assign(new Error(`status ${res.statusCode}`), {
        status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString(),
      })));
    });
    ws.once('close', () => reject(new Error('closed before open')));
    ws.once('error', reject);
  });
  ws.next = (ms = 10000) => new Promise((resolve, reject) => {
    if (queue.length) { resolve(queue.shift()); return; }
    const timer = setTimeout(() => reject(new Error('no message in time')), ms);
    waiters.push((m) => { clearTimeout(timer); if (m === null) reject(new Error('closed')); else resolve(m); });
  });
  ws.queued = () => queue.length;
  return ws;
}

// n messages, in order.
async function take(ws, n, ms) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await ws.next(ms));
  return out;
}

// The SSE stream, parsed: events [{ id, data }], comments.
function openSse(srv, { sub, token, headers = {} } = {}) {
  const events = [];
  const comments = [];
  const waiters = [];
  let buf = '';
  let res = null;
  const wake = () => { for (const w of waiters.splice(0)) w(); };
  const req = https.request({
    host: '127.0.0.1', port: srv.port, servername: 'localhost', path: '/api/v1/events', ca: caPem, agent: false,
    headers: { host: `localhost:${srv.port}`, authorization: `Bearer ${token ?? tok(sub)}`, accept: 'text/event-stream', ...headers },
  });
  const sse = {
    events, comments, ended: false,
    response: new Promise((resolve, reject) => {
      req.on('response', (r) => {
        res = r;
        r.setEncoding('utf8');
        r.on('data', (d) => {
          buf += d;
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const ev = { id: null, data: [] };
            let isEvent = false;
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) comments.push(line.slice(1).trim());
              else if (line.startsWith('id: ')) { ev.id = line.slice(4); isEvent = true; } else if (line.startsWith('data: ')) { ev.data.push(line.slice(6)); isEvent = true; }
            }
            if (isEvent) events.push({ id: ev.id, data: JSON.parse(ev.data.join('\n')) });
          }
          wake();
        });
        r.on('end', () => { sse.ended = true; wake(); });
        r.on('close', () => { sse.ended = true; wake(); });
        resolve(r);
      });
      req.on('error', (e) => { sse.ended = true; wake(); reject(e); });
    }),
    // Waits until pred() holds, or fails after ms.
    async until(pred, ms = 10000) {
      const deadline = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > deadline) throw new Error(`SSE: condition not met in ${ms} ms (${events.length} events)`);
        await new Promise((resolve) => { waiters.push(resolve); setTimeout(resolve, 100); });
      }
    },
    close() { req.destroy(); },
  };
  req.end();
  return sse;
}

const ORIGIN = 'https://app.example.com';
const SECRET_ENV = { BETTER_AUTH_SECRET: SECRET, JWT_LEEWAY_SECONDS: '0', CORS_ORIGINS: ORIGIN };

describe('live updates, one instance', () => {
  let srv;
  before(async () => { srv = await startServer({ env: SECRET_ENV }); });
  after(async () => { await srv.stop(); });

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
});
