// Helpers for node:test integration tests: start the test Better Auth server
// and get real JWTs from it.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const SERVER = join(here, "server.mjs");

// Never leave auth servers behind when the test process exits without stop().
const live = new Set();
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/**
 * Spawn server.mjs and wait for its `READY <port>` line.
 * port: 0 or omitted = any free port. alg: EdDSA | ES256 | ES512 | RS256 | PS256.
 * Returns {url, jwksUrl, port, alg, stop(), process}.
 */
export async function startAuthServer({ port = 0, alg = "EdDSA", env = {}, timeoutMs = 20000 } = {}) {
  const child = spawn(process.execPath, [SERVER], {
    cwd: here,
    env: { ...process.env, ...env, AUTH_PORT: String(port), JWT_ALG: alg },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  child.once("exit", () => live.delete(child));
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (d) => {
    stderr += d;
    if (process.env.AUTH_SERVER_DEBUG) process.stderr.write(d);
  });

  const actualPort = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`auth server did not become ready in ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    const onExit = (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`auth server exited early (code ${code}, signal ${signal})\n${stderr}`));
    };
    child.once("exit", onExit);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/^READY (\d+)$/m);
      if (m) {
        clearTimeout(timer);
        child.off("exit", onExit);
        resolve(Number(m[1]));
      }
    });
  });

  const url = `http://127.0.0.1:${actualPort}`;
  return {
    url,
    jwksUrl: `${url}/api/auth/jwks`,
    port: actualPort,
    alg,
    process: child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

async function postJson(url, path, body, headers = {}) {
  // Origin equal to baseURL: Better Auth refuses a POST whose Origin is foreign.
  const res = await fetch(url + path, {
    method: "POST",
    headers: { "content-type": "application/json", origin: url, ...headers },
    body: JSON.stringify(body ?? {}),
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) throw new Error(`POST ${path} -> ${res.status}: ${text}`);
  return { res, json };
}

/** Turn a response's set-cookie headers into a Cookie request header value. */
export function cookieFrom(res) {
  const list = typeof res.headers.getSetCookie === "function" ? res.headers.getSetCookie() : [res.headers.get("set-cookie")].filter(Boolean);
  return list.map((c) => c.split(";")[0]).join("; ");
}

/** GET /api/auth/token with a session cookie; returns the JWT string. */
export async function getToken(url, cookie) {
  const res = await fetch(`${url}/api/auth/token`, { headers: { cookie } });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET /api/auth/token -> ${res.status}: ${text}`);
  return JSON.parse(text).token;
}

/** Sign up with email+password, returns {token, cookie, user}. */
export async function signUp(url, { email, password = "password-1234", name = "Test User" }) {
  const { res, json } = await postJson(url, "/api/auth/sign-up/email", { email, password, name });
  const cookie = cookieFrom(res);
  if (!cookie) throw new Error("sign-up returned no session cookie");
  const token = await getToken(url, cookie);
  return { token, cookie, user: json.user };
}

/** Sign in an existing user, returns {token, cookie, user}. */
export async function signIn(url, { email, password = "password-1234" }) {
  const { res, json } = await postJson(url, "/api/auth/sign-in/email", { email, password });
  const cookie = cookieFrom(res);
  if (!cookie) throw new Error("sign-in returned no session cookie");
  const token = await getToken(url, cookie);
  return { token, cookie, user: json.user };
}

/** Sign up and return just the JWT string. */
export async function signUpAndGetToken(url, { email, password, name } = {}) {
  return (await signUp(url, { email, password, name })).token;
}

/** New signing key; later tokens carry the returned kid, old keys stay in the JWKS. */
export async function rotate(url) {
  return (await postJson(url, "/test/rotate", {})).json.kid;
}

/** Remove a key from the JWKS (and from signing). */
export async function revoke(url, kid) {
  return (await postJson(url, "/test/revoke", { kid })).json;
}

/** Set a user's role (admin plugin field); tokens issued afterwards carry it. */
export async function setRole(url, email, role) {
  return (await postJson(url, "/test/set-role", { email, role })).json;
}

/** GET /api/auth/jwks -> {keys: [...]} */
export async function getJwks(url) {
  const res = await fetch(`${url}/api/auth/jwks`);
  if (!res.ok) throw new Error(`GET /api/auth/jwks -> ${res.status}`);
  return res.json();
}

/** Decode a JWT without verifying it: {header, payload}. */
export function decodeJwt(token) {
  const [h, p] = token.split(".");
  const dec = (s) => JSON.parse(Buffer.from(s, "base64url").toString("utf8"));
  return { header: dec(h), payload: dec(p) };
}
