// The HTTP details a client written against a FastAPI backend relies on
// (SPEC "Operations", last bullet): trailing-slash redirects, every +json
// media type, pydantic v2's lax conversions and its model-validator order,
// duplicate JSON keys, and search-as-you-type (prefix) matching of q.
//
// Authentication: shared-secret mode (HS256 tokens minted here).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer, request, psql, mintToken, openapi } from './harness.mjs';

const SECRET = 'parity-integration-secret-0123456789-abcdefgh';
const RUN = randomBytes(4).toString('hex');
const UUID = '0f8fad5b-d9cb-469f-a165-70867728950e';

let nusers = 0;
function newUser(name) {
  const sub = `${name}-${RUN}-${++nusers}`;
  return { sub, headers: { authorization: `Bearer ${mintToken(SECRET, sub)}` } };
}

let srv;
before(async () => {
  srv = await startServer({ env: { BETTER_AUTH_SECRET: SECRET, RATE_LIMIT_RPM: '0' } });
});
after(async () => { await srv?.stop(); });

const api = (u, path, opts = {}) => request(srv, path, {
  ...opts, headers: { ...u.headers, ...(opts.headers || {}) },
});
// A body sent as given (raw text), with this Content-Type.
const raw = (u, method, path, text, type = 'application/json') => api(u, path, {
  method, body: text, headers: { 'content-type': type },
});
async function create(u, body) {
  const r = await api(u, '/api/v1/tasks', { method: 'POST', body });
  assert.equal(r.status, 201, r.text);
  return r.json;
}
// The only problems of a 422, in order: [loc, type, msg?].
function problems(r) {
  assert.equal(r.status, 422, r.text);
  return r.json.detail.map((d) => [d.loc, d.type, d.msg]);
}

// ---------------------------------------------------------------- trailing slash

describe('a trailing slash redirects 307 to the route without it', () => {
  // A concrete path for every route kore.conf declares (the document has
  // them all: the build fails otherwise).
  // Any other path id is a UUID, so a new resource's route is covered
  // without editing this list.
  const fill = (template) => template.replace('{user_id}', 'someone')
    .replace('{asset}', 'swagger-ui.css').replace(/\{[a-z_]+_id\}/g, UUID);
  const routes = Object.keys(openapi.paths).map(fill);

  test('every route, with the query string kept and no body', async () => {
    assert.ok(routes.length >= 16, routes.join(' '));
    assert.deepEqual(routes.filter((p) => p.includes('{')), []);
    for (const path of routes) {
      for (const [suffix, query] of [['/', ''], ['/', '?a=1&b=two%20words'], ['///', '?q=x']]) {
        const r = await request(srv, `${path}${suffix}${query}`);
        assert.equal(r.status, 307, `${path}${suffix}${query}: ${r.status} ${r.text}`);
        assert.equal(r.headers.location, `${path}${query}`);
        assert.equal(r.text, '');
        assert.ok(r.headers['x-request-id']);
      }
    }
  });

  test('any method is redirected, and the redirect leads to the route', async () => {
    const u = newUser('slash');
    const r = await api(u, '/api/v1/tasks/', { method: 'POST', body: { title: 'via slash' } });
    assert.equal(r.status, 307, r.text);
    assert.equal(r.headers.location, '/api/v1/tasks');
    const t = await create(u, { title: 'created' });
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
      const x = await api(u, `/api/v1/tasks/${t.id}/`, { method, body: method === 'GET' || method === 'DELETE' ? undefined : { title: 'y' } });
      assert.equal(x.status, 307, `${method}: ${x.text}`);
      assert.equal(x.headers.location, `/api/v1/tasks/${t.id}`);
    }
    // The redirect answered before any handler: nothing was written.
    assert.equal(psql(`SELECT string_agg(title, ',') FROM tasks WHERE user_id = '${u.sub}'`), 'created');
    const followed = await api(u, r.headers.location, { method: 'POST', body: { title: 'via slash' } });
    assert.equal(followed.status, 201, followed.text);
  });

  test('an unknown path, with or without a slash, is still a JSON 404', async () => {
    for (const path of ['/', '/nope', '/nope/', '/api/v1/', '/api/v1/tasks/not-a-uuid/', `/api/v1/tasks/${UUID}/complete/x/`,
      '/api/v1/taskss/', '/docs/../openapi.json/', '//api/v1/tasks/', '/healthz/x/']) {
      const r = await request(srv, path, { conformance: false });
      assert.equal(r.status, 404, `${path}: ${r.status} ${r.headers.location}`);
      assert.deepEqual(r.json, { detail: 'Not Found' });
      assert.equal(r.headers.location, undefined);
    }
  });

  test('never a redirect to another host', async () => {
    for (const path of ['//evil.example/', '///evil.example/', '//evil.example//', '/\\evil.example/',
      '//evil.example/api/v1/tasks/', '/%2F%2Fevil.example/']) {
      const r = await request(srv, path, { conformance: false });
      assert.equal(r.status, 404, `${path}: ${r.status} ${r.headers.location}`);
      assert.equal(r.headers.location, undefined);
    }
    // A query that looks like a URL stays in the query of a same-origin path.
    const r = await request(srv, '/healthz/?next=//evil.example/');
    assert.equal(r.status, 307);
    assert.equal(r.headers.location, '/healthz?next=//evil.example/');
  });
});

// ---------------------------------------------------------------- media types

describe('every application/*+json media type is JSON', () => {
  const u = newUser('media');
  test('POST, PUT and PATCH accept them, with parameters, in any case', async () => {
    const types = ['application/merge-patch+json', 'application/vnd.api+json; charset=utf-8',
      'APPLICATION/JSON', 'Application/Merge-Patch+JSON ; charset=UTF-8', 'application/problem+json'];
    for (const type of types) {
      const r = await raw(u, 'POST', '/api/v1/tasks', JSON.stringify({ title: type }), type);
      assert.equal(r.status, 201, `${type}: ${r.text}`);
      assert.equal(r.json.title, type);
    }
    const t = await create(u, { title: 'patch me' });
    const p = await raw(u, 'PATCH', `/api/v1/tasks/${t.id}`, '{"priority":"high","due_at":null}', 'application/merge-patch+json');
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.priority, 'high');
    const put = await raw(u, 'PUT', `/api/v1/tasks/${t.id}`, '{"title":"put"}', 'application/vnd.tasks+json');
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json.title, 'put');
    const me = await raw(u, 'PATCH', '/api/v1/users/me', '{"timezone":"Asia/Tokyo"}', 'application/merge-patch+json');
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.timezone, 'Asia/Tokyo');
  });

  test('other types are still 415', async () => {
    for (const type of ['text/json', 'application/json-patch', 'application/jsonx', 'application/merge-patch+jsonx',
      'application/json+xml', 'text/plain+json', 'application/x-www-form-urlencoded']) {
      const r = await raw(u, 'POST', '/api/v1/tasks', '{"title":"x"}', type);
      assert.equal(r.status, 415, `${type}: ${r.status}`);
      assert.deepEqual(r.json, { detail: 'Content-Type must be application/json' });
      const m = await raw(u, 'PATCH', '/api/v1/users/me', '{"timezone":"UTC"}', type);
      assert.equal(m.status, 415, `${type}: ${m.status}`);
    }
  });
});

// ---------------------------------------------------------------- duplicate keys

describe('duplicate keys in a JSON body: the last one wins', () => {
  test('tasks and users', async () => {
    const u = newUser('dup');
    const r = await raw(u, 'POST', '/api/v1/tasks', '{"title":"first","priority":"top","title":"second","priority":"high"}');
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.title, 'second');
    assert.equal(r.json.priority, 'high');
    const bad = await raw(u, 'POST', '/api/v1/tasks', '{"title":"fine","title":""}');
    assert.deepEqual(problems(bad).map(([loc, type]) => [loc, type]), [[['body', 'title'], 'string_too_short']]);
    const p = await raw(u, 'PATCH', `/api/v1/tasks/${r.json.id}`, '{"completed":true,"completed":false}');
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.completed, false);
    const me = await raw(u, 'PATCH', '/api/v1/users/me', '{"timezone":"No/Such_Zone","timezone":"Europe/Paris"}');
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.timezone, 'Europe/Paris');
  });
});

// ---------------------------------------------------------------- pydantic lax mode

describe("pydantic v2's lax conversions on every body field", () => {
  const u = newUser('lax');

  test('bool: true/false, 0/1 and the words pydantic reads; completed_at follows', async () => {
    for (const [value, want] of [['yes', true], ['TRUE', true], ['on', true], ['t', true], ['1', true], [1, true], [1.0, true],
      ['no', false], ['Off', false], ['f', false], ['0', false], [0, false], ['n', false]]) {
      const t = await create(u, { title: `bool ${value}`, completed: value });
      assert.equal(t.completed, want, `${JSON.stringify(value)}`);
      assert.equal(t.completed_at === null, !want);
    }
    const t = await create(u, { title: 'toggle' });
    const p = await api(u, `/api/v1/tasks/${t.id}`, { method: 'PATCH', body: { completed: 'y' } });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.completed, true);
    assert.equal(psql(`SELECT completed FROM tasks WHERE id = '${t.id}'`), 't');
  });

  test('bool: what pydantic refuses, with its types and messages', async () => {
    for (const [value, type, msg] of [
      ['maybe', 'bool_parsing', 'Input should be a valid boolean, unable to interpret input'],
      [2, 'bool_parsing', 'Input should be a valid boolean, unable to interpret input'],
      [' true', 'bool_parsing', 'Input should be a valid boolean, unable to interpret input'],
      [0.5, 'bool_type', 'Input should be a valid boolean'],
      [null, 'bool_type', 'Input should be a valid boolean'],
      [[true], 'bool_type', 'Input should be a valid boolean'],
    ]) {
      const r = await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'x', completed: value } });
      assert.deepEqual(problems(r), [[['body', 'completed'], type, msg]], JSON.stringify(value));
      assert.deepEqual(r.json.detail[0].input, value);
    }
  });

  test('datetime: RFC 3339 as pydantic reads it, and Unix times', async () => {
    for (const [value, want] of [
      ['2026-11-26T10:57:25Z', '2026-11-26T10:57:25.000Z'],
      ['2026-11-26 10:57:25+01:00', '2026-11-26T09:57:25.000Z'],
      ['2026-11-26t10:57z', '2026-11-26T10:57:00.000Z'],
      ['2026-11-26T10:57:25,5-0130', '2026-11-26T12:27:25.500Z'],
      [1700000000, '2023-11-14T22:13:20.000Z'],
      [1700000000.25, '2023-11-14T22:13:20.250Z'],
      ['1700000000', '2023-11-14T22:13:20.000Z'],
      [1700000000123, '2023-11-14T22:13:20.123Z'],
    ]) {
      const t = await create(u, { title: 'when', due_at: value, remind_at: value });
      assert.equal(t.due_at, want, JSON.stringify(value));
      assert.equal(t.remind_at, want);
    }
  });

  test('datetime: what pydantic refuses, with its types and messages', async () => {
    for (const [value, type, msg] of [
      ['tomorrow', 'datetime_from_date_parsing', 'Input should be a valid datetime or date, input is too short'],
      ['2026-13-01T00:00:00Z', 'datetime_from_date_parsing',
        'Input should be a valid datetime or date, month value is outside expected range of 1-12'],
      ['2026-11-26T24:00:00Z', 'datetime_from_date_parsing',
        'Input should be a valid datetime or date, unexpected extra characters at the end of the input'],
      ['2026-11-26T10:57:25', 'timezone_aware', 'Input should have timezone info'],
      ['2026-11-26', 'timezone_aware', 'Input should have timezone info'],
      [true, 'datetime_type', 'Input should be a valid datetime'],
      [{}, 'datetime_type', 'Input should be a valid datetime'],
    ]) {
      const r = await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'x', due_at: value } });
      assert.deepEqual(problems(r), [[['body', 'due_at'], type, msg]], JSON.stringify(value));
      assert.deepEqual(r.json.detail[0].input, value);
    }
    // A float (JSON.stringify would write 1e20 as a 21-digit integer).
    const big = await raw(u, 'POST', '/api/v1/tasks', '{"title":"x","due_at":1e20}');
    assert.deepEqual(problems(big), [[['body', 'due_at'], 'datetime_parsing',
      'Input should be a valid datetime, dates after 9999 are not supported as unix timestamps']]);
  });

  test('str, enum and list take no other types', async () => {
    const r = await api(u, '/api/v1/tasks', {
      method: 'POST', body: { title: 42, description: true, priority: 1, recurrence: 2, tags: 'home' },
    });
    assert.deepEqual(problems(r), [
      [['body', 'title'], 'string_type', 'Input should be a valid string'],
      [['body', 'description'], 'string_type', 'Input should be a valid string'],
      [['body', 'priority'], 'enum', "Input should be 'low', 'medium', 'high' or 'urgent'"],
      [['body', 'recurrence'], 'enum', "Input should be 'daily', 'weekly' or 'monthly'"],
      [['body', 'tags'], 'list_type', 'Input should be a valid list'],
    ]);
    const items = await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'x', tags: ['ok', 7, null] } });
    assert.deepEqual(problems(items), [
      [['body', 'tags', 1], 'string_type', 'Input should be a valid string'],
      [['body', 'tags', 2], 'string_type', 'Input should be a valid string'],
    ]);
    assert.equal(Number(psql(`SELECT count(*) FROM tasks WHERE user_id = '${u.sub}' AND title = 'x'`)), 0);
  });

  test("users' PATCH fields: str and HttpUrl", async () => {
    const v = newUser('lax-user');
    const r = await api(v, '/api/v1/users/me', {
      method: 'PATCH', body: { timezone: 5, webhook_url: 7, webhook_secret: 1234567890123456 },
    });
    assert.deepEqual(problems(r), [
      [['body', 'timezone'], 'string_type', 'Input should be a valid string'],
      [['body', 'webhook_url'], 'url_type', 'URL input should be a string or URL'],
      [['body', 'webhook_secret'], 'string_type', 'Input should be a valid string'],
    ]);
    const s = await api(v, '/api/v1/users/me', { method: 'PATCH', body: { webhook_url: 'ftp://example.com/hook' } });
    assert.deepEqual(problems(s), [[['body', 'webhook_url'], 'url_scheme', "URL scheme should be 'http' or 'https'"]]);
    assert.deepEqual(s.json.detail[0].ctx, { expected_schemes: "'http' or 'https'" });
    const long = await api(v, '/api/v1/users/me', { method: 'PATCH', body: { webhook_url: `https://example.com/${'a'.repeat(2030)}` } });
    assert.deepEqual(problems(long), [[['body', 'webhook_url'], 'url_too_long', 'URL should have at most 2048 characters']]);
    const host = await api(v, '/api/v1/users/me', { method: 'PATCH', body: { webhook_url: 'https://' } });
    assert.deepEqual(problems(host), [[['body', 'webhook_url'], 'url_parsing', 'Input should be a valid URL, empty host']]);
    const ok = await api(v, '/api/v1/users/me', { method: 'PATCH', body: { webhook_url: 'https://example.com/hook' } });
    assert.equal(ok.status, 200, ok.text);
  });
});

describe('the model rule (a recurrence needs a due_at) runs only on valid fields', () => {
  const u = newUser('model');
  test('an invalid field and a missing due_at: only the field is reported', async () => {
    for (const [body, loc, type] of [
      [{ title: 'x', recurrence: 'yearly' }, ['body', 'recurrence'], 'enum'],
      [{ title: '', recurrence: 'daily' }, ['body', 'title'], 'string_too_short'],
      [{ title: 'x', recurrence: 'daily', due_at: 'soon' }, ['body', 'due_at'], 'datetime_from_date_parsing'],
      [{ title: 'x', recurrence: 'daily', completed: 'maybe' }, ['body', 'completed'], 'bool_parsing'],
    ]) {
      for (const method of ['POST', 'PUT']) {
        const t = method === 'PUT' ? await create(u, { title: 'target' }) : null;
        const r = await api(u, t ? `/api/v1/tasks/${t.id}` : '/api/v1/tasks', { method, body });
        assert.deepEqual(problems(r).map(([l, ty]) => [l, ty]), [[loc, type]], `${method} ${JSON.stringify(body)}`);
      }
    }
  });

  test('valid fields: the rule is reported as pydantic does, at loc ["body"]', async () => {
    const body = { title: 'x', recurrence: 'daily', completed: 'yes', due_at: null };
    const r = await api(u, '/api/v1/tasks', { method: 'POST', body });
    assert.equal(r.status, 422, r.text);
    assert.deepEqual(r.json.detail, [{
      type: 'value_error', loc: ['body'], msg: 'Value error, a recurring task needs a due_at',
      input: body, ctx: { error: {} },
    }]);
    const ok = await api(u, '/api/v1/tasks', { method: 'POST', body: { ...body, due_at: 1700000000 } });
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.json.completed, true);
  });
});

// ---------------------------------------------------------------- prefix search

describe('q matches word prefixes (search-as-you-type)', () => {
  const u = newUser('prefix');
  before(async () => {
    await create(u, { title: 'Buy milk', description: 'and bread too' });
    await create(u, { title: 'Milkshake recipe' });
    await create(u, { title: 'Almond bread' });
    await create(u, { title: 'e-mail the landlord', description: "don't forget: 1.5 months" });
  });
  const titles = async (q) => {
    const r = await api(u, `/api/v1/tasks?sort=title&q=${encodeURIComponent(q)}`);
    assert.equal(r.status, 200, `${q}: ${r.text}`);
    assert.equal(r.json.total, r.json.items.length);
    return r.json.items.map((t) => t.title).sort();
  };
  for (const [q, want] of [
    ['mil', ['Buy milk', 'Milkshake recipe']],
    ['MIL', ['Buy milk', 'Milkshake recipe']],
    ['m', ['Buy milk', 'Milkshake recipe', 'e-mail the landlord']],
    ['milk', ['Buy milk', 'Milkshake recipe']],
    ['milks', ['Milkshake recipe']],
    ['bre', ['Almond bread', 'Buy milk']],
    ['mil bre', ['Buy milk']],
    ['bre  MIL', ['Buy milk']],
    ['mil rec', ['Milkshake recipe']],
    ['mil alm', []],
    ['ilk', []],
    ['e-ma', ['e-mail the landlord']],
    ['land e-mail', ['e-mail the landlord']],
    ["don't", ['e-mail the landlord']],
    ['1.5', ['e-mail the landlord']],
    ['milk & !bread', ['Buy milk']],
  ]) {
    test(`q=${JSON.stringify(q)}`, async () => {
      assert.deepEqual(await titles(q), [...want].sort());
    });
  }
  test('tsquery syntax in q is only text: never an error', async () => {
    for (const q of ["'", '\\', "a'b\\'c", ':*', 'x:*|y', '!!!', '(', 'a <-> b', '   ', "''':*"]) {
      const got = await titles(q);
      assert.ok(Array.isArray(got), q);
    }
    assert.deepEqual(await titles('mil:*|zzz'), []);
    assert.deepEqual(await titles('!!!'), []);
  });
});
