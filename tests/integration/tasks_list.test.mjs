// GET /api/v1/tasks and GET /api/v1/tags over real HTTPS (SPEC "Tasks"):
// the list envelope, limit/offset bounds, every filter, full-text search,
// every sort key both ways, keyset cursors (walks, concurrent inserts,
// tampering) and tag counts. CRUD is in tasks.test.mjs.
//
// Authentication: shared-secret mode (HS256 tokens minted here).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer, request, psql, mintToken } from './harness.mjs';

const SECRET = 'tasks-list-integration-secret-0123456789-abcd';
const RUN = randomBytes(4).toString('hex');

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
async function create(u, body) {
  const r = await api(u, '/api/v1/tasks', { method: 'POST', body });
  assert.equal(r.status, 201, r.text);
  return r.json;
}
async function list(u, qs = '') {
  const r = await api(u, `/api/v1/tasks${qs ? `?${qs}` : ''}`);
  assert.equal(r.status, 200, `${qs}: ${r.text}`);
  assert.deepEqual(Object.keys(r.json).sort(), ['items', 'limit', 'next_cursor', 'offset', 'total', 'total_exact']);
  return r.json;
}
// A 422 for exactly one query parameter.
async function assertQuery422(u, qs, name) {
  const r = await api(u, `/api/v1/tasks?${qs}`);
  assert.equal(r.status, 422, `${qs}: ${r.text}`);
  assert.ok(Array.isArray(r.json?.detail), r.text);
  assert.deepEqual(r.json.detail.map((d) => d.loc), [['query', name]], `${qs}: ${r.text}`);
  assert.equal(typeof r.json.detail[0].msg, 'string');
}
const ids = (page) => page.items.map((t) => t.id);
const titles = (page) => page.items.map((t) => t.title);

// The expected order of a sort over known tasks. seq / useq: creation and
// last-update order (the server's timestamps follow them).
const RANK = { low: 0, medium: 1, high: 2, urgent: 3 };
function expectedOrder(tasks, sort) {
  const desc = sort.startsWith('-');
  const key = desc ? sort.slice(1) : sort;
  const val = {
    created_at: (t) => t.seq, updated_at: (t) => t.useq, title: (t) => t.title,
    priority: (t) => RANK[t.priority], due_at: (t) => (t.due_at === null ? null : Date.parse(t.due_at)),
  }[key];
  const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  return [...tasks].sort((a, b) => {
    const va = val(a); const vb = val(b);
    if (va === null && vb !== null) return 1; // nulls last both ways
    if (vb === null && va !== null) return -1;
    const c = cmp(va, vb) || cmp(a.id, b.id);
    return desc ? -c : c;
  }).map((t) => t.id);
}

// Follows next_cursor until null; every page checked.
async function walk(u, qs, limit, between) {
  const seen = [];
  let cursor = null;
  let pages = 0;
  do {
    const page = await list(u, `${qs}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(page.limit, limit);
    assert.equal(page.offset, 0);
    assert.ok(page.items.length <= limit);
    seen.push(...ids(page));
    cursor = page.next_cursor;
    if (cursor !== null) {
      assert.equal(typeof cursor, 'string');
      assert.match(cursor, /^[A-Za-z0-9_-]+$/);
      assert.equal(page.items.length, limit);
    }
    pages++;
    assert.ok(pages <= 60, 'cursor walk does not end');
    if (between && cursor) await between(pages);
  } while (cursor);
  return { seen, pages };
}

// ---------------------------------------------------------------- a known set of 25

describe('a list of 25 tasks', () => {
  const u = newUser('big');
  const tasks = [];
  const TITLES = ['delta', 'alpha', 'charlie', 'bravo', 'alpha', 'echo', 'foxtrot', 'alpha', 'golf',
    'hotel', 'india', 'bravo', 'juliet', 'kilo', 'lima', 'mike', 'november', 'oscar', 'papa', 'quebec',
    'romeo', 'sierra', 'tango', 'uniform', 'victor'];
  const PRIORITIES = ['low', 'medium', 'high', 'urgent', 'medium'];
  const NULL_DUE = new Set([1, 4, 7, 10, 13, 16, 19, 22, 24]); // 16 dated, 9 undated
  const PATCHED = [3, 10, 0, 24];

  before(async () => {
    for (let i = 0; i < 25; i++) {
      const due = NULL_DUE.has(i) ? null
        : new Date(Date.UTC(2027, 2, 1 + ((i * 7) % 11), 12)).toISOString();
      const t = await create(u, {
        title: TITLES[i], priority: PRIORITIES[i % 5], due_at: due, tags: [`n${i % 3}`],
      });
      tasks.push({ ...t, seq: i, useq: i });
    }
    let useq = 100;
    for (const i of PATCHED) {
      const r = await api(u, `/api/v1/tasks/${tasks[i].id}`, { method: 'PATCH', body: { description: `patched ${useq}` } });
      assert.equal(r.status, 200, r.text);
      Object.assign(tasks[i], r.json, { useq: useq++ });
    }
  });

  test('default: limit 20, offset 0, sorted by -created_at, total counts all, next_cursor set', async () => {
    const page = await list(u);
    assert.equal(page.total, 25);
    assert.equal(page.limit, 20);
    assert.equal(page.offset, 0);
    assert.equal(typeof page.next_cursor, 'string');
    assert.deepEqual(ids(page), expectedOrder(tasks, '-created_at').slice(0, 20));
    assert.deepEqual(ids(page), tasks.slice(5).reverse().map((t) => t.id));
    // Items are the full task objects.
    const byId = Object.fromEntries(tasks.map(({ seq, useq, ...t }) => [t.id, t]));
    for (const item of page.items) assert.deepEqual(item, byId[item.id]);
  });

  test('limit 1 and 100 are accepted; 0, 101, -1 and "x" are 422', async () => {
    const one = await list(u, 'limit=1');
    assert.equal(one.limit, 1);
    assert.equal(one.total, 25);
    assert.deepEqual(ids(one), [tasks[24].id]);
    assert.equal(typeof one.next_cursor, 'string');
    const all = await list(u, 'limit=100');
    assert.equal(all.limit, 100);
    assert.equal(all.items.length, 25);
    assert.equal(all.next_cursor, null);
    for (const bad of ['0', '101', '-1', 'x', '1.5', '']) await assertQuery422(u, `limit=${bad}`, 'limit');
  });

  test('offset slices the sorted list; 10000 is accepted, 10001 / -1 / "x" are 422', async () => {
    const order = expectedOrder(tasks, 'title');
    const p = await list(u, 'sort=title&limit=4&offset=8');
    assert.equal(p.offset, 8);
    assert.equal(p.total, 25);
    assert.deepEqual(ids(p), order.slice(8, 12));
    // next_cursor of an offset page continues after it.
    assert.equal(typeof p.next_cursor, 'string');
    const next = await list(u, `sort=title&limit=4&cursor=${p.next_cursor}`);
    assert.deepEqual(ids(next), order.slice(12, 16));
    const tail = await list(u, 'sort=title&limit=4&offset=23');
    assert.deepEqual(ids(tail), order.slice(23));
    assert.equal(tail.next_cursor, null);
    const far = await list(u, 'offset=10000');
    assert.deepEqual(far, { items: [], total: 25, total_exact: true, limit: 20, offset: 10000, next_cursor: null });
    for (const bad of ['10001', '-1', 'x']) await assertQuery422(u, `offset=${bad}`, 'offset');
  });

  const SORTS = ['created_at', '-created_at', 'updated_at', '-updated_at', 'due_at', '-due_at',
    'priority', '-priority', 'title', '-title'];

  test('every sort key both ways gives the full expected order (ties by id, null due_at last)', async () => {
    for (const sort of SORTS) {
      const page = await list(u, `sort=${sort}&limit=100`);
      assert.equal(page.total, 25);
      assert.deepEqual(ids(page), expectedOrder(tasks, sort), `sort=${sort}`);
    }
    // Spelled out for two of them.
    const pr = await list(u, 'sort=priority&limit=100');
    assert.deepEqual(pr.items.map((t) => t.priority),
      [...Array(5).fill('low'), ...Array(10).fill('medium'), ...Array(5).fill('high'), ...Array(5).fill('urgent')]);
    for (const sort of ['due_at', '-due_at']) {
      const due = await list(u, `sort=${sort}&limit=100`);
      assert.deepEqual(due.items.map((t) => t.due_at === null), [...Array(16).fill(false), ...Array(9).fill(true)], sort);
    }
    const ti = await list(u, 'sort=-title&limit=100');
    assert.deepEqual(titles(ti).slice(-5), ['bravo', 'bravo', 'alpha', 'alpha', 'alpha']);
  });

  test('walking next_cursor with limit 4 yields every row exactly once, in order, for every sort', async () => {
    for (const sort of SORTS) {
      const { seen, pages } = await walk(u, `sort=${sort}`, 4);
      assert.equal(pages, 7, `sort=${sort}`);
      assert.equal(new Set(seen).size, 25, `sort=${sort}: a row repeated`);
      assert.deepEqual(seen, expectedOrder(tasks, sort), `sort=${sort}`);
    }
    // A page count that divides the total: the last full page has no cursor.
    const { seen, pages } = await walk(u, 'sort=due_at', 5);
    assert.equal(pages, 5);
    assert.deepEqual(seen, expectedOrder(tasks, 'due_at'));
  });

  test('the default sort accepts a cursor made for sort=-created_at', async () => {
    const p1 = await list(u, 'sort=-created_at&limit=3');
    const p2 = await list(u, `limit=3&cursor=${p1.next_cursor}`);
    assert.deepEqual(ids(p2), expectedOrder(tasks, '-created_at').slice(3, 6));
  });

  test('cursors that are invalid, tampered or made for another sort are 422', async () => {
    const p1 = await list(u, 'sort=title&limit=4');
    const cur = p1.next_cursor;
    const doc = JSON.parse(Buffer.from(cur, 'base64url').toString('utf8'));
    assert.deepEqual(Object.keys(doc).sort(), ['id', 'k', 'v']);
    assert.equal(doc.k, 'title');
    const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    // Sanity: the untouched cursor and a faithful re-encoding both work.
    assert.deepEqual(ids(await list(u, `sort=title&limit=4&cursor=${cur}`)), expectedOrder(tasks, 'title').slice(4, 8));
    assert.deepEqual(ids(await list(u, `sort=title&limit=4&cursor=${enc(doc)}`)), expectedOrder(tasks, 'title').slice(4, 8));

    const bad = [
      ['sort=-title', cur], // made for title
      ['sort=priority', cur],
      ['sort=title', enc({ ...doc, k: '-title' })],
      ['sort=title', enc({ ...doc, k: 'priority' })],
      ['sort=title', enc({ ...doc, id: 'x' })],
      ['sort=title', enc({ ...doc, id: null })],
      ['sort=title', enc({ ...doc, v: 7 })],
      ['sort=title', enc({ k: 'title', id: doc.id })],
      ['sort=title', Buffer.from('not json at all').toString('base64url')],
      ['sort=title', 'abc'],
      ['sort=title', '!!!'],
      ['sort=priority', enc({ k: 'priority', v: 'top', id: doc.id })],
      ['sort=created_at', enc({ k: 'created_at', v: 'yesterday', id: doc.id })],
      ['sort=title', 'A'.repeat(1100)],
    ];
    for (const [qs, c] of bad) await assertQuery422(u, `${qs}&limit=4&cursor=${c}`, 'cursor');
  });

  test('cursor together with offset is a 422', async () => {
    const p1 = await list(u, 'sort=title&limit=4');
    for (const offset of ['0', '4']) {
      const r = await api(u, `/api/v1/tasks?sort=title&limit=4&offset=${offset}&cursor=${p1.next_cursor}`);
      assert.equal(r.status, 422, r.text);
      assert.equal(r.json.detail.length, 1, r.text);
      assert.equal(r.json.detail[0].loc[0], 'query');
      assert.ok(['cursor', 'offset'].includes(r.json.detail[0].loc[1]), r.text);
    }
  });
});

// ---------------------------------------------------------------- envelope, ties, concurrency

test('the envelope of a small list holds exactly the created tasks, newest first', async () => {
  const u = newUser('envelope');
  assert.deepEqual(await list(u), { items: [], total: 0, total_exact: true, limit: 20, offset: 0, next_cursor: null });
  const a = await create(u, { title: 'first', tags: ['x', 'y'], due_at: '2027-01-01T00:00:00Z' });
  const b = await create(u, { title: 'second', priority: 'urgent' });
  const c = await create(u, { title: 'third', description: 'd', completed: true });
  assert.deepEqual(await list(u), { items: [c, b, a], total: 3, total_exact: true, limit: 20, offset: 0, next_cursor: null });
});

test('equal timestamps are ordered by id and walked exactly once', async () => {
  const u = newUser('ties');
  await list(u); // the user row exists
  const tid = ['00000000-0000-4000-8000-0000000000c3', '00000000-0000-4000-8000-0000000000a1',
    '00000000-0000-4000-8000-0000000000b2'].map((x) => x.replace('00000000', RUN));
  psql(`INSERT INTO tasks (id, user_id, title, created_at, updated_at) SELECT x::uuid, '${u.sub}', 'tie', `
    + `'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM unnest(ARRAY['${tid.join("','")}']) x`);
  const asc = [...tid].sort();
  for (const [sort, order] of [['created_at', asc], ['-created_at', [...asc].reverse()],
    ['updated_at', asc], ['-updated_at', [...asc].reverse()], ['title', asc], ['-title', [...asc].reverse()],
    ['priority', asc], ['-priority', [...asc].reverse()], ['due_at', asc], ['-due_at', [...asc].reverse()]]) {
    assert.deepEqual(ids(await list(u, `sort=${sort}`)), order, sort);
    const { seen } = await walk(u, `sort=${sort}`, 1);
    assert.deepEqual(seen, order, `walk sort=${sort}`);
  }
});

test('tasks created during a -created_at walk do not appear, and none is skipped or repeated', async () => {
  const u = newUser('concurrent');
  const made = [];
  for (let i = 0; i < 10; i++) made.push(await create(u, { title: `c${i}` }));
  let n = 0;
  const { seen, pages } = await walk(u, 'sort=-created_at', 3, async () => {
    await create(u, { title: `new${n++}` });
    await create(u, { title: `new${n++}` });
  });
  assert.equal(pages, 4);
  assert.deepEqual(seen, made.map((t) => t.id).reverse());
  assert.equal((await list(u, 'limit=1')).total, 10 + n);
});

// ---------------------------------------------------------------- filters

describe('filters', () => {
  const u = newUser('filters');
  const t = {};
  before(async () => {
    const hourAgo = new Date(Date.now() - 3600e3).toISOString();
    t.t1 = await create(u, { title: 't1', completed: true, priority: 'high', tags: ['a', 'b'], due_at: '2020-01-01T00:00:00Z' });
    t.t2 = await create(u, { title: 't2', priority: 'high', tags: ['a'], due_at: '2020-06-01T00:00:00Z' });
    t.t3 = await create(u, { title: 't3', priority: 'low', tags: ['b'], due_at: '2030-01-01T00:00:00Z' });
    t.t4 = await create(u, { title: 't4', tags: ['a', 'b', 'c'] });
    t.t5 = await create(u, { title: 't5', completed: true, priority: 'urgent', due_at: '2031-01-01T00:00:00Z' });
    t.t6 = await create(u, { title: 't6', priority: 'low', tags: ['c'], due_at: hourAgo });
  });

  const cases = [
    ['completed=true', ['t5', 't1']],
    ['completed=false', ['t6', 't4', 't3', 't2']],
    ['priority=high', ['t2', 't1']],
    ['priority=low', ['t6', 't3']],
    ['priority=medium', ['t4']],
    ['tag=a', ['t4', 't2', 't1']],
    ['tag=a&tag=b', ['t4', 't1']],
    ['tag=b&tag=a', ['t4', 't1']],
    ['tag=a&tag=b&tag=c', ['t4']],
    ['tag=B', ['t4', 't3', 't1']],
    ['tag=nope', []],
    ['tag=a&tag=nope', []],
    ['due_before=2029-01-01T00:00:00Z', ['t6', 't2', 't1']],
    ['due_after=2029-01-01T00:00:00Z', ['t5', 't3']],
    ['due_after=2019-12-31T00:00:00Z&due_before=2020-03-01T00:00:00Z', ['t1']],
    ['due_before=2020-01-01T01:00:00%2B02:00', []],
    ['due_before=2020-01-01T03:00:00%2B02:00', ['t1']],
    ['overdue=true', ['t6', 't2']],
    ['overdue=true&tag=c', ['t6']],
    ['completed=false&tag=a', ['t4', 't2']],
    ['priority=high&completed=false', ['t2']],
    ['completed=false&sort=title', ['t2', 't3', 't4', 't6']],
  ];
  for (const [qs, expected] of cases) {
    test(`?${qs}`, async () => {
      const page = await list(u, qs);
      assert.deepEqual(titles(page), expected);
      assert.equal(page.total, expected.length);
    });
  }

  test('total counts every match regardless of limit and offset', async () => {
    const p = await list(u, 'completed=false&limit=1&offset=1');
    assert.equal(p.total, 4);
    assert.deepEqual(titles(p), ['t4']);
    assert.equal(typeof p.next_cursor, 'string');
    const p2 = await list(u, `completed=false&limit=1&cursor=${p.next_cursor}`);
    assert.deepEqual(titles(p2), ['t3']);
    assert.equal(p2.total, 4);
  });

  test('invalid filter values are 422 naming the parameter', async () => {
    for (const [qs, name] of [
      ['completed=maybe', 'completed'], ['priority=top', 'priority'], ['due_before=tomorrow', 'due_before'],
      ['due_after=2026-13-01T00:00:00Z', 'due_after'], ['overdue=yes', 'overdue'], ['sort=colour', 'sort'],
      ['sort=--title', 'sort'], ['tag=bad%20tag', 'tag'], [`tag=${'a'.repeat(33)}`, 'tag'],
    ]) await assertQuery422(u, qs, name);
  });
});

// ---------------------------------------------------------------- full-text search

describe('q (full-text search)', () => {
  const u = newUser('search');
  before(async () => {
    await create(u, { title: 'Buy milk', description: 'and bread too' });
    await create(u, { title: 'Bread recipe' });
    await create(u, { title: 'MILK shake', description: 'strawberry flavour' });
    await create(u, { title: 'Nothing here', description: 'unrelated words' });
  });
  for (const [q, expected] of [
    ['milk', ['MILK shake', 'Buy milk']],
    ['Milk', ['MILK shake', 'Buy milk']],
    ['bread', ['Bread recipe', 'Buy milk']],
    ['milk bread', ['Buy milk']],
    ['BREAD  Milk', ['Buy milk']],
    ['strawberry', ['MILK shake']],
    ['too', ['Buy milk']],
    ['bread recipe', ['Bread recipe']],
    ['milk recipe', []],
    ['zebra', []],
  ]) {
    test(`q=${JSON.stringify(q)}`, async () => {
      const page = await list(u, `q=${encodeURIComponent(q)}`);
      assert.deepEqual(titles(page), expected);
      assert.equal(page.total, expected.length);
    });
  }
  test('q combines with other filters and sorts', async () => {
    const page = await list(u, 'q=milk&sort=title');
    assert.deepEqual(titles(page), ['Buy milk', 'MILK shake']);
  });
  test('q of 200 characters is accepted; 201 and empty are 422', async () => {
    const ok = await list(u, `q=${'a'.repeat(200)}`);
    assert.deepEqual(ok.items, []);
    await assertQuery422(u, `q=${'a'.repeat(201)}`, 'q');
    await assertQuery422(u, 'q=', 'q');
  });
});

// ---------------------------------------------------------------- small sets, spelled out

test('priority sorts by rank low < medium < high < urgent, ties by id', async () => {
  const u = newUser('prio');
  const m1 = await create(u, { title: 'm1' });
  const lo = await create(u, { title: 'lo', priority: 'low' });
  const ur = await create(u, { title: 'ur', priority: 'urgent' });
  const m2 = await create(u, { title: 'm2', priority: 'medium' });
  const hi = await create(u, { title: 'hi', priority: 'high' });
  const [ma, mb] = [m1, m2].sort((a, b) => (a.id < b.id ? -1 : 1));
  assert.deepEqual(ids(await list(u, 'sort=priority')), [lo.id, ma.id, mb.id, hi.id, ur.id]);
  assert.deepEqual(ids(await list(u, 'sort=-priority')), [ur.id, hi.id, mb.id, ma.id, lo.id]);
});

test('due_at sorts with null due dates last in both directions', async () => {
  const u = newUser('due');
  const n1 = await create(u, { title: 'none1' });
  const d2 = await create(u, { title: 'd2', due_at: '2027-02-01T00:00:00Z' });
  const d1 = await create(u, { title: 'd1', due_at: '2027-01-01T00:00:00+01:00' });
  const n2 = await create(u, { title: 'none2' });
  const d3 = await create(u, { title: 'd3', due_at: '2027-03-01T00:00:00Z' });
  const [na, nb] = [n1, n2].sort((a, b) => (a.id < b.id ? -1 : 1));
  assert.deepEqual(ids(await list(u, 'sort=due_at')), [d1.id, d2.id, d3.id, na.id, nb.id]);
  assert.deepEqual(ids(await list(u, 'sort=-due_at')), [d3.id, d2.id, d1.id, nb.id, na.id]);
});

test('title, created_at and updated_at sort both ways', async () => {
  const u = newUser('small');
  const b = await create(u, { title: 'banana' });
  const a = await create(u, { title: 'apple' });
  const c = await create(u, { title: 'cherry' });
  const patchTitle = async (t) => {
    const r = await api(u, `/api/v1/tasks/${t.id}`, { method: 'PATCH', body: { description: 'touched' } });
    assert.equal(r.status, 200);
  };
  await patchTitle(b);
  await patchTitle(a);
  assert.deepEqual(titles(await list(u, 'sort=title')), ['apple', 'banana', 'cherry']);
  assert.deepEqual(titles(await list(u, 'sort=-title')), ['cherry', 'banana', 'apple']);
  assert.deepEqual(titles(await list(u, 'sort=created_at')), ['banana', 'apple', 'cherry']);
  assert.deepEqual(titles(await list(u, 'sort=-created_at')), ['cherry', 'apple', 'banana']);
  assert.deepEqual(titles(await list(u, 'sort=updated_at')), ['cherry', 'banana', 'apple']);
  assert.deepEqual(titles(await list(u, 'sort=-updated_at')), ['apple', 'banana', 'cherry']);
  assert.ok([a, b, c].every((t) => t.user_id === u.sub));
});

// ---------------------------------------------------------------- tags

describe('GET /api/v1/tags', () => {
  test('own tags with task counts, by name', async () => {
    const alice = newUser('tags-alice');
    const bob = newUser('tags-bob');
    assert.deepEqual((await api(alice, '/api/v1/tags')).json, { items: [] });
    await create(alice, { title: 'a1', tags: ['Work', 'home'] });
    await create(alice, { title: 'a2', tags: ['work'] });
    const a3 = await create(alice, { title: 'a3', tags: ['work', 'urgent-1', 'a_z'] });
    await create(alice, { title: 'a4' });
    await create(bob, { title: 'b1', tags: ['secret', 'work'] });
    const r = await api(alice, '/api/v1/tags');
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'], /^application\/json/);
    assert.deepEqual(r.json, { items: [
      { name: 'a_z', task_count: 1 }, { name: 'home', task_count: 1 },
      { name: 'urgent-1', task_count: 1 }, { name: 'work', task_count: 3 },
    ] });
    assert.deepEqual((await api(bob, '/api/v1/tags')).json,
      { items: [{ name: 'secret', task_count: 1 }, { name: 'work', task_count: 1 }] });
    const d = await api(alice, `/api/v1/tasks/${a3.id}`, { method: 'DELETE' });
    assert.equal(d.status, 204);
    assert.deepEqual((await api(alice, '/api/v1/tags')).json,
      { items: [{ name: 'home', task_count: 1 }, { name: 'work', task_count: 2 }] });
  });

  test('a list of 100 tasks with 3 tags each answers every tag in one response', async () => {
    const u = newUser('hundred');
    await list(u); // the user row exists
    psql(`INSERT INTO tasks (user_id, title, tags, created_at, updated_at) SELECT '${u.sub}', `
      + `'bulk ' || lpad(i::text, 3, '0'), ARRAY['t' || i, 'm' || (i % 7), 'common'], `
      + `timestamptz '2026-01-01T00:00:00Z' + i * interval '1 second', `
      + `timestamptz '2026-01-01T00:00:00Z' + i * interval '1 second' FROM generate_series(1, 100) i`);
    const page = await list(u, 'limit=100&sort=title');
    assert.equal(page.total, 100);
    assert.equal(page.next_cursor, null);
    assert.equal(page.items.length, 100);
    page.items.forEach((t, k) => {
      const i = k + 1;
      assert.equal(t.title, `bulk ${String(i).padStart(3, '0')}`);
      assert.deepEqual(t.tags, [`t${i}`, `m${i % 7}`, 'common'], t.title);
    });
    const newest = await list(u, 'limit=100');
    assert.deepEqual(newest.items.map((t) => t.tags[0]), Array.from({ length: 100 }, (_, k) => `t${100 - k}`));
    const expected = new Map([['common', 100]]);
    for (let i = 1; i <= 100; i++) {
      expected.set(`t${i}`, 1);
      expected.set(`m${i % 7}`, (expected.get(`m${i % 7}`) ?? 0) + 1);
    }
    const names = [...expected.keys()].sort();
    const tags = await api(u, '/api/v1/tags');
    assert.deepEqual(tags.json, { items: names.map((name) => ({ name, task_count: expected.get(name) })) });
    const filtered = await list(u, 'tag=m3&tag=common&limit=100');
    assert.equal(filtered.total, 14);
  });
});

// Security review findings (issue 18): instants outside 0001..9999 UTC,
// cursor values PostgreSQL would refuse, and the longest cursors.
describe('dates and cursors at their limits', () => {
  const cursorOf = (doc) => Buffer.from(JSON.stringify(doc)).toString('base64url');

  test('an instant outside 0001..9999 UTC is a 422, in a body and in a query', async () => {
    const u = newUser('range');
    for (const when of ['0001-01-01T00:00:00+00:01', '9999-12-31T23:59:59.5-11:59']) {
      const r = await api(u, '/api/v1/tasks', { method: 'POST', body: { title: 'edge', due_at: when } });
      assert.equal(r.status, 422, r.text);
      assert.deepEqual(r.json.detail.map((d) => d.loc), [['body', 'due_at']]);
      await assertQuery422(u, `due_before=${encodeURIComponent(when)}`, 'due_before');
      await assertQuery422(u, `due_after=${encodeURIComponent(when)}`, 'due_after');
    }
    // The extremes themselves are fine, and render back as sent.
    const t = await create(u, { title: 'last', due_at: '9999-12-31T23:59:59.999Z' });
    assert.equal(t.due_at, '9999-12-31T23:59:59.999Z');
    assert.equal((await list(u, 'sort=due_at')).items.length, 1);
  });

  test('a cursor whose time carries an offset PostgreSQL refuses is normalized, not a 500', async () => {
    const u = newUser('offset');
    const a = await create(u, { title: 'a' });
    await create(u, { title: 'b' });
    const cursor = cursorOf({ k: '-created_at', v: '2999-01-01T00:00:00+16:00', id: a.id });
    const page = await list(u, `limit=10&cursor=${cursor}`);
    assert.equal(page.items.length, 2);
  });

  for (const [name, ch] of [['emoji', '\u{1F600}'], ['control characters', '\u0001']]) {
    test(`titles of 200 ${name}: the next page's cursor is longer than 1,024 and accepted`, async () => {
      const u = newUser('longcursor');
      for (let i = 0; i < 3; i++) await create(u, { title: ch.repeat(199) + String(i) });
      const seen = [];
      let page = await list(u, 'sort=title&limit=1');
      assert.ok(page.next_cursor.length > 1024, `${page.next_cursor.length} characters`);
      for (;;) {
        seen.push(page.items[0].title.slice(-1));
        if (page.next_cursor === null) break;
        page = await list(u, `sort=title&limit=1&cursor=${page.next_cursor}`);
      }
      assert.deepEqual(seen, ['0', '1', '2']);
    });
  }
});

// Filtered totals counted up to 10,000 are remembered per worker with the
// user's write version (event_heads.n) and reused while it has not moved
// (src/core/count_cache.c). They must stay exact through every kind of
// write, and a list whose count depends on the clock is never reused.
describe('remembered filtered totals', () => {
  const u = newUser('remembered');
  async function counts() {
    const r = await send('/metrics');
    assert.equal(r.status, 200);
    const n = (source) => Number(new RegExp(`^tasks_list_counts_total\\{source="${source}"\\} (\\d+)$`, 'm').exec(r.text)?.[1]);
    return { counted: n('counted'), remembered: n('remembered') };
  }
  const dbCount = (where) => Number(psql(`SELECT count(*) FROM tasks WHERE user_id = '${u.sub}' AND ${where}`));
  // Eight lists on new connections (either worker), each total exact.
  async function lists(qs, where) {
    const before = await counts();
    for (let i = 0; i < 8; i++) {
      const p = await list(u, qs);
      assert.equal(p.total, dbCount(where), qs);
      assert.equal(p.total_exact, true);
    }
    const after = await counts();
    return { counted: after.counted - before.counted, remembered: after.remembered - before.remembered };
  }

  test('reused while nothing changes, counted again after each kind of write', async () => {
    const made = [];
    for (let i = 0; i < 6; i++) made.push(await create(u, { title: `r${i}`, priority: i < 4 ? 'high' : 'low', tags: ['x', `t${i % 2}`], due_at: '2030-01-01T00:00:00Z', recurrence: i === 0 ? 'daily' : null }));
    const high = "priority = 'high'";
    // Two workers: at most one count each, the rest remembered.
    let d = await lists('priority=high', high);
    assert.ok(d.counted >= 1 && d.counted <= 2, JSON.stringify(d));
    assert.ok(d.remembered >= 6, JSON.stringify(d));

    const writes = [
      ['create', () => create(u, { title: 'r6', priority: 'high' })],
      ['update moves a task out', () => api(u, `/api/v1/tasks/${made[1].id}`, { method: 'PATCH', body: { priority: 'low' } })],
      ['recurring completion adds the next occurrence', () => api(u, `/api/v1/tasks/${made[0].id}`, { method: 'PATCH', body: { completed: true } })],
      ['delete', () => api(u, `/api/v1/tasks/${made[2].id}`, { method: 'DELETE' })],
    ];
    for (const [what, write] of writes) {
      const r = await write();
      if (r.status !== undefined) assert.ok(r.status < 300, `${what}: ${r.status} ${r.text}`);
      d = await lists('priority=high', high);
      // The version moved: each worker counts once more, never reuses
      // the count taken before the write.
      assert.ok(d.counted >= 1, `${what}: ${JSON.stringify(d)}`);
    }
    // Other filter sets of the same user have their own entries.
    await lists('tag=x&tag=t1', "tags @> '{x,t1}'");
    await lists('q=r&priority=low', "priority = 'low' AND title LIKE 'r%'");
  });

  test('overdue lists are counted every time (the clock moves their total)', async () => {
    await create(u, { title: 'late', due_at: '2020-01-01T00:00:00Z' });
    const d = await lists('overdue=true&priority=medium', "due_at < now() AND NOT completed AND priority = 'medium'");
    assert.equal(d.remembered, 0, JSON.stringify(d));
  });

  test('DELETE /users/me: the same user id starts again from nothing', async () => {
    const v = newUser('remembered-gone');
    for (let i = 0; i < 3; i++) {
      const r = await api(v, '/api/v1/tasks', { method: 'POST', body: { title: `g${i}`, priority: 'urgent' } });
      assert.equal(r.status, 201, r.text);
    }
    for (let i = 0; i < 4; i++) assert.equal((await api(v, '/api/v1/tasks?priority=urgent')).json.total, 3);
    assert.equal((await api(v, '/api/v1/users/me', { method: 'DELETE' })).status, 204);
    for (let i = 0; i < 4; i++) {
      const r = await api(v, '/api/v1/tasks?priority=urgent');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.total, 0);
      assert.deepEqual(r.json.items, []);
    }
    // As many writes as before under the same id: a version that started
    // again per user would now equal the one the old count was kept at.
    for (let i = 0; i < 3; i++) {
      const r = await api(v, '/api/v1/tasks', { method: 'POST', body: { title: `h${i}`, priority: 'low' } });
      assert.equal(r.status, 201, r.text);
    }
    for (let i = 0; i < 4; i++) assert.equal((await api(v, '/api/v1/tasks?priority=urgent')).json.total, 0);
  });
});

// A page of few matches is read from the matches (the plan a prefix q
// gets on the planner's fixed estimate walks the sort index otherwise):
// the same rows, in the same order, as the first page of that query.
test('a query with few matches answers the same page whichever way it is read', async () => {
  const u = newUser('few');
  const zebras = [];
  for (let i = 0; i < 30; i++) {
    const t = await create(u, { title: `${i % 10 === 0 ? 'zebra' : 'plain'} ${String(i).padStart(2, '0')}`, priority: i % 20 ? 'low' : 'high' });
    if (i % 10 === 0) zebras.push({ ...t, seq: i, useq: i });
  }
  for (const sort of ['title', '-title', '-created_at', 'priority', '-priority']) {
    // The first answer counts; the next ones know the count is small.
    const first = await list(u, `q=zeb&sort=${sort}`);
    assert.equal(first.total, 3);
    for (let i = 0; i < 4; i++) assert.deepEqual(ids(await list(u, `q=zeb&sort=${sort}`)), ids(first), sort);
    const expected = expectedOrder(zebras, sort);
    assert.deepEqual(ids(first), expected, sort);
    // A cursor walk over the few-match path gives every match once.
    let cursor = null; const seen = [];
    do {
      const p = await list(u, `q=zeb&sort=${sort}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...ids(p));
      cursor = p.next_cursor;
    } while (cursor);
    assert.deepEqual(seen, expected, sort);
  }
});
