// Process lifecycle over real HTTPS (SPEC "Operations"): TLS handshakes in
// bursts, the SIGTERM drain, a worker killed with SIGKILL (also inside a
// rate-limit lock), start-up checks, and Kore's own answers: 431/414 for
// oversized requests, HEAD on every GET route.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { randomBytes } from 'node:crypto';
import { startServer, caPem, request, sleep, mintToken, openapi, documents, databaseUrl } from './harness.mjs';

const SECRET = 'lifecycle-integration-secret-0123456789-abcdef';
const RUN = randomBytes(4).toString('hex');
const bearer = (sub) => ({ authorization: `Bearer ${mintToken(SECRET, `${sub}-${RUN}`)}` });

// One TLS handshake on a new connection, closed at once.
function handshake(port) {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: caPem }, () => {
      sock.end();
      resolve();
    });
    sock.on('error', reject);
  });
}

// A TLS connection speaking HTTP/1.1 by hand: write bytes, read answers
// one at a time (content-length framed), see when the server closes.
async function connect(port) {
  const sock = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: caPem });
  await new Promise((resolve, reject) => { sock.once('secureConnect', resolve); sock.once('error', reject); });
  let buf = Buffer.alloc(0);
  let waiter = null;
  const conn = {
    sock,
    ended: false,
    error: null,
    closed: new Promise((resolve) => sock.on('close', resolve)),
    write: (s) => sock.write(s),
    // The next answer: { status, headers, body }; rejects when the
    // connection ends first.
    read(timeoutMs = 20000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { waiter = null; reject(new Error('no answer in time')); }, timeoutMs);
        waiter = () => {
          const end = buf.indexOf('\r\n\r\n');
          if (end >= 0) {
            const head = buf.subarray(0, end).toString('latin1').split('\r\n');
            const headers = {};
            for (const l of head.slice(1)) {
              const i = l.indexOf(':');
              headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
            }
            const len = headers['content-length'] === undefined || conn.head ? 0 : Number(headers['content-length']);
            if (buf.length >= end + 4 + len) {
              const body = buf.subarray(end + 4, end + 4 + len).toString('utf8');
              buf = buf.subarray(end + 4 + len);
              clearTimeout(timer);
              waiter = null;
              resolve({ status: Number(head[0].split(' ')[1]), headers, body, rest: () => buf.toString('latin1') });
              return;
            }
          }
          if (conn.ended) {
            clearTimeout(timer);
            waiter = null;
            reject(new Error(`connection closed before an answer (${conn.error?.code ?? 'end'})`));
          }
        };
        waiter();
      });
    },
  };
  sock.on('data', (d) => { buf = Buffer.concat([buf, d]); waiter?.(); });
  sock.on('end', () => { conn.ended = true; waiter?.(); });
  sock.on('error', (e) => { conn.error = e; conn.ended = true; waiter?.(); });
  sock.on('close', () => { conn.ended = true; waiter?.(); });
  return conn;
}

const get = (path, headers = {}) => `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${
  Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;

// A new TCP connection: resolves 'connected' or the error code.
function tcpConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('connect', () => { s.destroy(); resolve('connected'); });
    s.on('error', (e) => resolve(e.code));
  });
}

// Kore's processes under a parent, by title ("kore [wrk 1]", ...).
function children(pid) {
  let list = [];
  try { list = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number); } catch { /* gone */ }
  return list.map((p) => {
    let title = '';
    try { title = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ').trim(); } catch { /* gone */ }
    return { pid: p, title };
  });
}
const httpWorkers = (srv) => children(srv.child.pid).filter((c) => /\[wrk \d+\]/.test(c.title)).map((c) => c.pid);

// Which worker holds the server side of a client socket (ss -p).
function ownerOf(srv, sock) {
  const out = execFileSync('ss', ['-tnpH', 'state', 'established', `( sport = :${srv.port} and dport = :${sock.localPort} )`], { encoding: 'utf8' });
  const m = /pid=(\d+)/.exec(out);
  return m ? Number(m[1]) : null;
}

async function waitExit(srv, ms) {
  const t0 = Date.now();
  const r = await Promise.race([srv.exitPromise, sleep(ms).then(() => null)]);
  return { exit: r, ms: Date.now() - t0 };
}

describe('TLS handshakes', () => {
  let srv;
  before(async () => { srv = await startServer({ env: { BETTER_AUTH_SECRET: SECRET } }); });
  after(async () => { await srv?.stop(); });

  test('500 simultaneous new TLS connections all complete, no keymgr wait times out', async () => {
    const rs = await Promise.allSettled(Array.from({ length: 500 }, () => handshake(srv.port)));
    const failed = rs.filter((r) => r.status === 'rejected').map((r) => r.reason.code ?? r.reason.message);
    assert.deepEqual(failed, []);
    assert.doesNotMatch(srv.stdout + srv.stderr, /keymgr: no answer/);
  });

  // The keymgr starved (SIGSTOP stands in for a loaded machine): a worker
  // waits up to 5 s for its signature, so a 2 s stall only delays.
  test('a keymgr stalled 2 s delays handshakes, none fails', async () => {
    const keymgr = children(srv.child.pid).find((c) => /\[keymgr\]/.test(c.title)).pid;
    process.kill(keymgr, 'SIGSTOP');
    const t0 = Date.now();
    const pending = Promise.allSettled(Array.from({ length: 4 }, () => handshake(srv.port)));
    await sleep(2000);
    process.kill(keymgr, 'SIGCONT');
    const rs = await pending;
    assert.deepEqual(rs.map((r) => r.status), Array(4).fill('fulfilled'), String(rs.find((r) => r.reason)?.reason));
    assert.ok(Date.now() - t0 >= 1900);
  });

  // Longer than the wait: that handshake fails, and its late answer must
  // not be taken for the next request's (answers carry the request's
  // sequence number): every later handshake succeeds.
  test('an answer later than the 5 s wait fails one handshake, never the ones after it', async () => {
    const keymgr = children(srv.child.pid).find((c) => /\[keymgr\]/.test(c.title)).pid;
    process.kill(keymgr, 'SIGSTOP');
    const first = handshake(srv.port).then(() => 'ok', (e) => e.code ?? e.message);
    await sleep(6500);
    process.kill(keymgr, 'SIGCONT');
    assert.notEqual(await first, 'ok');
    assert.match(srv.stdout + srv.stderr, /keymgr: no answer to request \d+ in \d+ ms/);
    for (let round = 0; round < 3; round++) {
      const rs = await Promise.allSettled(Array.from({ length: 40 }, () => handshake(srv.port)));
      assert.deepEqual(rs.filter((r) => r.status === 'rejected').map((r) => r.reason.code ?? r.reason.message), []);
    }
  });
});

describe('SIGTERM drain', () => {
  test('a body still arriving gets its 201, /readyz says 503, idle keep-alive closes, new connections are refused, exit 0', async () => {
    const srv = await startServer({ env: { BETTER_AUTH_SECRET: SECRET } });
    try {
      const user = bearer('drain');
      // An idle keep-alive connection, one request done.
      const idle = await connect(srv.port);
      idle.write(get('/healthz'));
      assert.equal((await idle.read()).status, 200);
      // A create whose body is half sent, and a /readyz whose headers are.
      const body = JSON.stringify({ title: 'written during the drain' });
      const post = await connect(srv.port);
      post.write(`POST /api/v1/tasks HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${user.authorization}\r\n`
        + `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`);
      const ready = await connect(srv.port);
      ready.write('GET /readyz HTTP/1.1\r\nHost: localhost\r\n');
      await sleep(300);

      const t0 = Date.now();
      srv.child.kill('SIGTERM');
      await sleep(500);
      assert.equal(await tcpConnect(srv.port), 'ECONNREFUSED', 'a new connection after SIGTERM');
      await Promise.race([idle.closed, sleep(2000)]);
      assert.ok(idle.ended, 'the idle keep-alive connection is still open 2.5 s into the drain');

      ready.write('\r\n');
      const r = await ready.read();
      assert.equal(r.status, 503, r.body);
      assert.deepEqual(JSON.parse(r.body), { detail: 'Shutting down' });
      assert.equal(r.headers.connection, 'close');

      post.write(body.slice(10));
      const created = await post.read();
      assert.equal(created.status, 201, created.body);
      assert.equal(JSON.parse(created.body).title, 'written during the drain');
      assert.equal(created.headers.connection, 'close');

      const { exit, ms } = await waitExit(srv, 30000);
      assert.deepEqual(exit, { code: 0, sig: null }, `exit after ${ms} ms`);
      assert.ok(Date.now() - t0 < 10000, `drained in ${Date.now() - t0} ms`);
      assert.equal(srv.exited.code, 0);
    } finally {
      await srv.stop();
    }
  });

  test('after worker_shutdown_grace a request still arriving is cut and the process exits 0', async () => {
    const srv = await startServer({
      env: { BETTER_AUTH_SECRET: SECRET },
      edit: (c) => c.replace(/^worker_shutdown_grace\s+\d+/m, 'worker_shutdown_grace\t2'),
    });
    try {
      const slow = await connect(srv.port);
      slow.write(`POST /api/v1/tasks HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${bearer('slow').authorization}\r\n`
        + 'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"title":');
      await sleep(300);
      const t0 = Date.now();
      srv.child.kill('SIGTERM');
      const { exit } = await waitExit(srv, 15000);
      const ms = Date.now() - t0;
      assert.deepEqual(exit, { code: 0, sig: null });
      assert.ok(ms >= 1800 && ms < 8000, `exited ${ms} ms after SIGTERM with a 2 s grace`);
      await Promise.race([slow.closed, sleep(2000)]);
      assert.ok(slow.ended, 'the unfinished request is still connected');
      assert.match(srv.stdout + srv.stderr, /grace over, closing 1 connection/);
    } finally {
      await srv.stop();
    }
  });
});

describe('a worker killed with SIGKILL', () => {
  // One connection per worker, so both serve (see edge.test.mjs).
  const oneConnEach = (c) => c.replace(/^worker_max_connections\s+\d+/m, 'worker_max_connections\t1');

  test('Kore restarts it; the other worker keeps its connections; buckets and metrics survive', async () => {
    const srv = await startServer({ env: { BETTER_AUTH_SECRET: SECRET, RATE_LIMIT_RPM: '100' }, edit: oneConnEach });
    try {
      const user = bearer('crash');
      const a = await connect(srv.port);
      const b = await connect(srv.port);
      const owners = [ownerOf(srv, a.sock), ownerOf(srv, b.sock)];
      assert.ok(owners[0] && owners[1] && owners[0] !== owners[1], `both workers hold one: ${owners}`);
      a.write(get('/api/v1/users/me', user));
      b.write(get('/api/v1/users/me', user));
      const ra = await a.read();
      const rb = await b.read();
      assert.deepEqual([ra.status, rb.status], [200, 200]);
      const remaining = Math.min(Number(ra.headers['ratelimit-remaining']), Number(rb.headers['ratelimit-remaining']));
      assert.equal(remaining, 98);

      // Kore counts a request when it frees it, on the worker's next turn
      // of its loop (100 ms at most while requests are open): let that
      // happen before the kill, or the killed worker's count goes with it.
      await sleep(300);
      process.kill(owners[0], 'SIGKILL');
      await Promise.race([a.closed, sleep(3000)]);
      assert.ok(a.ended, "the killed worker's connection is gone");
      for (let i = 0; i < 50 && !httpWorkers(srv).some((p) => !owners.includes(p)); i++) await sleep(100);
      const now = httpWorkers(srv);
      assert.equal(now.length, 2, `workers after the kill: ${now}`);
      assert.ok(now.includes(owners[1]) && now.some((p) => !owners.includes(p)), `restarted: ${owners} -> ${now}`);
      assert.match(srv.stdout + srv.stderr, /restarting worker/);

      // The survivor's connection is the same socket, still serving, and
      // the bucket all workers share still counts the two requests.
      b.write(get('/api/v1/users/me', user));
      const again = await b.read();
      assert.equal(again.status, 200, again.body);
      assert.equal(b.ended, false);
      assert.equal(Number(again.headers['ratelimit-remaining']), 97);

      // A request is counted when Kore frees it, just after its answer:
      // the third one may land a moment after /metrics is asked.
      let m;
      let count = 0;
      for (let i = 0; i < 10 && count < 3; i++) {
        if (i > 0) await sleep(100);
        b.write(get('/metrics'));
        m = await b.read();
        assert.equal(m.status, 200);
        count = m.body.split('\n').filter((l) => l.startsWith('http_requests_total{route="/api/v1/users/me"'))
          .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
      }
      assert.equal(count, 3, m.body);
      b.sock.destroy();
    } finally {
      await srv.stop();
    }
  });

  test('killed while holding a rate-limit set lock, it does not wedge the others (test-build hook)', async () => {
    const holder = `holder-${RUN}`;
    const srv = await startServer({
      env: { BETTER_AUTH_SECRET: SECRET, RATE_LIMIT_RPM: '100', RL_TEST_HOLD_KEY: `u:${holder}` },
      edit: oneConnEach,
    });
    try {
      const token = { authorization: `Bearer ${mintToken(SECRET, holder)}` };
      // Both connections first, one on each worker: a worker stopped in
      // the hook may still hold Kore's accept lock, so a connection made
      // after it would wait for the kill, not for the rate-limit lock.
      const stuck = await connect(srv.port);
      const waiting = await connect(srv.port);
      const owners = [ownerOf(srv, stuck.sock), ownerOf(srv, waiting.sock)];
      assert.ok(owners[0] && owners[1] && owners[0] !== owners[1], `one connection each: ${owners}`);
      stuck.write(get('/api/v1/users/me', token));
      let pid;
      for (let i = 0; i < 50 && !pid; i++) {
        pid = Number(/rl test hook: pid (\d+) holds a set lock/.exec(srv.stderr)?.[1]) || undefined;
        if (!pid) await sleep(100);
      }
      assert.ok(pid, `the hook did not fire: ${srv.stderr}`);
      assert.equal(pid, owners[0]);
      // The same key, so the same set: this request waits for that lock.
      waiting.write(get('/api/v1/users/me', token));
      const answer = waiting.read(15000);
      await sleep(300);
      process.kill(pid, 'SIGKILL');
      // A failure here says what the server said (a worker that died, ...).
      const r = await answer.catch((e) => {
        throw new Error(`${e.message}; server stderr:\n${srv.stderr.slice(-4000)}`);
      });
      assert.equal(r.status, 200, r.body);
      // The killed request stopped before it took its token.
      assert.equal(Number(r.headers['ratelimit-remaining']), 99);
      waiting.sock.destroy();
      // Every worker serves again, the restarted one too, once it is up.
      for (let i = 0; i < 50 && !httpWorkers(srv).some((p) => !owners.includes(p)); i++) await sleep(100);
      assert.ok(httpWorkers(srv).some((p) => !owners.includes(p)), 'the killed worker was not restarted');
      const rs = await Promise.all(Array.from({ length: 6 }, () => request(srv, '/api/v1/users/me', { headers: token })));
      assert.deepEqual(rs.map((x) => x.status), Array(6).fill(200));
    } finally {
      await srv.stop();
    }
  });
});

describe('readiness under load', () => {
  // One worker, one database connection, two queued queries at most; a
  // table lock held from psql keeps that connection busy.
  test('a full connection pool and queue is load, not an outage: /readyz stays 200 and answers at once', async () => {
    const srv = await startServer({
      workers: 1,
      env: { BETTER_AUTH_SECRET: SECRET },
      edit: (c) => c.replace(/^pgsql_conn_max\s+\d+/m, 'pgsql_conn_max\t\t1')
        .replace(/^pgsql_queue_limit\s+\d+/m, 'pgsql_queue_limit\t2'),
    });
    let locker;
    try {
      const user = bearer('ready');
      assert.equal((await request(srv, '/api/v1/tasks', { headers: user })).status, 200);
      assert.equal((await request(srv, '/readyz')).status, 200);

      locker = spawn('psql', [databaseUrl, '-XAtq', '-c',
        'BEGIN; LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(3); COMMIT;'], { stdio: 'ignore' });
      await sleep(500);
      const lists = Array.from({ length: 5 }, () => request(srv, '/api/v1/tasks', { headers: user }));
      await sleep(500);
      for (let i = 0; i < 5; i++) {
        const t0 = Date.now();
        const r = await request(srv, '/readyz');
        assert.equal(r.status, 200, r.text);
        assert.ok(Date.now() - t0 < 1000, `/readyz took ${Date.now() - t0} ms under load`);
      }
      const statuses = (await Promise.all(lists)).map((r) => r.status);
      // Proof the pool and queue were full while /readyz answered.
      assert.ok(statuses.includes(503), statuses.join());
      assert.ok(statuses.includes(200), statuses.join());
    } finally {
      await new Promise((resolve) => (locker && locker.exitCode === null ? locker.on('exit', resolve) : resolve()));
      await srv.stop();
    }
  });
});

describe("Kore's own answers", () => {
  let srv;
  before(async () => { srv = await startServer({ env: { BETTER_AUTH_SECRET: SECRET } }); });
  after(async () => { await srv?.stop(); });

  for (const [what, status, text, detail] of [
    ['a 27 KB Authorization header', 431, get('/api/v1/users/me', { Authorization: `Bearer ${'a'.repeat(27 * 1024)}` }),
      'Request Header Fields Too Large'],
    ['a 20 KB request line', 414, get(`/api/v1/tasks?q=${'x'.repeat(20 * 1024)}`), 'Request-URI Too Long'],
    ['a 3 KB path', 414, get(`/${'p'.repeat(3000)}`), 'Request-URI Too Long'],
  ]) {
    test(`${what}: ${status} with the JSON detail, then the connection closes`, async () => {
      const c = await connect(srv.port);
      c.write(text);
      const r = await c.read();
      assert.equal(r.status, status, r.body);
      assert.deepEqual(JSON.parse(r.body), { detail });
      assert.equal(r.headers.connection, 'close');
      assert.match(r.headers['x-request-id'] ?? '', /^[A-Za-z0-9._-]+$/);
      await Promise.race([c.closed, sleep(3000)]);
      assert.ok(c.ended, 'the connection stays open');
    });
  }

  test('HEAD on every GET route: the GET status and headers, no body', async () => {
    const user = bearer('head');
    const t = await request(srv, '/api/v1/tasks', { method: 'POST', headers: user, body: { title: 'head' } });
    assert.equal(t.status, 201);
    const a = await request(srv, `/api/v1/tasks/${t.json.id}/attachments`, {
      method: 'POST', headers: { ...user, 'content-type': 'multipart/form-data; boundary=B' },
      body: '--B\r\nContent-Disposition: form-data; name="file"; filename="h.txt"\r\n\r\nhead\r\n--B--\r\n',
    });
    assert.equal(a.status, 201, a.text);
    const concrete = {
      '/api/v1/tasks/{task_id}/attachments': `/api/v1/tasks/${t.json.id}/attachments`,
      '/api/v1/attachments/{attachment_id}': `/api/v1/attachments/${a.json.id}`,
      '/api/v1/users/{user_id}': '/api/v1/users/someone',
      '/api/v1/tasks/{task_id}': `/api/v1/tasks/${t.json.id}`,
      '/api/{user_id}/tasks': `/api/drain-${RUN}/tasks`,
      '/api/{user_id}/tasks/{task_id}': `/api/someone/tasks/${t.json.id}`,
      '/docs/{asset}': '/docs/swagger-ui.css',
    };
    // The live routes never end their GET (a stream, an upgrade):
    // live.test.mjs checks their HEAD.
    const gets = Object.entries(openapi.paths).filter(([, item]) => item.get && !item.get.tags.includes('live')).map(([p]) => p);
    assert.ok(gets.length >= 10, gets.join());
    for (const template of gets) {
      const p = concrete[template] ?? template;
      assert.doesNotMatch(p, /\{/, `no example path for ${template}`);
      const g = await request(srv, p, { headers: user });
      const c = await connect(srv.port);
      c.head = true;
      c.write(`HEAD ${p} HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${user.authorization}\r\nConnection: close\r\n\r\n`);
      const h = await c.read();
      await c.closed;
      assert.equal(h.rest(), '', `HEAD ${p} sent a body`);
      assert.equal(h.status, g.status, `HEAD ${p}`);
      assert.deepEqual(documents.check('HEAD', p, { status: h.status, headers: h.headers, raw: Buffer.alloc(0) }), []);
      const names = (x) => Object.keys(x).filter((k) => !['date', 'x-request-id', 'connection', 'keep-alive'].includes(k)).sort();
      assert.deepEqual(names(h.headers), names(g.headers), `HEAD ${p} headers`);
      // /metrics changes between two scrapes; every other body is the same.
      const same = p === '/metrics' ? ['content-type'] : ['content-type', 'content-length', 'etag', 'allow'];
      for (const k of same) assert.equal(h.headers[k], g.headers[k], `HEAD ${p} ${k}`);
    }
  });
});

describe('start-up checks', () => {
  test('no source of token keys: refuses to start, naming the three variables', async () => {
    const srv = await startServer({
      env: { BETTER_AUTH_JWKS_URL: '', BETTER_AUTH_JWKS_FILE: '', BETTER_AUTH_SECRET: '' }, waitReady: false,
    });
    const { exit } = await waitExit(srv, 20000);
    assert.equal(exit?.code, 1, srv.stderr);
    const lines = srv.stderr.split('\n').filter((l) => l.startsWith('config error:'));
    assert.equal(lines.length, 1, srv.stderr);
    assert.match(lines[0], /BETTER_AUTH_JWKS_URL.*BETTER_AUTH_JWKS_FILE.*BETTER_AUTH_SECRET/);
    await srv.stop();
  });

  test('a kore.conf route the built API document does not have: refuses to start, naming it', async () => {
    const srv = await startServer({
      env: { BETTER_AUTH_SECRET: SECRET }, waitReady: false,
      edit: (c) => c.replace(/^(\s*# Anything that matched no route above)/m,
        '\troute\t/api/v1/added-without-make\tpage_healthz\n\trestrict /api/v1/added-without-make\tget\n\n$1'),
    });
    const { exit } = await waitExit(srv, 20000);
    assert.equal(exit?.code, 1, srv.stderr);
    assert.match(srv.stderr, /config error: kore\.conf: route \/api\/v1\/added-without-make is not in the built API document .*run make/);
    await srv.stop();
  });

  test('kore.conf sets no worker count: Kore starts one worker per core', async () => {
    const conf = readFileSync(new URL('../../kore.conf', import.meta.url), 'utf8');
    assert.doesNotMatch(conf, /^workers\s/m);
    const srv = await startServer({ env: { BETTER_AUTH_SECRET: SECRET }, edit: (c) => c.replace(/^workers\s+\d+\n/m, '') });
    try {
      const cores = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
      let n = 0;
      for (let i = 0; i < 50 && (n = httpWorkers(srv).length) !== cores; i++) await sleep(100);
      assert.equal(n, cores);
    } finally {
      await srv.stop();
    }
  });
});
