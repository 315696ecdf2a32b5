// GET /openapi.json and GET /docs (SPEC "Operations"): the document is
// valid OpenAPI 3.1, describes exactly kore.conf's routes, and the build
// refuses a route without documentation; the checker harness.mjs runs on
// every response can fail; Swagger UI works in headless Chromium, offline,
// with Authorize.
//
// Authentication: shared-secret mode (HS256 tokens minted here).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

import { Validator } from '@seriousme/openapi-schema-validator';
import puppeteer from 'puppeteer-core';

import { startServer, request, mintToken, documents, openapi, top, work } from './harness.mjs';

import { readKoreConf } from '../../scripts/kore-conf.mjs';

const SECRET = 'openapi-integration-secret-0123456789-abcdef';
const CHROMIUM = '/usr/bin/chromium';
const conf = readKoreConf(path.join(top, 'kore.conf'));

let srv;
before(async () => {
  srv = await startServer({ env: { BETTER_AUTH_SECRET: SECRET } });
});
after(async () => { await srv?.stop(); });

// kore.conf's routes as "METHOD regex", read here without the build's
// parser: `route PATH HANDLER` and `restrict PATH METHODS...` lines.
function koreRoutes(text) {
  const handlers = new Map();
  const methods = new Map();
  for (const line of text.split('\n').map((l) => l.trim())) {
    const w = line.split(/\s+/);
    if (w[0] === 'route') handlers.set(w[1], w[2]);
    if (w[0] === 'restrict') methods.set(w[1], w.slice(2));
  }
  const out = [];
  for (const [route, handler] of handlers) {
    if (handler === 'page_not_found') continue;
    for (const m of methods.get(route) ?? ['(no restrict)']) {
      if (m !== 'options') out.push(`${m.toUpperCase()} ${route}`);
    }
  }
  return out.sort();
}

// The document's operations as "METHOD regex": each {name} becomes its
// path parameter's pattern as a capture group.
function documentRoutes(doc) {
  const out = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(item)) {
      const pattern = (name) => op.parameters.find((p) => p.in === 'path' && p.name === name).schema.pattern;
      const route = template.includes('{')
        ? `^${template.replace(/\{([^}]+)\}/g, (_, n) => `(${pattern(n).replace(/^\^/, '').replace(/\$$/, '')})`)}$`
        : template;
      out.push(`${m.toUpperCase()} ${route}`);
    }
  }
  return out.sort();
}

// Runs the document build on an edited kore.conf.
function buildWith(editedConf) {
  const dir = mkdtempSync(path.join(work, 'openapi-'));
  writeFileSync(path.join(dir, 'kore.conf'), editedConf);
  return spawnSync('node', [path.join(top, 'openapi/build.mjs'), path.join(dir, 'out'), path.join(dir, 'kore.conf')],
    { encoding: 'utf8' });
}

describe('the document', () => {
  let served;
  before(async () => {
    const r = await request(srv, '/openapi.json');
    assert.equal(r.status, 200);
    served = r;
  });

  test('is valid OpenAPI 3.1 for a pinned validator, which refuses a broken one', async () => {
    const v = new Validator();
    const res = await v.validate(served.json);
    assert.equal(res.valid, true, JSON.stringify(res.errors, null, 1));
    assert.equal(v.version, '3.1');

    const broken = structuredClone(served.json);
    delete broken.paths['/api/v1/tasks'].get.responses;
    broken.paths['/api/v1/tasks'].post.parameters[0].in = 'body';
    const bad = await new Validator().validate(broken);
    assert.equal(bad.valid, false);
  });

  test('is what the build wrote, as JSON with an ETag, 304 and gzip', async () => {
    assert.match(served.headers['content-type'], /^application\/json/);
    assert.deepEqual(served.json, openapi);
    const etag = served.headers.etag;
    assert.match(etag, /^"[0-9a-f]{16}"$/);
    const again = await request(srv, '/openapi.json', { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.text, '');
    const gz = await request(srv, '/openapi.json', { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.ok(gz.raw.length < served.raw.length / 4, `${gz.raw.length} vs ${served.raw.length}`);
    assert.deepEqual(JSON.parse(gunzipSync(gz.raw)), openapi);
    assert.notEqual(gz.headers.etag, etag);
    assert.equal((await request(srv, '/openapi.json', { headers: { 'if-none-match': gz.headers.etag } })).status, 304);
  });

  test('describes exactly the routes and methods of kore.conf', () => {
    const fromConf = koreRoutes(conf);
    assert.ok(fromConf.length >= 25, `only ${fromConf.length} routes read from kore.conf`);
    assert.deepEqual(documentRoutes(served.json), fromConf);
  });

  test('the drift check itself notices an extra route', () => {
    const extra = conf.replace('\troute\t/api/v1/tags', '\troute\t/api/v1/extra\tpage_tags\tuser\n\trestrict /api/v1/extra\tget\n\troute\t/api/v1/tags');
    assert.notDeepEqual(documentRoutes(served.json), koreRoutes(extra));
  });

  test('protected operations carry the bearer scheme and a 401; admin ones a 403', () => {
    const scheme = served.json.components.securitySchemes.HTTPBearer;
    assert.deepEqual([scheme.type, scheme.scheme, scheme.bearerFormat], ['http', 'bearer', 'JWT']);
    const ops = Object.entries(served.json.paths).flatMap(([p, item]) => Object.entries(item).map(([m, op]) => [p, m, op]));
    for (const [p, m, op] of ops) {
      const where = `${m} ${p}`;
      const isApi = p.startsWith('/api/');
      assert.deepEqual(op.security, isApi ? [{ HTTPBearer: [] }] : op.security, where);
      if (isApi) {
        assert.ok(op.responses[401], where);
        assert.ok(op.summary && op.operationId, where);
      } else {
        assert.ok(!op.security.some((s) => s.HTTPBearer), where);
      }
      const own = p === '/api/v1/users/me' || p.startsWith('/api/v1/users/me/');
      assert.equal(Boolean(op.responses[403]), p.startsWith('/api/v1/users') && !own || p.startsWith('/api/{user_id}'), where);
    }
    // Constraints come through: the list's limit and kore.conf's regex for tag.
    const list = served.json.paths['/api/v1/tasks'].get.parameters;
    const limit = list.find((x) => x.name === 'limit').schema;
    assert.deepEqual([limit.minimum, limit.maximum, limit.default], [1, 100, 20]);
    assert.equal(list.find((x) => x.name === 'tag').schema.items.pattern, '^[A-Za-z0-9_-]{1,32}$');
    assert.ok(served.json.components.schemas.Task.examples.length > 0);
  });
});

describe('the build refuses a document that differs from kore.conf', () => {
  test('an undocumented route', () => {
    const r = buildWith(conf.replace('\troute\t/api/v1/tags', '\troute\t/api/v1/extra\tpage_tags\tuser\n\trestrict /api/v1/extra\tget options\n\troute\t/api/v1/tags'));
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /kore\.conf route \/api\/v1\/extra \(page_tags\) is not documented/);
  });

  test('an undocumented method or query parameter, a value kore.conf refuses, a route gone', () => {
    let r = buildWith(conf.replace(/restrict \/api\/v1\/tags\s+get options/, 'restrict /api/v1/tags\tget post options'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /\/api\/v1\/tags: kore\.conf allows get,post but openapi\/api\.mjs documents get/);

    r = buildWith(conf.replace(/params qs:get \/api\/v1\/users \{/, 'params qs:get /api/v1/users {\n\t\tvalidate\tcolour\tv_tag'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /query parameter colour is not described/);

    // The tasks' own validators are in conf/routes/tasks.conf (indented in
    // place in the expanded text).
    r = buildWith(conf.replace(/^(\s*)validator\tv_priority\tregex\t.*$/m, '$1validator\tv_priority\tregex\t^(low|medium|high)$'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /query parameter priority: kore\.conf's v_priority refuses urgent/);

    r = buildWith(conf.replace(/\troute\t\/readyz.*\n.*\n/, ''));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /documents \/readyz, which kore\.conf does not route/);
  });

  test('and builds the same document from the real kore.conf', () => {
    const r = buildWith(conf);
    assert.equal(r.status, 0, r.stderr);
  });
});

describe('the conformance check', () => {
  test('refuses an undocumented status, a wrong body and a missing request id', async () => {
    const r = await request(srv, '/healthz');
    const res = { status: 200, headers: r.headers, raw: r.raw };
    assert.deepEqual(documents.check('GET', '/healthz', res), []);
    assert.match(documents.check('GET', '/healthz', { ...res, status: 418 })[0], /status 418 is not documented/);
    assert.match(documents.check('GET', '/healthz', { ...res, raw: Buffer.from('{"status":"fine"}') })[0], /does not match the schema/);
    const noId = { ...r.headers };
    delete noId['x-request-id'];
    assert.match(documents.check('GET', '/healthz', { ...res, headers: noId })[0], /no X-Request-ID/);
    const task = { status: 200, headers: r.headers, raw: Buffer.from('{"id":"x"}') };
    assert.match(documents.check('GET', '/api/v1/tasks/0f8fad5b-d9cb-469f-a165-70867728950e', task)[0], /must have required property/);
    assert.equal(documents.check('GET', '/nowhere', res), null);
  });
});

test('a server without its documentation files does not start', async () => {
  const s = await startServer({ env: { DOCS_DIR: '/nonexistent/docs' }, waitReady: false });
  const exit = await s.exitPromise;
  assert.equal(exit.code, 1);
  assert.match(s.stderr, /config error: DOCS_DIR: cannot open '\/nonexistent\/docs\/openapi\.json'/);
  await s.stop();
});

describe('every protected operation', () => {
  test('answers 401 in its documented shape without a token, and with a bad one', async () => {
    const concrete = (template) => template.replace('{task_id}', '0f8fad5b-d9cb-469f-a165-70867728950e')
      .replace('{attachment_id}', '0f8fad5b-d9cb-469f-a165-70867728950e')
      .replace('{delivery_id}', '0f8fad5b-d9cb-469f-a165-70867728950e')
      .replace('{user_id}', 'someone');
    let n = 0;
    for (const [template, item] of Object.entries(openapi.paths)) {
      for (const [m, op] of Object.entries(item)) {
        if (!op.security.some((s) => s.HTTPBearer)) continue;
        const body = op.requestBody ? { title: 'x' } : undefined;
        const method = m.toUpperCase();
        const none = await request(srv, concrete(template), { method, body });
        assert.equal(none.status, 401, `${method} ${template}`);
        assert.equal(none.headers['www-authenticate'], 'Bearer');
        const bad = await request(srv, concrete(template), { method, body, headers: { authorization: 'Bearer a.b.c' } });
        assert.equal(bad.status, 401);
        assert.match(bad.headers['www-authenticate'], /error="invalid_token"/);
        n++;
      }
    }
    assert.ok(n >= 20, `${n} operations`);
  });
});

describe('documented errors, through the conformance check', () => {
  test('unknown task 404, foreign user_id 403, wrong media type 415, too large 413', async () => {
    const sub = `errors-${Date.now()}`;
    const auth = { authorization: `Bearer ${mintToken(SECRET, sub)}` };
    const unknown = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const seen = [];
    for (const [template, item] of Object.entries(openapi.paths)) {
      if (!template.startsWith('/api/') || template.startsWith('/api/v1/users')) continue;
      for (const [m, op] of Object.entries(item)) {
        const method = m.toUpperCase();
        // A multipart operation (an upload) gets a multipart body.
        const multipart = op.requestBody?.content?.['multipart/form-data'];
        const body = !op.requestBody ? undefined : multipart
          ? '--B\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nx\r\n--B--\r\n'
          : { title: 'x' };
        const headers = multipart ? { ...auth, 'content-type': 'multipart/form-data; boundary=B' } : auth;
        const own = template.replace('{user_id}', sub).replace('{task_id}', unknown)
          .replace('{attachment_id}', unknown);
        if (template.includes('{task_id}') || template.includes('{attachment_id}')) {
          const r = await request(srv, own, { method, body, headers });
          assert.equal(r.status, 404, `${method} ${own}`);
          seen.push(`${method} ${template} 404`);
        }
        if (template.includes('{user_id}')) {
          const r = await request(srv, own.replace(sub, 'someone-else'), { method, body, headers: auth });
          assert.equal(r.status, 403, `${method} ${template}`);
        }
        if (op.requestBody) {
          const r = await request(srv, own, { method, body: 'title=x', headers: { ...auth, 'content-type': 'text/plain' } });
          assert.equal(r.status, 415, `${method} ${template}`);
          // Over the route's limit: 1 MiB, or an upload's 10 MiB.
          const big = await request(srv, own, {
            method, headers: multipart ? headers : auth,
            body: `{"title":"${'x'.repeat(multipart ? 11 * 1024 * 1024 : 1100000)}"}`,
          });
          assert.equal(big.status, 413, `${method} ${template}`);
        }
      }
    }
    assert.ok(seen.length >= 10, seen.join('\n'));
  });
});

describe('/docs', () => {
  test('serves Swagger UI and its files from the module, with a CSP for them', async () => {
    const page = await request(srv, '/docs');
    assert.equal(page.status, 200);
    assert.match(page.headers['content-type'], /^text\/html/);
    const csp = page.headers['content-security-policy'];
    assert.match(csp, /script-src 'self';/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.headers['x-frame-options'], 'DENY');
    for (const src of page.text.match(/(?:src|href)="[^"]+"/g)) {
      assert.match(src, /"\/docs\/[a-z0-9._-]+"$/, 'every asset is our own');
      const r = await request(srv, src.split('"')[1]);
      assert.equal(r.status, 200, src);
      assert.ok(r.raw.length > 0);
    }
    const js = await request(srv, '/docs/swagger-ui-bundle.js', { headers: { 'accept-encoding': 'gzip' } });
    assert.match(js.headers['content-type'], /^text\/javascript/);
    assert.equal(js.headers['content-encoding'], 'gzip');
    const cached = await request(srv, '/docs', { headers: { 'if-none-match': page.headers.etag } });
    assert.equal(cached.status, 304);
    const bundle = await request(srv, '/docs/swagger-ui-bundle.js');
    assert.equal((await request(srv, '/docs/swagger-ui-bundle.js', { headers: { 'if-none-match': `W/${bundle.headers.etag}` } })).status, 304);
    assert.equal((await request(srv, '/docs/nothing.js')).status, 404);
    assert.equal((await request(srv, '/docs/LICENSE')).status, 404);
    // JSON answers keep the strict policy.
    assert.equal((await request(srv, '/openapi.json')).headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'");
  });

  test('lists every operation in headless Chromium, offline, and Authorize works', async () => {
    const operations = Object.values(openapi.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    const origin = `https://localhost:${srv.port}`;
    const browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      acceptInsecureCerts: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        `--host-resolver-rules=MAP localhost 127.0.0.1`],
    });
    const outside = [];
    const problems = [];
    try {
      const page = await browser.newPage();
      await page.setViewport({ width: 1280, height: 900 });
      page.on('request', (rq) => { if (!rq.url().startsWith(origin) && !rq.url().startsWith('data:')) outside.push(rq.url()); });
      page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
      page.on('pageerror', (e) => problems.push(e.message));

      await page.goto(`${origin}/docs`, { waitUntil: 'networkidle0' });
      await page.waitForSelector('.opblock', { timeout: 20000 });
      const listed = await page.$$eval('.opblock', (els) => els.map((e) => [
        e.querySelector('.opblock-summary-method')?.textContent.trim(),
        e.querySelector('.opblock-summary-path')?.getAttribute('data-path'),
      ].join(' ')));
      assert.equal(listed.length, operations, listed.join('\n'));
      assert.ok(listed.includes('GET /api/v1/tasks/{task_id}'), listed.join('\n'));
      assert.ok(listed.includes('PATCH /api/{user_id}/tasks/{task_id}/complete'));

      mkdirSync(path.join(top, 'tests/artifacts'), { recursive: true });
      await page.screenshot({ path: path.join(top, 'tests/artifacts/docs.png'), fullPage: true });

      // Authorize with a bearer token, then try GET /api/v1/users/me.
      const sub = `docs-${Date.now()}`;
      await page.click('.btn.authorize');
      await page.waitForSelector('.modal-ux input');
      await page.type('.modal-ux input', mintToken(SECRET, sub));
      await page.click('.modal-ux .auth-btn-wrapper .authorize');
      await page.click('.modal-ux .btn-done');
      await page.click('#operations-users-get_me .opblock-summary');
      await page.waitForSelector('#operations-users-get_me .try-out__btn');
      await page.click('#operations-users-get_me .try-out__btn');
      await page.click('#operations-users-get_me .execute');
      await page.waitForSelector('#operations-users-get_me .live-responses-table tbody .response-col_status');
      const status = await page.$eval('#operations-users-get_me .live-responses-table tbody .response-col_status', (e) => e.textContent.trim());
      const body = await page.$eval('#operations-users-get_me .live-responses-table .microlight', (e) => e.textContent);
      assert.equal(status, '200');
      assert.equal(JSON.parse(body).id, sub);
      await page.screenshot({ path: path.join(top, 'tests/artifacts/docs-try-it-out.png') });
    } finally {
      await browser.close();
    }
    assert.deepEqual(outside, [], 'no request leaves the server');
    assert.deepEqual(problems, [], 'no console errors (CSP violations included)');
  });
});
