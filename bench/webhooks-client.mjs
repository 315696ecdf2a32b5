// The webhook benchmark's client (bench/webhooks.sh): an HTTPS receiver
// that checks each signature and keeps each arrival, USERS users pointed
// at it, a burst of EVENTS task events, and wrk's GET rate before and
// while the queue drains.
//
//   node bench/webhooks-client.mjs PORT RPORT SECRET TLSDIR EVENTS USERS MODE DBURL PGDIR SERVER_PID
import { createHmac } from 'node:crypto';
import { execFileSync, execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';

const [port, rport, secret, tls, evStr, usersStr, mode, dbUrl, pgDir, serverPidStr] = process.argv.slice(2);
const EVENTS = Number(evStr);
const USERS = Number(usersStr);
const ca = readFileSync(`${tls}/ca.pem`);
const agent = new https.Agent({ keepAlive: true, maxSockets: 16, ca, servername: 'localhost' });

function token(sub) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({
    sub, email: `${sub}@example.com`, name: 'Bench User', role: 'user', iat: now, exp: now + 7200,
  })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
const hookSecret = (sub) => `whsec-bench-${sub}-0123456789abcdef`;

function api(sub, method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request({ host: '127.0.0.1', port, path, method, agent, headers: {
      host: `localhost:${port}`, authorization: `Bearer ${token(sub)}`,
      ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}),
    } }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

const psql = (sql) => execFileSync('psql', [dbUrl, '-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', sql],
  { encoding: 'utf8', maxBuffer: 64 << 20 }).trim();

// CPU seconds of a process and its children (the server's workers, the
// database's backends), from /proc.
const HZ = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
function cpuOf(pid) {
  const pids = [pid, ...execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
    .trim().split(/\s+/).filter(Boolean)];
  let ticks = 0;
  for (const p of pids) {
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch { /* gone */ }
  }
  return ticks / HZ;
}
const serverPid = Number(serverPidStr);
const pgPid = Number(readFileSync(`${pgDir}/postmaster.pid`, 'utf8').split('\n')[0]);
const cpu = () => ({ kore: cpuOf(serverPid), pg: cpuOf(pgPid) });

// The receiver: each arrival's event id and time; signatures checked.
const arrivals = [];
let badSignatures = 0;
const receiver = https.createServer({
  key: readFileSync(`${tls}/key.pem`), cert: readFileSync(`${tls}/cert.pem`),
}, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const at = Date.now();
    const raw = Buffer.concat(chunks);
    const sub = req.url.replace('/hook/', '');
    const want = `sha256=${createHmac('sha256', hookSecret(sub)).update(raw).digest('hex')}`;
    if (req.headers['x-signature'] !== want) badSignatures++;
    arrivals.push({ id: req.headers['x-event-id'], at });
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
});
await new Promise((r) => receiver.listen(Number(rport), '127.0.0.1', r));

function wrk(seconds, path, sub) {
  return new Promise((resolve) => {
    execFile('wrk', ['-t1', '-c16', `-d${seconds}s`, '--latency',
      '-H', `Authorization: Bearer ${token(sub)}`, `https://127.0.0.1:${port}${path}`],
    { encoding: 'utf8' }, (err, out) => {
      const rps = Number((out.match(/Requests\/sec:\s+([\d.]+)/) || [])[1]);
      const p99 = (out.match(/\s99%\s+(\S+)/) || [])[1];
      const errors = (out.match(/Non-2xx or 3xx responses: (\d+)|Socket errors: .*/) || [''])[0];
      resolve({ rps, p99, errors });
    });
  });
}

const subs = Array.from({ length: USERS }, (_, i) => `hook-user-${i + 1}`);
for (const sub of subs) {
  const r = await api(sub, 'PATCH', '/api/v1/users/me', {
    webhook_url: `https://localhost:${rport}/hook/${sub}`, webhook_secret: hookSecret(sub) });
  if (r.status !== 200) throw new Error(`PATCH /users/me: ${r.status} ${r.text}`);
}
// The reader wrk measures: a user without a webhook, one task.
const reader = 'api-reader';
const t = await api(reader, 'POST', '/api/v1/tasks', { title: 'read me' });
const readPath = `/api/v1/tasks/${JSON.parse(t.text).id}`;
const base = await wrk(4, readPath, reader);

// One burst of EVENTS events; with a reader, wrk runs while it drains.
let fired = 0;
async function burst(withReader) {
  const from = psql('SELECT coalesce(max(id), 0) FROM events');
  const arrived0 = arrivals.length;
  const cpu0 = cpu();
  const started = Date.now();
  let during;
  if (mode === 'sql') {
    // One commit: every event due at once.
    psql(`INSERT INTO tasks (user_id, title) SELECT 'hook-user-' || (g % ${USERS} + 1), `
      + `'burst ' || g FROM generate_series(1, ${EVENTS}) g`);
    if (withReader) during = await wrk(4, readPath, reader);
  } else {
    const w = withReader ? wrk(4, readPath, reader) : null;
    let next = 0;
    async function lane() {
      while (next < EVENTS) {
        const i = next++;
        const r = await api(subs[i % USERS], 'POST', '/api/v1/tasks', { title: `burst ${i}` });
        if (r.status !== 201) throw new Error(`POST: ${r.status} ${r.text}`);
      }
    }
    await Promise.all(Array.from({ length: 16 }, lane));
    during = await w;
  }
  fired += EVENTS;
  // Until every event arrived, or nothing new for 30 s (the rest is lost).
  let seen = 0;
  let quietSince = Date.now();
  while (new Set(arrivals.map((a) => a.id)).size < fired && Date.now() - quietSince < 30000) {
    await new Promise((r) => setTimeout(r, 200));
    if (arrivals.length !== seen) { seen = arrivals.length; quietSince = Date.now(); }
  }
  const drained = Date.now();
  const cpu1 = cpu();
  // Late doubles would come now.
  await new Promise((r) => setTimeout(r, 3000));

  const commit = new Map(psql(`SELECT c.event_id || ' ' || (extract(epoch FROM c.at) * 1000)::bigint `
    + `FROM bench_commit c JOIN deliveries d ON d.event_id = c.event_id WHERE c.event_id > ${from}`)
    .split('\n').filter(Boolean).map((l) => l.split(' ')).map(([id, ms]) => [id, Number(ms)]));
  const mine = arrivals.slice(arrived0).filter((a) => commit.has(a.id));
  const first = new Map();
  for (const a of mine) if (!first.has(a.id)) first.set(a.id, a.at);
  const lags = [...first].map(([id, at]) => at - commit.get(id)).sort((a, b) => a - b);
  const pct = (p) => lags[Math.min(lags.length - 1, Math.floor(lags.length * p))];
  const firstCommit = Math.min(...commit.values());
  const lastArrival = Math.max(...first.values());
  const secs = (lastArrival - firstCommit) / 1000;
  const n = first.size;
  const label = withReader ? 'with wrk reading' : 'alone';
  console.log(`burst ${label}: queued ${commit.size}, delivered ${n}, lost ${commit.size - n}, `
    + `doubled ${mine.length - n}`);
  console.log(`  throughput ${(n / secs).toFixed(0)} deliveries/s (first commit to last arrival, ${secs.toFixed(1)} s); `
    + `lag from commit p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${lags[lags.length - 1]} ms`);
  if (!withReader) {
    console.log(`  CPU per delivery: kore ${((cpu1.kore - cpu0.kore) / n * 1e6).toFixed(0)} us, `
      + `postgres ${((cpu1.pg - cpu0.pg) / n * 1e6).toFixed(0)} us (burst start to drained, ${((drained - started) / 1000).toFixed(1)} s)`);
  } else {
    console.log(`  API GET /api/v1/tasks/{id}, wrk -t1 -c16 -d4s: before ${base.rps.toFixed(0)} req/s p99 ${base.p99}; `
      + `during the drain ${during.rps.toFixed(0)} req/s p99 ${during.p99} ${during.errors}`);
  }
  return commit.size === EVENTS && n === EVENTS && mine.length === n;
}

const ok = await burst(false) && await burst(true);
receiver.close();
agent.destroy();
const states = psql(`SELECT string_agg(status || '=' || n, ' ') FROM (SELECT status, count(*) n FROM deliveries GROUP BY 1 ORDER BY 1) s`);
console.log(`deliveries: ${states}; bad signatures ${badSignatures}`);
if (!ok || badSignatures) process.exit(1);
