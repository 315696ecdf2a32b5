// Builds the OpenAPI 3.1 document from kore.conf (routes, methods, query
// parameters, authentication) and openapi/api.mjs (what they mean), and
// puts it with Swagger UI's files in one directory the server serves.
//
//   node openapi/build.mjs OUTDIR [KORE_CONF]
//
// Fails, naming the route, when kore.conf and api.mjs disagree: a route
// without documentation, documentation without a route, other methods,
// other query parameters, or path parameters that do not rebuild the
// route's regex.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as api from './api.mjs';

import { readKoreConf } from '../scripts/kore-conf.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

// Routes in the order kore.conf lists them, with what kore.conf says.
export function parseKoreConf(text) {
  const validators = new Map();
  const routes = new Map();
  let params = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const w = line.split(/\s+/);
    if (params !== null) {
      if (w[0] === '}') params = null;
      else if (w[0] === 'validate') params.set(w[1], w[2]);
      continue;
    }
    if (w[0] === 'validator') {
      validators.set(w[1], { type: w[2], arg: w.slice(3).join(' ') });
    } else if (w[0] === 'route') {
      routes.set(w[1], { route: w[1], handler: w[2], auth: w[3] ?? null, methods: null, query: new Map() });
    } else if (w[0] === 'restrict') {
      const r = routes.get(w[1]);
      if (!r) throw new Error(`kore.conf: restrict before route ${w[1]}`);
      r.methods = w.slice(2).map((m) => m.toLowerCase());
    } else if (w[0] === 'params') {
      const r = routes.get(w[2]);
      if (!r) throw new Error(`kore.conf: params before route ${w[2]}`);
      if (w[1] !== 'qs:get') throw new Error(`kore.conf: ${w[2]}: only qs:get parameters are documented`);
      params = r.query;
    }
  }
  return { validators, routes: [...routes.values()] };
}

const regexBody = (pattern) => pattern.replace(/^\^/, '').replace(/\$$/, '');

// The kore.conf route a documented path and its parameter patterns stand for.
export function routeRegex(template, params) {
  const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  if (names.length === 0) return template;
  const body = template.replace(/\{([^}]+)\}/g, (_, n) => {
    const p = params?.[n]?.schema?.pattern;
    if (!p) throw new Error(`${template}: path parameter ${n} has no pattern`);
    return `(${regexBody(p)})`;
  });
  return `^${body}$`;
}

const ref = (kind, name) => ({ $ref: `#/components/${kind}/${name}` });
const errorJson = (schema, detail) => ({
  'application/json': { schema: ref('schemas', schema), ...(detail ? { example: { detail } } : {}) },
});

const commonResponses = {
  Unauthorized: {
    description: 'No token, or one that is malformed, badly signed or expired.',
    headers: { 'WWW-Authenticate': { description: '`Bearer`, with `error="invalid_token"` when a token was given.', schema: { type: 'string' } } },
    content: errorJson('HTTPError', 'Not authenticated'),
  },
  Forbidden: { description: 'The token lacks the role.', content: errorJson('HTTPError', 'Not enough permissions') },
  ValidationFailed: {
    description: 'Invalid query parameters, headers or body: every problem found.',
    content: { 'application/json': { schema: ref('schemas', 'HTTPValidationError') } },
  },
  PayloadTooLarge: { description: 'The body is over the limit.', content: errorJson('HTTPError', 'Request Entity Too Large') },
  UnsupportedMediaType: { description: 'The body is not `application/json`.', content: errorJson('HTTPError', 'Content-Type must be application/json') },
  TooManyRequests: {
    description: 'Rate limited: per user when authenticated, per client address otherwise.',
    headers: Object.fromEntries(['Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']
      .map((h) => [h, { schema: { type: 'integer' } }])),
    content: errorJson('HTTPError', 'Too Many Requests'),
  },
  InternalServerError: { description: 'The cause is logged with the request id, never sent.', content: errorJson('HTTPError', 'Internal Server Error') },
  ServiceUnavailable: { description: 'The database is unreachable.', content: errorJson('HTTPError', 'Database unavailable') },
};

// Probes and metrics are never rate limited (their handlers in src/api/
// take no http_limit_*() budget).
const unlimited = new Set(['/healthz', '/readyz', '/metrics']);
const BODY_METHODS = new Set(['post', 'put', 'patch']);
// The order Swagger UI lists a path's operations in.
const METHOD_ORDER = ['get', 'post', 'put', 'patch', 'delete'];

// A route's own description of a parameter wins over the shared one.
function queryParameter(entry, name, validatorName, validators, where) {
  const v = validators.get(validatorName);
  if (!v) throw new Error(`${where}: query parameter ${name} uses unknown validator ${validatorName}`);
  const d = entry.query?.[name] ?? api.queryParametersByValidator[validatorName] ?? api.queryParameters[name];
  if (!d) throw new Error(`${where}: query parameter ${name} is not described in openapi/api.mjs`);
  const p = { name, in: 'query', ...structuredClone(d) };
  const s = p.schema.type === 'array' ? p.schema.items : p.schema;
  if (v.type === 'regex') {
    const re = new RegExp(v.arg);
    // The regex Kore checks is the pattern, unless a type says it better.
    if (s.type === 'string' && !s.enum && !s.format && !s.pattern) s.pattern = v.arg;
    // Documented values Kore would refuse are a contradiction.
    const values = s.enum ?? (s.$ref ? api.schemas[s.$ref.split('/').pop()].enum : undefined);
    const refused = (values ?? []).filter((x) => !re.test(String(x)));
    if (s.default !== undefined && !re.test(String(s.default))) refused.push(s.default);
    if (refused.length) throw new Error(`${where}: query parameter ${name}: kore.conf's ${validatorName} refuses ${refused.join(', ')}`);
  }
  return p;
}

function operation(kr, entry, method, op, conf) {
  const where = `${method.toUpperCase()} ${kr.route}`;
  const responses = structuredClone(op.responses);
  const add = (code, name) => { responses[code] ??= ref('responses', name); };
  const parameters = [];

  for (const name of [...entry.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1])) {
    const d = entry.params[name];
    parameters.push({ name, in: 'path', required: true, ...structuredClone({ ...d, name }) });
  }
  if (method === 'get') {
    for (const [name, validator] of kr.query) parameters.push(queryParameter(entry, name, validator, conf.validators, where));
  }
  parameters.push(...structuredClone(op.parameters ?? []));

  if (kr.auth !== null) {
    if (!['user', 'admin', 'live'].includes(kr.auth)) throw new Error(`${where}: unknown authentication ${kr.auth}`);
    add(401, 'Unauthorized');
    if (kr.auth === 'admin') add(403, 'Forbidden');
  }
  // Kore's validators refuse bad query values, and bodies are validated;
  // conditional headers never answer 422.
  if (parameters.some((p) => p.in === 'query') || op.requestBody) add(422, 'ValidationFailed');
  if (op.requestBody) {
    if (!BODY_METHODS.has(method)) throw new Error(`${where}: a body on ${method}`);
    add(413, 'PayloadTooLarge');
    add(415, 'UnsupportedMediaType');
  }
  if (!unlimited.has(kr.route)) add(429, 'TooManyRequests');
  if (op.database !== false) {
    add(500, 'InternalServerError');
    add(503, 'ServiceUnavailable');
  }
  for (const r of Object.values(responses)) {
    if (r.$ref) continue;
    r.headers = { 'X-Request-ID': ref('headers', 'X-Request-ID'), ...(r.headers ?? {}) };
  }

  const out = {
    tags: op.tags ?? entry.tags,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    operationId: op.operationId,
    ...(parameters.length ? { parameters } : {}),
    ...(op.requestBody ? { requestBody: structuredClone(op.requestBody) } : {}),
    responses: Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b))),
    security: kr.auth !== null ? [{ HTTPBearer: [] }] : (op.security ?? []),
  };
  if (kr.auth === 'admin') out.description = `${out.description ? `${out.description}\n\n` : ''}Needs \`role: admin\`.`;
  return out;
}

export function buildDocument(confText) {
  const conf = parseKoreConf(confText);
  const problems = [];
  const paths = {};
  const seen = new Set();
  const operationIds = new Set();

  for (const kr of conf.routes) {
    if (api.undocumentedHandlers.includes(kr.handler)) continue;
    seen.add(kr.route);
    const entry = api.routes[kr.route];
    if (!entry) {
      problems.push(`kore.conf route ${kr.route} (${kr.handler}) is not documented in openapi/api.mjs`);
      continue;
    }
    if (kr.methods === null) {
      problems.push(`kore.conf route ${kr.route} has no restrict line, so its methods are unknown`);
      continue;
    }
    const methods = kr.methods.filter((m) => m !== 'options').sort();
    const odd = methods.filter((m) => !METHOD_ORDER.includes(m));
    if (odd.length) {
      problems.push(`${kr.route}: methods ${odd.join(',')} are not documented by this build`);
      continue;
    }
    const documented = Object.keys(entry.ops).sort();
    if (methods.join() !== documented.join()) {
      problems.push(`${kr.route}: kore.conf allows ${methods.join(',')} but openapi/api.mjs documents ${documented.join(',')}`);
      continue;
    }
    let rebuilt;
    try { rebuilt = routeRegex(entry.path, entry.params); } catch (e) { problems.push(e.message); continue; }
    if (rebuilt !== kr.route) {
      problems.push(`${kr.route}: the documented path ${entry.path} and its parameter patterns give ${rebuilt}`);
      continue;
    }
    paths[entry.path] = {};
    for (const m of METHOD_ORDER.filter((x) => methods.includes(x))) {
      try {
        const op = operation(kr, entry, m, entry.ops[m], conf);
        if (operationIds.has(op.operationId)) throw new Error(`${m.toUpperCase()} ${kr.route}: operationId ${op.operationId} is used twice`);
        operationIds.add(op.operationId);
        paths[entry.path][m] = op;
      } catch (e) {
        problems.push(e.message);
      }
    }
  }
  for (const route of Object.keys(api.routes)) {
    if (!seen.has(route)) problems.push(`openapi/api.mjs documents ${route}, which kore.conf does not route`);
  }
  if (problems.length) {
    const e = new Error(`the OpenAPI document does not match kore.conf:\n  ${problems.join('\n  ')}`);
    e.problems = problems;
    throw e;
  }

  return {
    openapi: '3.1.0',
    info: api.info,
    tags: api.tags,
    // Every kore.conf route this was built from: the server refuses to
    // start with a kore.conf that routes otherwise (src/app/startup.c).
    'x-kore-routes': conf.routes.map((r) => r.route),
    paths,
    components: {
      schemas: api.schemas,
      responses: commonResponses,
      headers: {
        'X-Request-ID': {
          description: 'The request id: the incoming one when it is 1..128 of `[A-Za-z0-9._-]`, else a new one. Also in the log line.',
          schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,128}$' },
        },
      },
      securitySchemes: {
        HTTPBearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: "A Better Auth JWT (`GET /api/auth/token`)." },
        MetricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when the server sets one.' },
      },
    },
  };
}

// Swagger UI's files the page needs, from the pinned npm package.
const SWAGGER_FILES = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'LICENSE'];

function main() {
  const [out, confPath = path.join(here, '..', 'kore.conf')] = process.argv.slice(2);
  if (!out) {
    console.error('usage: node openapi/build.mjs OUTDIR [KORE_CONF]');
    process.exit(2);
  }
  let doc;
  try {
    doc = buildDocument(readKoreConf(confPath));
  } catch (e) {
    console.error(`openapi: ${e.message}`);
    process.exit(1);
  }
  mkdirSync(out, { recursive: true });
  const dist = path.join(here, 'node_modules', 'swagger-ui-dist');
  for (const f of SWAGGER_FILES) copyFileSync(path.join(dist, f), path.join(out, f));
  // The page itself (index.html, init.js, docs.css) is compiled into the
  // module from assets/; stale copies from older builds must not linger.
  for (const f of ['index.html', 'init.js']) rmSync(path.join(out, f), { force: true });
  // Written last and renamed: its presence means the directory is complete.
  writeFileSync(path.join(out, 'openapi.json.tmp'), JSON.stringify(doc));
  renameSync(path.join(out, 'openapi.json.tmp'), path.join(out, 'openapi.json'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
