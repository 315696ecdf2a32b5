// Bearer JWTs from a real Better Auth server (tests/auth-server): algorithms,
// rejections, expiry, key rotation and revocation, a JWKS server that is
// down, shared-secret mode and roles.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createPublicKey, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { startServer, request, psql, sleep, caPem } from './harness.mjs';
import {
  startAuthServer, signUp, getToken, rotate, revoke, setRole, getJwks, decodeJwt,
} from '../auth-server/client.mjs';

const uniq = () => `${Date.now()}-${randomBytes(3).toString('hex')}`;
const newEmail = (tag) => `${tag}-${uniq()}@example.com`;
const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const hs256 = (header, payload, secret) => {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
};
const bearer = (token) => (token === undefined ? {} : { authorization: `Bearer ${token}` });
// Every /me call has a deadline, so a request stuck in the server fails fast.
async function me(s, token) {
  const r = await rawRequest(s, '/api/v1/users/me', bearer(token), 5000);
  if (r.error) throw new Error(`GET /users/me: ${r.error}`);
  return r;
}
// A fresh auth server whose signing key already exists (created by the
// first JWKS request), so the API server's first fetch finds it.
async function startAuth(opts) {
  const a = await startAuthServer(opts);
  await getJwks(a.url).catch(() => {});
  return a;
}
const jwksEnv = (a, extra = {}) => ({
  BETTER_AUTH_JWKS_URL: a.jwksUrl, BETTER_AUTH_ISSUER: a.url, BETTER_AUTH_AUDIENCE: a.url, ...extra,
});
const statuses = (rs) => rs.map((r) => r.status);

function assertInvalidToken(r, detailRe) {
  assert.equal(r.status, 401, r.text);
  assert.equal(r.headers['www-authenticate'], 'Bearer error="invalid_token"');
  assert.match(r.headers['content-type'], /^application\/json/);
  assert.equal(typeof r.json?.detail, 'string', r.text);
  if (detailRe) assert.match(r.json.detail, detailRe);
}

// Kore's SIGTERM drain (our patch) answers within its grace: a missed
// signal fails the test instead of being sent again.
const stopKore = (s) => s.stop();

// Starts things, stops them all afterwards (kore's stop() reports sanitizer output).
async function using(fn) {
  const owned = [];
  const own = (x) => { owned.push(x); return x; };
  let failed;
  try {
    return await fn(own);
  } catch (e) { failed = e; throw e; } finally {
    let err;
    for (const x of owned.reverse()) {
      try { await (x.child ? stopKore(x) : x.stop()); } catch (e) { err ??= e; }
    }
    if (err && !failed) throw err;
    if (err) failed.message += `\nand on stop: ${err.message}`;
  }
}

// A JWKS endpoint in front of an auth server that counts fetches and can
// hang (accept, never answer) or be stopped.
async function jwksProxy(target) {
  const p = { hits: 0, mode: 'pass' };
  const srv = http.createServer(async (req, res) => {
    p.hits++;
    if (p.mode === 'hang') return;
    const r = await fetch(target + req.url).catch(() => null);
    if (!r) { res.socket.destroy(); return; }
    const body = await r.text();
    res.writeHead(r.status, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  p.jwksUrl = `http://127.0.0.1:${srv.address().port}/api/auth/jwks`;
  p.stop = () => new Promise((resolve) => { srv.closeAllConnections(); srv.close(() => resolve()); });
  return p;
}

// A request with a deadline; a dropped connection resolves with .error.
function rawRequest(s, path, headers, timeoutMs = 3000) {
  return new Promise((resolve) => {
    const req = https.request({
      host: '127.0.0.1', port: s.port, servername: 'localhost', path,
      headers: { host: `localhost:${s.port}`, ...headers }, ca: caPem, agent: false,
    }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', (e) => resolve({ error: e.message }));
    req.end();
  });
}

// Shared: one EdDSA auth server and one API server trusting it.
let auth, srv, first;
before(async () => {
  auth = await startAuth({ alg: 'EdDSA' });
  first = await signUp(auth.url, { email: newEmail('first'), name: 'First Person' });
  srv = await startServer({ env: jwksEnv(auth) });
});
after(async () => {
  try { if (srv) await stopKore(srv); } finally { await auth?.stop(); }
});

test('a real Better Auth EdDSA token is accepted; the user comes from its claims', async () => {
  const { header, payload } = decodeJwt(first.token);
  assert.equal(header.alg, 'EdDSA');
  const r = await me(srv, first.token);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.id, payload.sub);
  assert.equal(r.json.email, payload.email);
  assert.equal(r.json.name, 'First Person');
  assert.equal(r.json.role, 'user');
  assert.equal(r.headers['cache-control'], 'no-store');
});

for (const alg of ['ES256', 'RS256', 'PS256']) {
  test(`a real ${alg} token is accepted through the JWKS`, () => using(async (own) => {
    const a = own(await startAuth({ alg }));
    const u = await signUp(a.url, { email: newEmail(alg.toLowerCase()) });
    const { header, payload } = decodeJwt(u.token);
    assert.equal(header.alg, alg);
    const s = own(await startServer({ env: jwksEnv(a) }));
    const r = await me(s, u.token);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.id, payload.sub);
    assert.equal(r.json.email, payload.email);
    if (alg !== 'ES256') {
      // HS/RS confusion: HS256 keyed with the RSA public key (PEM or JWK text).
      const jwk = (await getJwks(a.url)).keys.find((k) => k.kid === header.kid);
      const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
      for (const secret of [pem, JSON.stringify(jwk)]) {
        const forged = hs256({ alg: 'HS256', kid: header.kid }, payload, secret);
        assertInvalidToken(await me(s, forged), /^Token algorithm is not allowed$/);
      }
    }
  }));
}

test('no credentials, or another scheme: 401 Not authenticated with a bare Bearer challenge', async () => {
  for (const authorization of [undefined, 'Basic xyz', 'Bearer ', 'Token abc.def.ghi']) {
    const headers = authorization === undefined ? {} : { authorization };
    const r = await request(srv, '/api/v1/users/me', { headers });
    assert.equal(r.status, 401, `${authorization}: ${r.text}`);
    assert.deepEqual(r.json, { detail: 'Not authenticated' });
    assert.equal(r.headers['www-authenticate'], 'Bearer');
  }
});

test('garbage, tampered payload and tampered signature are 401 invalid_token', async () => {
  const [h, p, sig] = first.token.split('.');
  const flip = (s, i) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
  assertInvalidToken(await me(srv, 'garbage'), /^Token is malformed$/);
  assertInvalidToken(await me(srv, 'a.b'), /^Token is malformed$/);
  assertInvalidToken(await me(srv, `${h}.${flip(p, Math.floor(p.length / 2))}.${sig}`),
    /^Token signature is invalid$/);
  assertInvalidToken(await me(srv, `${h}.${p}.${flip(sig, 10)}`), /^Token signature is invalid$/);
  // The untouched token still works: nothing above poisoned a cache.
  assert.equal((await me(srv, first.token)).status, 200);
});

test('a token over 8 KiB is a 401', async () => {
  const { header, payload } = decodeJwt(first.token);
  const make = (n) => `${b64(header)}.${b64({ ...payload, pad: 'x'.repeat(n) })}.${first.token.split('.')[2]}`;
  const big = make(6000 + Math.ceil((8300 - make(6000).length) * 0.75));
  assert.ok(big.length > 8192 && big.length < 8400, String(big.length));
  const r = await rawRequest(srv, '/api/v1/users/me', bearer(big));
  assert.equal(r.error, undefined, `connection dropped without an answer: ${r.error}`);
  assertInvalidToken(r, /^Token is too large$/);
});

test('alg none and HS256 (JWKS mode) are refused even with a known kid', async () => {
  const { header, payload } = decodeJwt(first.token);
  for (const alg of ['none', 'None', 'NONE']) {
    assertInvalidToken(await me(srv, `${b64({ alg })}.${b64(payload)}.`));
    assertInvalidToken(await me(srv, `${b64({ alg, kid: header.kid })}.${b64(payload)}.`));
  }
  const hs = hs256({ alg: 'HS256', typ: 'JWT', kid: header.kid }, payload,
    'kore-test-secret-not-for-production-0123456789');
  assertInvalidToken(await me(srv, hs), /^Token algorithm is not allowed$/);
  const hsNoKid = hs256({ alg: 'HS256', typ: 'JWT' }, payload, 'another-secret-of-at-least-32-characters!');
  assertInvalidToken(await me(srv, hsNoKid), /^Token algorithm is not allowed$/);
});

test('a token for another issuer or audience is refused', () => using(async (own) => {
  const [badIss, badAud] = await Promise.all([
    startServer({ env: jwksEnv(auth, { BETTER_AUTH_ISSUER: 'https://elsewhere.example' }) }),
    startServer({ env: jwksEnv(auth, { BETTER_AUTH_AUDIENCE: 'https://elsewhere.example' }) }),
  ]);
  own(badIss); own(badAud);
  assertInvalidToken(await me(badIss, first.token), /^Token issuer is invalid$/);
  assertInvalidToken(await me(badAud, first.token), /^Token audience is invalid$/);
}));

test('an expired token is refused even though it was verified and cached', () => using(async (own) => {
  const a = own(await startAuth({ env: { JWT_EXPIRATION: '2' } }));
  const s = own(await startServer({ env: jwksEnv(a, { JWT_LEEWAY_SECONDS: '0' }) }));
  const u = await signUp(a.url, { email: newEmail('exp') });
  const { exp } = decodeJwt(u.token).payload;
  const now = await Promise.all(Array.from({ length: 4 }, () => me(s, u.token)));
  assert.deepEqual(statuses(now), [200, 200, 200, 200]);
  await sleep(exp * 1000 + 2000 - Date.now());
  for (let i = 0; i < 4; i++) assertInvalidToken(await me(s, u.token), /expired/i);
}));

test('with leeway 0 a cached token is refused from its exp second on, like a fresh one', () => using(async (own) => {
  const a = own(await startAuth({ env: { JWT_EXPIRATION: '2' } }));
  const s = own(await startServer({ env: jwksEnv(a, { JWT_LEEWAY_SECONDS: '0' }) }));
  const u = await signUp(a.url, { email: newEmail('exp0') });
  const v = await signUp(a.url, { email: newEmail('exp0v') }); // never sent before exp
  const { exp } = decodeJwt(u.token).payload;
  const now = await Promise.all(Array.from({ length: 6 }, () => me(s, u.token)));
  assert.deepEqual(statuses(now), Array(6).fill(200));
  // Inside the second where time() == exp: exp is past (RFC 7519 4.1.4),
  // and jwt_verify() says so; the verified-token cache must agree.
  await sleep(exp * 1000 + 250 - Date.now());
  let uncached = 'not comparable (other exp second)';
  if (decodeJwt(v.token).payload.exp === exp) {
    const r = await me(s, v.token);
    assertInvalidToken(r, /expired/i); // never cached: refused
    uncached = `${r.status} ${r.text}`;
  }
  const late = [];
  for (let i = 0; i < 6; i++) late.push(await me(s, u.token));
  assert.equal(Math.floor(Date.now() / 1000), exp, 'requests left the exp second; rerun');
  assert.deepEqual(statuses(late), Array(6).fill(401),
    `cached token accepted at time() == exp ${exp} (an uncached one with that exp: ${uncached}): `
    + `${late.find((r) => r.status === 200)?.text}`);
}));

test('key rotation: a new kid is fetched on the running server; old tokens keep working', () => using(async (own) => {
  const a = own(await startAuth());
  const u = await signUp(a.url, { email: newEmail('rot') });
  const s = own(await startServer({ env: jwksEnv(a) }));
  assert.equal((await me(s, u.token)).status, 200);
  const kidB = await rotate(a.url);
  const tokenB = await getToken(a.url, u.cookie);
  assert.equal(decodeJwt(tokenB).header.kid, kidB);
  assert.notEqual(kidB, decodeJwt(u.token).header.kid);
  // The refetch must not wait for the periodic refresh (300 s by default).
  for (let i = 0; i < 4; i++) {
    const t0 = Date.now();
    const r = await rawRequest(s, '/api/v1/users/me', bearer(tokenB), 3000);
    assert.equal(r.error, undefined, `new kid #${i}: ${r.error}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(Date.now() - t0 < 2000, `new kid #${i} took ${Date.now() - t0} ms`);
  }
  assert.deepEqual(statuses([await me(s, u.token), await me(s, u.token)]), [200, 200]);
}));

test('revocation: once its key leaves the JWKS, a cached token stops working', () => using(async (own) => {
  const a = own(await startAuth());
  const u = await signUp(a.url, { email: newEmail('rev') });
  const kidA = decodeJwt(u.token).header.kid;
  const s = own(await startServer({ env: jwksEnv(a, { BETTER_AUTH_JWKS_REFRESH_SECONDS: '1' }) }));
  const warm = [];
  for (let i = 0; i < 6; i++) warm.push(await me(s, u.token));
  assert.deepEqual(statuses(warm), Array(6).fill(200));
  await rotate(a.url);
  const tokenB = await getToken(a.url, u.cookie);
  assert.equal((await revoke(a.url, kidA)).revoked, true);
  assert.ok(!(await getJwks(a.url)).keys.some((k) => k.kid === kidA));
  await sleep(3000);
  for (let i = 0; i < 6; i++) assertInvalidToken(await me(s, u.token), /^Token signing key is unknown$/);
  for (let i = 0; i < 4; i++) assert.equal((await me(s, tokenB)).status, 200);
}));

test('a JWKS server that hangs or is down never stalls tokens with known keys', () => using(async (own) => {
  const a = own(await startAuth());
  const p = own(await jwksProxy(a.url));
  const u1 = await signUp(a.url, { email: newEmail('down1') });
  const s = own(await startServer({
    env: { ...jwksEnv(a, { BETTER_AUTH_JWKS_REFRESH_SECONDS: '1' }), BETTER_AUTH_JWKS_URL: p.jwksUrl },
  }));
  assert.equal((await me(s, u1.token)).status, 200); // now cached
  const u2 = await signUp(a.url, { email: newEmail('down2') }); // known key, never seen
  const check = async (phase) => {
    for (let i = 0; i < 20; i++) {
      const t0 = Date.now();
      const r = await me(s, i % 2 ? u1.token : u2.token);
      const ms = Date.now() - t0;
      assert.equal(r.status, 200, `${phase} #${i}: ${r.text}`);
      assert.ok(ms < 1000, `${phase} #${i} took ${ms} ms`);
    }
  };
  p.mode = 'hang';
  const hits = p.hits;
  await sleep(1500);
  assert.ok(p.hits > hits, 'the periodic refresh reached the hanging JWKS server');
  await check('hanging');
  await a.stop();
  await p.stop();
  await sleep(1200);
  await check('stopped');
}));

test('an unknown kid refetches the JWKS at most once per interval per worker', () => using(async (own) => {
  const p = own(await jwksProxy(auth.url));
  const s = own(await startServer({ env: { ...jwksEnv(auth), BETTER_AUTH_JWKS_URL: p.jwksUrl } }));
  const atStart = p.hits;
  assert.equal(atStart, 1, 'one fetch at start');
  const { payload } = decodeJwt(first.token);
  const token = `${b64({ alg: 'EdDSA', kid: 'no-such-kid' })}.${b64(payload)}.${b64(randomBytes(64))}`;
  const firstTry = await rawRequest(s, '/api/v1/users/me', bearer(token), 3000);
  assert.equal(firstTry.error, undefined, `the refetch did not answer: ${firstTry.error}`);
  assertInvalidToken(firstTry, /^Token signing key is unknown$/);
  for (let i = 0; i < 10; i++) {
    const t0 = Date.now();
    const r = await rawRequest(s, '/api/v1/users/me', bearer(token), 2000);
    assert.equal(r.error, undefined, `repeat #${i}: ${r.error}`);
    assertInvalidToken(r, /^Token signing key is unknown$/);
    const ms = Date.now() - t0;
    assert.ok(ms < 500, `repeat #${i} took ${ms} ms`);
  }
  assert.ok(p.hits - atStart >= 1 && p.hits - atStart <= 2, `JWKS fetched ${p.hits - atStart} times`);
}));

test('shared-secret mode: HS256 with the secret only', () => using(async (own) => {
  const secret = `shared-${randomBytes(24).toString('hex')}`;
  const a = own(await startAuth({ alg: 'HS256', env: { BETTER_AUTH_SECRET: secret } }));
  const s = own(await startServer({
    env: { BETTER_AUTH_SECRET: secret, BETTER_AUTH_ISSUER: a.url, BETTER_AUTH_AUDIENCE: a.url },
  }));
  const u = await signUp(a.url, { email: newEmail('hs') });
  const { header, payload } = decodeJwt(u.token);
  assert.equal(header.alg, 'HS256');
  const ok = await me(s, u.token);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.id, payload.sub);
  const forged = hs256({ alg: 'HS256', typ: 'JWT' }, payload, `other-${randomBytes(24).toString('hex')}`);
  assertInvalidToken(await me(s, forged), /^Token signature is invalid$/);
  // An EdDSA token from another Better Auth (same claims but its issuer).
  assertInvalidToken(await me(s, first.token), /^Token algorithm is not allowed$/);
}));

test('roles: admin routes are 403 for a user and 200 once the token says admin', async () => {
  const email = newEmail('role');
  const u = await signUp(auth.url, { email });
  for (const path of ['/api/v1/users', `/api/v1/users/${decodeJwt(u.token).payload.sub}`]) {
    const r = await request(srv, path, { headers: bearer(u.token) });
    assert.equal(r.status, 403, r.text);
    assert.deepEqual(r.json, { detail: 'Not enough permissions' });
    assert.equal(r.headers['www-authenticate'], undefined);
  }
  assert.equal((await setRole(auth.url, email, 'admin')).role, 'admin');
  const adminToken = await getToken(auth.url, u.cookie);
  assert.equal(decodeJwt(adminToken).payload.role, 'admin');
  const r = await request(srv, '/api/v1/users', { headers: bearer(adminToken) });
  assert.equal(r.status, 200, r.text);
  assert.ok(Array.isArray(r.json.items));
  assert.equal((await me(srv, adminToken)).json.role, 'admin');
});

test('a refused token never creates or changes a user row', async () => {
  const count = () => Number(psql('SELECT count(*) FROM users'));
  assert.equal((await me(srv, first.token)).status, 200);
  const before = count();
  const [h, , sig] = first.token.split('.');
  const { payload } = decodeJwt(first.token);
  const sub = `forged-${uniq()}`;
  const email = newEmail('forged');
  const forged = `${h}.${b64({ ...payload, sub, id: sub, email })}.${sig}`;
  assertInvalidToken(await me(srv, forged), /^Token signature is invalid$/);
  // Same sub as a real user but new claims: the row keeps the real ones.
  const renamed = `${h}.${b64({ ...payload, name: 'Mallory', role: 'admin' })}.${sig}`;
  assertInvalidToken(await me(srv, renamed), /^Token signature is invalid$/);
  const badAdmin = await request(srv, '/api/v1/users', { headers: bearer(renamed) });
  assert.equal(badAdmin.status, 401);
  assert.equal(psql(`SELECT count(*) FROM users WHERE id = '${sub}' OR email = '${email}'`), '0');
  assert.equal(psql(`SELECT name || '|' || role FROM users WHERE id = '${payload.sub}'`), 'First Person|user');
  assert.equal(count(), before);
});
