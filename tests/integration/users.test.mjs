// Users over real HTTPS with real Better Auth tokens: just-in-time rows,
// /users/me (GET, PATCH as a merge patch, DELETE), the admin routes and a
// 500 that keeps its cause in the log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer, request, psql, sleep } from './harness.mjs';
import { startAuthServer, signUp, getToken, setRole, getJwks, decodeJwt } from '../auth-server/client.mjs';

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const newEmail = (tag) => `${tag}-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`;
const q1 = (sql) => psql(sql);
const lit = (s) => `'${String(s).replace(/'/g, "''")}'`;

// Kore's SIGTERM drain (our patch) answers within its grace: a missed
// signal fails the test instead of being sent again.
const stopKore = (s) => s.stop();

let auth, srv, admin;
before(async () => {
  auth = await startAuthServer();
  await getJwks(auth.url); // the signing key exists before the API server fetches the set
  srv = await startServer({
    env: { BETTER_AUTH_JWKS_URL: auth.jwksUrl, BETTER_AUTH_ISSUER: auth.url, BETTER_AUTH_AUDIENCE: auth.url },
  });
  const email = newEmail('admin');
  const u = await signUp(auth.url, { email, name: 'Admin Person' });
  await setRole(auth.url, email, 'admin');
  admin = { token: await getToken(auth.url, u.cookie), email };
});
after(async () => {
  try { if (srv) await stopKore(srv); } finally { await auth?.stop(); }
});

function api(s, path, token, opts = {}) {
  return request(s, path, { ...opts, headers: { authorization: `Bearer ${token}`, ...(opts.headers || {}) } });
}
const me = (token, opts) => api(srv, '/api/v1/users/me', token, opts);
const patch = (token, body, headers) => me(token, { method: 'PATCH', body, headers });
const row = (sub) => q1(`SELECT row_to_json(u)::text FROM users u WHERE id = ${lit(sub)}`);

// A signed-up user whose row exists (one GET made it).
async function user(tag, name = 'Test User') {
  const email = newEmail(tag);
  const u = await signUp(auth.url, { email, name });
  const sub = decodeJwt(u.token).payload.sub;
  const r = await me(u.token);
  assert.equal(r.status, 200, r.text);
  return { ...u, email, sub };
}

test('just in time: the first request creates the row from the claims; new claims refresh it', async () => {
  const email = newEmail('jit');
  const u = await signUp(auth.url, { email, name: 'Jit Person' });
  const { sub } = decodeJwt(u.token).payload;
  assert.equal(q1(`SELECT count(*) FROM users WHERE id = ${lit(sub)}`), '0');
  const r = await me(u.token);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.id, sub);
  assert.equal(q1(`SELECT email || '|' || name || '|' || role FROM users WHERE id = ${lit(sub)}`),
    `${email}|Jit Person|user`);
  await setRole(auth.url, email, 'admin');
  const t2 = await getToken(auth.url, u.cookie);
  const r2 = await me(t2);
  assert.equal(r2.status, 200, r2.text);
  assert.equal(r2.json.role, 'admin');
  assert.equal(q1(`SELECT role FROM users WHERE id = ${lit(sub)}`), 'admin');
  assert.equal(q1(`SELECT count(*) FROM users WHERE email = ${lit(email)}`), '1');
});

test('no database write on every request: at most one upsert per worker for a known token', async () => {
  const u = await user('nowrite');
  let s;
  try {
    q1(`CREATE TABLE jit_calls(n int);
        GRANT INSERT ON jit_calls TO app;
        CREATE FUNCTION jit_count() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN INSERT INTO jit_calls VALUES (1); RETURN NULL; END$$;
        CREATE TRIGGER jit_count BEFORE INSERT ON users FOR EACH STATEMENT EXECUTE FUNCTION jit_count();`);
    s = await startServer({
      env: { BETTER_AUTH_JWKS_URL: auth.jwksUrl, BETTER_AUTH_ISSUER: auth.url, BETTER_AUTH_AUDIENCE: auth.url },
    });
    for (let i = 0; i < 30; i++) {
      const r = await api(s, '/api/v1/users/me', u.token);
      assert.equal(r.status, 200, r.text);
    }
    const calls = Number(q1('SELECT count(*) FROM jit_calls'));
    assert.ok(calls >= 1 && calls <= 2, `${calls} upserts for 30 requests on 2 workers`);
  } finally {
    q1('DROP TRIGGER IF EXISTS jit_count ON users; DROP FUNCTION IF EXISTS jit_count(); DROP TABLE IF EXISTS jit_calls;');
    if (s) await stopKore(s);
  }
});

test('GET /users/me answers the public shape, never the webhook secret', async () => {
  const u = await user('get', 'Get Person');
  const r = await me(u.token);
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.json).sort(), ['created_at', 'email', 'id', 'image', 'name', 'role',
    'timezone', 'updated_at', 'webhook_secret_set', 'webhook_url']);
  assert.equal(r.json.timezone, 'UTC');
  assert.equal(r.json.webhook_secret_set, false);
  assert.match(r.json.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(r.headers['cache-control'], 'no-store');
});

test('PATCH timezone: a real zone is saved, an unknown one is a 422 and changes nothing', async () => {
  const u = await user('tz');
  const ok = await patch(u.token, { timezone: 'Europe/Paris' });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.timezone, 'Europe/Paris');
  assert.equal(q1(`SELECT timezone FROM users WHERE id = ${lit(u.sub)}`), 'Europe/Paris');
  const bad = await patch(u.token, { timezone: 'Mars/Base' });
  assert.equal(bad.status, 422, bad.text);
  assert.equal(bad.json.detail.length, 1);
  assert.deepEqual(bad.json.detail[0].loc, ['body', 'timezone']);
  assert.equal(bad.json.detail[0].input, 'Mars/Base');
  assert.equal(q1(`SELECT timezone FROM users WHERE id = ${lit(u.sub)}`), 'Europe/Paris');
});

test('PATCH with three problems answers all three and changes nothing', async () => {
  const u = await user('three');
  const before = row(u.sub);
  const r = await patch(u.token, { timezone: 'Z'.repeat(65), webhook_url: 'not a url', webhook_secret: 'short' });
  assert.equal(r.status, 422, r.text);
  assert.deepEqual(r.json.detail.map((e) => [e.type, e.loc]), [
    ['string_too_long', ['body', 'timezone']],
    ['url_parsing', ['body', 'webhook_url']],
    ['string_too_short', ['body', 'webhook_secret']],
  ]);
  assert.deepEqual(r.json.detail[0].ctx, { max_length: 64 });
  assert.equal(r.json.detail[0].msg, 'String should have at most 64 characters');
  assert.deepEqual(r.json.detail[2].ctx, { min_length: 16 });
  assert.equal(r.json.detail[2].msg, 'String should have at least 16 characters');
  assert.equal(r.json.detail[1].input, 'not a url');
  assert.equal(row(u.sub), before);
});

test('PATCH is a merge patch: webhook_url kept when absent, cleared by null', async () => {
  const u = await user('hook');
  const url = 'https://hooks.example.com/in?x=1';
  const set = await patch(u.token, { webhook_url: url });
  assert.equal(set.status, 200, set.text);
  assert.equal(set.json.webhook_url, url);
  const other = await patch(u.token, { timezone: 'Asia/Tokyo' });
  assert.equal(other.json.webhook_url, url);
  assert.equal(other.json.timezone, 'Asia/Tokyo');
  const cleared = await patch(u.token, { webhook_url: null });
  assert.equal(cleared.status, 200, cleared.text);
  assert.equal(cleared.json.webhook_url, null);
  assert.equal(cleared.json.timezone, 'Asia/Tokyo');
  assert.equal(q1(`SELECT webhook_url IS NULL FROM users WHERE id = ${lit(u.sub)}`), 't');
});

test('webhook_secret is write-only: stored, reported as set, never returned', async () => {
  const u = await user('secret');
  const secret = `whsec-${randomBytes(12).toString('hex')}`;
  const r = await patch(u.token, { webhook_secret: secret });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.webhook_secret_set, true);
  assert.ok(!('webhook_secret' in r.json));
  assert.equal(q1(`SELECT webhook_secret FROM users WHERE id = ${lit(u.sub)}`), secret);
  const reads = [await me(u.token), await api(srv, `/api/v1/users/${u.sub}`, admin.token),
    await api(srv, `/api/v1/users?q=${encodeURIComponent(u.email)}`, admin.token)];
  for (const x of [r, ...reads]) {
    assert.equal(x.status, 200, x.text);
    assert.ok(!x.text.includes(secret), x.text);
    assert.ok(!x.text.includes('"webhook_secret"'), x.text);
  }
  assert.equal(reads[0].json.webhook_secret_set, true);
  assert.equal(reads[2].json.items[0].webhook_secret_set, true);
  const unset = await patch(u.token, { webhook_secret: null });
  assert.equal(unset.json.webhook_secret_set, false);
});

test('PATCH ignores unknown and read-only fields', async () => {
  const u = await user('ro');
  const before = q1(`SELECT id || '|' || email || '|' || role || '|' || created_at FROM users WHERE id = ${lit(u.sub)}`);
  const r = await patch(u.token, {
    timezone: 'America/New_York', foo: 1, id: `hacked-${run}`, role: 'admin', email: 'evil@example.com',
    created_at: '2000-01-01T00:00:00Z', webhook_secret_set: true,
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.id, u.sub);
  assert.equal(r.json.email, u.email);
  assert.equal(r.json.role, 'user');
  assert.equal(r.json.timezone, 'America/New_York');
  assert.equal(r.json.webhook_secret_set, false);
  assert.ok(!('foo' in r.json));
  assert.equal(q1(`SELECT id || '|' || email || '|' || role || '|' || created_at FROM users WHERE id = ${lit(u.sub)}`), before);
  assert.equal(q1(`SELECT count(*) FROM users WHERE id = 'hacked-${run}'`), '0');
});

test('PATCH bodies that are not a JSON object: 415 and 422s', async () => {
  const u = await user('body');
  const before = row(u.sub);
  for (const headers of [{ 'content-type': 'text/plain' }, {}]) {
    const r = await patch(u.token, '{"timezone":"Asia/Tokyo"}', headers);
    assert.equal(r.status, 415, `${JSON.stringify(headers)}: ${r.text}`);
    assert.deepEqual(r.json, { detail: 'Content-Type must be application/json' });
  }
  const json = { 'content-type': 'application/json' };
  const broken = await patch(u.token, '{"timezone": "Asia/Tokyo"', json);
  assert.equal(broken.status, 422, broken.text);
  assert.equal(broken.json.detail[0].type, 'json_invalid');
  assert.equal(broken.json.detail[0].loc[0], 'body');
  const arr = await patch(u.token, '[{"timezone": "Asia/Tokyo"}]', json);
  assert.equal(arr.status, 422, arr.text);
  assert.equal(arr.json.detail.length, 1);
  assert.equal(arr.json.detail[0].type, 'model_attributes_type');
  assert.deepEqual(arr.json.detail[0].loc, ['body']);
  assert.equal(row(u.sub), before);
});

test('DELETE /users/me removes the row and the tasks; the next request recreates the row', async () => {
  const u = await user('del');
  q1(`INSERT INTO tasks (user_id, title) VALUES (${lit(u.sub)}, 'x'), (${lit(u.sub)}, 'y')`);
  await patch(u.token, { timezone: 'Europe/Paris' });
  const r = await me(u.token, { method: 'DELETE' });
  assert.equal(r.status, 204, r.text);
  assert.equal(r.text, '');
  assert.equal(q1(`SELECT count(*) FROM users WHERE id = ${lit(u.sub)}`), '0');
  assert.equal(q1(`SELECT count(*) FROM tasks WHERE user_id = ${lit(u.sub)}`), '0');
  const again = [];
  for (let i = 0; i < 6; i++) again.push(await me(u.token));
  assert.deepEqual(again.map((x) => x.status), Array(6).fill(200), again.map((x) => x.text).join('\n'));
  assert.equal(again[0].json.timezone, 'UTC');
  assert.equal(q1(`SELECT count(*) FROM users WHERE id = ${lit(u.sub)}`), '1');
});

// Three users only these tests know, one with a LIKE wildcard in its email.
let listed;
async function listUsers() {
  listed ??= (async () => {
    const out = [];
    for (const tag of ['a', 'b', 'c_x']) {
      const email = `l${run}-${tag}@example.com`;
      const u = await signUp(auth.url, { email });
      assert.equal((await me(u.token)).status, 200);
      out.push({ email, sub: decodeJwt(u.token).payload.sub });
    }
    return out;
  })();
  return listed;
}
const list = (qs) => api(srv, `/api/v1/users${qs}`, admin.token);

test('admin list: the envelope, and total counts every user', async () => {
  await listUsers();
  const r = await list('');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.json).sort(), ['items', 'limit', 'next_cursor', 'offset', 'total']);
  const total = Number(q1('SELECT count(*) FROM users'));
  assert.equal(r.json.total, total);
  assert.equal(r.json.limit, 20);
  assert.equal(r.json.offset, 0);
  assert.equal(r.json.next_cursor, null);
  assert.equal(r.json.items.length, Math.min(20, total));
  assert.ok(r.json.items.every((i) => typeof i.id === 'string' && !('webhook_secret' in i)));
});

test('admin list: q, limit, offset and sort', async () => {
  const [a, b, c] = await listUsers();
  const asc = await list(`?q=l${run}-&sort=email`);
  assert.equal(asc.json.total, 3, asc.text);
  assert.deepEqual(asc.json.items.map((i) => i.email), [a.email, b.email, c.email]);
  const desc = await list(`?q=l${run}-&sort=-email`);
  assert.deepEqual(desc.json.items.map((i) => i.email), [c.email, b.email, a.email]);
  const page1 = await list(`?q=l${run}-&sort=email&limit=2`);
  assert.deepEqual([page1.json.total, page1.json.limit, page1.json.offset], [3, 2, 0]);
  assert.deepEqual(page1.json.items.map((i) => i.email), [a.email, b.email]);
  const page2 = await list(`?q=l${run}-&sort=email&limit=2&offset=2`);
  assert.deepEqual([page2.json.total, page2.json.limit, page2.json.offset], [3, 2, 2]);
  assert.deepEqual(page2.json.items.map((i) => i.id), [c.sub]);
  const one = await list(`?q=${run}-c_x`);
  assert.deepEqual(one.json.items.map((i) => i.id), [c.sub]);
  // % and _ are literal: as wildcards each would match all three.
  for (const q of [`l${run}-_`, `l${run}-%@example`]) {
    const r = await list(`?q=${encodeURIComponent(q)}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.total, 0, `${q}: ${r.text}`);
    assert.deepEqual(r.json.items, []);
  }
  const under = await list(`?q=${encodeURIComponent(`${run}-c_`)}`);
  assert.deepEqual(under.json.items.map((i) => i.id), [c.sub]);
});

test('admin list: invalid query parameters are 422 naming the parameter', async () => {
  for (const [name, value] of [['sort', 'bogus'], ['sort', 'id'], ['limit', '0'], ['limit', '101'],
    ['limit', 'abc'], ['offset', '-1']]) {
    const r = await list(`?${name}=${value}`);
    assert.equal(r.status, 422, `${name}=${value}: ${r.text}`);
    assert.equal(r.json.detail.length, 1);
    assert.deepEqual(r.json.detail[0].loc, ['query', name]);
    assert.equal(r.json.detail[0].input, value);
  }
});

test('admin: GET /users/{id} finds a user or is a 404; non-admins get 403', async () => {
  const [a] = await listUsers();
  const r = await api(srv, `/api/v1/users/${a.sub}`, admin.token);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.id, a.sub);
  assert.equal(r.json.email, a.email);
  const missing = await api(srv, `/api/v1/users/no-such-user-${run}`, admin.token);
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.json, { detail: 'User not found' });
  const plain = await user('plain');
  for (const path of ['/api/v1/users', `/api/v1/users/${a.sub}`, `/api/v1/users/no-such-user-${run}`]) {
    const x = await api(srv, path, plain.token);
    assert.equal(x.status, 403, `${path}: ${x.text}`);
    assert.deepEqual(x.json, { detail: 'Not enough permissions' });
  }
});

test('a database error is a bare 500; the cause is logged with the request id', async () => {
  const u = await user('boom');
  const id = `boom-${run}`;
  try {
    q1(`CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'secret internal detail 42'; END$$;
        CREATE TRIGGER boom BEFORE UPDATE ON users FOR EACH ROW WHEN (NEW.timezone = 'Antarctica/Troll') EXECUTE FUNCTION boom();`);
    const r = await patch(u.token, { timezone: 'Antarctica/Troll' }, { 'x-request-id': id });
    assert.equal(r.status, 500, r.text);
    assert.deepEqual(r.json, { detail: 'Internal Server Error' });
    assert.ok(!r.text.includes('secret internal detail'));
    assert.equal(r.headers['x-request-id'], id);
    await sleep(100);
    const lines = srv.logLines().filter((l) => l.request_id === id);
    assert.equal(lines.length, 1, srv.stdout.slice(-2000));
    assert.equal(lines[0].status, 500);
    assert.equal(lines[0].level, 'error');
    assert.equal(lines[0].user_id, u.sub);
    assert.match(lines[0].error, /secret internal detail 42/);
    assert.equal(q1(`SELECT timezone FROM users WHERE id = ${lit(u.sub)}`), 'UTC');
  } finally {
    q1('DROP TRIGGER IF EXISTS boom ON users; DROP FUNCTION IF EXISTS boom();');
  }
});
