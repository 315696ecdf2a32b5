// The foundation over real HTTPS: TLS versions and chain, JSON errors,
// request ids and log lines, health probes, settings checks, migrations,
// reloads and a lost database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { cpSync, mkdtempSync, appendFileSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import {
  startServer, request, psql, createDatabase, dbctl, sleep, caPem, work, top,
} from './harness.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv?.stop(); });

for (const version of ['TLSv1.2', 'TLSv1.3']) {
  test(`HTTPS over ${version} with the configured certificate chain`, async () => {
    const r = await request(srv, '/healthz', { tls: { minVersion: version, maxVersion: version } });
    assert.equal(r.protocol, version);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { status: 'ok' });
    assert.match(r.headers['content-type'], /^application\/json/);
    // The server presents the leaf and the CA; the leaf is signed by the CA.
    const ca = new X509Certificate(caPem);
    assert.equal(r.peer.subject.CN, 'localhost');
    assert.equal(r.peer.issuer.CN, 'Dev Local CA');
    assert.equal(r.peer.issuerCertificate.fingerprint256, ca.fingerprint256);
    assert.ok(new X509Certificate(r.peer.raw).verify(ca.publicKey));
  });
}

test('a client that does not trust the CA is refused by verification', async () => {
  await assert.rejects(new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: srv.port, servername: 'localhost' }, resolve);
    s.on('error', reject);
  }), /self[- ]signed|unable to get local issuer/i);
});

test('unknown path is a JSON 404 with the usual headers', async () => {
  const r = await request(srv, '/no/such/path?x=1');
  assert.equal(r.status, 404);
  assert.deepEqual(r.json, { detail: 'Not Found' });
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.match(r.headers['strict-transport-security'], /max-age=\d+/);
  assert.ok(r.headers['x-request-id']);
});

test('wrong method is a JSON 405 with Allow', async () => {
  const r = await request(srv, '/healthz', { method: 'DELETE' });
  assert.equal(r.status, 405);
  assert.deepEqual(r.json, { detail: 'Method Not Allowed' });
  assert.equal(r.headers.allow, 'GET, HEAD, OPTIONS'); // a GET route answers HEAD
  assert.match(r.headers['content-type'], /^application\/json/);
});

test('a body over http_body_max is a JSON 413', async () => {
  const r = await request(srv, '/anything', {
    method: 'POST', body: Buffer.alloc(1048577, 0x61),
    headers: { 'content-type': 'application/octet-stream' },
  }).catch((e) => e);
  // Kore answers as soon as it reads the Content-Length, then closes.
  assert.equal(r.status, 413, String(r));
  assert.deepEqual(r.json, { detail: 'Request Entity Too Large' });
});

// The 413 goes out as soon as the headers are read, while the body is
// still coming: the server half-closes and reads the rest away (a
// lingering close), so a client still sending never gets a reset that
// would destroy the answer, and reads the 413 once it has sent it all.
test('a 413 sent while the body is still arriving survives the whole body being sent', async () => {
  // Half-open: the client keeps sending after the server's end, as a
  // client uploading a body does until it has read the answer.
  const sock = tls.connect({ host: '127.0.0.1', port: srv.port, servername: 'localhost', ca: caPem,
    allowHalfOpen: true });
  await new Promise((resolve, reject) => { sock.once('secureConnect', resolve); sock.once('error', reject); });
  let answer = '';
  let error = null;
  sock.on('data', (d) => { answer += d; });
  sock.on('error', (e) => { error = e; });
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const n = 32;
  sock.write(['POST /anything HTTP/1.1', `Host: localhost:${srv.port}`,
    'Content-Type: application/octet-stream', `Content-Length: ${n * chunk.length}`, '', ''].join('\r\n'));
  // The answer arrives first; the body keeps going after it.
  for (let i = 0; i < 100 && !answer.includes('\r\n\r\n'); i++) await sleep(20);
  assert.match(answer, /^HTTP\/1\.1 413 /);
  for (let i = 0; i < n && !error; i++) {
    await new Promise((resolve) => sock.write(chunk, (e) => { if (e) error = e; resolve(); }));
    await sleep(5);
  }
  sock.end();
  await new Promise((resolve) => { if (sock.destroyed) resolve(); else sock.once('close', resolve); });
  assert.equal(error, null, `sending the body after the 413: ${error}`);
  assert.match(answer, /\{"detail":"Request Entity Too Large"\}$/);
});

test('X-Request-ID: a valid one is kept, anything else replaced', async () => {
  const kept = await request(srv, '/healthz', { headers: { 'x-request-id': 'abc.DEF_123-x' } });
  assert.equal(kept.headers['x-request-id'], 'abc.DEF_123-x');
  for (const bad of ['has space', 'x'.repeat(129), 'semi;colon']) {
    const r = await request(srv, '/healthz', { headers: { 'x-request-id': bad } });
    assert.notEqual(r.headers['x-request-id'], bad);
    assert.match(r.headers['x-request-id'], /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  }
  const fresh = await request(srv, '/healthz');
  assert.match(fresh.headers['x-request-id'], /^[0-9a-f-]{36}$/);
});

test('one JSON log line per request with the fields SPEC asks for', async () => {
  const id = `log-test-${Date.now()}`;
  await request(srv, '/no/such/thing', { headers: { 'x-request-id': id } });
  await request(srv, '/healthz', { headers: { 'x-request-id': `${id}-ok` } });
  await sleep(100);
  const lines = srv.logLines();
  const nf = lines.filter((l) => l.request_id === id);
  assert.equal(nf.length, 1);
  assert.equal(nf[0].method, 'GET');
  assert.equal(nf[0].route, 'unmatched');
  assert.equal(nf[0].status, 404);
  assert.equal(nf[0].level, 'info');
  assert.equal(nf[0].bytes, '{"detail":"Not Found"}'.length);
  assert.equal(typeof nf[0].duration_ms, 'number');
  assert.equal(nf[0].user_id, null);
  assert.match(nf[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const ok = lines.filter((l) => l.request_id === `${id}-ok`);
  assert.equal(ok.length, 1);
  assert.equal(ok[0].route, '/healthz');
  assert.equal(ok[0].status, 200);
});

test('a flood of /readyz probes is a few queries a second, not one a probe', async () => {
  const url = createDatabase('readyz_flood');
  const s = await startServer({ env: { DATABASE_URL: url } });
  const commits = () => Number(psql("SELECT xact_commit FROM pg_stat_database WHERE datname = 'readyz_flood'", 'postgres'));
  try {
    await sleep(2000);
    // The server's background jobs (webhook claims, reminders) commit on
    // their own: their rate, measured idle, is taken off.
    const idle0 = commits();
    const idleT0 = Date.now();
    await sleep(3000);
    const perSecond = (commits() - idle0) / ((Date.now() - idleT0) / 1000);
    const before = commits();
    // A fixed number of probes, however long a loaded machine takes: the
    // checks are per second (the cache lives 1 s), never per probe.
    const t0 = Date.now();
    let n = 0;
    for (let batch = 0; batch < 20; batch++) {
      const rs = await Promise.all(Array.from({ length: 20 }, () => request(s, '/readyz', { timeout: 5000 })));
      assert.deepEqual(rs.map((r) => r.status), Array(20).fill(200));
      n += rs.length;
    }
    await sleep(1500);
    const seconds = (Date.now() - t0) / 1000;
    const queries = commits() - before - Math.round(perSecond * seconds);
    // About one probe query a second; one a probe would be 400. The jobs'
    // rate is noisy, so the bound is a tenth of the probes.
    assert.ok(queries * 10 <= n,
      `${queries} transactions beyond the jobs' ${perSecond.toFixed(1)}/s for ${n} probes in ${seconds.toFixed(1)} s`);
  } finally {
    await s.stop();
  }
});

test('readyz reports the database and schema version', async () => {
  const r = await request(srv, '/readyz');
  assert.equal(r.status, 200);
  const latest = Number(psql('SELECT max(version) FROM schema_migrations'));
  assert.deepEqual(r.json, { status: 'ready', database: 'ok', schema_version: latest });
});

test('SIGHUP reloads without killing workers', async () => {
  const before = await request(srv, '/readyz');
  assert.equal(before.status, 200);
  srv.child.kill('SIGHUP');
  await sleep(1000);
  assert.equal(srv.exited, null);
  for (let i = 0; i < 10; i++) {
    const r = await request(srv, '/readyz');
    assert.equal(r.status, 200);
  }
  assert.match(srv.stderr + srv.stdout, /reloaded .*app-asan\.so' module/);
  assert.doesNotMatch(srv.stderr + srv.stdout, /sandbox violation|died|exited/);
});

test('readyz is 503 while the database is down and 200 again by itself', async () => {
  try {
    dbctl('stop');
    // The last check answers for up to a second (a flood of probes is
    // one query a second); then the database's absence shows.
    await sleep(1100);
    for (let i = 0; i < 3; i++) {
      const r = await request(srv, '/readyz');
      assert.equal(r.status, 503);
      assert.deepEqual(r.json, { detail: 'Database unavailable' });
    }
    assert.equal((await request(srv, '/healthz')).status, 200);
  } finally {
    dbctl('start');
  }
  let status = 0;
  for (let i = 0; i < 50 && status !== 200; i++) {
    status = (await request(srv, '/readyz')).status;
    if (status !== 200) await sleep(200);
  }
  assert.equal(status, 200);
  // Every connection recovers: a burst over all workers is all 200.
  const rs = await Promise.all(Array.from({ length: 20 }, () => request(srv, '/readyz')));
  assert.deepEqual(rs.map((r) => r.status), Array(20).fill(200));
});

test('a bad setting stops the start with one line naming the variable', async () => {
  const cases = [
    [{ LOG_LEVEL: 'loud' }, /^config error: LOG_LEVEL: /],
    [{ JWT_LEEWAY_SECONDS: 'abc' }, /^config error: JWT_LEEWAY_SECONDS: /],
    [{ DATABASE_URL: 'mysql://x' }, /^config error: DATABASE_URL: /],
    [{ DATABASE_URL: 'postgresql://u:s3cretpw@host:notaport/db' }, /^config error: DATABASE_URL: /],
    [{ CORS_ORIGINS: 'https://a.example/path' }, /^config error: CORS_ORIGINS: /],
    [{ BETTER_AUTH_SECRET: 'tooshort-secret-value' }, /^config error: BETTER_AUTH_SECRET: /],
  ];
  for (const [env, re] of cases) {
    const s = await startServer({ env, waitReady: false });
    const { code } = await s.exitPromise;
    assert.notEqual(code, 0);
    const lines = s.stderr.split('\n').filter((l) => l.startsWith('config error'));
    assert.equal(lines.length, 1, s.stderr);
    assert.match(lines[0], re);
    // Secrets never show: not the auth secret, not a password in a URL.
    assert.ok(!lines[0].includes('tooshort-secret-value'));
    assert.ok(!lines[0].includes('s3cretpw'));
  }
});

test('settings come from .env, and the environment wins over it', async () => {
  const dir = mkdtempSync(path.join(work, 'env-'));
  const file = path.join(dir, '.env');
  writeFileSync(file, '# dev settings\nLOG_LEVEL=error\nexport RATE_LIMIT_RPM="5"\n');
  const quiet = await startServer({ env: { ENV_FILE: file } });
  await request(quiet, '/healthz');
  await sleep(100);
  assert.equal(quiet.logLines().filter((l) => l.status === 200).length, 0);
  await quiet.stop();

  const loud = await startServer({ env: { ENV_FILE: file, LOG_LEVEL: 'info' } });
  await request(loud, '/healthz');
  await sleep(100);
  assert.ok(loud.logLines().some((l) => l.status === 200));
  await loud.stop();

  appendFileSync(file, 'this line is broken\n');
  const broken = await startServer({ env: { ENV_FILE: file }, waitReady: false });
  await broken.exitPromise;
  assert.match(broken.stderr, /config error: .*\.env:4: expected KEY=VALUE/);
});

test('two instances starting together apply each migration once', async () => {
  const url = createDatabase('mig_race');
  const [a, b] = await Promise.all([
    startServer({ env: { DATABASE_URL: url } }),
    startServer({ env: { DATABASE_URL: url } }),
  ]);
  try {
    const rows = psql('SELECT version, count(*) FROM schema_migrations GROUP BY version ORDER BY 1', 'mig_race')
      .split('\n');
    const files = psql('SELECT count(*) FROM schema_migrations', 'mig_race');
    assert.ok(rows.length >= 2);
    for (const row of rows) assert.match(row, /^\d+\|1$/);
    assert.equal(Number(files), rows.length);
    assert.match(psql('SELECT checksum FROM schema_migrations WHERE version = 1', 'mig_race'), /^[0-9a-f]{64}$/);
    // Both logged how many they applied; together, each file once.
    const applied = [a, b].map((s) => Number(/migrations: (\d+) applied/.exec(s.stdout)[1]));
    assert.equal(applied[0] + applied[1], rows.length);
    assert.equal((await request(a, '/readyz')).status, 200);
    assert.equal((await request(b, '/readyz')).status, 200);
  } finally {
    await a.stop();
    await b.stop();
  }
});

test('the first migrations create users and tasks with the list indexes', () => {
  const cols = psql("SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns WHERE table_name = 'tasks'");
  for (const c of ['id', 'user_id', 'title', 'description', 'completed', 'completed_at', 'priority',
    'due_at', 'remind_at', 'recurrence', 'tags', 'created_at', 'updated_at']) {
    assert.ok(cols.split(',').includes(c), `tasks.${c}`);
  }
  const ucols = psql("SELECT string_agg(column_name, ',') FROM information_schema.columns WHERE table_name = 'users'");
  for (const c of ['id', 'email', 'name', 'image', 'role', 'timezone', 'webhook_url', 'webhook_secret']) {
    assert.ok(ucols.split(',').includes(c), `users.${c}`);
  }
  const idx = psql("SELECT string_agg(indexname, ',') FROM pg_indexes WHERE tablename = 'tasks'");
  for (const i of ['tasks_user_created_idx', 'tasks_tags_idx', 'tasks_search_idx', 'tasks_user_due_idx']) {
    assert.ok(idx.includes(i), i);
  }
});

test('an edited applied migration stops the start naming the file', async () => {
  const url = createDatabase('mig_edit');
  const dir = mkdtempSync(path.join(work, 'mig-'));
  cpSync(path.join(top, 'migrations'), dir, { recursive: true });
  const first = await startServer({ env: { DATABASE_URL: url, MIGRATIONS_DIR: dir } });
  await first.stop();
  appendFileSync(path.join(dir, '0001_users.sql'), '\n-- edited\n');
  const s = await startServer({ env: { DATABASE_URL: url, MIGRATIONS_DIR: dir }, waitReady: false });
  const { code } = await s.exitPromise;
  assert.notEqual(code, 0);
  assert.match(s.stderr, /config error: migration 0001_users\.sql was edited after it was applied/);
});

test('a failing migration is rolled back whole and stops the start', async () => {
  const url = createDatabase('mig_fail');
  const dir = mkdtempSync(path.join(work, 'mig-'));
  cpSync(path.join(top, 'migrations'), dir, { recursive: true });
  writeFileSync(path.join(dir, '0900_broken.sql'),
    'CREATE TABLE half_done (id int);\nSELECT 1 / 0;\n');
  const s = await startServer({ env: { DATABASE_URL: url, MIGRATIONS_DIR: dir }, waitReady: false });
  const { code } = await s.exitPromise;
  assert.notEqual(code, 0);
  assert.match(s.stderr, /config error: migration 0900_broken\.sql failed: .*division by zero/);
  assert.equal(psql("SELECT count(*) FROM pg_tables WHERE tablename = 'half_done'", 'mig_fail'), '0');
  assert.equal(psql('SELECT count(*) FROM schema_migrations WHERE version = 900', 'mig_fail'), '0');
  // The ones before it were applied and stay applied.
  const shipped = readdirSync(path.join(top, 'migrations')).filter((f) => f.endsWith('.sql')).length;
  assert.equal(psql('SELECT count(*) FROM schema_migrations WHERE version < 900', 'mig_fail'), String(shipped));
});
