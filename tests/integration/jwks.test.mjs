// Key sets over time (issue 18, finding 6): a JWKS URL must be https://
// (http:// only to loopback), a key set with no usable key never replaces
// the current one, a new key set sends every cached token through
// verification again (kid or not), and a start without BETTER_AUTH_ISSUER
// or BETTER_AUTH_AUDIENCE says what that accepts.
//
// Keys are made here (Ed25519) and served from BETTER_AUTH_JWKS_FILE,
// which the server re-reads every BETTER_AUTH_JWKS_REFRESH_SECONDS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { startServer, request, sleep, work } from './harness.mjs';

const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');

function newKey(kid) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'EdDSA' } };
}
function token(key, sub, { withKid = true } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const header = withKid ? { alg: 'EdDSA', kid: key.kid } : { alg: 'EdDSA' };
  const input = `${b64(header)}.${b64({ sub, iat: now, exp: now + 600 })}`;
  return `${input}.${sign(null, Buffer.from(input), key.privateKey).toString('base64url')}`;
}
// Replaced atomically, so a refresh never reads half a file.
function writeJwks(file, doc) {
  writeFileSync(`${file}.tmp`, JSON.stringify(doc));
  renameSync(`${file}.tmp`, file);
}
const me = (s, t) => request(s, '/api/v1/users/me', { headers: { authorization: `Bearer ${t}` } });

async function withJwksServer(keys, fn) {
  const dir = mkdtempSync(path.join(work, 'jwks-'));
  const file = path.join(dir, 'jwks.json');
  writeJwks(file, { keys: keys.map((k) => k.jwk) });
  const s = await startServer({
    workers: 1,
    env: { BETTER_AUTH_JWKS_FILE: file, BETTER_AUTH_JWKS_REFRESH_SECONDS: '1', BETTER_AUTH_ISSUER: '', BETTER_AUTH_AUDIENCE: '' },
  });
  try {
    await fn(s, (doc) => writeJwks(file, doc));
  } finally {
    await s.stop();
  }
}

test('a key set with no usable key does not replace the current one', async () => {
  const k1 = newKey('k1');
  await withJwksServer([k1], async (s, replace) => {
    const cached = token(k1, 'nokeys-a');
    assert.equal((await me(s, cached)).status, 200);
    for (const doc of [{ keys: [] }, { keys: [{ kty: 'oct', kid: 'k1', k: 'c2VjcmV0' }] }]) {
      replace(doc);
      await sleep(2500);
      assert.equal((await me(s, cached)).status, 200, JSON.stringify(doc));
      assert.equal((await me(s, token(k1, 'nokeys-b'))).status, 200, JSON.stringify(doc));
    }
    assert.match(s.stdout, /jwks \(file\): no usable key \(\d+ skipped\); keeping the keys we have/);
  });
});

test('a new key set verifies cached tokens again, those without a kid included', async () => {
  const k1 = newKey('k1');
  const k2 = newKey('k2');
  await withJwksServer([k1], async (s, replace) => {
    const noKid = token(k1, 'rotate-a', { withKid: false });
    const withKid = token(k1, 'rotate-b');
    assert.equal((await me(s, noKid)).status, 200);
    assert.equal((await me(s, withKid)).status, 200);
    // k1 withdrawn: neither token is accepted, from cache or otherwise.
    replace({ keys: [k2.jwk] });
    await sleep(2500);
    assert.equal((await me(s, noKid)).status, 401);
    assert.equal((await me(s, withKid)).status, 401);
    assert.equal((await me(s, token(k2, 'rotate-c'))).status, 200);
  });
});

test('BETTER_AUTH_JWKS_URL must be https:// except to a loopback address', async () => {
  const s = await startServer({ env: { BETTER_AUTH_JWKS_URL: 'http://auth.example.com/api/auth/jwks' }, waitReady: false });
  const { code } = await s.exitPromise;
  assert.notEqual(code, 0);
  assert.match(s.stderr, /^config error: BETTER_AUTH_JWKS_URL: must be an https:\/\/ URL \(http:\/\/ only to a loopback address\)$/m);
});

test('a start without BETTER_AUTH_ISSUER or BETTER_AUTH_AUDIENCE warns what that accepts', async () => {
  const k1 = newKey('k1');
  await withJwksServer([k1], async (s) => {
    const warnings = s.logLines().filter((l) => l.level === 'warning').map((l) => l.msg);
    assert.ok(warnings.some((m) => /^BETTER_AUTH_ISSUER is not set/.test(m)), warnings.join('\n'));
    assert.ok(warnings.some((m) => /^BETTER_AUTH_AUDIENCE is not set: tokens for any app/.test(m)), warnings.join('\n'));
  });
});
