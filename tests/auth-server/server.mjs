// Test-only Better Auth server: issues real JWTs (jwt plugin) for the
// integration tests. In-memory storage, nothing persists across restarts.
//
// Env:
//   AUTH_PORT            port to listen on (127.0.0.1), default 3000; 0 = any free port
//   JWT_ALG              EdDSA (default) | ES256 | ES512 | RS256 | PS256 | HS256 (shared secret)
//   BETTER_AUTH_SECRET   secret (default: fixed test value)
//   JWT_EXPIRATION       token lifetime, e.g. "15m" or seconds (default: Better Auth's 15m)
//
// Prints exactly one line `READY <port>` on stdout once listening.
//
// Besides Better Auth under /api/auth/*, there are test-only endpoints:
//   POST /test/rotate                      -> {"kid": "<new kid>"}
//   POST /test/revoke   {"kid": "..."}     -> {"kid": "...", "revoked": true}
//   POST /test/set-role {"email","role"}   -> {"email": "...", "role": "..."}
import "./webcrypto.mjs";
import { createHmac } from "node:crypto";
import http from "node:http";
import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { toNodeHandler } from "better-auth/node";
import { admin } from "better-auth/plugins/admin";
import { createJwk, jwt } from "better-auth/plugins/jwt";

// HS256 is shared-secret mode: Better Auth signs through its `jwt.sign`
// hook with the secret both sides know (the plugin then requires a
// `jwks.remoteUrl`, unused here since nobody fetches keys).
const KEY_PAIR_CONFIGS = {
  HS256: { alg: "HS256" },
  EdDSA: { alg: "EdDSA", crv: "Ed25519" },
  ES256: { alg: "ES256", crv: "P-256" },
  ES512: { alg: "ES512", crv: "P-521" },
  RS256: { alg: "RS256", modulusLength: 2048 },
  PS256: { alg: "PS256", modulusLength: 2048 },
};

const alg = process.env.JWT_ALG || "EdDSA";
const keyPairConfig = KEY_PAIR_CONFIGS[alg];
if (!keyPairConfig) {
  console.error(`unsupported JWT_ALG ${alg}; use one of ${Object.keys(KEY_PAIR_CONFIGS).join(", ")}`);
  process.exit(2);
}
const requestedPort = Number.parseInt(process.env.AUTH_PORT ?? "3000", 10);
const secret = process.env.BETTER_AUTH_SECRET || "kore-test-secret-not-for-production-0123456789";

// The memory adapter needs every model's table to exist up front.
const db = { user: [], session: [], account: [], verification: [], jwks: [] };

const jwtOptions = { jwks: { keyPairConfig }, jwt: {} };
if (process.env.JWT_EXPIRATION) {
  const e = process.env.JWT_EXPIRATION;
  jwtOptions.jwt.expirationTime = /^\d+$/.test(e) ? `${e}s` : e;
}
if (alg === "HS256") {
  const b64url = (b) => Buffer.from(b).toString("base64url");
  jwtOptions.jwks = { remoteUrl: "http://127.0.0.1:9/unused-in-shared-secret-mode", keyPairConfig: { alg: "EdDSA" } };
  jwtOptions.jwt.sign = async (payload) => {
    const input = `${b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64url(JSON.stringify(payload))}`;
    const sig = createHmac("sha256", secret).update(input).digest("base64url");
    return `${input}.${sig}`;
  };
}

function makeAuth(port) {
  const baseURL = `http://127.0.0.1:${port}`;
  return betterAuth({
    baseURL,
    secret,
    database: memoryAdapter(db),
    emailAndPassword: { enabled: true },
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    plugins: [jwt(jwtOptions), admin()],
  });
}

function sendJson(res, status, body) {
  const data = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(data) });
  res.end(data);
}

async function readJson(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : {};
}

// The port is only known after listen() when AUTH_PORT=0, and baseURL must
// carry it; so the auth instance is created once the port is known.
let auth;
let authHandler;
let authCtx;

let lastRotation = 0;

async function rotate() {
  // The plugin signs with the newest live key of the configured alg
  // (sorted by createdAt), so a freshly created key takes over while all
  // older keys stay in the JWKS. Keep createdAt strictly increasing.
  while (Date.now() <= lastRotation) await new Promise((r) => setTimeout(r, 2));
  // Make sure an initial key exists first, so "rotate" always adds a second one.
  const existing = await authCtx.adapter.findMany({ model: "jwks" });
  if (existing.length === 0) {
    await createJwk({ context: authCtx }, jwtOptions);
    await new Promise((r) => setTimeout(r, 2));
  }
  const key = await createJwk({ context: authCtx }, jwtOptions);
  lastRotation = key.createdAt instanceof Date ? key.createdAt.getTime() : Date.now();
  return key.id;
}

async function handleTest(req, res, path) {
  if (req.method !== "POST") return sendJson(res, 405, { error: "method not allowed" });
  let body;
  try {
    body = await readJson(req);
  } catch {
    return sendJson(res, 400, { error: "invalid JSON" });
  }
  if (path === "/test/rotate") {
    return sendJson(res, 200, { kid: await rotate() });
  }
  if (path === "/test/revoke") {
    if (typeof body.kid !== "string") return sendJson(res, 400, { error: "kid required" });
    const where = [{ field: "id", value: body.kid }];
    const found = await authCtx.adapter.findOne({ model: "jwks", where });
    if (!found) return sendJson(res, 404, { error: "unknown kid" });
    await authCtx.adapter.delete({ model: "jwks", where });
    return sendJson(res, 200, { kid: body.kid, revoked: true });
  }
  if (path === "/test/set-role") {
    if (typeof body.email !== "string" || typeof body.role !== "string") {
      return sendJson(res, 400, { error: "email and role required" });
    }
    const user = await authCtx.internalAdapter.updateUserByEmail(body.email.toLowerCase(), { role: body.role });
    if (!user) return sendJson(res, 404, { error: "unknown user" });
    return sendJson(res, 200, { email: user.email, role: user.role });
  }
  return sendJson(res, 404, { error: "not found" });
}

const server = http.createServer((req, res) => {
  const path = new URL(req.url, "http://x").pathname;
  if (!authHandler) return sendJson(res, 503, { error: "starting" });
  if (path.startsWith("/test/")) {
    handleTest(req, res, path).catch((err) => {
      console.error(err);
      if (!res.headersSent) sendJson(res, 500, { error: String(err?.message ?? err) });
    });
    return;
  }
  if (path === "/health") return sendJson(res, 200, { ok: true });
  if (path.startsWith("/api/auth")) return authHandler(req, res);
  sendJson(res, 404, { error: "not found" });
});

server.listen(requestedPort, "127.0.0.1", async () => {
  const port = server.address().port;
  auth = makeAuth(port);
  authHandler = toNodeHandler(auth);
  authCtx = await auth.$context;
  process.stdout.write(`READY ${port}\n`);
});

for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => {
    server.close();
    server.closeAllConnections?.();
    process.exit(0);
  });
}
