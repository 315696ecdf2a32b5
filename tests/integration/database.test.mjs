// The production database path (SPEC "Running it", "Operations", "Scale"):
// PostgreSQL over TCP with TLS verify-full, SCRAM and channel binding, as
// Neon is reached; PgBouncer in transaction mode in front of it; and the
// faults Neon shows: a cold start that refuses connections, backends
// terminated under us, a restart under a write load, and peers we must not
// trust. run.sh starts the cluster (TLS + SCRAM only for role "app") and
// the PgBouncer; the URLs come from its environment.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  startServer, request, psql, createDatabase, dbctl, sleep, freePort, mintToken,
  directUrl, pooledUrl, work, top,
} from './harness.mjs';

const SECRET = 'database-integration-secret-0123456789-abcdef';
const password = process.env.TEST_DB_PASSWORD;
const auth = (sub) => ({ authorization: `Bearer ${mintToken(SECRET, sub)}` });

// The server's own backends, by the application_name it sets by default.
const backends = (db = 'app') => psql(`SELECT count(*) FROM pg_stat_activity
  WHERE application_name = 'tasks-api' AND datname = '${db}'`);

// A start that must fail: its one config error line, and everything it
// printed (which must not hold the password).
async function failedStart(env) {
  const started = Date.now();
  const s = await startServer({ env: { BETTER_AUTH_SECRET: SECRET, ...env }, waitReady: false });
  const { code } = await s.exitPromise;
  const out = s.stdout + s.stderr;
  assert.notEqual(code, 0, out);
  assert.ok(!out.includes(password), 'the password was printed');
  const lines = s.stderr.split('\n').filter((l) => l.startsWith('config error'));
  assert.equal(lines.length, 1, s.stderr);
  return { line: lines[0], out, ms: Date.now() - started };
}

async function waitFor(what, fn, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => false);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('TCP + TLS + SCRAM', () => {
  test('every connection of the server is TLS over TCP as role app, and no worker dies', async () => {
    const s = await startServer({ env: { BETTER_AUTH_SECRET: SECRET, DATABASE_URL: directUrl } });
    try {
      // Enough at once that both workers open connections.
      const rs = await Promise.all(Array.from({ length: 24 }, (_, i) => request(s, '/api/v1/users/me', { headers: auth(`tcp-${i}`) })));
      assert.deepEqual(rs.map((r) => r.status), Array(24).fill(200));
      const rows = psql(`SELECT a.usename, a.client_addr IS NOT NULL, s.ssl, s.version
        FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
        WHERE a.application_name = 'tasks-api' AND a.datname = 'app'`).split('\n');
      assert.ok(rows.length >= 2, rows.join('\n'));
      for (const row of rows) assert.match(row, /^app\|t\|t\|TLSv1\.[23]$/);
      // The role has no other way in: no TLS is refused by pg_hba.conf.
      assert.throws(() => execFileSync('psql', [directUrl.replace('sslmode=verify-full', 'sslmode=disable').replace('&channel_binding=require', ''),
        '-XAtqc', 'SELECT 1'], { stdio: 'pipe' }), /no pg_hba.conf entry/);
      assert.doesNotMatch(s.stdout + s.stderr, /sandbox violation|died/);
    } finally {
      await s.stop();
    }
  });

  test('a URL asking for GSSAPI encryption is refused at start, naming the variable', async () => {
    const { line } = await failedStart({ DATABASE_URL: `${directUrl}&gssencmode=prefer` });
    assert.match(line, /^config error: DATABASE_URL: gssencmode must be disable/);
  });

  test('a certificate the CA did not sign is refused at once with one line naming the variable', async () => {
    const dir = mkdtempSync(path.join(work, 'otherca-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', `${dir}/ca.key`, '-out', `${dir}/ca.pem`, '-days', '2', '-subj', '/CN=Other CA'], { stdio: 'pipe' });
    const wrong = directUrl.replace(/sslrootcert=[^&]+/, `sslrootcert=${dir}/ca.pem`);
    const r = await failedStart({ DATABASE_URL: wrong });
    assert.match(r.line, /^config error: DATABASE_URL: cannot connect: .*certificate verify failed/);
    assert.ok(r.ms < 10000, `took ${r.ms} ms: a wrong CA is not worth waiting for`);
    // The direct URL is checked the same way and named.
    const d = await failedStart({ DATABASE_URL: directUrl, DATABASE_URL_DIRECT: wrong });
    assert.match(d.line, /^config error: DATABASE_URL_DIRECT: cannot connect: .*certificate verify failed/);
    // And the pooled one, when migrations go over a good direct one.
    const p = await failedStart({ DATABASE_URL: wrong, DATABASE_URL_DIRECT: directUrl });
    assert.match(p.line, /^config error: DATABASE_URL: cannot connect: .*certificate verify failed/);
  });

  test('a plain (non-TLS) server is refused under verify-full', async () => {
    // A real PgBouncer without TLS to its clients, in front of the cluster.
    const port = await freePort();
    const dir = path.join(work, `plain-bouncer-${port}`);
    execFileSync(path.join(top, 'scripts/pgbouncer.sh'), ['start', dir, String(port),
      process.env.TEST_PGPORT, path.join(work, 'tls'), password, 'plain']);
    try {
      const plain = pooledUrl.replace(/:\d+\/app\?/, `:${port}/app?`);
      const r = await failedStart({ DATABASE_URL: plain });
      assert.match(r.line, /^config error: DATABASE_URL: cannot connect: .*server does not support SSL/);
      assert.ok(r.ms < 10000, `took ${r.ms} ms`);
    } finally {
      execFileSync(path.join(top, 'scripts/pgbouncer.sh'), ['stop', dir]);
    }
  });

  test('PgBouncer 1.18 offers no channel binding: requiring it through the pooler stops the start at once', async () => {
    const r = await failedStart({ DATABASE_URL: `${pooledUrl}&channel_binding=require` });
    assert.match(r.line, /^config error: DATABASE_URL: cannot connect: .*channel binding is required/);
    assert.ok(r.ms < 10000, `took ${r.ms} ms`);
  });

  test('a wrong password is refused at once; an unreachable host after DATABASE_WAIT_SECONDS', async () => {
    const wrong = directUrl.replace(`app:${password}@`, 'app:not-the-password@');
    const w = await failedStart({ DATABASE_URL: wrong });
    assert.match(w.line, /^config error: DATABASE_URL: cannot connect: .*password authentication failed/);
    assert.ok(!w.out.includes('not-the-password'));

    const port = await freePort();
    const gone = directUrl.replace(/:\d+\/app\?/, `:${port}/app?`);
    const u = await failedStart({ DATABASE_URL: gone, DATABASE_WAIT_SECONDS: '2' });
    assert.match(u.line, /^config error: DATABASE_URL: cannot connect: .*Connection refused.*\(no answer after \d+ tries in \d+ s\)$/);
    assert.ok(u.ms >= 1500 && u.ms < 10000, `took ${u.ms} ms`);
  });
});

describe('Neon behaviours', () => {
  test('a database that refuses connections at first: the server waits with backoff, one line a try, then serves', async () => {
    const db = createDatabase('cold_start', directUrl);
    let s;
    dbctl('stop');
    try {
      s = await startServer({ env: { BETTER_AUTH_SECRET: SECRET, DATABASE_URL: db }, waitReady: false });
      await waitFor('three tries', async () => s.stdout.split('\n').filter((l) => l.includes('database not answering')).length >= 3, 10000);
    } finally {
      dbctl('start');
    }
    try {
      await waitFor('the migrations', async () => /migrations: \d+ applied/.test(s.stdout));
      await waitFor('readiness', async () => (await request(s, '/readyz', { timeout: 5000 })).status === 200);
      const tries = s.logLines().filter((l) => (l.msg || '').includes('database not answering'));
      const delays = tries.map((l) => Number(/next in (\d+) ms/.exec(l.msg)[1]));
      assert.ok(delays.length >= 3, JSON.stringify(tries));
      assert.deepEqual(delays.slice(0, 3), [250, 500, 1000]);
      for (const l of tries) {
        assert.equal(l.level, 'warning');
        assert.match(l.msg, /^DATABASE_URL: database not answering \(try \d+, next in \d+ ms\): cannot connect: /);
      }
      assert.equal((await request(s, '/api/v1/users/me', { headers: auth('cold') })).status, 200);
    } finally {
      await s.stop();
    }
  });

  for (const [name, url] of [['direct', () => directUrl], ['through PgBouncer', () => pooledUrl]]) {
    test(`backends terminated by the server (${name}): the next requests succeed`, async () => {
      const s = await startServer({ env: { BETTER_AUTH_SECRET: SECRET, DATABASE_URL: url() } });
      try {
        const warm = await Promise.all(Array.from({ length: 24 }, (_, i) => request(s, '/api/v1/users/me', { headers: auth(`term-${i}`) })));
        assert.deepEqual(warm.map((r) => r.status), Array(24).fill(200));
        const killed = psql(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
          WHERE application_name = 'tasks-api' AND datname = 'app'`);
        assert.ok(Number(killed) >= 1, killed);
        await waitFor('the backends to go', async () => backends() === '0');
        // Idle connections that died are noticed before use: no request fails.
        for (let i = 0; i < 20; i++) {
          const r = await request(s, '/api/v1/users/me', { headers: auth(`term-${i}`) });
          assert.equal(r.status, 200, r.text);
        }
        const again = await Promise.all(Array.from({ length: 24 }, (_, i) => request(s, '/api/v1/users/me', { headers: auth(`term-${i}`) })));
        assert.deepEqual(again.map((r) => r.status), Array(24).fill(200));
      } finally {
        await s.stop();
      }
    });
  }

  test('a database that accepts connections and never answers stalls no worker: 503 after connect_timeout', async () => {
    // A TCP proxy to the cluster that can turn into a black hole, as a
    // network partition or a stuck endpoint looks from here.
    const pgport = Number(process.env.TEST_PGPORT);
    let hole = false;
    const sockets = new Set();
    const proxy = net.createServer((c) => {
      sockets.add(c);
      c.on('close', () => sockets.delete(c));
      c.on('error', () => {});
      if (hole) return;
      const up = net.connect(pgport, '127.0.0.1');
      sockets.add(up);
      up.on('close', () => { sockets.delete(up); c.destroy(); });
      up.on('error', () => c.destroy());
      c.on('close', () => up.destroy());
      c.pipe(up).pipe(c);
    });
    await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
    const url = directUrl.replace(/:\d+\/app\?/, `:${proxy.address().port}/app?`) + '&connect_timeout=3';
    // One worker: whatever stalls, stalls the requests below.
    const s = await startServer({ workers: 1, env: { BETTER_AUTH_SECRET: SECRET, DATABASE_URL: url } });
    try {
      assert.equal((await request(s, '/api/v1/users/me', { headers: auth('hole') })).status, 200);
      hole = true;
      for (const c of sockets) c.destroy();
      const t0 = Date.now();
      const slow = request(s, '/api/v1/users/me', { headers: auth('hole') , timeout: 15000 });
      // While that request waits for its connect, the worker serves others
      // at once, new TLS handshakes included.
      await sleep(300);
      for (let i = 0; i < 5; i++) {
        const h0 = Date.now();
        assert.equal((await request(s, '/healthz', { timeout: 5000 })).status, 200);
        assert.ok(Date.now() - h0 < 1000, `healthz took ${Date.now() - h0} ms`);
      }
      const r = await slow;
      const took = Date.now() - t0;
      assert.equal(r.status, 503, r.text);
      assert.equal(r.headers['retry-after'], '1');
      assert.ok(took >= 2500 && took < 8000, `503 after ${took} ms`);
      // And it recovers once the database answers again.
      hole = false;
      await waitFor('recovery', async () => (await request(s, '/api/v1/users/me', { headers: auth('hole'), timeout: 5000 })).status === 200);
    } finally {
      await s.stop();
      for (const c of sockets) c.destroy();
      proxy.close();
    }
  });

  test('backends terminated under a read load: at most the requests in flight get a 503, never a 500', async () => {
    const s = await startServer({ env: { BETTER_AUTH_SECRET: SECRET, DATABASE_URL: directUrl } });
    const statuses = new Map();
    let stop = false;
    const failures = [];
    const loop = async (i) => {
      while (!stop) {
        let r;
        try {
          r = await request(s, '/api/v1/users/me', { headers: auth(`load-${i}`), timeout: 15000 });
        } catch (e) {
          failures.push(e.message);
          continue;
        }
        statuses.set(r.status, (statuses.get(r.status) || 0) + 1);
        if (r.status === 503 && r.headers['retry-after'] !== '1') failures.push('503 without Retry-After');
      }
    };
    try {
      const loops = Array.from({ length: 8 }, (_, i) => loop(i));
      await sleep(500);
      for (let k = 0; k < 3; k++) {
        psql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE application_name = 'tasks-api' AND datname = 'app'`);
        await sleep(300);
      }
      // Enough answers to mean something, however slow the machine is.
      await waitFor('50 answers', async () => (statuses.get(200) || 0) > 50, 60000);
      stop = true;
      await Promise.all(loops);
      console.log(`# terminated backends under load: ${JSON.stringify(Object.fromEntries(statuses))}`);
      assert.deepEqual(failures, []);
      assert.deepEqual([...statuses.keys()].filter((k) => k !== 200 && k !== 503), []);
      // 8 clients, 3 rounds: no more 503s than requests that were in flight.
      assert.ok((statuses.get(503) || 0) <= 3 * 8, JSON.stringify(Object.fromEntries(statuses)));
      assert.ok(statuses.get(200) > 50);
    } finally {
      stop = true;
      await s.stop();
    }
  });

  for (const [name, url] of [['direct', () => directUrl], ['through PgBouncer', () => pooledUrl]]) {
  test(`a database restart under a write load (${name}): 201 or 503, no acknowledged write lost, back within 10 s`, async () => {
    const s = await startServer({ env: { BETTER_AUTH_SECRET: SECRET, DATABASE_URL: url() } });
    const user = `restart-${Date.now()}`;
    const created = [];
    const counts = { 201: 0, 503: 0 };
    const other = [];
    let stop = false;
    let upAt = 0;
    let firstAfter = 0;
    const loop = async () => {
      while (!stop) {
        let r;
        try {
          r = await request(s, '/api/v1/tasks', {
            method: 'POST', headers: auth(user), body: { title: 'written while the database restarts' }, timeout: 15000,
          });
        } catch (e) {
          // A dropped connection or no answer in time: a failure, kept for the end.
          other.push(`${e.code || ''} ${e.message}`);
          continue;
        }
        if (r.status === 201) {
          created.push(r.json.id);
          if (upAt && !firstAfter) firstAfter = Date.now();
        } else if (r.status === 503) {
          assert.equal(r.headers['retry-after'], '1');
          assert.deepEqual(r.json, { detail: 'Database unavailable' });
        } else {
          other.push(`${r.status} ${r.text}`);
        }
        if (r.status in counts) counts[r.status]++;
      }
    };
    try {
      const loops = Array.from({ length: 8 }, loop);
      await sleep(1500);
      try {
        dbctl('stop');
        await sleep(2000);
      } finally {
        dbctl('start');
      }
      upAt = Date.now();
      await waitFor('a write after the restart', async () => firstAfter !== 0, 10000);
      await sleep(1000);
      stop = true;
      await Promise.all(loops);
      console.log(`# restart under write load (${name}): ${JSON.stringify(counts)}, back ${firstAfter - upAt} ms after the database`);
      assert.deepEqual(other, []);
      // Directly the restart is seen as 503s; PgBouncer may instead hold
      // the queries until the server is back (query_wait_timeout).
      if (name === 'direct') assert.ok(counts[503] > 0, 'the restart was not seen');
      assert.ok(firstAfter - upAt < 10000);
      // Every acknowledged write is there.
      const ids = new Set(psql(`SELECT t.id FROM tasks t WHERE t.user_id = '${user}'`).split('\n'));
      const missing = created.filter((id) => !ids.has(id));
      assert.deepEqual(missing, []);
      assert.ok(created.length > 20, `${created.length} writes`);
    } finally {
      stop = true;
      if (process.env.TEST_DEBUG) console.log(s.stderr, s.stdout.split('\n').filter((l) => !/"status":(201|503)/.test(l)).join('\n'));
      await s.stop();
    }
  });
  }
});

describe('protocol-level prepared statements (DATABASE_PREPARED_STATEMENTS)', () => {
  // The statements the server sent, by mode, from /metrics.
  async function statements(s) {
    const r = await request(s, '/metrics');
    assert.equal(r.status, 200);
    const count = (mode) => Number(new RegExp(`^db_statements_total\\{mode="${mode}"\\} (\\d+)$`, 'm').exec(r.text)?.[1]);
    return { prepared: count('prepared'), unnamed: count('unnamed') };
  }

  // Writes, reads of one task, one list and the user: every kind of
  // statement.
  async function workload(s, user) {
    const ids = [];
    for (let i = 0; i < 6; i++) {
      const r = await request(s, '/api/v1/tasks', { method: 'POST', headers: auth(user), body: { title: `prepared ${i}`, tags: ['p'] } });
      assert.equal(r.status, 201, r.text);
      ids.push(r.json.id);
    }
    for (const id of ids) {
      const r = await request(s, `/api/v1/tasks/${id}`, { headers: auth(user) });
      assert.equal(r.status, 200);
      assert.equal(r.json.id, id);
    }
    const list = await request(s, '/api/v1/tasks?tag=p&limit=3', { headers: auth(user) });
    assert.equal(list.status, 200);
    assert.equal(list.json.items.length, 3);
    assert.equal(list.json.total, 6);
    const del = await request(s, `/api/v1/tasks/${ids[0]}`, { method: 'DELETE', headers: auth(user) });
    assert.equal(del.status, 204);
    assert.equal((await request(s, `/api/v1/tasks/${ids[0]}`, { headers: auth(user) })).status, 404);
  }

  test('on by default for a direct connection: every statement but the list is a prepared one, and answers are right', async () => {
    const s = await startServer({ env: { BETTER_AUTH_SECRET: SECRET, DATABASE_URL: directUrl } });
    try {
      await workload(s, `prep-direct-${Date.now()}`);
      const n = await statements(s);
      assert.ok(n.prepared >= 15, JSON.stringify(n));
      // The list is planned for its values each time (DB_CUSTOM_PLAN).
      assert.equal(n.unnamed, 1, JSON.stringify(n));
    } finally {
      await s.stop();
    }
  });

  test('a connection the server lost prepares its statements again: the next requests succeed', async () => {
    const s = await startServer({ env: { BETTER_AUTH_SECRET: SECRET, DATABASE_URL: directUrl } });
    try {
      const user = `prep-lost-${Date.now()}`;
      await workload(s, user);
      psql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'tasks-api' AND datname = 'app'`);
      // The first request on each dropped connection may be a 503 (the
      // database path's rule); then the same statements work on new ones.
      await waitFor('a request on a new connection', async () =>
        (await request(s, '/api/v1/users/me', { headers: auth(user) })).status === 200);
      await workload(s, `${user}-again`);
      assert.equal((await statements(s)).unnamed, 2);
    } finally {
      await s.stop();
    }
  });

  test('off through a transaction-mode PgBouncer 1.18 (and when set off): statements go unnamed', async () => {
    for (const env of [{ DATABASE_URL: pooledUrl }, { DATABASE_URL: directUrl, DATABASE_PREPARED_STATEMENTS: 'off' }]) {
      const s = await startServer({ env: { BETTER_AUTH_SECRET: SECRET, ...env } });
      try {
        await workload(s, `prep-off-${Date.now()}`);
        const n = await statements(s);
        assert.equal(n.prepared, 0, JSON.stringify(n));
        assert.ok(n.unnamed >= 15, JSON.stringify(n));
      } finally {
        await s.stop();
      }
    }
  });
});

describe('one connection for everybody (pgsql_conn_max 1)', () => {
  test("a request's second statement waits for the connection like its first: no 503", async () => {
    // A new user's first request runs two statements (the user row, then
    // the handler's); with one connection per worker the second often
    // finds it taken by another request.
    const s = await startServer({
      env: { BETTER_AUTH_SECRET: SECRET, DATABASE_URL: directUrl },
      edit: (c) => c.replace(/^pgsql_conn_max\s+\d+/m, 'pgsql_conn_max\t\t1'),
    });
    try {
      const run = `${Date.now()}`;
      const rs = await Promise.all(Array.from({ length: 40 }, (_, i) =>
        request(s, '/api/v1/users/me', { headers: auth(`one-conn-${run}-${i}`), timeout: 15000 })));
      assert.deepEqual(rs.map((r) => r.status), Array(40).fill(200),
        JSON.stringify(rs.filter((r) => r.status !== 200).map((r) => r.text)));
    } finally {
      await s.stop();
    }
  });
});

describe('migrations through PgBouncer in transaction mode', () => {
  test('four instances starting at once on a fresh database: each migration once, no lock left', async () => {
    const url = createDatabase('mig_pooled', pooledUrl);
    const servers = await Promise.all(Array.from({ length: 4 }, () => startServer({ env: { BETTER_AUTH_SECRET: SECRET, DATABASE_URL: url } })));
    try {
      const rows = psql('SELECT version, count(*) FROM schema_migrations GROUP BY version ORDER BY 1', 'mig_pooled').split('\n');
      for (const row of rows) assert.match(row, /^\d+\|1$/);
      const applied = servers.map((s) => Number(/migrations: (\d+) applied/.exec(s.stdout)[1]));
      assert.equal(applied.reduce((a, b) => a + b, 0), rows.length);
      assert.equal(psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"), '0');
      for (const s of servers) assert.equal((await request(s, '/readyz')).status, 200);
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
    // A later start (a rolling deploy) does not wait on a leaked lock.
    const t0 = Date.now();
    const late = await startServer({ env: { BETTER_AUTH_SECRET: SECRET, DATABASE_URL: url } });
    await late.stop();
    assert.ok(Date.now() - t0 < 10000);
    assert.match(late.stdout, /migrations: 0 applied/);
  });

  test('with DATABASE_URL_DIRECT, migrations go over it and requests over the pooler', async () => {
    const pooled = createDatabase('mig_split', pooledUrl);
    const direct = directUrl.replace('/app?', '/mig_split?');
    const s = await startServer({ env: { BETTER_AUTH_SECRET: SECRET, DATABASE_URL: pooled, DATABASE_URL_DIRECT: direct } });
    try {
      assert.ok(Number(/migrations: (\d+) applied/.exec(s.stdout)[1]) > 0);
      assert.equal((await request(s, '/api/v1/users/me', { headers: auth('split') })).status, 200);
      // The pooler's server connections carry our application_name too.
      assert.ok(Number(backends('mig_split')) >= 1);
    } finally {
      await s.stop();
    }
    // A direct URL nobody answers stops the start naming it.
    const port = await freePort();
    const r = await failedStart({ DATABASE_URL: pooled, DATABASE_URL_DIRECT: direct.replace(/:\d+\/mig_split/, `:${port}/mig_split`), DATABASE_WAIT_SECONDS: '1' });
    assert.match(r.line, /^config error: DATABASE_URL_DIRECT: cannot connect: .*Connection refused/);
  });
});
