// The HTTP edge layer over real HTTPS (SPEC "Operations"): CORS, rate limits
// shared by all workers, security headers, gzip, /metrics (parsed strictly)
// and METRICS_TOKEN. Tokens: shared-secret mode (HS256 minted here).
// Kore 4.1's accept lock stays with one worker until it is busy, so by default
// one worker serves every connection of a test: the servers that must prove
// "shared by all workers" run with worker_max_connections 1 (test config
// only), and /proc/<worker>/io shows that both workers wrote answers.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { gunzipSync } from 'node:zlib';
import { readFileSync, readdirSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { startServer, caPem, dbctl, sleep, mintToken, request } from './harness.mjs';

const SECRET = 'edge-integration-secret-0123456789-abcdefghij';
const RUN = randomBytes(4).toString('hex');
const ORIGIN = 'https://app.example.com';
const ORIGIN2 = 'http://localhost:5173';
const EVIL = 'https://evil.example.com';

const mint = (sub) => mintToken(SECRET, sub);
let nusers = 0;
const bearer = (name) => ({ authorization: `Bearer ${mint(`${name}-${RUN}-${++nusers}`)}` });
const BAD = { authorization: 'Bearer garbage' };

// One request on a new TLS connection; the harness checks it against the
// OpenAPI document. A failed TLS handshake fails the test.
const call = (srv, urlPath, opts = {}) => request(srv, urlPath, opts);
// The bytes of one exchange, for what node's HTTP parser refuses to show.
// The request asks for Connection: close and the socket is not half-closed
// first: a close_notify still unread when the server closes would turn its
// FIN into a reset.
function exchange(srv, text) {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port: srv.port, servername: 'localhost', ca: caPem },
      () => sock.write(text));
    const chunks = [];
    sock.on('data', (c) => chunks.push(c)).on('error', reject)
      .on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}
const list = (v) => (v ?? '').toLowerCase().split(/\s*,\s*/);
const pick = (r, ...names) => names.map((n) => r.headers[n]);
const corsHeaders = (r) => Object.keys(r.headers).filter((h) => h.startsWith('access-control-'));
const parallel = (n, fn) => Promise.all(Array.from({ length: n }, (_, i) => fn(i)));
const show = (r) => `${r.status} ${JSON.stringify(r.headers)} ${r.text.slice(0, 300)}`;

// Written bytes of each Kore worker ("kore [wrk N]" children of the server).
function workerWrites(srv) {
  const out = {};
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]) !== srv.child.pid) continue;
      const name = /\[wrk \d+\]/.exec(readFileSync(`/proc/${d}/cmdline`, 'utf8'))?.[0];
      if (name) out[name] = Number(/wchar: (\d+)/.exec(readFileSync(`/proc/${d}/io`, 'utf8'))[1]);
    } catch { /* gone or not ours */ }
  }
  return out;
}
function assertBothWorkersServed(w0, w1) {
  assert.deepEqual(Object.keys(w1).sort(), ['[wrk 1]', '[wrk 2]'], 'two workers expected');
  for (const w in w1) assert.ok(w1[w] - w0[w] > 200, `${w} wrote ${w1[w] - w0[w]} bytes: it served nothing`);
}
const oneConnEach = (conf) => conf.replace(/^worker_max_connections\s+\d+/m, 'worker_max_connections\t1');

// ---------------------------------------------------------------- Prometheus
// Text format 0.0.4, strictly: every sample in a TYPE-declared family whose
// lines are contiguous; names, labels (escapes \\ \" \n only) and values
// well-formed; no duplicate series; histogram buckets with increasing le,
// cumulative, ending at le="+Inf" equal to _count, with _sum and _count.
const VALUE_RE = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN)$/;
const key = (labels) => JSON.stringify(Object.entries(labels).sort());
function parseLabels(line, p, where) {
  const labels = {};
  for (p++; line[p] !== '}';) {
    const ln = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(p))?.[0];
    assert.ok(ln && !(ln in labels), `${where}: bad or repeated label name at ${p}`);
    p += ln.length;
    assert.equal(line.slice(p, p + 2), '="', `${where}: expected =" at ${p}`);
    let v = '';
    for (p += 2; line[p] !== '"'; p++) {
      assert.ok(p < line.length, `${where}: unterminated label value`);
      if (line[p] !== '\\') { v += line[p]; continue; }
      const e = line[++p];
      assert.ok(e !== undefined && '\\"n'.includes(e), `${where}: bad escape`);
      v += e === 'n' ? '\n' : e;
    }
    labels[ln] = v;
    if (line[++p] === ',') p++;
    else assert.equal(line[p], '}', `${where}: expected , or } at ${p}`);
  }
  return { labels, p: p + 1 };
}
function parseProm(text) {
  assert.ok(text.endsWith('\n'), 'exposition ends with a newline');
  const [fams, series, done] = [new Map(), new Set(), new Set()];
  let cur = null;
  const enter = (name, where) => {
    if (cur === name) return;
    assert.ok(!done.has(name), `${where}: family ${name} is not contiguous`);
    if (cur) done.add(cur);
    cur = name;
  };
  text.slice(0, -1).split('\n').forEach((line, i) => {
    const where = `line ${i + 1} "${line}"`;
    if (line === '') return;
    const c = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (line.startsWith('#')) {
      if (!c) return assert.doesNotMatch(line, /^# (HELP|TYPE)/, `${where}: malformed`);
      enter(c[2], where);
      const f = fams.get(c[2]) ?? { samples: [] };
      fams.set(c[2], f);
      const field = c[1].toLowerCase();
      assert.equal(f[field], undefined, `${where}: second ${c[1]}`);
      if (field === 'type') {
        assert.equal(f.samples.length, 0, `${where}: TYPE after samples`);
        assert.match(c[3], /^(counter|gauge|histogram|summary|untyped)$/, where);
      } else assert.doesNotMatch(c[3].replace(/\\[\\n]/g, ''), /\\/, `${where}: bad HELP escape`);
      f[field] = c[3];
      return;
    }
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
    assert.ok(name, `${where}: bad metric name`);
    let [p, labels] = [name.length, {}];
    if (line[p] === '{') ({ labels, p } = parseLabels(line, p, where));
    assert.equal(line[p], ' ', `${where}: expected a space before the value`);
    const [value, ts, extra] = line.slice(p + 1).split(' ');
    assert.match(value, VALUE_RE, `${where}: bad value`);
    assert.ok(extra === undefined && (ts === undefined || /^-?\d+$/.test(ts)), `${where}: trailing junk`);
    const h = /^(.*)_(bucket|sum|count)$/.exec(name);
    const fam = fams.get(h?.[1])?.type === 'histogram' ? h[1] : name;
    assert.ok(fams.get(fam)?.type && !(fam === name && fams.get(fam).type === 'histogram'),
      `${where}: sample without a declared TYPE`);
    enter(fam, where);
    assert.ok(!series.has(name + key(labels)) && series.add(name + key(labels)), `${where}: duplicate series`);
    const v = value.endsWith('Inf') ? (value[0] === '-' ? -Infinity : Infinity) : Number(value);
    if (fams.get(fam).type === 'counter') assert.ok(v >= 0, `${where}: negative counter`);
    fams.get(fam).samples.push({ name, labels, value: v });
  });
  for (const [name, f] of fams) {
    assert.ok(f.type, `family ${name} has HELP but no TYPE`);
    if (f.type === 'histogram') checkHistogram(name, f.samples);
  }
  return fams;
}
function checkHistogram(name, samples) {
  const groups = new Map();
  for (const s of samples) {
    const { le, ...rest } = s.labels;
    const g = groups.get(key(rest)) ?? { buckets: [] };
    groups.set(key(rest), g);
    const kind = s.name.slice(name.length + 1);
    assert.equal(le === undefined, kind !== 'bucket', `${s.name}${key(s.labels)}: le only on buckets`);
    if (kind === 'bucket') g.buckets.push({ le: le === '+Inf' ? Infinity : Number(le), v: s.value });
    else g[kind] = s.value;
  }
  for (const [k, g] of groups) {
    const what = name + k;
    assert.ok(g.buckets.length > 0 && g.sum !== undefined && g.count !== undefined, `${what} incomplete`);
    g.buckets.forEach((b, i) => {
      assert.ok(!Number.isNaN(b.le) && Number.isInteger(b.v), `${what} bucket ${b.le}`);
      assert.ok(i === 0 || b.le > g.buckets[i - 1].le, `${what}: le not increasing at ${b.le}`);
      assert.ok(i === 0 || b.v >= g.buckets[i - 1].v, `${what}: bucket ${b.le} not cumulative`);
    });
    assert.equal(g.buckets.at(-1).le, Infinity, `${what} does not end with le="+Inf"`);
    assert.equal(g.buckets.at(-1).v, g.count, `${what}: +Inf bucket != _count`);
  }
}
const sample = (fams, fam, name, labels) => fams.get(fam)?.samples
  .find((s) => s.name === name && key(s.labels) === key(labels))?.value;

// ---------------------------------------------------------------- CORS
describe('CORS', () => {
  let srv, plain;
  before(async () => {
    srv = await startServer({ env: { BETTER_AUTH_SECRET: SECRET, CORS_ORIGINS: `${ORIGIN},${ORIGIN2}` } });
    plain = await startServer({ env: { BETTER_AUTH_SECRET: SECRET }, workers: 1 });
  });
  after(async () => { await srv?.stop(); await plain?.stop(); });
  const preflight = (s, origin) => call(s, '/api/v1/tasks', {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
  });

  test('preflight from an allowed origin: 204 without a token, what the route allows', async () => {
    for (const origin of [ORIGIN, ORIGIN2]) {
      const r = await preflight(srv, origin);
      assert.equal(r.status, 204, show(r));
      assert.deepEqual(pick(r, 'access-control-allow-origin', 'access-control-allow-credentials'), [origin, 'true']);
      const methods = list(r.headers['access-control-allow-methods']);
      assert.ok(methods.includes('get') && methods.includes('post'), methods.join());
      assert.ok(!methods.includes('put') && !methods.includes('delete'), methods.join());
      const allowed = list(r.headers['access-control-allow-headers']);
      assert.ok(allowed.includes('authorization') && allowed.includes('content-type'), allowed.join());
      assert.match(r.headers['access-control-max-age'] ?? '', /^[1-9]\d*$/);
      assert.ok(list(r.headers.vary).includes('origin') && r.raw.length === 0, show(r));
    }
  });

  test('preflight from another origin gets no CORS grant', async () => {
    const r = await preflight(srv, EVIL);
    assert.deepEqual(corsHeaders(r), [], show(r));
    assert.deepEqual([r.status, r.json], [400, { detail: 'Disallowed CORS origin' }]);
  });

  test('actual requests: allowed origins get ACAO, others none', async () => {
    const ok = await call(srv, '/healthz', { headers: { origin: ORIGIN } });
    assert.deepEqual([ok.status, ...pick(ok, 'access-control-allow-origin', 'access-control-allow-credentials')],
      [200, ORIGIN, 'true']);
    assert.ok(list(ok.headers.vary).includes('origin'), `vary: ${ok.headers.vary}`);

    const evil = await call(srv, '/healthz', { headers: { origin: EVIL } });
    assert.deepEqual([evil.status, evil.json, corsHeaders(evil)], [200, { status: 'ok' }, []]);

    const authed = await call(srv, '/api/v1/tasks', { headers: { origin: ORIGIN2, ...bearer('cors') } });
    assert.deepEqual([authed.status, authed.headers['access-control-allow-origin']], [200, ORIGIN2], show(authed));
    const exposed = list(authed.headers['access-control-expose-headers']);
    assert.ok(exposed.includes('etag') && exposed.includes('retry-after'), exposed.join());

    // A 401 must be readable by the page too, or it cannot tell "log in again".
    const denied = await call(srv, '/api/v1/tasks', { headers: { origin: ORIGIN } });
    assert.deepEqual([denied.status, denied.headers['access-control-allow-origin']], [401, ORIGIN], show(denied));
  });

  test('without CORS_ORIGINS no CORS headers at all', async () => {
    for (const r of [
      await call(plain, '/healthz', { headers: { origin: ORIGIN } }),
      await call(plain, '/api/v1/tasks', { headers: { origin: ORIGIN, ...bearer('nocors') } }),
      await preflight(plain, ORIGIN),
    ]) {
      assert.ok(r.status < 500, show(r));
      assert.deepEqual(corsHeaders(r), [], show(r));
      assert.ok(!list(r.headers.vary).includes('origin'), show(r));
    }
  });
});

// ---------------------------------------------------------------- rate limits
describe('rate limiting', () => {
  let srv;
  before(async () => {
    srv = await startServer({ workers: 2, edit: oneConnEach,
      env: { BETTER_AUTH_SECRET: SECRET, RATE_LIMIT_RPM: '5', RATE_LIMIT_ANON_RPM: '4' } });
  });
  after(async () => { await srv?.stop(); });
  // A 429 as SPEC wants it; `full` s for one token, the bucket empty for at most `ms`.
  function tooMany(r, limit, full, ms) {
    assert.deepEqual([r.status, r.json], [429, { detail: 'Too Many Requests' }], show(r));
    assert.match(r.headers['retry-after'] ?? '', /^\d+$/, show(r));
    const ra = Number(r.headers['retry-after']);
    assert.ok(ra <= full && ra >= Math.ceil(full - ms / 1000), `Retry-After ${ra} after ${ms} ms`);
    assert.deepEqual(pick(r, 'ratelimit-limit', 'ratelimit-remaining'), [String(limit), '0']);
    const reset = r.headers['ratelimit-reset'] ?? '';
    assert.ok(/^\d+$/.test(reset) && Number(reset) >= ra && Number(reset) <= 60, show(r));
  }

  test('per user, one bucket for all workers: 5 pass, then 429 with Retry-After', async () => {
    const user = bearer('rl');
    const w0 = workerWrites(srv);
    const t0 = Date.now();
    const rs = [];
    for (let burst = 0; burst < 3; burst++) rs.push(...await parallel(4, () => call(srv, '/api/v1/tags', { headers: user })));
    const ms = Date.now() - t0;
    assertBothWorkersServed(w0, workerWrites(srv));
    const ok = rs.filter((r) => r.status === 200);
    assert.equal(ok.length, 5, rs.map((r) => r.status).join());
    assert.deepEqual(ok.map((r) => pick(r, 'ratelimit-limit', 'ratelimit-remaining').join()).sort(),
      ['5,0', '5,1', '5,2', '5,3', '5,4']);
    for (const r of rs.filter((x) => x.status !== 200)) tooMany(r, 5, 12, ms);
    const other = await call(srv, '/api/v1/tags', { headers: bearer('rl-other') });
    assert.deepEqual([other.status, other.headers['ratelimit-remaining']], [200, '4'], 'per-user buckets');
  });

  test('anonymous per client address: unknown paths count, 4 pass then 429', async () => {
    const from = { localAddress: '127.0.0.2' };
    const t0 = Date.now();
    for (let i = 0; i < 4; i++) {
      const r = await call(srv, '/nope', from);
      assert.deepEqual([r.status, ...pick(r, 'ratelimit-limit', 'ratelimit-remaining')], [404, '4', String(3 - i)]);
    }
    tooMany(await call(srv, '/nope', from), 4, 15, Date.now() - t0);
    assert.equal((await call(srv, '/nope', { localAddress: '127.0.0.3' })).status, 404, 'another address, another bucket');
  });

  test('a refused token costs the anonymous budget', async () => {
    const from = { localAddress: '127.0.0.4', headers: BAD };
    const t0 = Date.now();
    for (let i = 0; i < 4; i++) {
      const r = await call(srv, '/api/v1/tags', from);
      assert.deepEqual([r.status, r.headers['ratelimit-remaining']], [401, String(3 - i)], show(r));
    }
    tooMany(await call(srv, '/api/v1/tags', from), 4, 15, Date.now() - t0);
    assert.equal((await call(srv, '/nope', { localAddress: '127.0.0.4' })).status, 429);
  });

  test('/healthz and /readyz are never rate limited', async () => {
    const from = { localAddress: '127.0.0.5' };
    for (let i = 0; i < 4; i++) assert.equal((await call(srv, '/nope', from)).status, 404);
    assert.equal((await call(srv, '/nope', from)).status, 429);
    const rs = [...await parallel(15, () => call(srv, '/healthz', from)),
      ...await parallel(10, () => call(srv, '/readyz', from))];
    for (const r of rs) assert.deepEqual([r.status, r.headers['retry-after']], [200, undefined], show(r));
  });
});

test('Retry-After is honoured: after waiting it, the next request passes', async () => {
  const srv = await startServer({ env: { BETTER_AUTH_SECRET: SECRET, RATE_LIMIT_RPM: '60' } });
  try {
    const user = bearer('retry');
    const get = () => call(srv, '/api/v1/tags', { headers: user });
    let limited = false;
    for (let batch = 0; batch < 8 && !limited; batch++) limited = (await parallel(20, get)).some((r) => r.status === 429);
    assert.ok(limited, 'no 429 after 160 requests at RATE_LIMIT_RPM=60');
    // What refilled meanwhile, drained one at a time, to the next 429.
    let r;
    for (let i = 0; i < 20 && r?.status !== 429; i++) r = await get();
    assert.deepEqual([r.status, r.headers['retry-after']], [429, '1'], show(r));
    await sleep(Number(r.headers['retry-after']) * 1000 + 200);
    const next = await get();
    assert.equal(next.status, 200, show(next));
  } finally {
    await srv.stop();
  }
});

// ---------------------------------------------------------------- gzip
describe('gzip', () => {
  let srv;
  const user = bearer('gzip');
  const tasks = (ae) => call(srv, '/api/v1/tasks?limit=100', { headers: { ...user, ...(ae ? { 'accept-encoding': ae } : {}) } });
  before(async () => {
    srv = await startServer({ env: { BETTER_AUTH_SECRET: SECRET }, workers: 1 });
    for (let b = 0; b < 30; b += 10) {
      await parallel(10, (i) => call(srv, '/api/v1/tasks', {
        method: 'POST', headers: user,
        body: { title: `task ${b + i}`, description: `${b + i} `.padEnd(600, 'lorem ipsum dolor sit amet ') },
      }).then((r) => assert.equal(r.status, 201, show(r))));
    }
  });
  after(async () => { await srv?.stop(); });

  test('a large list is gzipped for a client that accepts it, and decodes to the identity body', async () => {
    const plain = await tasks();
    assert.deepEqual([plain.status, plain.headers['content-encoding'], plain.json?.items.length], [200, undefined, 30]);
    assert.ok(plain.raw.length > 1024, `${plain.raw.length} bytes`);
    assert.ok(list(plain.headers.vary).includes('accept-encoding'), 'the identity answer varies too');

    const z = await tasks('gzip');
    assert.deepEqual([z.status, z.headers['content-encoding']], [200, 'gzip'], show(z));
    assert.ok(list(z.headers.vary).includes('accept-encoding'), `vary: ${z.headers.vary}`);
    assert.equal(Number(z.headers['content-length']), z.raw.length);
    assert.deepEqual([...z.raw.subarray(0, 2)], [0x1f, 0x8b]);
    assert.ok(z.raw.length < plain.raw.length / 2, `${z.raw.length} vs ${plain.raw.length}`);
    const text = gunzipSync(z.raw).toString('utf8');
    assert.equal(text, plain.text, 'byte-equal to the identity answer');
    assert.deepEqual(JSON.parse(text), plain.json);
  });

  test('small bodies and q=0 are not compressed', async () => {
    const small = await call(srv, '/healthz', { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    assert.deepEqual([small.headers['content-encoding'], small.text], [undefined, '{"status":"ok"}']);
    for (const ae of ['gzip;q=0', 'gzip; q=0.0, identity', 'br, gzip;q=0']) {
      const r = await tasks(ae);
      assert.deepEqual([r.status, r.headers['content-encoding'], r.json?.items.length], [200, undefined, 30], ae);
    }
  });

  test('a gzipped task is another representation: its ETag is weak and still matches', async () => {
    const made = await call(srv, '/api/v1/tasks', {
      method: 'POST', headers: user, body: { title: 'big', description: 'x'.repeat(2000) },
    });
    assert.equal(made.status, 201, show(made));
    const one = made.json;
    const get = (h) => call(srv, `/api/v1/tasks/${one.id}`, { headers: { ...user, ...h } });
    const plain = await get({});
    assert.match(plain.headers.etag, /^"\d+"$/);
    const z = await get({ 'accept-encoding': 'gzip' });
    assert.equal(z.headers['content-encoding'], 'gzip');
    assert.equal(z.headers.etag, `W/${plain.headers.etag}`);
    const again = await get({ 'accept-encoding': 'gzip', 'if-none-match': z.headers.etag });
    assert.equal(again.status, 304);
  });
});

// ---------------------------------------------------------------- metrics
test('the metrics parser is strict', () => {
  const ok = '# HELP c_total A.\n# TYPE c_total counter\nc_total{a="x\\"y"} 1\n';
  assert.equal(parseProm(ok).get('c_total').samples[0].labels.a, 'x"y');
  const h = (b) => `# TYPE h histogram\n${b}h_sum 1\nh_count 2\n`;
  parseProm(h('h_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\n'));
  for (const bad of [
    'c_total 1\n', // no TYPE
    '# TYPE c counter\nc{a="\\x"} 1\n', // bad escape
    '# TYPE c counter\nc{a="1"} 1\nc{a="1"} 2\n', // duplicate
    '# TYPE c counter\nc 1\n# TYPE g gauge\ng 1\nc 2\n', // not contiguous
    '# TYPE c counter\n1c 1\n', '# TYPE c counter\nc one\n', '# TYPE c counter\nc 1', // name, value, newline
    h('h_bucket{le="1"} 3\nh_bucket{le="+Inf"} 2\n'), // not cumulative
    h('h_bucket{le="1"} 1\nh_bucket{le="2"} 2\n'), // no +Inf
    h('h_bucket{le="1"} 1\nh_bucket{le="+Inf"} 3\n'), // +Inf != _count
  ]) assert.throws(() => parseProm(bad), undefined, JSON.stringify(bad));
});

describe('metrics', () => {
  let srv;
  before(async () => { srv = await startServer({ workers: 2, edit: oneConnEach, env: { BETTER_AUTH_SECRET: SECRET } }); });
  after(async () => { await srv?.stop(); });

  test('exact counts summed over both workers, route templates, strict text format', async () => {
    const base = await call(srv, '/metrics');
    assert.equal(base.status, 200, show(base));
    const b = parseProm(base.text);
    // The harness's start-up probe of /healthz is the only request before.
    assert.equal(b.get('http_requests_total').samples.length, 1, base.text);
    const startup = sample(b, 'http_requests_total', 'http_requests_total', { route: '/healthz', method: 'GET', status: '200' });
    assert.ok(startup >= 1, base.text);

    const user = bearer('metrics');
    const missing = randomUUID();
    const w0 = workerWrites(srv);
    for (let i = 0; i < 3; i++) assert.equal((await call(srv, '/healthz')).status, 200);
    for (let i = 0; i < 2; i++) assert.equal((await call(srv, '/nope')).status, 404);
    assert.equal((await call(srv, '/api/v1/tags', { headers: BAD })).status, 401);
    assert.equal((await call(srv, '/healthz', { method: 'DELETE' })).status, 405);
    for (let i = 0; i < 2; i++) assert.equal((await call(srv, '/api/v1/tags', { headers: user })).status, 200);
    assert.equal((await call(srv, `/api/v1/tasks/${missing}`, { headers: user })).status, 404);
    assertBothWorkersServed(w0, workerWrites(srv));

    const r = await call(srv, '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'], /^text\/plain; version=0\.0\.4(;|$)/);
    const m = parseProm(r.text);
    assert.deepEqual(['http_requests_total', 'http_request_duration_seconds', 'auth_failures_total', 'rate_limited_total',
      'db_connections_in_use', 'db_queries_queued'].map((f) => m.get(f)?.type),
    ['counter', 'histogram', 'counter', 'counter', 'gauge', 'gauge']);
    const got = Object.fromEntries(m.get('http_requests_total').samples
      .map((s) => [`${s.labels.route} ${s.labels.method} ${s.labels.status}`, s.value]));
    assert.deepEqual(got, {
      '/healthz GET 200': startup + 3,
      'unmatched GET 404': 2,
      '/api/v1/tags GET 401': 1,
      '/api/v1/tags GET 200': 2,
      '/api/v1/tasks/{} GET 404': 1,
      '/metrics GET 200': 1,
    }, 'Kore\'s own 405 is not counted; nothing else appears');
    assert.ok(!r.text.includes(missing), 'a raw path leaked into a label');

    const hist = (name, route) => sample(m, 'http_request_duration_seconds', `http_request_duration_seconds_${name}`, { route });
    for (const [route, n] of [['/healthz', startup + 3], ['unmatched', 2], ['/api/v1/tags', 3], ['/api/v1/tasks/{}', 1]]) {
      assert.equal(hist('count', route), n, route);
      assert.ok(hist('sum', route) > 0, route);
    }
    const inf = m.get('http_request_duration_seconds').samples
      .filter((s) => s.labels.route === '/healthz' && s.name.endsWith('_bucket')).at(-1);
    assert.deepEqual([inf.labels.le, inf.value], ['+Inf', startup + 3]);

    const reasons = Object.fromEntries(m.get('auth_failures_total').samples.map((s) => [s.labels.reason, s.value]));
    assert.deepEqual([reasons.malformed, reasons.missing_token, Object.values(reasons).reduce((a, v) => a + v, 0)],
      [1, 0, 1], JSON.stringify(reasons));
    assert.equal(sample(m, 'rate_limited_total', 'rate_limited_total', {}), 0);
    for (const g of ['db_connections_in_use', 'db_queries_queued']) {
      const v = sample(m, g, g, {});
      assert.ok(Number.isInteger(v) && v >= 0, `${g} = ${v}`);
    }
  });

  test('METRICS_TOKEN guards /metrics', async () => {
    const guarded = await startServer({ workers: 1, env: { BETTER_AUTH_SECRET: SECRET, METRICS_TOKEN: 's3cret' } });
    try {
      const none = await call(guarded, '/metrics');
      assert.deepEqual([none.status, none.json, none.headers['www-authenticate']], [401, { detail: 'Not authenticated' }, 'Bearer']);
      for (const auth of ['Bearer wrong', 'Bearer s3cre', 'Bearer s3cret2', 'Basic s3cret', `Bearer ${mint('x')}`]) {
        assert.equal((await call(guarded, '/metrics', { headers: { authorization: auth } })).status, 401, auth);
      }
      const ok = await call(guarded, '/metrics', { headers: { authorization: 'Bearer s3cret' } });
      assert.ok(ok.status === 200 && parseProm(ok.text).has('http_requests_total'), show(ok));
    } finally {
      await guarded.stop();
    }
  });
});

// ---------------------------------------------------------------- security headers
describe('security headers', () => {
  let srv;
  const user = bearer('sec');
  before(async () => { srv = await startServer({ env: { BETTER_AUTH_SECRET: SECRET }, workers: 1 }); });
  after(async () => { await srv?.stop(); });
  const SECURE = [['x-content-type-options', /^nosniff$/], ['x-frame-options', /^DENY$/],
    ['referrer-policy', /^no-referrer$/], ['content-security-policy', /default-src 'none'/],
    ['content-security-policy', /frame-ancestors 'none'/], ['strict-transport-security', /max-age=[1-9]\d*/]];
  const secure = (r, what) => SECURE.forEach(([h, re]) => assert.match(r.headers[h] ?? '', re, `${h}: ${what}`));

  test('200, 404, 422, 401 and Kore\'s 405 carry them; authenticated answers are no-store', async () => {
    for (const [path, opts, status] of [
      ['/healthz', {}, 200],
      ['/nope', {}, 404],
      ['/api/v1/tasks', { method: 'POST', headers: user, body: {} }, 422],
      ['/api/v1/tasks', { headers: user }, 200],
      ['/api/v1/tasks', {}, 401],
    ]) {
      const r = await call(srv, path, opts);
      const what = `${opts.method ?? 'GET'} ${path} → ${show(r)}`;
      assert.equal(r.status, status, what);
      secure(r, what);
      if (opts.headers?.authorization) assert.equal(r.headers['cache-control'], 'no-store', what);
    }
    const k = await call(srv, '/healthz', { method: 'DELETE' });
    assert.deepEqual([k.status, k.json, ...pick(k, 'x-content-type-options', 'x-frame-options')],
      [405, { detail: 'Method Not Allowed' }, 'nosniff', 'DENY']);
  });

  test('Kore\'s own error answers carry X-Request-ID like every other response', async () => {
    const k = await call(srv, '/healthz', { method: 'DELETE', headers: { 'x-request-id': 'edge-405-check' } });
    assert.deepEqual([k.status, k.headers['x-request-id']], [405, 'edge-405-check'], show(k));
  });

  test('an answer to HEAD has no content', async () => {
    for (const path of ['/healthz', '/api/v1/tasks', '/nope']) {
      const raw = await exchange(srv, `HEAD ${path} HTTP/1.1\r\nHost: localhost:${srv.port}\r\nConnection: close\r\n\r\n`);
      assert.match(raw, /^HTTP\/1\.1 \d{3} /, raw);
      assert.equal(raw.slice(raw.indexOf('\r\n\r\n') + 4), '', `HEAD ${path} answered with content:\n${raw}`);
    }
  });

  test('a 503 while the database is down carries them too', async () => {
    let r;
    try {
      dbctl('stop');
      for (let i = 0; i < 50 && r?.status !== 503; i++) {
        if (i > 0) await sleep(200);
        r = await call(srv, '/readyz');
      }
      assert.equal(r.status, 503, show(r));
      secure(r, show(r));
    } finally {
      dbctl('start');
    }
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      if (i > 0) await sleep(200);
      status = (await call(srv, '/readyz')).status;
    }
    assert.equal(status, 200, 'readyz did not recover after the database came back');
  });
});

// ------------------------------------------------- behind a load balancer
// Issue 18, findings 1 and 7: X-Forwarded-For is believed only from
// TRUSTED_PROXIES; IPv6 clients share one anonymous budget per /64.
describe('TRUSTED_PROXIES and the anonymous key', () => {
  let srv;
  before(async () => {
    srv = await startServer({
      env: { BETTER_AUTH_SECRET: SECRET, RATE_LIMIT_ANON_RPM: '2', TRUSTED_PROXIES: '127.0.0.8/30, 10.0.0.0/8' },
    });
  });
  after(async () => { await srv?.stop(); });
  const via = (proxy, xff) => ({ localAddress: proxy, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } });
  const statuses = async (n, opts) => {
    const out = [];
    for (let i = 0; i < n; i++) out.push((await request(srv, '/nope', opts)).status);
    return out;
  };

  test('from a trusted proxy the forwarded client has its own budget, and is logged', async () => {
    assert.deepEqual(await statuses(3, via('127.0.0.9', '203.0.113.5')), [404, 404, 429]);
    // Another client behind the same proxy; a trusted hop in between is passed over.
    assert.deepEqual(await statuses(2, via('127.0.0.9', '203.0.113.6, 10.1.2.3')), [404, 404]);
    // The proxy's own address keeps its budget too.
    assert.deepEqual(await statuses(1, via('127.0.0.9')), [404]);
    await sleep(100);
    const clients = srv.logLines().filter((l) => l.route === 'unmatched').map((l) => l.client);
    assert.ok(clients.includes('203.0.113.5') && clients.includes('203.0.113.6') && clients.includes('127.0.0.9'), clients.join());
  });

  test('from anybody else X-Forwarded-For is ignored: no budget on demand', async () => {
    const out = [];
    for (let i = 0; i < 3; i++) out.push((await request(srv, '/nope', via('127.0.0.20', `198.51.100.${i}`))).status);
    assert.deepEqual(out, [404, 404, 429]);
  });

  test('IPv6 clients are one budget per /64', async () => {
    assert.deepEqual(await statuses(1, via('127.0.0.10', '2001:db8:1:2::1')), [404]);
    assert.deepEqual(await statuses(1, via('127.0.0.10', '2001:db8:1:2:ffff::9')), [404]);
    assert.deepEqual(await statuses(1, via('127.0.0.10', '2001:db8:1:2:abcd:1:2:3')), [429]);
    assert.deepEqual(await statuses(1, via('127.0.0.10', '2001:db8:1:3::1')), [404]);
  });

  test('a bad TRUSTED_PROXIES stops the start naming the variable', async () => {
    const s = await startServer({ env: { TRUSTED_PROXIES: '10.0.0.0/99' }, waitReady: false });
    const { code } = await s.exitPromise;
    assert.notEqual(code, 0);
    assert.match(s.stderr, /^config error: TRUSTED_PROXIES: '10\.0\.0\.0\/99' is not an address or CIDR/m);
  });
});
