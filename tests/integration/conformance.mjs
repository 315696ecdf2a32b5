// Checks real responses against the OpenAPI document: the operation must
// document the status, and a JSON body must match its schema. harness.mjs
// runs every response of every integration test through it.
import { gunzipSync } from 'node:zlib';

import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const pointer = (...parts) => parts.map((p) => String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const stripAnchors = (p) => p.replace(/^\^/, '').replace(/\$$/, '');

export function conformance(doc) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, 'openapi.json');

  const deref = (obj) => {
    while (obj && obj.$ref) {
      obj = obj.$ref.slice(2).split('/').reduce((o, k) => o?.[k.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
    }
    return obj;
  };

  const paths = Object.entries(doc.paths).map(([template, item]) => {
    const params = Object.fromEntries(Object.values(item).flatMap((op) => op.parameters ?? [])
      .filter((p) => p.in === 'path').map((p) => [p.name, p.schema?.pattern]));
    const re = template.split(/(\{[^}]+\})/).map((part) => {
      const m = /^\{(.+)\}$/.exec(part);
      if (!m) return escapeRe(part);
      return `(${params[m[1]] ? stripAnchors(params[m[1]]) : '[^/]+'})`;
    }).join('');
    return { template, item, re: new RegExp(`^${re}$`) };
  });

  const validators = new Map();
  const schemaAt = (ptr) => {
    if (!validators.has(ptr)) validators.set(ptr, ajv.compile({ $ref: `openapi.json#${ptr}` }));
    return validators.get(ptr);
  };

  // Which documented (operation, status) pairs the tests have seen.
  const seen = new Set();

  // Problems with one response; [] when it conforms, null when the
  // request is not a documented operation (an unknown path, a method
  // Kore refuses, a CORS preflight).
  function check(method, urlPath, res) {
    const p = urlPath.split('?')[0];
    const hit = paths.find((x) => x.re.test(p));
    // Kore answers HEAD on a GET route with the GET answer's head.
    const m = method.toLowerCase() === 'head' && hit?.item.get ? 'get' : method.toLowerCase();
    if (!hit || !hit.item[m]) return null;
    const op = hit.item[m];
    const where = `${method} ${hit.template} → ${res.status}`;
    const problems = [];
    if (!op.responses[res.status]) {
      return [`${where}: status ${res.status} is not documented (documented: ${Object.keys(op.responses).join(', ')})`];
    }
    if (method.toUpperCase() !== 'HEAD') seen.add(`${m} ${hit.template} ${res.status}`);
    const r = deref(op.responses[res.status]);
    if (!res.headers['x-request-id']) problems.push(`${where}: no X-Request-ID`);

    let body = res.raw ?? Buffer.from(res.text ?? '');
    if (res.headers['content-encoding'] === 'gzip' && body.length > 0) body = gunzipSync(body);
    const type = (res.headers['content-type'] ?? '').split(';')[0].trim();
    if (body.length === 0) {
      if (r.content && res.status !== 304 && method !== 'HEAD') problems.push(`${where}: documented content but the body is empty`);
      return problems;
    }
    if (!r.content) return [...problems, `${where}: a body where none is documented`];
    const key = r.content[type] ? type : Object.keys(r.content).find((k) => k === 'application/octet-stream');
    if (!key) return [...problems, `${where}: content type ${type} is not documented (${Object.keys(r.content).join(', ')})`];
    if (key !== 'application/json') return problems;

    let json;
    try { json = JSON.parse(body.toString('utf8')); } catch { return [...problems, `${where}: body is not JSON`]; }
    const base = op.responses[res.status].$ref
      ? op.responses[res.status].$ref.slice(1)
      : `/${pointer('paths', hit.template, m, 'responses', res.status)}`;
    const validate = schemaAt(`${base}/${pointer('content', key, 'schema')}`);
    if (!validate(json)) {
      problems.push(`${where}: body does not match the schema: ${ajv.errorsText(validate.errors)}; body ${body.toString('utf8').slice(0, 300)}`);
    }
    return problems;
  }

  // Every documented (operation, status) pair.
  function documented() {
    return paths.flatMap(({ template, item }) => Object.entries(item)
      .flatMap(([m, op]) => Object.keys(op.responses).map((s) => `${m} ${template} ${s}`)));
  }

  return { check, seen, documented };
}
