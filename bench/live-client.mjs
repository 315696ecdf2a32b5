// The live-updates benchmark's client (bench/live.sh): N idle WebSockets,
// worker RSS per connection, fan-out latency of one event to 1,000
// sockets, and the REST rate (wrk) while they are all open.
//
//   node bench/live-client.mjs PORT SECRET SERVER_PID CA N FANOUT EVENTS DBURL
import { createHmac } from 'node:crypto';
import { execFileSync, execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/integration/package.json', import.meta.url));
const WebSocket = require('ws');

const [port, secret, serverPid, caPath, nStr, fanStr, evStr, dbUrl] = process.argv.slice(2);
const N = Number(nStr);
const FAN = Number(fanStr);
const EVENTS = Number(evStr);
const ca = readFileSync(caPath);

function token(sub) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({
    sub, email: `${sub}@example.com`, name: 'Bench User', role: 'user', iat: now, exp: now + 7200,
  })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

// Kore's workers: the server's children but the key manager (no TLS
// signing in a worker's title).
function workerRss() {
  const out = execFileSync('ps', ['-o', 'pid=,rss=,args=', '--ppid', serverPid], { encoding: 'utf8' });
  let kib = 0;
  let n = 0;
  for (const line of out.trim().split('\n')) {
    const [, rss, ...args] = line.trim().split(/\s+/);
    if (/keymgr/.test(args.join(' '))) continue;
    kib += Number(rss);
    n++;
  }
  return { kib, n };
}

function open(sub, onMessage) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${port}/api/v1/ws`, ['bearer', token(sub)], {
      ca, servername: 'localhost', headers: { host: `localhost:${port}` }, perMessageDeflate: false,
    });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    if (onMessage) ws.on('message', onMessage);
  });
}

async function openMany(n, subOf, onMessage, parallel = 64) {
  const out = [];
  let next = 0;
  async function lane() {
    while (next < n) {
      const i = next++;
      out[i] = await open(subOf(i), onMessage);
    }
  }
  await Promise.all(Array.from({ length: parallel }, lane));
  return out;
}

function post(sub, title) {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ title });
    const req = https.request({
      host: '127.0.0.1', port, path: '/api/v1/tasks', method: 'POST', ca, servername: 'localhost',
      headers: { host: `localhost:${port}`, authorization: `Bearer ${token(sub)}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, taskId: res.statusCode === 201 ? JSON.parse(text).id : null }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const pct = (a, p) => a[Math.min(a.length - 1, Math.floor(a.length * p))];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const base = workerRss();
const t0 = Date.now();
const idle = await openMany(N, (i) => `bench-idle-${i % 1000}`);
const openS = (Date.now() - t0) / 1000;
await sleep(2000);
const full = workerRss();
console.log(`idle websockets: ${N} open in ${openS.toFixed(1)} s; workers (${full.n}) RSS ${base.kib} KiB -> ${full.kib} KiB: ${((full.kib - base.kib) * 1024 / N).toFixed(0)} bytes per connection`);

// Fan-out: one user's FAN sockets. Latency from commit to delivery:
// bench/live.sh adds a deferred constraint trigger on events that
// records clock_timestamp() at COMMIT (bench_commit), the last thing the
// transaction does before its commit record is flushed. Delivery minus
// that stamp is an upper bound of commit-to-delivery (it includes the
// flush); delivery minus the POST's response receipt (which comes after
// the commit) is a lower bound and may be negative. Both clocks are this
// host's (CLOCK_REALTIME): server and client must share it.
const now = () => performance.timeOrigin + performance.now();
const arrivals = new Map();	// event id -> [receipt ms]
let got = 0;
const fan = await openMany(FAN, () => 'bench-fan', (data) => {
  const at = now();
  const { id } = JSON.parse(data.toString());
  if (!arrivals.has(id)) arrivals.set(id, []);
  arrivals.get(id).push(at);
  got++;
});
await sleep(1000);
const answered = new Map();	// task id -> POST response receipt ms
let missing = 0;
for (let e = 0; e < EVENTS; e++) {
  got = 0;
  const { status, taskId } = await post('bench-fan', `fan ${e}`);
  answered.set(taskId, now());
  if (status !== 201) throw new Error(`POST answered ${status}`);
  const deadline = Date.now() + 10000;
  while (got < FAN && Date.now() < deadline) await sleep(5);
  if (got < FAN) { console.log(`event ${e}: only ${got} of ${FAN} delivered in 10 s`); missing += FAN - got; }
  await sleep(100);
}
const rows = execFileSync('psql', [dbUrl, '-XAtq', '-F', ' ', '-c',
  "SELECT b.event_id, e.body::json->'data'->>'id', extract(epoch FROM b.at) * 1000 FROM bench_commit b JOIN events e ON e.id = b.event_id WHERE e.user_id = 'bench-fan' AND e.type = 'task.created'"],
{ encoding: 'utf8' }).trim().split('\n').filter(Boolean);
const fromCommit = [];
const fromAnswer = [];
for (const row of rows) {
  const [eventId, taskId, commitMs] = row.split(' ');
  const recv = arrivals.get(eventId) || [];
  for (const t of recv) {
    fromCommit.push(t - Number(commitMs));
    if (answered.has(taskId)) fromAnswer.push(t - answered.get(taskId));
  }
}
const num = (a, b) => a - b;
fromCommit.sort(num);
fromAnswer.sort(num);
const f = (x) => (x === undefined ? '-' : x.toFixed(1));
console.log(`fan-out: ${EVENTS} events x ${FAN} sockets, ${fromCommit.length} deliveries (${missing} missing):`);
console.log(`  from the commit stamp (upper bound): p50 ${f(pct(fromCommit, 0.5))} ms, p99 ${f(pct(fromCommit, 0.99))} ms, max ${f(fromCommit.at(-1))} ms`);
console.log(`  from the POST's answer (lower bound): p50 ${f(pct(fromAnswer, 0.5))} ms, p99 ${f(pct(fromAnswer, 0.99))} ms, max ${f(fromAnswer.at(-1))} ms`);
// Where a slow event's time went: its answer and its first and last
// delivery, each from its commit stamp (the three slowest events).
const perEvent = rows.map((row) => {
  const [eventId, taskId, commitMs] = row.split(' ');
  const recv = (arrivals.get(eventId) || []).slice().sort(num);
  return { e: eventId, answer: answered.get(taskId) - Number(commitMs),
    first: recv[0] - Number(commitMs), last: recv.at(-1) - Number(commitMs) };
}).sort((a, b) => b.last - a.last).slice(0, 3);
console.log(`  slowest events (ms after the commit stamp): ${perEvent.map((x) =>
  `event ${x.e}: answer ${f(x.answer)}, first ${f(x.first)}, last ${f(x.last)}`).join('; ')}`);

// REST while every socket is open.
const auth = `Authorization: Bearer ${token('bench-rest')}`;
const wrk = await new Promise((resolve) => execFile('wrk', ['-t2', '-c32', '-d10s', '--latency', '-H', auth,
  `https://127.0.0.1:${port}/api/v1/tasks?limit=20`], (e, out) => resolve(out)));
const rps = /Requests\/sec:\s+([\d.]+)/.exec(wrk)?.[1];
const p99 = /99%\s+(\S+)/.exec(wrk)?.[1];
const errs = /Non-2xx or 3xx responses: (\d+)/.exec(wrk)?.[1] ?? '0';
console.log(`REST GET /api/v1/tasks?limit=20 with ${N + FAN} sockets open: ${rps} req/s, p99 ${p99}, non-2xx ${errs}`);
const still = idle.filter((w) => w.readyState === WebSocket.OPEN).length + fan.filter((w) => w.readyState === WebSocket.OPEN).length;
console.log(`sockets still open at the end: ${still} of ${N + FAN}`);
for (const w of [...idle, ...fan]) w.terminate();
process.exit(0);
