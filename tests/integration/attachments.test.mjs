// Attachments over real HTTPS (SPEC "Attachments"): multipart uploads
// stored in chunks in PostgreSQL, byte-exact downloads with ETag/304 and
// Range/206/416, safe download headers, filename and type rules, the size
// limit per route, the quota (race-free) and the count per task, bad
// multipart bodies, an interrupted upload, another user's data, deletes
// and the cascades, metrics.
//
// Authentication: shared-secret mode (HS256 tokens minted here).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import tls from 'node:tls';
import { startServer, request, psql, mintToken, caPem, sleep, adminUrl } from './harness.mjs';

const SECRET = 'attachments-integration-secret-0123456789-abc';
const RUN = randomBytes(4).toString('hex');
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MiB = 1024 * 1024;
const CHUNK = 262144;

let nusers = 0;
function newUser(name) {
  const sub = `${name}-${RUN}-${++nusers}`;
  return { sub, headers: { authorization: `Bearer ${mintToken(SECRET, sub)}` } };
}

let srv;
before(async () => {
  srv = await startServer({ env: { BETTER_AUTH_SECRET: SECRET } });
});
after(async () => { await srv?.stop(); });

const api = (s, u, path, opts = {}) => request(s, path, {
  ...opts, headers: { ...u.headers, ...(opts.headers || {}) },
});

async function newTask(s, u, title = 'with files') {
  const r = await api(s, u, '/api/v1/tasks', { method: 'POST', body: { title } });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

// A multipart/form-data body: parts of { name, filename, type, data, headers }.
function multipart(parts, boundary = `----b${randomBytes(8).toString('hex')}`) {
  const chunks = [];
  for (const p of parts) {
    let h = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`;
    if (p.filename !== undefined) h += `; filename="${p.filename}"`;
    if (p.filenameStar !== undefined) h += `; filename*=${p.filenameStar}`;
    h += '\r\n';
    if (p.type !== undefined) h += `Content-Type: ${p.type}\r\n`;
    if (p.headers) h += p.headers;
    h += '\r\n';
    chunks.push(Buffer.from(h, 'utf8'), Buffer.from(p.data ?? ''), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}

function upload(s, u, taskId, data, { filename = 'a.bin', type = 'application/octet-stream', parts } = {}) {
  const mp = multipart(parts ?? [{ name: 'file', filename, type, data }]);
  return api(s, u, `/api/v1/tasks/${taskId}/attachments`, {
    method: 'POST', body: mp.body, headers: { 'content-type': mp.type },
  });
}

const sha = (b) => createHash('sha256').update(b).digest('hex');
const rows = (u) => psql(`SELECT count(*) FROM attachments WHERE user_id = '${u.sub}'`);
const chunkRows = (u) => psql(`SELECT count(*) FROM attachment_chunks c JOIN attachments a ON a.id = c.attachment_id WHERE a.user_id = '${u.sub}'`);
const usage = (u) => psql(`SELECT coalesce((SELECT bytes FROM attachment_usage WHERE user_id = '${u.sub}'), 0)`);

describe('upload and download', () => {
  test('a small file: 201 with Location and its fields, listed, downloaded byte-exact with the safe headers', async () => {
    const u = newUser('small');
    const t = await newTask(srv, u);
    const data = Buffer.from('hello, attachments\n');
    const r = await upload(srv, u, t, data, { filename: 'notes.txt', type: 'text/plain; charset=utf-8' });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(Object.keys(r.json).sort(),
      ['content_type', 'created_at', 'filename', 'id', 'sha256', 'size', 'task_id']);
    assert.match(r.json.id, UUID_RE);
    assert.equal(r.json.task_id, t);
    assert.equal(r.json.filename, 'notes.txt');
    assert.equal(r.json.content_type, 'text/plain; charset=utf-8');
    assert.equal(r.json.size, data.length);
    assert.equal(r.json.sha256, sha(data));
    assert.equal(r.headers.location, `/api/v1/attachments/${r.json.id}`);

    const list = await api(srv, u, `/api/v1/tasks/${t}/attachments`);
    assert.equal(list.status, 200);
    assert.equal(list.json.total, 1);
    assert.deepEqual(list.json.items, [r.json]);

    const d = await api(srv, u, r.headers.location);
    assert.equal(d.status, 200);
    assert.deepEqual(d.raw, data);
    assert.equal(d.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(d.headers.etag, `"${sha(data)}"`);
    assert.equal(d.headers['accept-ranges'], 'bytes');
    assert.equal(d.headers['content-disposition'], 'attachment; filename="notes.txt"; filename*=UTF-8\'\'notes.txt');
    assert.equal(d.headers['x-content-type-options'], 'nosniff');
    assert.match(d.headers['content-security-policy'], /(^|; )sandbox(;|$)/);

    const nm = await api(srv, u, r.headers.location, { headers: { 'if-none-match': d.headers.etag } });
    assert.equal(nm.status, 304);
    assert.equal(nm.raw.length, 0);
    const other = await api(srv, u, r.headers.location, { headers: { 'if-none-match': '"0000"' } });
    assert.equal(other.status, 200);
  });

  test('a file of exactly UPLOAD_MAX_BYTES (10 MiB) round-trips byte-exact, stored in 256 KiB chunks', async () => {
    const u = newUser('big');
    const t = await newTask(srv, u);
    const data = randomBytes(10 * MiB);
    const r = await upload(srv, u, t, data, { filename: 'big.bin' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.size, 10 * MiB);
    assert.equal(r.json.sha256, sha(data));
    assert.equal(psql(`SELECT count(*) || ':' || max(octet_length(data)) FROM attachment_chunks WHERE attachment_id = '${r.json.id}'`), `40:${CHUNK}`);
    const d = await api(srv, u, `/api/v1/attachments/${r.json.id}`);
    assert.equal(d.status, 200);
    assert.equal(d.raw.length, data.length);
    assert.ok(d.raw.equals(data), 'downloaded bytes differ');
    assert.equal(usage(u), String(10 * MiB));
  });

  test('an empty file is stored and downloads empty', async () => {
    const u = newUser('empty');
    const t = await newTask(srv, u);
    const r = await upload(srv, u, t, Buffer.alloc(0), { filename: 'empty' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.size, 0);
    assert.equal(r.json.sha256, sha(Buffer.alloc(0)));
    // The conformance check takes an empty body for a missing one; this
    // empty file is the one 200 whose bytes are none.
    const d = await api(srv, u, `/api/v1/attachments/${r.json.id}`, { conformance: false });
    assert.equal(d.status, 200);
    assert.equal(d.headers['content-length'], '0');
    assert.equal(d.raw.length, 0);
  });
});

describe('Range', () => {
  const u = newUser('range');
  const data = randomBytes(3 * CHUNK + 1000);
  let url;
  before(async () => {
    const t = await newTask(srv, u);
    const r = await upload(srv, u, t, data, { filename: 'r.bin' });
    assert.equal(r.status, 201, r.text);
    url = `/api/v1/attachments/${r.json.id}`;
  });
  const get = (range) => api(srv, u, url, { headers: { range } });
  const size = () => data.length;

  for (const [range, first, last] of [
    ['bytes=0-9', 0, 9],
    ['bytes=0-0', 0, 0],
    ['bytes=-5', null, null],
    ['bytes=100-', 100, null],
    [`bytes=${CHUNK - 10}-${CHUNK + 10}`, CHUNK - 10, CHUNK + 10],
    [`bytes=${CHUNK}-${2 * CHUNK + 5}`, CHUNK, 2 * CHUNK + 5],
    ['bytes=10-99999999', 10, null],
    ['bytes=-99999999', 0, null],
  ]) {
    test(`${range} answers 206 with its bytes and Content-Range`, async () => {
      const f = first ?? size() - 5;
      const l = last ?? size() - 1;
      const r = await get(range);
      assert.equal(r.status, 206, r.text);
      assert.equal(r.headers['content-range'], `bytes ${f}-${l}/${size()}`);
      assert.equal(Number(r.headers['content-length']), l - f + 1);
      assert.ok(r.raw.equals(data.subarray(f, l + 1)), 'range bytes differ');
    });
  }

  for (const range of ['bytes=999999999-', `bytes=${3 * CHUNK + 1000}-`, 'bytes=-0']) {
    test(`${range} is unsatisfiable: 416 with Content-Range bytes */size`, async () => {
      const r = await get(range);
      assert.equal(r.status, 416);
      assert.equal(r.headers['content-range'], `bytes */${size()}`);
      assert.equal(r.json.detail, 'Range Not Satisfiable');
    });
  }

  for (const range of ['bytes=0-1,5-9', 'bytes=9-1', 'items=0-1', 'bytes=abc']) {
    test(`${range} answers the whole file (200)`, async () => {
      const r = await get(range);
      assert.equal(r.status, 200);
      assert.ok(r.raw.equals(data));
    });
  }
});

describe('safe downloads, filenames and types', () => {
  test('an HTML upload keeps its type but is served as an attachment under the sandbox CSP with nosniff', async () => {
    const u = newUser('html');
    const t = await newTask(srv, u);
    const html = Buffer.from('<html><script>alert(document.cookie)</script></html>');
    const r = await upload(srv, u, t, html, { filename: 'x.html', type: 'text/html' });
    assert.equal(r.status, 201, r.text);
    const d = await api(srv, u, `/api/v1/attachments/${r.json.id}`);
    assert.equal(d.status, 200);
    assert.equal(d.headers['content-type'], 'text/html');
    assert.match(d.headers['content-disposition'], /^attachment; /);
    assert.match(d.headers['content-security-policy'], /(^|; )sandbox(;|$)/);
    assert.equal(d.headers['x-content-type-options'], 'nosniff');
    assert.ok(d.raw.equals(html));
  });

  for (const [sent, stored] of [
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\me\\report.pdf', 'report.pdf'],
    ['a\x01b\x7fc.txt', 'abc.txt'],
    ['', 'file'],
    ['..', 'file'],
    ['dir/', 'file'],
    ['x'.repeat(256), 'file'],
    ['x'.repeat(255), 'x'.repeat(255)],
  ]) {
    test(`filename ${JSON.stringify(sent.slice(0, 20))} is stored as ${JSON.stringify(stored.slice(0, 20))}`, async () => {
      const u = newUser('fname');
      const t = await newTask(srv, u);
      const r = await upload(srv, u, t, 'x', { filename: sent });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.filename, stored);
    });
  }

  test('a UTF-8 name (filename*) gets an ASCII fallback and the RFC 8187 form', async () => {
    const u = newUser('utf8');
    const t = await newTask(srv, u);
    const r = await upload(srv, u, t, 'x', {
      parts: [{ name: 'file', filename: 'fallback.txt', filenameStar: "UTF-8''r%C3%A9sum%C3%A9%20%22v2%22.txt", type: 'text/plain', data: 'x' }],
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.filename, 'résumé "v2".txt');
    const d = await api(srv, u, `/api/v1/attachments/${r.json.id}`);
    assert.equal(d.headers['content-disposition'],
      'attachment; filename="r_sum_ _v2_.txt"; filename*=UTF-8\'\'r%C3%A9sum%C3%A9%20%22v2%22.txt');
  });

  for (const [sent, stored] of [
    ['image/PNG', 'image/png'],
    ['text/plain; charset=utf-8', 'text/plain; charset=utf-8'],
    ['not a type', 'application/octet-stream'],
    ['text/', 'application/octet-stream'],
    [undefined, 'application/octet-stream'],
  ]) {
    test(`part type ${JSON.stringify(sent)} is stored as ${stored}`, async () => {
      const u = newUser('ctype');
      const t = await newTask(srv, u);
      const r = await upload(srv, u, t, 'x', { type: sent });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.content_type, stored);
    });
  }
});

describe('bad input stores nothing', () => {
  const u = newUser('bad');
  let t;
  before(async () => { t = await newTask(srv, u); });
  const post = (body, type) => api(srv, u, `/api/v1/tasks/${t}/attachments`, {
    method: 'POST', body, headers: { 'content-type': type },
  });

  test('not multipart/form-data: 415', async () => {
    const r = await post('{}', 'application/json');
    assert.equal(r.status, 415);
  });

  const good = multipart([{ name: 'file', filename: 'a', data: 'abc' }], 'BOUND');
  for (const [what, body, type, msg] of [
    ['no boundary', good.body, 'multipart/form-data', /boundary/],
    ['a truncated body', good.body.subarray(0, good.body.length - 10), good.type, /truncated/],
    ['no closing boundary at all', Buffer.from('--BOUND\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc'), good.type, /truncated/],
    ['no file field', multipart([{ name: 'other', data: 'x' }], 'BOUND').body, good.type, /Field required/],
    ['two files', multipart([{ name: 'file', filename: 'a', data: 'a' }, { name: 'file', filename: 'b', data: 'b' }], 'BOUND').body, good.type, /one file/],
    ['a part header block over 8 KiB', multipart([{ name: 'file', filename: 'a', data: 'a', headers: `X-Pad: ${'p'.repeat(8200)}\r\n` }], 'BOUND').body, good.type, /8192/],
    ['a part without Content-Disposition', Buffer.from('--BOUND\r\nContent-Type: text/plain\r\n\r\nabc\r\n--BOUND--\r\n'), good.type, /Content-Disposition/],
    ['garbage after a boundary', Buffer.from('--BOUNDxx\r\n\r\n'), good.type, /malformed|truncated/],
  ]) {
    test(`${what}: 422 naming the problem`, async () => {
      const r = await post(body, type);
      assert.equal(r.status, 422, r.text);
      assert.equal(r.json.detail.length, 1);
      assert.deepEqual(r.json.detail[0].loc, ['body', 'file']);
      assert.match(r.json.detail[0].msg, msg);
    });
  }

  test('none of them left a row or a chunk', () => {
    assert.equal(rows(u), '0');
    assert.equal(chunkRows(u), '0');
  });

  test('a Content-Length over UPLOAD_MAX_BYTES is refused with 413 before the body is sent', async () => {
    // Only the headers go out: the answer must come without the body.
    const r = await rawRequest(srv, [
      `POST /api/v1/tasks/${t}/attachments HTTP/1.1`, `Host: localhost:${srv.port}`,
      `Authorization: ${u.headers.authorization}`, 'Content-Type: multipart/form-data; boundary=B',
      `Content-Length: ${11 * MiB}`, '', '',
    ].join('\r\n'));
    assert.match(r, /^HTTP\/1\.1 413 /);
    assert.equal(rows(u), '0');
  });

  test('a file one byte over UPLOAD_MAX_BYTES within the framing allowance: 413, nothing stored', async () => {
    const r = await upload(srv, u, t, Buffer.alloc(10 * MiB + 1, 1));
    assert.equal(r.status, 413);
    assert.equal(r.json.detail, 'File too large');
    assert.equal(rows(u), '0');
  });

  test('other routes keep the 1 MiB body limit', async () => {
    const r = await api(srv, u, '/api/v1/tasks', {
      method: 'POST', body: JSON.stringify({ title: 'x', description: 'y'.repeat(MiB + 10) }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(r.status, 413);
  });

  test('a client that disconnects mid-upload leaves nothing, and the server serves on', async () => {
    const body = multipart([{ name: 'file', filename: 'cut.bin', data: randomBytes(4 * MiB) }]);
    const sock = tls.connect({ host: '127.0.0.1', port: srv.port, servername: 'localhost', ca: caPem });
    await new Promise((resolve, reject) => { sock.once('secureConnect', resolve); sock.once('error', reject); });
    sock.write([
      `POST /api/v1/tasks/${t}/attachments HTTP/1.1`, `Host: localhost:${srv.port}`,
      `Authorization: ${u.headers.authorization}`, `Content-Type: ${body.type}`,
      `Content-Length: ${body.body.length}`, '', '',
    ].join('\r\n'));
    sock.write(body.body.subarray(0, 2 * MiB));
    await sleep(300);
    sock.destroy();
    await sleep(500);
    assert.equal(rows(u), '0');
    assert.equal(chunkRows(u), '0');
    const r = await upload(srv, u, t, 'after');
    assert.equal(r.status, 201, r.text);
    await api(srv, u, `/api/v1/attachments/${r.json.id}`, { method: 'DELETE' });
  });

  test('a client gone once its whole body is sent (while the chunks are stored) leaves nothing', async () => {
    // The chunk table locked against inserts: the upload begins (its row
    // not ready) and waits at its first chunk; then the client goes, and
    // the lock goes 1.5 s later. The handler never finishes: the row is
    // deleted as its request ends.
    const holder = spawn('psql', [adminUrl, '-XAtq', '-c',
      'BEGIN; LOCK TABLE attachment_chunks IN SHARE MODE; SELECT pg_sleep(4); COMMIT;'], { stdio: 'ignore' });
    const held = new Promise((resolve) => holder.on('exit', resolve));
    await sleep(300);
    const body = multipart([{ name: 'file', filename: 'gone.bin', data: randomBytes(2 * MiB) }]);
    const sock = tls.connect({ host: '127.0.0.1', port: srv.port, servername: 'localhost', ca: caPem });
    await new Promise((resolve, reject) => { sock.once('secureConnect', resolve); sock.once('error', reject); });
    sock.write([
      `POST /api/v1/tasks/${t}/attachments HTTP/1.1`, `Host: localhost:${srv.port}`,
      `Authorization: ${u.headers.authorization}`, `Content-Type: ${body.type}`,
      `Content-Length: ${body.body.length}`, '', '',
    ].join('\r\n'));
    sock.write(body.body);
    for (let i = 0; i < 300 && rows(u) === '0'; i++) await sleep(10);
    assert.equal(psql(`SELECT count(*) FROM attachments WHERE user_id = '${u.sub}' AND NOT ready`), '1',
      'the upload began and waits at its chunks');
    sock.destroy();
    await held;
    for (let i = 0; i < 100 && rows(u) !== '0'; i++) await sleep(50);
    assert.equal(rows(u), '0');
    assert.equal(chunkRows(u), '0');
  });

  test('an upload left half-written by a crash (a row not ready for over an hour) is swept', async () => {
    psql(`INSERT INTO attachments (task_id, user_id, filename, content_type, size, created_at)
          VALUES ('${t}', '${u.sub}', 'crashed', 'text/plain', 5, now() - interval '2 hours')`);
    assert.equal(rows(u), '1');
    assert.equal((await api(srv, u, `/api/v1/tasks/${t}/attachments`)).json.total, 0);
    const r = await upload(srv, u, t, 'next');
    assert.equal(r.status, 201);
    assert.equal(rows(u), '1');
    assert.equal(psql(`SELECT count(*) FROM attachments WHERE user_id = '${u.sub}' AND NOT ready`), '0');
    await api(srv, u, `/api/v1/attachments/${r.json.id}`, { method: 'DELETE' });
  });
});

// One raw HTTP/1.1 exchange over TLS: what the server answers to exactly
// these bytes (the first 4 KiB of its answer).
function rawRequest(s, text) {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port: s.port, servername: 'localhost', ca: caPem }, () => sock.write(text));
    let got = '';
    sock.on('data', (d) => { got += d.toString('latin1'); if (got.includes('\r\n\r\n')) { sock.destroy(); resolve(got.slice(0, 4096)); } });
    sock.on('error', reject);
    sock.on('close', () => resolve(got));
    sock.setTimeout(10000, () => { sock.destroy(); reject(new Error('no answer in 10 s')); });
  });
}

describe('tenancy', () => {
  test("another user's task or attachment answers 404", async () => {
    const a = newUser('owner');
    const b = newUser('intruder');
    const t = await newTask(srv, a);
    const r = await upload(srv, a, t, 'secret');
    assert.equal(r.status, 201);
    assert.equal((await upload(srv, b, t, 'x')).status, 404);
    assert.equal((await api(srv, b, `/api/v1/tasks/${t}/attachments`)).status, 404);
    const g = await api(srv, b, `/api/v1/attachments/${r.json.id}`);
    assert.equal(g.status, 404);
    assert.equal(g.json.detail, 'Attachment not found');
    assert.equal((await api(srv, b, `/api/v1/attachments/${r.json.id}`, { method: 'DELETE' })).status, 404);
    assert.equal((await api(srv, a, `/api/v1/attachments/${r.json.id}`)).status, 200);
    assert.equal(rows(b), '0');
  });

  test('an unknown task: 404; a path that is not a UUID matches no route', async () => {
    const u = newUser('unknown');
    assert.equal((await upload(srv, u, '00000000-0000-4000-8000-000000000000', 'x')).status, 404);
    assert.equal((await api(srv, u, '/api/v1/attachments/nope')).status, 404);
  });
});

describe('delete and the cascades', () => {
  test('DELETE answers 204, the bytes go and the quota counts down', async () => {
    const u = newUser('del');
    const t = await newTask(srv, u);
    const r = await upload(srv, u, t, randomBytes(CHUNK + 1));
    assert.equal(usage(u), String(CHUNK + 1));
    const d = await api(srv, u, `/api/v1/attachments/${r.json.id}`, { method: 'DELETE' });
    assert.equal(d.status, 204);
    assert.equal((await api(srv, u, `/api/v1/attachments/${r.json.id}`)).status, 404);
    assert.equal((await api(srv, u, `/api/v1/attachments/${r.json.id}`, { method: 'DELETE' })).status, 404);
    assert.equal(rows(u), '0');
    assert.equal(chunkRows(u), '0');
    assert.equal(usage(u), '0');
  });

  test("deleting the task removes its attachments' bytes and their count in the quota", async () => {
    const u = newUser('deltask');
    const t = await newTask(srv, u);
    const keep = await newTask(srv, u);
    await upload(srv, u, t, randomBytes(1000));
    await upload(srv, u, t, randomBytes(2000));
    await upload(srv, u, keep, randomBytes(300));
    assert.equal(usage(u), '3300');
    assert.equal((await api(srv, u, `/api/v1/tasks/${t}`, { method: 'DELETE' })).status, 204);
    assert.equal(rows(u), '1');
    assert.equal(chunkRows(u), '1');
    assert.equal(usage(u), '300');
  });

  test('DELETE /users/me removes every attachment and the usage row', async () => {
    const u = newUser('delme');
    const t = await newTask(srv, u);
    await upload(srv, u, t, randomBytes(CHUNK * 2));
    assert.equal((await api(srv, u, '/api/v1/users/me', { method: 'DELETE' })).status, 204);
    assert.equal(rows(u), '0');
    assert.equal(chunkRows(u), '0');
    assert.equal(psql(`SELECT count(*) FROM attachment_usage WHERE user_id = '${u.sub}'`), '0');
  });
});

describe('quota and counts', () => {
  let q;
  before(async () => {
    q = await startServer({ env: { BETTER_AUTH_SECRET: SECRET, STORAGE_QUOTA_BYTES: '1000' } });
  });
  after(async () => { await q?.stop(); });

  test('an upload past STORAGE_QUOTA_BYTES answers 413 Storage quota exceeded and stores nothing', async () => {
    const u = newUser('quota');
    const t = await newTask(q, u);
    assert.equal((await upload(q, u, t, Buffer.alloc(600))).status, 201);
    const r = await upload(q, u, t, Buffer.alloc(401));
    assert.equal(r.status, 413);
    assert.equal(r.json.detail, 'Storage quota exceeded');
    assert.equal((await upload(q, u, t, Buffer.alloc(400))).status, 201);
    assert.equal(rows(u), '2');
    assert.equal(usage(u), '1000');
  });

  test('concurrent uploads cannot both take the last free bytes', async () => {
    const u = newUser('race');
    const t = await newTask(q, u);
    const answers = await Promise.all(Array.from({ length: 8 }, () => upload(q, u, t, randomBytes(300))));
    const statuses = answers.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, 201, 201, 413, 413, 413, 413, 413]);
    assert.equal(usage(u), '900');
    assert.equal(rows(u), '3');
    assert.equal(psql(`SELECT count(*) FROM attachments WHERE user_id = '${u.sub}' AND NOT ready`), '0');
    // A delete frees its bytes for the next upload.
    const one = answers.find((r) => r.status === 201);
    assert.equal((await api(q, u, `/api/v1/attachments/${one.json.id}`, { method: 'DELETE' })).status, 204);
    assert.equal((await upload(q, u, t, randomBytes(300))).status, 201);
    assert.equal(usage(u), '900');
  });

  test('at most 100 attachments a task: the next is 409 Too many attachments', async () => {
    const u = newUser('count');
    const t = await newTask(srv, u);
    // 98 rows made directly, then uploads race for the last two places.
    psql(`INSERT INTO attachments (task_id, user_id, filename, content_type, size, sha256, ready)
          SELECT '${t}', '${u.sub}', 'f' || g, 'text/plain', 0, repeat('0', 64), true FROM generate_series(1, 98) g`);
    const answers = await Promise.all(Array.from({ length: 4 }, () => upload(srv, u, t, 'x')));
    const statuses = answers.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, 201, 409, 409]);
    const r = answers.find((a) => a.status === 409);
    assert.equal(r.json.detail, 'Too many attachments');
    assert.equal(psql(`SELECT count(*) FROM attachments WHERE task_id = '${t}'`), '100');
    const list = await api(srv, u, `/api/v1/tasks/${t}/attachments?limit=100`);
    assert.equal(list.json.total, 100);
    assert.equal(list.json.items.length, 100);
  });
});

test('metrics count uploads and the bytes stored', async () => {
  const r = await request(srv, '/metrics');
  assert.equal(r.status, 200);
  const n = (name) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(r.text)?.[1]);
  assert.ok(n('attachment_uploads_total') >= 5, r.text.slice(0, 200));
  assert.ok(n('attachment_bytes_stored_total') >= 10 * MiB);
  assert.ok(n('attachment_bytes_sent_total') >= 10 * MiB);
  assert.ok(n('attachment_deletes_total') >= 1);
});
