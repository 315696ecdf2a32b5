// The SSRF guard (SPEC "Events, webhooks and reminders"): webhook_url must
// be https:// and must not point to a non-public address, checked when set
// (422, nothing saved) and again at delivery against the address connected
// to. Names are mapped by WEBHOOK_RESOLVE (test-only, curl's --resolve
// form), never by the internet's DNS.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { startServer, request, psql, mintToken, sleep } from './harness.mjs';

const SECRET = 'ssrf-integration-secret-0123456789-abcdefghij';
const RUN = randomBytes(4).toString('hex');
let nusers = 0;
function newUser(name) {
  const sub = `${name}-${RUN}-${++nusers}`;
  return { sub, headers: { authorization: `Bearer ${mintToken(SECRET, sub)}` } };
}

// Anything connecting here is a guard that failed.
let trap, tport, connections = 0;
before(async () => {
  trap = net.createServer((s) => { connections++; s.destroy(); });
  await new Promise((r) => trap.listen(0, '127.0.0.1', r));
  tport = trap.address().port;
});
after(() => trap?.close());

describe('when webhook_url is set', () => {
  let srv;
  before(async () => {
    srv = await startServer({ env: { BETTER_AUTH_SECRET: SECRET,
      WEBHOOK_RESOLVE: 'inside.test:443:10.1.2.3,v6inside.test:443:[fd00::7],public.test:443:93.184.216.34' } });
  });
  after(async () => { await srv?.stop(); });
  const patch = (u, url) => request(srv, '/api/v1/users/me', { method: 'PATCH', headers: u.headers,
    body: { webhook_url: url } });

  const refused = [
    ['http://hooks.example.com/x', 'https://'],
    ['https://127.0.0.1/x', 'loopback'],
    ['https://127.1/x', 'loopback'],
    ['https://2130706433/x', 'loopback'],
    ['https://[::1]/x', 'loopback'],
    ['https://localhost/x', 'loopback'],
    ['https://10.0.0.1/x', 'private'],
    ['https://172.20.0.1/x', 'private'],
    ['https://192.168.10.1/x', 'private'],
    ['https://[fd12::1]/x', 'private'],
    ['https://169.254.10.10/x', 'link-local'],
    ['https://169.254.169.254/latest/meta-data', 'cloud metadata'],
    ['https://[fe80::1]/x', 'link-local'],
    ['https://224.0.0.251/x', 'multicast'],
    ['https://[ff02::1]/x', 'multicast'],
    ['https://0.0.0.0/x', 'unspecified'],
    ['https://[::]/x', 'unspecified'],
    ['https://240.0.0.1/x', 'reserved'],
    ['https://inside.test/x', 'private'],
    ['https://v6inside.test/x', 'private'],
  ];
  for (const [url, why] of refused) {
    test(`${url}: 422 (${why}), nothing saved`, async () => {
      const u = newUser('refuse');
      const r = await patch(u, url);
      assert.equal(r.status, 422, r.text);
      assert.equal(r.json.detail[0].loc.join('.'), 'body.webhook_url');
      assert.match(r.json.detail[0].msg, new RegExp(why.replace(/[./]/g, '\\$&')));
      assert.equal(psql(`SELECT count(*) FROM users WHERE id = '${u.sub}' AND webhook_url IS NOT NULL`), '0');
    });
  }

  test('a public address, literal or resolved, is accepted', async () => {
    for (const url of ['https://93.184.216.34/x', 'https://public.test/x', 'https://hooks.example.com/in']) {
      const r = await patch(newUser('ok'), url);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.webhook_url, url);
    }
  });
});

describe('at delivery', () => {
  test('a name that resolved to a public address when set, and to loopback at delivery: never connected', async () => {
    const u = newUser('rebind');
    const url = `https://rebind.test:${tport}/hook`;
    // Set through an instance whose resolver says public ...
    const setter = await startServer({ env: { BETTER_AUTH_SECRET: SECRET,
      WEBHOOK_RESOLVE: `rebind.test:${tport}:93.184.216.34` } });
    const r = await request(setter, '/api/v1/users/me', { method: 'PATCH', headers: u.headers,
      body: { webhook_url: url, webhook_secret: `whsec-${RUN}-0123456789` } });
    assert.equal(r.status, 200, r.text);
    await setter.stop();
    // ... delivered by one whose resolver says loopback (DNS rebinding).
    const srv = await startServer({ env: { BETTER_AUTH_SECRET: SECRET, WEBHOOK_MAX_ATTEMPTS: '1',
      WEBHOOK_RESOLVE: `rebind.test:${tport}:127.0.0.1` } });
    try {
      const c = await request(srv, '/api/v1/tasks', { method: 'POST', headers: u.headers, body: { title: 'x' } });
      assert.equal(c.status, 201);
      let d;
      for (let i = 0; i < 200; i++) {
        d = psql(`SELECT status || '|' || coalesce(last_error, '') FROM deliveries WHERE user_id = '${u.sub}'`);
        if (d.startsWith('dead')) break;
        await sleep(50);
      }
      assert.equal(d, 'dead|address not allowed: 127.0.0.1 (loopback)');
      assert.equal(connections, 0);
    } finally {
      await srv.stop();
    }
  });

  test('WEBHOOK_ALLOW_PRIVATE_NETWORKS=true lifts the rule, and the start log says so', async () => {
    const srv = await startServer({ env: { BETTER_AUTH_SECRET: SECRET, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' } });
    try {
      const u = newUser('allow');
      const r = await request(srv, '/api/v1/users/me', { method: 'PATCH', headers: u.headers,
        body: { webhook_url: `http://127.0.0.1:${tport}/x` } });
      assert.equal(r.status, 200, r.text);
      assert.ok(srv.logLines().some((l) => l.level === 'warning'
        && /WEBHOOK_ALLOW_PRIVATE_NETWORKS is on/.test(l.msg)));
      // Clear it so this file's trap is never called.
      await request(srv, '/api/v1/users/me', { method: 'PATCH', headers: u.headers, body: { webhook_url: null } });
    } finally {
      await srv.stop();
    }
  });
});
