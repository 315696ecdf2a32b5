// The live tests' clients: a WebSocket (npm ws) that queues what it
// receives, and a Server-Sent Events reader of the raw stream.
import https from 'node:https';
import WebSocket from 'ws';
import { caPem } from './harness.mjs';

// A WebSocket that queues what it receives: next() waits for a message.
export function openWs(srv, { token, query = '', protocols, headers = {}, ...wsOpts } = {}) {
  const t = token;
  const url = `wss://127.0.0.1:${srv.port}/api/v1/ws${query}`;
  const ws = new WebSocket(url, protocols ?? ['bearer', t], {
    ca: caPem, servername: 'localhost', headers: { host: `localhost:${srv.port}`, ...headers }, ...wsOpts,
  });
  const queue = [];
  const waiters = [];
  ws.closed = new Promise((resolve) => ws.on('close', (code, reason) => {
    resolve({ code, reason: reason.toString() });
    while (waiters.length) waiters.shift()(null);
  }));
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString());
    if (waiters.length) waiters.shift()(m); else queue.push(m);
  });
  ws.on('error', () => {});
  ws.opened = new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (req, res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => reject(Object.assign(new Error(`status ${res.statusCode}`), {
        status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString(),
      })));
    });
    ws.once('close', () => reject(new Error('closed before open')));
    ws.once('error', reject);
  });
  ws.next = (ms = 10000) => new Promise((resolve, reject) => {
    if (queue.length) { resolve(queue.shift()); return; }
    const timer = setTimeout(() => reject(new Error('no message in time')), ms);
    waiters.push((m) => { clearTimeout(timer); if (m === null) reject(new Error('closed')); else resolve(m); });
  });
  ws.queued = () => queue.length;
  return ws;
}

// n messages, in order.
export async function take(ws, n, ms) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await ws.next(ms));
  return out;
}

// The SSE stream, parsed: events [{ id, data }], comments.
export function openSse(srv, { token, headers = {} } = {}) {
  const events = [];
  const comments = [];
  const waiters = [];
  let buf = '';
  let res = null;
  const wake = () => { for (const w of waiters.splice(0)) w(); };
  const req = https.request({
    host: '127.0.0.1', port: srv.port, servername: 'localhost', path: '/api/v1/events', ca: caPem, agent: false,
    headers: { host: `localhost:${srv.port}`, authorization: `Bearer ${token}`, accept: 'text/event-stream', ...headers },
  });
  const sse = {
    events, comments, ended: false,
    response: new Promise((resolve, reject) => {
      req.on('response', (r) => {
        res = r;
        r.setEncoding('utf8');
        r.on('data', (d) => {
          buf += d;
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const ev = { id: null, data: [] };
            let isEvent = false;
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) comments.push(line.slice(1).trim());
              else if (line.startsWith('id: ')) { ev.id = line.slice(4); isEvent = true; } else if (line.startsWith('data: ')) { ev.data.push(line.slice(6)); isEvent = true; }
            }
            if (isEvent) events.push({ id: ev.id, data: JSON.parse(ev.data.join('\n')) });
          }
          wake();
        });
        r.on('end', () => { sse.ended = true; wake(); });
        r.on('close', () => { sse.ended = true; wake(); });
        resolve(r);
      });
      req.on('error', (e) => { sse.ended = true; wake(); reject(e); });
    }),
    // Waits until pred() holds, or fails after ms.
    async until(pred, ms = 10000) {
      const deadline = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > deadline) throw new Error(`SSE: condition not met in ${ms} ms (${events.length} events)`);
        await new Promise((resolve) => { waiters.push(resolve); setTimeout(resolve, 100); });
      }
    },
    close() { req.destroy(); },
  };
  req.end();
  return sse;
}

