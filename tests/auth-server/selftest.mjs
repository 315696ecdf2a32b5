// Self-test of the test Better Auth server: node --test tests/auth-server/selftest.mjs
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { decodeJwt, getJwks, getToken, revoke, rotate, setRole, signUp, signUpAndGetToken, startAuthServer } from "./client.mjs";

// Verify a JWT's signature with a JWK using node:crypto only (sanity check that
// the tokens are really signed by the published keys).
function verifySignature(token, jwk) {
  const [h, p, s] = token.split(".");
  const data = Buffer.from(`${h}.${p}`);
  const sig = Buffer.from(s, "base64url");
  const key = crypto.createPublicKey({ key: jwk, format: "jwk" });
  switch (jwk.alg) {
    case "EdDSA":
      return crypto.verify(null, data, key, sig);
    case "ES256":
      return crypto.verify("sha256", data, { key, dsaEncoding: "ieee-p1363" }, sig);
    case "RS256":
      return crypto.verify("sha256", data, key, sig);
    case "PS256":
      return crypto.verify("sha256", data, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig);
    default:
      throw new Error(`no verifier for ${jwk.alg}`);
  }
}

const EXPECTED_KTY = { EdDSA: "OKP", ES256: "EC", RS256: "RSA", PS256: "RSA" };

for (const alg of ["EdDSA", "ES256", "RS256", "PS256"]) {
  describe(`auth server ${alg}`, () => {
    let srv;
    before(async () => {
      srv = await startAuthServer({ port: 0, alg });
    });
    after(async () => {
      await srv?.stop();
    });

    test("token header/payload, rotate, revoke, set-role", async () => {
      const email = `user-${alg.toLowerCase()}@example.test`;
      const { token, cookie } = await signUp(srv.url, { email, password: "password-1234", name: "Self Test" });

      const { header, payload } = decodeJwt(token);
      assert.equal(header.alg, alg);
      assert.equal(typeof header.kid, "string");
      assert.ok(header.kid.length > 0);
      assert.equal(header.typ, undefined);

      let jwks = await getJwks(srv.url);
      const first = jwks.keys.find((k) => k.kid === header.kid);
      assert.ok(first, "kid listed in JWKS");
      assert.equal(first.alg, alg);
      assert.equal(first.kty, EXPECTED_KTY[alg]);
      assert.ok(verifySignature(token, first), "signature verifies with the JWKS key");

      assert.equal(typeof payload.sub, "string");
      assert.equal(payload.sub, payload.id);
      assert.equal(typeof payload.exp, "number");
      assert.equal(typeof payload.iat, "number");
      assert.equal(payload.exp - payload.iat, 900);
      assert.equal(payload.iss, srv.url);
      assert.ok(payload.aud === srv.url || (Array.isArray(payload.aud) && payload.aud.includes(srv.url)));
      assert.equal(payload.email, email);
      assert.equal(payload.name, "Self Test");
      assert.equal(payload.role, "user");

      // rotate: new tokens use a new kid, both kids stay published
      const newKid = await rotate(srv.url);
      assert.notEqual(newKid, header.kid);
      const t2 = await getToken(srv.url, cookie);
      const h2 = decodeJwt(t2).header;
      assert.equal(h2.kid, newKid);
      assert.equal(h2.alg, alg);
      jwks = await getJwks(srv.url);
      const kids = jwks.keys.map((k) => k.kid);
      assert.ok(kids.includes(header.kid), "old kid still in JWKS");
      assert.ok(kids.includes(newKid), "new kid in JWKS");
      assert.ok(verifySignature(t2, jwks.keys.find((k) => k.kid === newKid)));
      assert.ok(!verifySignature(t2, jwks.keys.find((k) => k.kid === header.kid)), "old key does not verify new token");

      // revoke the old key
      await revoke(srv.url, header.kid);
      jwks = await getJwks(srv.url);
      assert.deepEqual(jwks.keys.map((k) => k.kid), [newKid]);

      // set-role: next token carries role admin
      await setRole(srv.url, email, "admin");
      const t3 = await getToken(srv.url, cookie);
      assert.equal(decodeJwt(t3).payload.role, "admin");
      assert.equal(decodeJwt(t3).header.kid, newKid);

      // a second user via the one-shot helper gets a token from the current key
      const t4 = await signUpAndGetToken(srv.url, { email: `other-${alg.toLowerCase()}@example.test`, password: "password-1234", name: "Other" });
      const d4 = decodeJwt(t4);
      assert.equal(d4.header.kid, newKid);
      assert.equal(d4.payload.role, "user");
      assert.notEqual(d4.payload.sub, payload.sub);
    });
  });
}

test("foreign Origin with a cookie is refused", async () => {
  const srv = await startAuthServer({ port: 0 });
  try {
    const { cookie } = await signUp(srv.url, { email: "origin@example.test", password: "password-1234", name: "O" });
    const res = await fetch(`${srv.url}/api/auth/sign-out`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://evil.example", cookie },
      body: "{}",
    });
    assert.equal(res.status, 403);
    const body = await res.json();
    assert.equal(body.code, "INVALID_ORIGIN");
  } finally {
    await srv.stop();
  }
});
