// Starts real Kore servers (the sanitizer build) with a config derived from
// kore.conf, and talks HTTPS to them. Used by every integration test file.
import { spawn, execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync, mkdtempSync, mkdirSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';

import { conformance } from './conformance.mjs';

import { readKoreConf } from '../../scripts/kore-conf.mjs';

const top = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const work = process.env.TEST_WORK;
// The servers' database: TCP + TLS + SCRAM, direct or through PgBouncer
// (run.sh runs the resource suites both ways). adminUrl is the tests' own
// superuser path (socket), for set-up and checks only.
export const databaseUrl = process.env.TEST_DATABASE_URL;
export const directUrl = process.env.TEST_DIRECT_URL;
export const pooledUrl = process.env.TEST_POOLED_URL;
export const adminUrl = process.env.TEST_ADMIN_URL;
export const dbPath = process.env.TEST_DB_PATH || 'direct';
export const caPem = readFileSync(path.join(work, 'tls/ca.pem'));

// The document the servers serve (DOCS_DIR); every response is checked
// against it. What each test file saw is summed up by run.sh.
export const openapi = JSON.parse(readFileSync(path.join(top, '.build/docs/openapi.json'), 'utf8'));
export const documents = conformance(openapi);
process.on('exit', () => {
  const dir = path.join(top, 'tests/artifacts/conformance');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${process.pid}.json`), JSON.stringify([...documents.seen]));
});

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// kore.conf, its includes in place, with the test's port, certificate,
// module and worker count.
export function testConfig(port, { workers = 2, edit } = {}) {
  let conf = readKoreConf(path.join(top, 'kore.conf'));
  const swap = (re, to) => {
    if (!re.test(conf)) throw new Error(`kore.conf has no ${re}`);
    conf = conf.replace(re, to);
  };
  swap(/bind 127\.0\.0\.1 \d+/, `bind 127.0.0.1 ${port}`);
  swap(/^load\s+\S+/m, `load\t\t\t${top}/.build/app-asan.so`);
  // kore.conf leaves workers to Kore (one per core): tests pin the count.
  conf = conf.replace(/^workers\s+\d+\n/m, '').replace(/^(load\s.*)$/m, `$1\nworkers\t\t\t${workers}`);
  swap(/certfile\s+\S+/, `certfile\t${work}/tls/cert.pem`);
  swap(/certkey\s+\S+/, `certkey\t\t${work}/tls/key.pem`);
  swap(/^tls_dhparam\s+\S+/m, `tls_dhparam\t\t${top}/conf/ffdhe2048.pem`);
  if (edit) conf = edit(conf);
  const dir = mkdtempSync(path.join(work, 'srv-'));
  const file = path.join(dir, 'kore.conf');
  writeFileSync(file, conf);
  return file;
}

// Whether a database URL goes through our PgBouncer (any database on it).
function viaPgBouncer(url) {
  try {
    return Boolean(url && pooledUrl) && new URL(url).port === new URL(pooledUrl).port;
  } catch {
    return false;	// not a URL: a test of a bad setting
  }
}

const sanitizerRe = /ERROR: AddressSanitizer|runtime error:|LeakSanitizer|sandbox violation/;

const KEY_SOURCES = ['BETTER_AUTH_JWKS_URL', 'BETTER_AUTH_JWKS_FILE', 'BETTER_AUTH_SECRET'];
const DEFAULT_SECRET = 'harness-default-secret-0123456789-abcdefghij';

// Starts a server; resolves once /healthz answers. env adds to the defaults.
export async function startServer({ env = {}, workers = 2, edit, waitReady = true } = {}) {
  const port = await freePort();
  const conf = testConfig(port, { workers, edit });
  const child = spawn(`${top}/.build/kore-asan/kore`, ['-fnr', '-c', conf], {
    cwd: top,
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: databaseUrl,
      ENV_FILE: '/nonexistent',
      ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=0',
      // Rate limits are off unless a test turns them on (edge tests).
      RATE_LIMIT_RPM: '0',
      RATE_LIMIT_ANON_RPM: '0',
      UBSAN_OPTIONS: 'print_stacktrace=1',
      // The server refuses to start without token keys: a test that names
      // none of them gets a shared secret.
      ...(KEY_SOURCES.some((k) => k in env) ? {} : { BETTER_AUTH_SECRET: DEFAULT_SECRET }),
      // Through our PgBouncer (1.18, transaction mode) prepared statements
      // must be off, as README's deployment section says for such poolers;
      // every direct server keeps the default (on).
      ...(viaPgBouncer(env.DATABASE_URL ?? databaseUrl) ? { DATABASE_PREPARED_STATEMENTS: 'off' } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server = {
    port, child, conf,
    stdout: '', stderr: '',
    exited: null,
    logLines() {
      return this.stdout.split('\n').filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l));
    },
    // SIGTERM drains (worker_shutdown_grace, 30 s): a server still there
    // 35 s later missed the signal, and that fails the test.
    async stop() {
      let late = null;
      if (this.exited === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => { late = 'did not exit within 35 s of SIGTERM'; child.kill('SIGKILL'); }, 35000);
        const { code, sig } = await this.exitPromise;
        clearTimeout(timer);
        if (!late && (code !== 0 || sig !== null)) late = `exited ${code ?? sig} after SIGTERM`;
      }
      const bad = (this.stdout + this.stderr).split('\n').filter((l) => sanitizerRe.test(l));
      if (bad.length > 0) throw new Error(`sanitizer or sandbox report:\n${bad.join('\n')}\n${this.stderr}`);
      if (late) throw new Error(`server ${late}:\n${this.stderr.slice(-2000)}`);
    },
  };
  child.stdout.on('data', (d) => { server.stdout += d; });
  child.stderr.on('data', (d) => { server.stderr += d; });
  server.exitPromise = new Promise((resolve) => child.on('exit', (code, sig) => {
    server.exited = { code, sig };
    resolve(server.exited);
  }));
  if (!waitReady) return server;

  const deadline = Date.now() + 30000;
  for (;;) {
    if (server.exited !== null) {
      throw new Error(`server exited ${JSON.stringify(server.exited)}: ${server.stderr}${server.stdout}`);
    }
    try {
      const r = await request(server, '/healthz');
      if (r.status === 200) return server;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) {
      await server.stop().catch(() => {});
      throw new Error(`server did not start: ${server.stderr}`);
    }
    await sleep(100);
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// One HTTPS request verified against the test CA. opts: method, headers,
// body (string/Buffer/object -> JSON), tls (minVersion/maxVersion),
// localAddress, timeout (ms),
// conformance (false: a deliberately undocumented answer, not checked
// against the OpenAPI document; otherwise a mismatch rejects).
export function request(server, urlPath, opts = {}) {
  const headers = { host: `localhost:${server.port}`, ...(opts.headers || {}) };
  let body = opts.body;
  if (body !== undefined && typeof body === 'object' && !Buffer.isBuffer(body)) {
    body = JSON.stringify(body);
    headers['content-type'] ??= 'application/json';
  }
  if (body !== undefined) headers['content-length'] ??= Buffer.byteLength(body);
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1',
      port: server.port,
      servername: 'localhost',
      path: urlPath,
      method: opts.method || 'GET',
      headers,
      ca: caPem,
      agent: false,
      localAddress: opts.localAddress,
      ...(opts.tls || {}),
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const text = raw.toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        const method = opts.method || 'GET';
        const problems = opts.conformance === false ? null
          : documents.check(method, urlPath, { status: res.statusCode, headers: res.headers, raw });
        if (problems?.length) {
          reject(new Error(`response does not conform to the OpenAPI document:\n  ${problems.join('\n  ')}`));
          return;
        }
        resolve({
          status: res.statusCode, headers: res.headers, text, json, raw,
          protocol: res.socket.getProtocol?.(),
          peer: res.socket.getPeerCertificate?.(true),
        });
      });
    });
    req.on('error', reject);
    // opts.timeout (ms): a request still unanswered then fails the caller.
    if (opts.timeout) req.setTimeout(opts.timeout, () => req.destroy(new Error(`no answer in ${opts.timeout} ms`)));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// psql as the superuser against the test cluster (or another database).
export function psql(sql, db = 'app') {
  const url = adminUrl.replace('/app?', `/${db}?`);
  return execFileSync('psql', [url, '-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', sql],
    { encoding: 'utf8' }).trim();
}

// A fresh database owned by the servers' role; returns its URL on the
// servers' path (base: databaseUrl, or directUrl/pooledUrl).
export function createDatabase(name, base = databaseUrl) {
  psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, 'postgres');
  psql(`CREATE DATABASE ${name} OWNER app`, 'postgres');
  return base.replace('/app?', `/${name}?`);
}

export function dbctl(action) {
  const args = action === 'start'
    ? ['start', process.env.TEST_PGDATA, process.env.TEST_PGPORT]
    : ['stop', process.env.TEST_PGDATA];
  execFileSync(path.join(top, 'scripts/db.sh'), args, { env: { ...process.env, PG_FSYNC: 'off' } });
}

// An HS256 token for shared-secret mode (BETTER_AUTH_SECRET), valid an hour.
export function mintToken(secret, sub) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({
    sub, email: `${sub}@example.com`, name: `User ${sub}`, role: 'user', iat: now, exp: now + 3600,
  })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export { top };
