// The tasks resource over real HTTPS (SPEC "Resources" → "Tasks", "Errors"):
// create and its defaults, validation 422s, reads with ETag/If-None-Match,
// PUT/PATCH/DELETE with If-Match, completion and recurrence, Idempotency-Key,
// tenant isolation, and the compatibility routes. Lists, filters, sorting,
// cursors and tag counts are in tasks_list.test.mjs.
//
// Authentication: shared-secret mode (HS256 tokens minted here).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { startServer, request, psql, mintToken } from './harness.mjs';

const SECRET = 'tasks-integration-secret-0123456789-abcdefgh';
const RUN = randomBytes(4).toString('hex');
const TS_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ETAG_RE = /^(W\/)?"[\x21\x23-\x7e]+"$/;
const TASK_KEYS = [
  'completed', 'completed_at', 'created_at', 'description', 'due_at', 'id',
  'priority', 'recurrence', 'remind_at', 'tags', 'title', 'updated_at', 'user_id',
].sort();

const mint = (sub) => mintToken(SECRET, sub);
let nusers = 0;
function newUser(name) {
  const sub = `${name}-${RUN}-${++nusers}`;
  return { sub, headers: { authorization: `Bearer ${mint(sub)}` } };
}

let srv;
before(async () => {
  srv = await startServer({ env: { BETTER_AUTH_SECRET: SECRET, RATE_LIMIT_RPM: '0' } });
});
after(async () => { await srv?.stop(); });

// Every request on a new TLS connection; a failed handshake fails the test.
const send = (path, opts = {}) => request(srv, path, opts);
const api = (u, path, opts = {}) => send(path, {
  ...opts, headers: { ...u.headers, ...(opts.headers || {}) },
});
async function create(u, body, extraHeaders = {}) {
  const r = await api(u, '/api/v1/tasks', { method: 'POST', body, headers: extraHeaders });
  assert.equal(r.status, 201, r.text);
  return r;
}
const getTask = (u, id, headers = {}) => api(u, `/api/v1/tasks/${id}`, { headers });
const patch = (u, id, body, headers = {}) => api(u, `/api/v1/tasks/${id}`, { method: 'PATCH', body, headers });
const put = (u, id, body, headers = {}) => api(u, `/api/v1/tasks/${id}`, { method: 'PUT', body, headers });
const del = (u, id, headers = {}) => api(u, `/api/v1/tasks/${id}`, { method: 'DELETE', headers });
const complete = (u, id, headers = {}) => api(u, `/api/v1/tasks/${id}/complete`, {
  method: 'PATCH', body: '', headers,
});
const countTasks = (u, where = 'true') => Number(psql(
  `SELECT count(*) FROM tasks WHERE user_id = '${u.sub}' AND (${where})`));
const row = (id) => psql(
  `SELECT title || '|' || description || '|' || completed || '|' || priority || '|' || `
  + `coalesce(recurrence, '-') || '|' || array_to_string(tags, ',') || '|' || version `
  + `FROM tasks WHERE id = '${id}'`);
const near = (ts, ms = 10000) => {
  assert.match(ts, TS_RE);
  assert.ok(Math.abs(Date.parse(ts) - Date.now()) < ms, `${ts} is not close to now`);
};

// A 422 with exactly these problems (compared by loc; type and input when given).
function assert422(r, expected) {
  assert.equal(r.status, 422, r.text);
  assert.match(r.headers['content-type'], /^application\/json/);
  assert.ok(Array.isArray(r.json?.detail), r.text);
  const got = r.json.detail;
  assert.equal(got.length, expected.length, `expected ${expected.length} problems: ${r.text}`);
  const key = (loc) => JSON.stringify(loc);
  for (const e of expected) {
    const g = got.find((x) => key(x.loc) === key(e.loc));
    assert.ok(g, `no problem at ${key(e.loc)} in ${r.text}`);
    assert.equal(typeof g.msg, 'string');
    assert.ok(g.msg.length > 0);
    assert.ok('input' in g, `problem at ${key(e.loc)} has no input`);
    if (e.type instanceof RegExp) assert.match(g.type, e.type);
    else if (e.type !== undefined) assert.equal(g.type, e.type, r.text);
    if ('input' in e) assert.deepEqual(g.input, e.input);
    if (e.ctx) assert.deepEqual(g.ctx, e.ctx);
  }
}

// ---------------------------------------------------------------- create

describe('POST /api/v1/tasks', () => {
  test('201 with Location, ETag, every field, defaults and UTC millisecond timestamps', async () => {
    const u = newUser('create');
    const r = await create(u, { title: 'Write the tests' });
    const t = r.json;
    assert.match(r.headers['content-type'], /^application\/json/);
    assert.match(t.id, UUID_RE);
    assert.equal(r.headers.location, `/api/v1/tasks/${t.id}`);
    assert.match(r.headers.etag, ETAG_RE);
    assert.deepEqual(Object.keys(t).sort(), TASK_KEYS);
    assert.deepEqual({ ...t, id: null, created_at: null, updated_at: null }, {
      id: null,
      user_id: u.sub,
      title: 'Write the tests',
      description: '',
      completed: false,
      completed_at: null,
      priority: 'medium',
      due_at: null,
      remind_at: null,
      recurrence: null,
      tags: [],
      created_at: null,
      updated_at: null,
    });
    near(t.created_at);
    assert.equal(t.updated_at, t.created_at);
    assert.equal(countTasks(u), 1);
    assert.equal(row(t.id), 'Write the tests||false|medium|-||1');
  });

  test('datetimes with offsets are stored and answered in UTC; completed sets completed_at', async () => {
    const u = newUser('offsets');
    const { json: t } = await create(u, {
      title: 'Offsets',
      description: 'has a due date',
      priority: 'high',
      completed: true,
      due_at: '2026-12-01T10:00:00+02:00',
      remind_at: '2026-12-01T07:30:00.25-03:30',
      recurrence: 'weekly',
    });
    assert.equal(t.due_at, '2026-12-01T08:00:00.000Z');
    assert.equal(t.remind_at, '2026-12-01T11:00:00.250Z');
    assert.equal(t.priority, 'high');
    assert.equal(t.recurrence, 'weekly');
    assert.equal(t.description, 'has a due date');
    assert.equal(t.completed, true);
    near(t.completed_at);
    assert.equal(psql(`SELECT due_at = '2026-12-01T08:00:00Z' FROM tasks WHERE id = '${t.id}'`), 't');
  });

  test('tags are lower-cased and duplicates merged, first order kept', async () => {
    const u = newUser('tags');
    const { json: t } = await create(u, { title: 'Tags', tags: ['Home', 'home', 'Work-1', 'a_b', 'HOME', 'work-1'] });
    assert.deepEqual(t.tags, ['home', 'work-1', 'a_b']);
    assert.equal(psql(`SELECT array_to_string(tags, ',') FROM tasks WHERE id = '${t.id}'`), 'home,work-1,a_b');
  });

  test('unknown and read-only fields are ignored', async () => {
    const u = newUser('readonly');
    const other = newUser('readonly-other');
    const fakeId = randomUUID();
    const { json: t } = await create(u, {
      title: 'Read-only',
      id: fakeId,
      user_id: other.sub,
      created_at: '2000-01-01T00:00:00Z',
      updated_at: '2000-01-01T00:00:00Z',
      completed_at: '2000-01-01T00:00:00Z',
      version: 99,
      colour: 'blue',
      nested: { a: [1, 2] },
    });
    assert.notEqual(t.id, fakeId);
    assert.equal(t.user_id, u.sub);
    near(t.created_at);
    near(t.updated_at);
    assert.equal(t.completed_at, null);
    assert.equal(t.completed, false);
    assert.deepEqual(Object.keys(t).sort(), TASK_KEYS);
    assert.equal(psql(`SELECT count(*) FROM tasks WHERE id = '${fakeId}'`), '0');
    assert.equal(countTasks(other), 0);
  });
});

// ---------------------------------------------------------------- validation

describe('validation (422, nothing written)', () => {
  const u = newUser('validation');
  const ok = { title: 'ok' };
  const cases = [
    ['title missing', {}, [{ loc: ['body', 'title'], type: 'missing' }]],
    ['title empty', { title: '' }, [{ loc: ['body', 'title'], type: 'string_too_short', input: '', ctx: { min_length: 1 } }]],
    ['title of 201 characters', { title: 'x'.repeat(201) },
      [{ loc: ['body', 'title'], type: 'string_too_long', input: 'x'.repeat(201), ctx: { max_length: 200 } }]],
    ['description of 4001 characters', { ...ok, description: 'd'.repeat(4001) },
      [{ loc: ['body', 'description'], type: 'string_too_long', ctx: { max_length: 4000 } }]],
    ['priority "top"', { ...ok, priority: 'top' }, [{ loc: ['body', 'priority'], type: 'enum', input: 'top' }]],
    ['completed "maybe"', { ...ok, completed: 'maybe' }, [{ loc: ['body', 'completed'], type: 'bool_parsing', input: 'maybe' }]],
    ['completed 2', { ...ok, completed: 2 }, [{ loc: ['body', 'completed'], type: 'bool_parsing', input: 2 }]],
    ['completed 0.5', { ...ok, completed: 0.5 }, [{ loc: ['body', 'completed'], type: 'bool_type', input: 0.5 }]],
    ['due_at "tomorrow"', { ...ok, due_at: 'tomorrow' }, [{ loc: ['body', 'due_at'], type: /^datetime/, input: 'tomorrow' }]],
    ['remind_at with month 13', { ...ok, remind_at: '2026-13-01T00:00:00Z' },
      [{ loc: ['body', 'remind_at'], type: /^datetime/, input: '2026-13-01T00:00:00Z' }]],
    ['recurrence "yearly"', { ...ok, due_at: '2026-12-01T00:00:00Z', recurrence: 'yearly' },
      [{ loc: ['body', 'recurrence'], type: 'enum', input: 'yearly' }]],
    ['recurrence without due_at', { ...ok, recurrence: 'daily' },
      [{ loc: ['body'], type: 'value_error', input: { ...ok, recurrence: 'daily' }, ctx: { error: {} } }]],
    ['recurrence with due_at null', { ...ok, recurrence: 'weekly', due_at: null }, [{ loc: ['body'], type: 'value_error' }]],
    ['11 tags', { ...ok, tags: Array.from({ length: 11 }, (_, i) => `t${i}`) },
      [{ loc: ['body', 'tags'], type: 'too_long' }]],
    ['a tag of 33 characters', { ...ok, tags: ['a'.repeat(33)] },
      [{ loc: ['body', 'tags', 0], type: 'string_too_long', input: 'a'.repeat(33) }]],
    ['a tag "bad tag!"', { ...ok, tags: ['fine', 'bad tag!'] },
      [{ loc: ['body', 'tags', 1], type: 'string_pattern_mismatch', input: 'bad tag!' }]],
    ['an empty tag', { ...ok, tags: [''] }, [{ loc: ['body', 'tags', 0], type: 'string_too_short' }]],
    ['tags not a list', { ...ok, tags: 'home' }, [{ loc: ['body', 'tags'], type: 'list_type', input: 'home' }]],
    ['title not a string', { title: 42 }, [{ loc: ['body', 'title'], type: 'string_type', input: 42 }]],
  ];
  for (const [name, body, expected] of cases) {
    test(`POST with ${name}`, async () => {
      const before = countTasks(u);
      const r = await api(u, '/api/v1/tasks', { method: 'POST', body });
      assert422(r, expected);
      assert.equal(countTasks(u), before);
    });
  }

  test('every problem in one body is reported together', async () => {
    const r = await api(u, '/api/v1/tasks', {
      method: 'POST',
      body: {
        title: '',
        description: 'd'.repeat(4001),
        completed: 'maybe',
        priority: 'top',
        due_at: 'tomorrow',
        remind_at: '2026-13-01T00:00:00Z',
        recurrence: 'yearly',
        tags: ['ok', 'bad tag!', 'b'.repeat(33)],
      },
    });
    assert422(r, [
      { loc: ['body', 'title'], type: 'string_too_short' },
      { loc: ['body', 'description'], type: 'string_too_long' },
      { loc: ['body', 'completed'], type: /^bool_/ },
      { loc: ['body', 'priority'], type: 'enum' },
      { loc: ['body', 'due_at'], type: /^datetime/ },
      { loc: ['body', 'remind_at'], type: /^datetime/ },
      { loc: ['body', 'recurrence'], type: 'enum' },
      { loc: ['body', 'tags', 1], type: 'string_pattern_mismatch' },
      { loc: ['body', 'tags', 2], type: 'string_too_long' },
    ]);
    assert.equal(countTasks(u), 0);
  });

  test('malformed JSON is a 422 json_invalid', async () => {
    const r = await api(u, '/api/v1/tasks', {
      method: 'POST', body: '{"title": "x",', headers: { 'content-type': 'application/json' },
    });
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json.detail.length, 1);
    assert.equal(r.json.detail[0].type, 'json_invalid');
    assert.equal(r.json.detail[0].loc[0], 'body');
    assert.equal(countTasks(u), 0);
  });

  test('a JSON array body is a 422 model_attributes_type at loc ["body"]', async () => {
    const r = await api(u, '/api/v1/tasks', {
      method: 'POST', body: '[{"title": "x"}]', headers: { 'content-type': 'application/json' },
    });
    assert422(r, [{ loc: ['body'], type: 'model_attributes_type', input: [{ title: 'x' }] }]);
    assert.equal(countTasks(u), 0);
  });

  test('a JSON string or number body is a 422 model_attributes_type, not json_invalid', async () => {
    for (const [raw, input] of [['"a string"', 'a string'], ['42', 42]]) {
      const r = await api(u, '/api/v1/tasks', {
        method: 'POST', body: raw, headers: { 'content-type': 'application/json' },
      });
      assert422(r, [{ loc: ['body'], type: 'model_attributes_type', input }]);
    }
    assert.equal(countTasks(u), 0);
  });

  test('a JSON null body is a 422 at loc ["body"] that is not json_invalid', async () => {
    const r = await api(u, '/api/v1/tasks', {
      method: 'POST', body: 'null', headers: { 'content-type': 'application/json' },
    });
    assert422(r, [{ loc: ['body'] }]);
    assert.notEqual(r.json.detail[0].type, 'json_invalid');
    assert.equal(countTasks(u), 0);
  });

  test('a body that is not application/json is a 415', async () => {
    const r = await api(u, '/api/v1/tasks', {
      method: 'POST', body: 'title=x', headers: { 'content-type': 'text/plain' },
    });
    assert.equal(r.status, 415, r.text);
    assert.equal(typeof r.json.detail, 'string');
    const form = await api(u, '/api/v1/tasks', {
      method: 'POST', body: 'title=x', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(form.status, 415, form.text);
    assert.equal(countTasks(u), 0);
  });

  test('application/json with a charset parameter is accepted', async () => {
    const v = newUser('charset');
    const r = await api(v, '/api/v1/tasks', {
      method: 'POST', body: JSON.stringify({ title: 'charset' }),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.title, 'charset');
  });

  test('PUT and PATCH validate too and change nothing on a 422', async () => {
    const v = newUser('validation-update');
    const { json: t } = await create(v, { title: 'Keep me', priority: 'low', tags: ['x'] });
    const before = row(t.id);
    assert422(await put(v, t.id, { description: 'no title' }), [{ loc: ['body', 'title'], type: 'missing' }]);
    assert422(await put(v, t.id, { title: 'y', priority: 'top', tags: ['bad tag!'] }), [
      { loc: ['body', 'priority'], type: 'enum' },
      { loc: ['body', 'tags', 0], type: 'string_pattern_mismatch' },
    ]);
    assert422(await patch(v, t.id, { priority: 'top' }), [{ loc: ['body', 'priority'], type: 'enum' }]);
    assert422(await patch(v, t.id, { title: 'z'.repeat(201) }), [{ loc: ['body', 'title'], type: 'string_too_long' }]);
    const bad = await api(v, `/api/v1/tasks/${t.id}`, {
      method: 'PATCH', body: '{"title":', headers: { 'content-type': 'application/json' },
    });
    assert.equal(bad.status, 422);
    assert.equal(bad.json.detail[0].type, 'json_invalid');
    const plain = await api(v, `/api/v1/tasks/${t.id}`, {
      method: 'PATCH', body: 'x', headers: { 'content-type': 'text/plain' },
    });
    assert.equal(plain.status, 415);
    assert.equal(row(t.id), before);
  });
});

// ---------------------------------------------------------------- read

describe('GET /api/v1/tasks/{id}', () => {
  test('answers the task with the same ETag as the create', async () => {
    const u = newUser('get');
    const c = await create(u, { title: 'Read me', tags: ['a'], due_at: '2027-05-05T05:05:05.5Z' });
    const r = await getTask(u, c.json.id);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, c.json);
    assert.equal(r.json.due_at, '2027-05-05T05:05:05.500Z');
    assert.equal(r.headers.etag, c.headers.etag);
    assert.match(r.headers['content-type'], /^application\/json/);
  });

  test('If-None-Match: the current ETag is a 304, an old one a 200', async () => {
    const u = newUser('inm');
    const c = await create(u, { title: 'Cache me' });
    const etag1 = c.headers.etag;
    const nm = await getTask(u, c.json.id, { 'if-none-match': etag1 });
    assert.equal(nm.status, 304);
    assert.equal(nm.text, '');
    assert.equal(nm.headers.etag, etag1);

    const p = await patch(u, c.json.id, { title: 'Changed' });
    assert.equal(p.status, 200);
    assert.notEqual(p.headers.etag, etag1);
    const old = await getTask(u, c.json.id, { 'if-none-match': etag1 });
    assert.equal(old.status, 200);
    assert.equal(old.json.title, 'Changed');
    assert.equal(old.headers.etag, p.headers.etag);
    const cur = await getTask(u, c.json.id, { 'if-none-match': p.headers.etag });
    assert.equal(cur.status, 304);
  });

  test('an unknown id is a 404 "Task not found"', async () => {
    const u = newUser('get404');
    const r = await getTask(u, randomUUID());
    assert.equal(r.status, 404);
    assert.deepEqual(r.json, { detail: 'Task not found' });
  });

  test('a path id that is not a UUID matches no route: JSON 404', async () => {
    const u = newUser('notuuid');
    for (const [method, path] of [
      ['GET', '/api/v1/tasks/123'],
      ['PUT', '/api/v1/tasks/not-a-uuid'],
      ['PATCH', '/api/v1/tasks/0000000-0000-0000-0000-000000000000'],
      ['DELETE', '/api/v1/tasks/zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz'],
      ['PATCH', '/api/v1/tasks/123/complete'],
      ['GET', `/api/v1/tasks/${randomUUID()}x`],
    ]) {
      const r = await api(u, path, { method, body: method === 'GET' || method === 'DELETE' ? undefined : { title: 'x' } });
      assert.equal(r.status, 404, `${method} ${path}: ${r.text}`);
      assert.deepEqual(r.json, { detail: 'Not Found' }, `${method} ${path}`);
    }
  });
});

// ---------------------------------------------------------------- update

describe('PUT and PATCH', () => {
  const full = {
    title: 'Full task',
    description: 'all fields',
    priority: 'high',
    due_at: '2027-01-10T12:00:00Z',
    remind_at: '2027-01-10T11:00:00Z',
    recurrence: 'daily',
    tags: ['one', 'two'],
  };

  test('PUT replaces every writable field; absent ones get their defaults', async () => {
    const u = newUser('put');
    const c = await create(u, full);
    const r = await put(u, c.json.id, { title: 'Replaced' });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.etag, ETAG_RE);
    assert.notEqual(r.headers.etag, c.headers.etag);
    assert.deepEqual({ ...r.json, updated_at: null }, {
      ...c.json,
      title: 'Replaced',
      description: '',
      completed: false,
      completed_at: null,
      priority: 'medium',
      due_at: null,
      remind_at: null,
      recurrence: null,
      tags: [],
      updated_at: null,
    });
    assert.match(r.json.updated_at, TS_RE);
    assert.ok(r.json.updated_at >= c.json.updated_at);
    assert.equal(row(c.json.id), 'Replaced||false|medium|-||2');
    const g = await getTask(u, c.json.id);
    assert.deepEqual(g.json, r.json);
    assert.equal(g.headers.etag, r.headers.etag);
  });

  test('PUT with every field sets them all', async () => {
    const u = newUser('putall');
    const c = await create(u, { title: 'Bare' });
    const r = await put(u, c.json.id, { ...full, completed: true, tags: ['Two', 'two', 'three'] });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.title, 'Full task');
    assert.equal(r.json.description, 'all fields');
    assert.equal(r.json.priority, 'high');
    assert.equal(r.json.due_at, '2027-01-10T12:00:00.000Z');
    assert.equal(r.json.remind_at, '2027-01-10T11:00:00.000Z');
    assert.equal(r.json.recurrence, 'daily');
    assert.deepEqual(r.json.tags, ['two', 'three']);
    assert.equal(r.json.completed, true);
    near(r.json.completed_at);
    assert.equal(r.json.created_at, c.json.created_at);
  });

  test('PATCH changes only the fields given', async () => {
    const u = newUser('patch');
    const c = await create(u, full);
    const r = await patch(u, c.json.id, { priority: 'urgent' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual({ ...r.json, updated_at: null }, { ...c.json, priority: 'urgent', updated_at: null });
    assert.ok(r.json.updated_at >= c.json.updated_at);
    assert.notEqual(r.headers.etag, c.headers.etag);

    const r2 = await patch(u, c.json.id, { tags: ['New'], description: 'changed' });
    assert.equal(r2.status, 200);
    assert.deepEqual({ ...r2.json, updated_at: null },
      { ...c.json, priority: 'urgent', tags: ['new'], description: 'changed', updated_at: null });
    assert.equal(row(c.json.id), 'Full task|changed|false|urgent|daily|new|3');
  });

  test('PATCH null clears due_at, remind_at and recurrence', async () => {
    const u = newUser('patchnull');
    const c = await create(u, full);
    const r = await patch(u, c.json.id, { due_at: null, remind_at: null, recurrence: null });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.due_at, null);
    assert.equal(r.json.remind_at, null);
    assert.equal(r.json.recurrence, null);
    assert.equal(r.json.title, 'Full task');
    assert.deepEqual(r.json.tags, ['one', 'two']);
    assert.equal(psql(`SELECT due_at IS NULL AND remind_at IS NULL AND recurrence IS NULL FROM tasks WHERE id = '${c.json.id}'`), 't');
  });

  test('PATCH due_at null on a recurring task is a 422 (recurrence needs a due_at)', async () => {
    const u = newUser('patchdue');
    const c = await create(u, full);
    const before = row(c.json.id);
    assert422(await patch(u, c.json.id, { due_at: null }), [{ loc: ['body'], type: 'value_error', input: { due_at: null } }]);
    assert.equal(row(c.json.id), before);
    assert.equal((await getTask(u, c.json.id)).json.due_at, '2027-01-10T12:00:00.000Z');
  });

  test('PATCH title null is a 422', async () => {
    const u = newUser('patchtitle');
    const c = await create(u, { title: 'Titled' });
    assert422(await patch(u, c.json.id, { title: null }), [{ loc: ['body', 'title'], input: null }]);
    assert.equal(row(c.json.id), 'Titled||false|medium|-||1');
  });

  test('PATCH recurrence on a task without due_at is a 422 and changes nothing', async () => {
    const u = newUser('patchrec');
    const c = await create(u, { title: 'No due date' });
    assert422(await patch(u, c.json.id, { recurrence: 'daily' }), [{ loc: ['body'], type: 'value_error' }]);
    assert.equal(row(c.json.id), 'No due date||false|medium|-||1');
    // With a due date in the same PATCH it is fine.
    const ok = await patch(u, c.json.id, { recurrence: 'daily', due_at: '2027-02-02T02:02:02Z' });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.recurrence, 'daily');
    assert.equal(ok.json.due_at, '2027-02-02T02:02:02.000Z');
  });

  test('completed true sets completed_at, false clears it', async () => {
    const u = newUser('completed');
    const c = await create(u, { title: 'Do it' });
    const done = await patch(u, c.json.id, { completed: true });
    assert.equal(done.status, 200);
    assert.equal(done.json.completed, true);
    near(done.json.completed_at);
    assert.equal(psql(`SELECT completed AND completed_at IS NOT NULL FROM tasks WHERE id = '${c.json.id}'`), 't');
    const undone = await patch(u, c.json.id, { completed: false });
    assert.equal(undone.status, 200);
    assert.equal(undone.json.completed, false);
    assert.equal(undone.json.completed_at, null);
    assert.equal(psql(`SELECT completed_at IS NULL FROM tasks WHERE id = '${c.json.id}'`), 't');
    // PUT without completed re-opens too.
    await patch(u, c.json.id, { completed: true });
    const reput = await put(u, c.json.id, { title: 'Do it' });
    assert.equal(reput.json.completed, false);
    assert.equal(reput.json.completed_at, null);
  });

  test('PUT and PATCH of an unknown id are 404', async () => {
    const u = newUser('upd404');
    const id = randomUUID();
    for (const r of [await put(u, id, { title: 'x' }), await patch(u, id, { title: 'x' })]) {
      assert.equal(r.status, 404);
      assert.deepEqual(r.json, { detail: 'Task not found' });
    }
    assert.equal(countTasks(u), 0);
  });
});

// ---------------------------------------------------------------- If-Match

describe('If-Match', () => {
  test('PUT: current ETag succeeds with a new ETag; stale is 412 and changes nothing; * succeeds', async () => {
    const u = newUser('im-put');
    const c = await create(u, { title: 'v1' });
    const e1 = c.headers.etag;
    const r = await put(u, c.json.id, { title: 'v2' }, { 'if-match': e1 });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.title, 'v2');
    assert.match(r.headers.etag, ETAG_RE);
    assert.notEqual(r.headers.etag, e1);

    const stale = await put(u, c.json.id, { title: 'v3' }, { 'if-match': e1 });
    assert.equal(stale.status, 412, stale.text);
    assert.equal(typeof stale.json.detail, 'string');
    assert.equal(row(c.json.id), 'v2||false|medium|-||2');

    const any = await put(u, c.json.id, { title: 'v4' }, { 'if-match': '*' });
    assert.equal(any.status, 200, any.text);
    assert.equal(any.json.title, 'v4');
  });

  test('PATCH: current ETag succeeds; stale is 412 and changes nothing; * succeeds', async () => {
    const u = newUser('im-patch');
    const c = await create(u, { title: 'p1' });
    const e1 = c.headers.etag;
    const r = await patch(u, c.json.id, { description: 'first' }, { 'if-match': e1 });
    assert.equal(r.status, 200, r.text);
    assert.notEqual(r.headers.etag, e1);
    const stale = await patch(u, c.json.id, { description: 'second' }, { 'if-match': e1 });
    assert.equal(stale.status, 412, stale.text);
    assert.equal(typeof stale.json.detail, 'string');
    assert.equal(row(c.json.id), 'p1|first|false|medium|-||2');
    const again = await patch(u, c.json.id, { description: 'second' }, { 'if-match': r.headers.etag });
    assert.equal(again.status, 200);
    const any = await patch(u, c.json.id, { description: 'third' }, { 'if-match': '*' });
    assert.equal(any.status, 200);
    assert.equal(row(c.json.id), 'p1|third|false|medium|-||4');
    const garbage = await patch(u, c.json.id, { description: 'fourth' }, { 'if-match': '"no-such-etag"' });
    assert.equal(garbage.status, 412);
    assert.equal(row(c.json.id), 'p1|third|false|medium|-||4');
  });

  test('DELETE: stale ETag is 412 and keeps the task; current deletes; * deletes', async () => {
    const u = newUser('im-del');
    const c = await create(u, { title: 'd1' });
    const p = await patch(u, c.json.id, { title: 'd2' });
    const stale = await del(u, c.json.id, { 'if-match': c.headers.etag });
    assert.equal(stale.status, 412, stale.text);
    assert.equal(typeof stale.json.detail, 'string');
    assert.equal(countTasks(u), 1);
    const ok = await del(u, c.json.id, { 'if-match': p.headers.etag });
    assert.equal(ok.status, 204, ok.text);
    assert.equal(countTasks(u), 0);

    const c2 = await create(u, { title: 'd3' });
    const any = await del(u, c2.json.id, { 'if-match': '*' });
    assert.equal(any.status, 204);
    assert.equal(countTasks(u), 0);
  });
});

// ---------------------------------------------------------------- delete

test('DELETE is a 204 with no body, then the task is gone (404)', async () => {
  const u = newUser('delete');
  const c = await create(u, { title: 'Delete me' });
  const keep = await create(u, { title: 'Keep me' });
  const r = await del(u, c.json.id);
  assert.equal(r.status, 204);
  assert.equal(r.text, '');
  const g = await getTask(u, c.json.id);
  assert.equal(g.status, 404);
  assert.deepEqual(g.json, { detail: 'Task not found' });
  const again = await del(u, c.json.id);
  assert.equal(again.status, 404);
  assert.deepEqual(again.json, { detail: 'Task not found' });
  assert.equal(countTasks(u), 1);
  assert.equal((await getTask(u, keep.json.id)).status, 200);
});

// ---------------------------------------------------------------- complete

describe('PATCH /api/v1/tasks/{id}/complete', () => {
  test('toggles completion and completed_at, with a new ETag each time', async () => {
    const u = newUser('toggle');
    const c = await create(u, { title: 'Toggle me', tags: ['x'] });
    const done = await complete(u, c.json.id);
    assert.equal(done.status, 200, done.text);
    assert.equal(done.json.completed, true);
    near(done.json.completed_at);
    assert.notEqual(done.headers.etag, c.headers.etag);
    assert.equal(done.headers['x-next-task-id'], undefined);
    const open = await complete(u, c.json.id);
    assert.equal(open.status, 200);
    assert.equal(open.json.completed, false);
    assert.equal(open.json.completed_at, null);
    assert.notEqual(open.headers.etag, done.headers.etag);
    assert.equal(countTasks(u), 1, 'completing a task without recurrence creates nothing');
    const r = await complete(u, randomUUID());
    assert.equal(r.status, 404);
    assert.deepEqual(r.json, { detail: 'Task not found' });
  });

  const list = async (u) => {
    const r = await api(u, '/api/v1/tasks?sort=due_at&limit=100');
    assert.equal(r.status, 200, r.text);
    return r.json;
  };

  async function occurrence(u, task) {
    const done = await complete(u, task.id);
    assert.equal(done.status, 200, done.text);
    assert.equal(done.json.completed, true);
    const nextId = done.headers['x-next-task-id'];
    assert.match(nextId ?? '', UUID_RE, 'x-next-task-id header');
    assert.notEqual(nextId, task.id);
    const g = await getTask(u, nextId);
    assert.equal(g.status, 200);
    return g.json;
  }

  const copied = (from, to) => {
    for (const k of ['title', 'description', 'priority', 'tags', 'recurrence', 'user_id']) {
      assert.deepEqual(to[k], from[k], k);
    }
    assert.equal(to.completed, false);
    assert.equal(to.completed_at, null);
  };

  test('daily: the next occurrence is due one day later, remind_at moved the same, fields copied', async () => {
    const u = newUser('daily');
    const { json: t } = await create(u, {
      title: 'Water plants', description: 'the ferns', priority: 'high', tags: ['home', 'garden'],
      due_at: '2026-03-07T15:30:00Z', remind_at: '2026-03-07T15:00:00Z', recurrence: 'daily',
    });
    const n = await occurrence(u, t);
    copied(t, n);
    assert.equal(n.due_at, '2026-03-08T15:30:00.000Z');
    assert.equal(n.remind_at, '2026-03-08T15:00:00.000Z');
    const l = await list(u);
    assert.equal(l.total, 2);
    assert.deepEqual(l.items.map((x) => [x.id, x.due_at, x.completed]),
      [[t.id, '2026-03-07T15:30:00.000Z', true], [n.id, '2026-03-08T15:30:00.000Z', false]]);
  });

  test('weekly: seven days later, across a year end', async () => {
    const u = newUser('weekly');
    const { json: t } = await create(u, {
      title: 'Weekly review', due_at: '2026-12-28T09:00:00Z', remind_at: '2026-12-27T09:00:00Z', recurrence: 'weekly',
    });
    const n = await occurrence(u, t);
    copied(t, n);
    assert.equal(n.due_at, '2027-01-04T09:00:00.000Z');
    assert.equal(n.remind_at, '2027-01-03T09:00:00.000Z');
    assert.equal(n.recurrence, 'weekly');
  });

  test('monthly keeps the day of month, clamped: Jan 31 → Feb 28 → Mar 31', async () => {
    const u = newUser('monthly');
    const { json: t } = await create(u, {
      title: 'Pay rent', tags: ['money'], due_at: '2027-01-31T09:00:00Z', remind_at: '2027-01-30T09:00:00Z',
      recurrence: 'monthly',
    });
    const feb = await occurrence(u, t);
    copied(t, feb);
    assert.equal(feb.due_at, '2027-02-28T09:00:00.000Z');
    assert.equal(feb.remind_at, '2027-02-27T09:00:00.000Z');
    const mar = await occurrence(u, feb);
    copied(t, mar);
    assert.equal(mar.due_at, '2027-03-31T09:00:00.000Z');
    assert.equal(mar.remind_at, '2027-03-30T09:00:00.000Z');
    const l = await list(u);
    assert.equal(l.total, 3);
    assert.deepEqual(l.items.map((x) => x.due_at),
      ['2027-01-31T09:00:00.000Z', '2027-02-28T09:00:00.000Z', '2027-03-31T09:00:00.000Z']);
  });

  test('monthly without remind_at leaves remind_at null', async () => {
    const u = newUser('monthly-noremind');
    const { json: t } = await create(u, { title: 'Invoice', due_at: '2026-08-31T00:00:00Z', recurrence: 'monthly' });
    const n = await occurrence(u, t);
    assert.equal(n.due_at, '2026-09-30T00:00:00.000Z');
    assert.equal(n.remind_at, null);
  });

  test('re-opening and completing again does not create a second occurrence', async () => {
    const u = newUser('reopen');
    const { json: t } = await create(u, { title: 'Once', due_at: '2026-06-01T08:00:00Z', recurrence: 'daily' });
    const n = await occurrence(u, t);
    const reopen = await complete(u, t.id);
    assert.equal(reopen.status, 200);
    assert.equal(reopen.json.completed, false);
    assert.equal(reopen.headers['x-next-task-id'], undefined);
    const again = await complete(u, t.id);
    assert.equal(again.status, 200);
    assert.equal(again.json.completed, true);
    assert.equal(again.headers['x-next-task-id'], undefined);
    const l = await list(u);
    assert.equal(l.total, 2);
    assert.deepEqual(l.items.map((x) => x.id), [t.id, n.id]);
    assert.equal(countTasks(u), 2);
  });

  test('an empty body without content-type is accepted', async () => {
    const u = newUser('emptybody');
    const { json: t } = await create(u, { title: 'No body' });
    const r = await api(u, `/api/v1/tasks/${t.id}/complete`, {
      method: 'PATCH', body: '', headers: { 'content-length': '0' },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.completed, true);
  });
});

// ---------------------------------------------------------------- idempotency

describe('Idempotency-Key on POST', () => {
  test('the same key and body twice answer the same task, stored once, the second marked replayed', async () => {
    const u = newUser('idem');
    const key = `key-${randomUUID()}`;
    const body = { title: 'Once only', tags: ['x'] };
    const a = await create(u, body, { 'idempotency-key': key });
    assert.equal(a.headers['idempotent-replayed'], undefined);
    const b = await create(u, body, { 'idempotency-key': key });
    assert.equal(b.json.id, a.json.id);
    assert.equal(b.headers['idempotent-replayed'], 'true');
    assert.equal(b.headers.location, `/api/v1/tasks/${a.json.id}`);
    assert.deepEqual(b.json, a.json);
    assert.equal(countTasks(u), 1);
    // Without the key, the same body makes another task.
    const c = await create(u, body);
    assert.notEqual(c.json.id, a.json.id);
    assert.equal(countTasks(u), 2);
  });

  test('the same key with a different body is a 422 at loc ["header","idempotency-key"]', async () => {
    const u = newUser('idem-conflict');
    const key = 'reused-key';
    await create(u, { title: 'First' }, { 'idempotency-key': key });
    const r = await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'Second' }, headers: { 'idempotency-key': key } });
    assert422(r, [{ loc: ['header', 'idempotency-key'] }]);
    assert.equal(countTasks(u), 1);
    assert.equal(countTasks(u, "title = 'Second'"), 0);
  });

  test('different users use the same key independently', async () => {
    const a = newUser('idem-a');
    const b = newUser('idem-b');
    const key = `shared-${RUN}`;
    const ra = await create(a, { title: 'Shared key' }, { 'idempotency-key': key });
    const rb = await create(b, { title: 'Shared key' }, { 'idempotency-key': key });
    assert.notEqual(rb.json.id, ra.json.id);
    assert.equal(rb.json.user_id, b.sub);
    assert.equal(rb.headers['idempotent-replayed'], undefined);
    assert.equal(countTasks(a), 1);
    assert.equal(countTasks(b), 1);
  });

  test('an invalid key is a 422 and writes nothing', async () => {
    const u = newUser('idem-invalid');
    for (const key of ['k'.repeat(300), 'has space']) {
      const r = await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'x' }, headers: { 'idempotency-key': key } });
      assert422(r, [{ loc: ['header', 'idempotency-key'] }]);
    }
    assert.equal(countTasks(u), 0);
  });

  test('keys expire after 24 hours: the same key then creates a new task', async () => {
    const u = newUser('idem-expire');
    const key = 'expiring-key';
    const a = await create(u, { title: 'Expiring' }, { 'idempotency-key': key });
    psql(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE user_id = '${u.sub}' AND key = '${key}'`);
    const b = await create(u, { title: 'Expiring' }, { 'idempotency-key': key });
    assert.notEqual(b.json.id, a.json.id);
    assert.equal(b.headers['idempotent-replayed'], undefined);
    assert.equal(countTasks(u), 2);
    const c = await create(u, { title: 'Expiring' }, { 'idempotency-key': key });
    assert.equal(c.json.id, b.json.id);
    assert.equal(c.headers['idempotent-replayed'], 'true');
    assert.equal(countTasks(u), 2);
  });

  test('concurrent retries with one key store one task; every 201 answers it', async () => {
    const u = newUser('idem-race');
    const key = 'race-key';
    await api(u, '/api/v1/tasks?limit=1'); // the user row exists before the race
    const rs = await Promise.all(Array.from({ length: 6 }, () => api(u, '/api/v1/tasks', {
      method: 'POST', body: { title: 'Raced' }, headers: { 'idempotency-key': key },
    })));
    const created = rs.filter((r) => r.status === 201);
    for (const r of rs) assert.ok(r.status === 201 || r.status === 409, `${r.status} ${r.text}`);
    assert.ok(created.length >= 1);
    assert.equal(new Set(created.map((r) => r.json.id)).size, 1);
    assert.equal(countTasks(u), 1);
  });
});

// ---------------------------------------------------------------- tenants

describe('tenant isolation', () => {
  test("another user's task answers 404 to every method and stays unchanged", async () => {
    const alice = newUser('alice');
    const bob = newUser('bob');
    const c = await create(alice, { title: 'Alice secret', tags: ['private'], due_at: '2027-01-01T00:00:00Z', recurrence: 'daily' });
    const id = c.json.id;
    const before = row(id);
    const rs = [
      await getTask(bob, id),
      await put(bob, id, { title: 'Bob was here' }),
      await patch(bob, id, { title: 'Bob was here' }),
      await patch(bob, id, { title: 'Bob was here' }, { 'if-match': '*' }),
      await complete(bob, id),
      await del(bob, id),
      await del(bob, id, { 'if-match': c.headers.etag }),
    ];
    for (const r of rs) {
      assert.equal(r.status, 404, r.text);
      assert.deepEqual(r.json, { detail: 'Task not found' });
    }
    assert.equal(row(id), before);
    assert.equal(psql(`SELECT count(*) FROM tasks WHERE user_id = '${alice.sub}'`), '1');
    assert.equal(countTasks(bob), 0);
    // If-None-Match does not reveal it either.
    const nm = await getTask(bob, id, { 'if-none-match': c.headers.etag });
    assert.equal(nm.status, 404);
    assert.equal((await getTask(alice, id)).json.title, 'Alice secret');
  });

  test("lists and tags never show another user's data", async () => {
    const alice = newUser('alice-l');
    const bob = newUser('bob-l');
    await create(alice, { title: 'Alice groceries milk', tags: ['alice-only', 'shared'], priority: 'high' });
    await create(alice, { title: 'Alice overdue', due_at: '2020-01-01T00:00:00Z' });
    const own = await create(bob, { title: 'Bob task', tags: ['shared'] });
    for (const q of ['', '?q=milk', '?tag=alice-only', '?tag=shared', '?priority=high', '?overdue=true',
      '?sort=title', '?completed=false', '?due_before=2030-01-01T00:00:00Z']) {
      const r = await api(bob, `/api/v1/tasks${q}`);
      assert.equal(r.status, 200, r.text);
      for (const t of r.json.items) assert.equal(t.user_id, bob.sub, q);
      const expected = ['', '?tag=shared', '?sort=title', '?completed=false'].includes(q) ? [own.json.id] : [];
      assert.deepEqual(r.json.items.map((t) => t.id), expected, q);
      assert.equal(r.json.total, expected.length, q);
    }
    const tags = await api(bob, '/api/v1/tags');
    assert.equal(tags.status, 200);
    assert.deepEqual(tags.json, { items: [{ name: 'shared', task_count: 1 }] });
    const atags = await api(alice, '/api/v1/tags');
    assert.deepEqual(atags.json, { items: [{ name: 'alice-only', task_count: 1 }, { name: 'shared', task_count: 1 }] });
  });
});

// ---------------------------------------------------------------- compatibility routes

describe('compatibility routes /api/{user_id}/tasks', () => {
  test('list, create, read, replace, patch, complete and delete behave like /api/v1', async () => {
    const u = newUser('compat');
    const base = `/api/${u.sub}/tasks`;
    const c = await api(u, base, { method: 'POST', body: { title: 'Compat', tags: ['Old'] } });
    assert.equal(c.status, 201, c.text);
    assert.equal(c.headers.location, `/api/v1/tasks/${c.json.id}`);
    assert.match(c.headers.etag, ETAG_RE);
    assert.equal(c.json.user_id, u.sub);
    assert.deepEqual(c.json.tags, ['old']);

    const l = await api(u, base);
    assert.equal(l.status, 200);
    assert.deepEqual(l.json, { items: [c.json], total: 1, total_exact: true, limit: 20, offset: 0, next_cursor: null });
    const v1 = await api(u, '/api/v1/tasks');
    assert.deepEqual(l.json, v1.json);
    const lq = await api(u, `${base}?limit=0`);
    assert.equal(lq.status, 422);
    assert.deepEqual(lq.json.detail.map((d) => d.loc), [['query', 'limit']]);
    assert422(await api(u, base, { method: 'POST', body: { title: '' } }), [{ loc: ['body', 'title'], type: 'string_too_short' }]);

    const g = await api(u, `${base}/${c.json.id}`);
    assert.equal(g.status, 200);
    assert.deepEqual(g.json, c.json);
    assert.equal((await api(u, `${base}/${c.json.id}`, { headers: { 'if-none-match': c.headers.etag } })).status, 304);

    const p = await api(u, `${base}/${c.json.id}`, { method: 'PUT', body: { title: 'Compat put' } });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.title, 'Compat put');
    assert.deepEqual(p.json.tags, []);
    const stale = await api(u, `${base}/${c.json.id}`, { method: 'PUT', body: { title: 'stale' }, headers: { 'if-match': c.headers.etag } });
    assert.equal(stale.status, 412);

    const pa = await api(u, `${base}/${c.json.id}`, { method: 'PATCH', body: { priority: 'low' } });
    assert.equal(pa.status, 200, pa.text);
    assert.equal(pa.json.priority, 'low');
    assert.equal(pa.json.title, 'Compat put');

    const done = await api(u, `${base}/${c.json.id}/complete`, { method: 'PATCH', body: '' });
    assert.equal(done.status, 200, done.text);
    assert.equal(done.json.completed, true);
    near(done.json.completed_at);

    const d = await api(u, `${base}/${c.json.id}`, { method: 'DELETE' });
    assert.equal(d.status, 204);
    const gone = await api(u, `${base}/${c.json.id}`);
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.json, { detail: 'Task not found' });
    assert.equal(countTasks(u), 0);
  });

  test('a recurring task completed through the compatibility route spawns its next occurrence', async () => {
    const u = newUser('compat-rec');
    const { json: t } = await create(u, { title: 'Compat daily', due_at: '2026-05-05T05:00:00Z', recurrence: 'daily' });
    const r = await api(u, `/api/${u.sub}/tasks/${t.id}/complete`, { method: 'PATCH', body: '' });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers['x-next-task-id'] ?? '', UUID_RE);
    assert.equal((await getTask(u, r.headers['x-next-task-id'])).json.due_at, '2026-05-06T05:00:00.000Z');
  });

  test("another user's id in the path is a 403 for every route", async () => {
    const alice = newUser('compat-alice');
    const bob = newUser('compat-bob');
    const { json: t } = await create(alice, { title: 'Alice compat' });
    const before = row(t.id);
    const ab = `/api/${alice.sub}/tasks`;
    const rs = [
      await api(bob, ab),
      await api(bob, ab, { method: 'POST', body: { title: 'into alice' } }),
      await api(bob, `${ab}/${t.id}`),
      await api(bob, `${ab}/${t.id}`, { method: 'PUT', body: { title: 'x' } }),
      await api(bob, `${ab}/${t.id}`, { method: 'PATCH', body: { title: 'x' } }),
      await api(bob, `${ab}/${t.id}`, { method: 'DELETE' }),
      await api(bob, `${ab}/${t.id}/complete`, { method: 'PATCH', body: '' }),
    ];
    for (const r of rs) {
      assert.equal(r.status, 403, r.text);
      assert.deepEqual(r.json, { detail: 'Not enough permissions' });
    }
    assert.equal(row(t.id), before);
    assert.equal(countTasks(alice), 1);
    assert.equal(countTasks(bob), 0);
    // Bob on his own compatibility path cannot reach Alice's task either.
    const own = await api(bob, `/api/${bob.sub}/tasks/${t.id}`);
    assert.equal(own.status, 404);
    assert.deepEqual(own.json, { detail: 'Task not found' });
    const ownList = await api(bob, `/api/${bob.sub}/tasks`);
    assert.deepEqual(ownList.json, { items: [], total: 0, total_exact: true, limit: 20, offset: 0, next_cursor: null });
  });

  test('without a token the compatibility routes are 401', async () => {
    const u = newUser('compat-anon');
    const r = await send(`/api/${u.sub}/tasks`);
    assert.equal(r.status, 401);
    assert.equal(typeof r.json.detail, 'string');
    assert.match(r.headers['www-authenticate'], /^Bearer/);
  });
});

// Defence in depth (issue 18): an idempotency key is only ever replayed
// with the caller's own task, whatever the key table says.
test('an Idempotency-Key pointing at another user\'s task never answers it', async () => {
  const victim = newUser('victim');
  const theirs = (await create(victim, { title: 'victim secret' })).json;
  const u = newUser('keythief');
  await create(u, { title: 'mine' });
  const body = JSON.stringify({ title: 'replay me' });
  const hash = (await import('node:crypto')).createHash('sha256').update(body).digest('hex');
  psql(`INSERT INTO idempotency_keys (user_id, key, request_hash, task_id)
        VALUES ('${u.sub}', 'stolen-key', '${hash}', '${theirs.id}')`);
  const r = await api(u, '/api/v1/tasks', {
    method: 'POST', body, headers: { 'content-type': 'application/json', 'idempotency-key': 'stolen-key' },
  });
  assert.equal(r.status, 409, r.text);
  assert.ok(!r.text.includes('victim secret'));
});
