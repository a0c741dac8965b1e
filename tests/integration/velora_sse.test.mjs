// The Velora source over Server-Sent Events against a real SSE server (Node's http/https)
// started by the test: events, comments, Last-Event-ID resume, retry, 204, 401, content
// type, idle timeout, server restart, TLS.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { rmSync } from 'node:fs';
import { startDaemon } from './lib/daemon.mjs';
import { connect } from './lib/client.mjs';
import { fixtures, makeCertificates } from './lib/upstream.mjs';

const certs = makeCertificates();
after(() => rmSync(certs.dir, { recursive: true, force: true }));

const TOKEN = 'velora-sse-token-31b7';
const payloads = fixtures('velora', 'event').map((f) => f.payload);

// An SSE server; `onStream(req, res, n)` writes the n-th stream (after the auth check).
async function startSse({ tls = null, port = 0, onStream }) {
  const requests = [];
  const handler = (req, res) => {
    requests.push({ url: req.url, headers: req.headers });
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Invalid or expired token' }));
      return;
    }
    onStream(req, res, requests.length);
  };
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, handler) : http.createServer(handler);
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = server.address().port;
  return {
    requests,
    port: actual,
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${actual}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const open = (res) => res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
const welcome = (res) => res.write(`event: connected\ndata: ${JSON.stringify({ channelUsername: 'streamer_one', channelId: 'chan_42' })}\n\n`);
const send = (res, p, id) => res.write(`${id ? `id: ${id}\n` : ''}event: ${p.event}\ndata: ${JSON.stringify(p)}\n\n`);

function sseConfig(url, { token = TOKEN, extra = '' } = {}) {
  return `[server]\nport = 0\n[[source]]\nname = "velora"\ntype = "velora"\ntransport = "sse"\nurl = "${url}"\ntoken = "${token}"\n${extra}\n`;
}
const statusOf = (events, state) => events.find((e) => e.kind === 'status' && e.data.state === state);
const nonStatus = (client) => client.events().filter((e) => e.kind !== 'status');

async function everyPayload({ tls = false, host = '127.0.0.1', extra = '' } = {}) {
  const sse = await startSse({
    tls: tls ? certs.server : null,
    onStream: (req, res) => {
      open(res);
      res.write(': a comment the parser skips\n\n');
      welcome(res);
      payloads.forEach((p, i) => { res.write(':heartbeat\n'); send(res, p, String(i + 1)); });
    },
  });
  const daemon = await startDaemon(sseConfig(`${tls ? 'https' : 'http'}://${host}:${sse.port}`, { extra }));
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0&chat=1`);
    const events = await client.until(() => nonStatus(client).length >= payloads.length && nonStatus(client), 15000,
      'every payload');
    assert.equal(events.length, payloads.length);
    for (const [i, e] of events.entries()) {
      assert.equal(e.source, 'velora');
      assert.equal(e.service, 'velora');
      assert.equal(e.data.event ?? payloads[i].event, payloads[i].event);
    }
    assert.match(statusOf(client.events(), 'connected').data.reason, /streamer_one/);
    const req = sse.requests[0];
    assert.equal(req.headers.accept, 'text/event-stream');
    assert.equal(req.headers['cache-control'], 'no-cache');
    assert.ok(!daemon.log().includes(TOKEN), 'the token is never logged');
    return { events, req };
  } finally {
    await daemon.stop();
    await sse.close();
  }
}

test('plain HTTP: connected, comments and heartbeats skipped, every payload once and in order', async () => {
  const { req } = await everyPayload({ extra: 'events = ["channel.follow", "chat.message"]' });
  assert.equal(req.url, '/api/events/stream?events=channel.follow,chat.message');
});

test('TLS with the test CA (localhost and 127.0.0.1)', async () => {
  await everyPayload({ tls: true, host: 'localhost', extra: `ca_file = "${certs.caFile}"` });
  await everyPayload({ tls: true, host: '127.0.0.1', extra: `ca_file = "${certs.caFile}"` });
});

test('the same fixtures give the same events over SSE and over Socket.IO', async () => {
  const { events } = await everyPayload();
  // Fields that depend on the time of reading aside, the normalized events are the transport's business only.
  const strip = ({ seq, receivedAt, at, ...rest }) => rest;
  const { startSocketIo } = await import('./lib/upstream.mjs');
  const up = await startSocketIo({ version: 4 });
  up.io.of('/ws/events').on('connection', (s) => {
    s.emit('connected', { channelUsername: 'streamer_one' });
    for (const p of payloads) s.emit('event', p);
  });
  const daemon = await startDaemon(`[server]\nport = 0\n[[source]]\nname = "velora"\ntype = "velora"\nurl = "${up.url}"\ntoken = "${TOKEN}"\n`);
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0&chat=1`);
    const viaSocket = await client.until(() => nonStatus(client).length >= payloads.length && nonStatus(client), 15000, 'socket events');
    assert.deepEqual(viaSocket.map(strip), events.map(strip));
  } finally {
    await daemon.stop();
    await up.close();
  }
});

test('reconnect with Last-Event-ID and the server\'s retry; the stream resumes after the last id', async () => {
  const sse = await startSse({
    onStream: (req, res, n) => {
      open(res);
      if (n === 1) {
        res.write('retry: 300\n\n');
        welcome(res);
        send(res, payloads[0], '1');
        send(res, payloads[1], '2');
        res.end();  // the server ends the stream: the client comes back with Last-Event-ID: 2
      } else {
        welcome(res);
        const from = Number(req.headers['last-event-id'] ?? 0);
        send(res, payloads[from], String(from + 1));
      }
    },
  });
  const daemon = await startDaemon(sseConfig(sse.url));
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0&chat=1`);
    const events = await client.until(() => nonStatus(client).length >= 3 && nonStatus(client), 15000, '3 events');
    assert.equal(sse.requests[1].headers['last-event-id'], '2');
    assert.deepEqual(events.map((e) => e.data.event ?? e.kind).length, 3);
    const reconnecting = statusOf(client.events(), 'reconnecting');
    assert.equal(reconnecting.data.nextRetryMs, 300, 'the server\'s retry is the delay');
    assert.match(reconnecting.data.reason, /the server ended the stream/);
  } finally {
    await daemon.stop();
    await sse.close();
  }
});

test('204 stops reconnecting; 401 is an error with slow retry; a wrong content type says so', async () => {
  const sse204 = await startSse({ onStream: (req, res) => { res.writeHead(204); res.end(); } });
  const d1 = await startDaemon(sseConfig(sse204.url));
  try {
    const client = connect(`ws://127.0.0.1:${d1.port}/ws?since=0`);
    const s = await client.until(() => client.events().find((e) => e.kind === 'status' && e.data.state === 'disconnected'), 15000, 'disconnected');
    assert.match(s.data.reason, /204 No Content: the server asks not to reconnect/);
    assert.equal(sse204.requests.length, 1);
  } finally {
    await d1.stop();
    await sse204.close();
  }

  const sse = await startSse({ onStream: (req, res) => { open(res); welcome(res); } });
  const d2 = await startDaemon(sseConfig(sse.url, { token: 'wrong' }));
  try {
    const client = connect(`ws://127.0.0.1:${d2.port}/ws?since=0`);
    const s = await client.until(() => statusOf(client.events(), 'error'), 15000, 'error');
    assert.match(s.data.reason, /answered HTTP 401: \{"message":"Invalid or expired token"\}/);
    assert.ok(s.data.nextRetryMs >= 30000);
    assert.equal(sse.requests.length, 1);
  } finally {
    await d2.stop();
    await sse.close();
  }

  const html = await startSse({ onStream: (req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<html>'); } });
  const d3 = await startDaemon(sseConfig(html.url));
  try {
    const client = connect(`ws://127.0.0.1:${d3.port}/ws?since=0`);
    const s = await client.until(() => statusOf(client.events(), 'error'), 15000, 'error');
    assert.match(s.data.reason, /content type "text\/html", not text\/event-stream/);
  } finally {
    await d3.stop();
    await html.close();
  }
});

for (const tls of [false, true]) {
  test(`idle timeout detects a dead stream; a server restart is survived (${tls ? 'TLS' : 'plain HTTP'})`, async () => {
    const cert = tls ? certs.server : null;
    let sse = await startSse({ tls: cert, onStream: (req, res) => { open(res); welcome(res); /* then silence */ } });
    const port = sse.port;
    const url = `${tls ? 'https://localhost' : 'http://127.0.0.1'}:${port}`;
    const daemon = await startDaemon(sseConfig(url, { extra: `idle_timeout = "1s"\n${tls ? `ca_file = "${certs.caFile}"` : ''}` }));
    try {
      const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0&chat=1`);
      await client.until(() => statusOf(client.events(), 'connected'), 15000, 'connected');
      const dead = await client.until(() => statusOf(client.events(), 'reconnecting'), 5000, 'idle detected');
      assert.match(dead.data.reason, /no data for 1 s: the stream is dead/);
      await sse.close();
      sse = await startSse({ tls: cert, port, onStream: (req, res) => { open(res); welcome(res); send(res, payloads[0]); } });
      await client.until(() => nonStatus(client).length >= 1, 20000, 'an event after the restart');
    } finally {
      await daemon.stop();
      await sse.close();
    }
  });
}

test('max_event from the config: a bigger event is dropped with a warning, the next one arrives', async () => {
  const big = { ...payloads[0], data: { ...payloads[0].data, padding: 'x'.repeat(2000) } };
  const sse = await startSse({ onStream: (req, res) => { open(res); welcome(res); send(res, big); send(res, payloads[1]); } });
  const daemon = await startDaemon(sseConfig(sse.url, { extra: 'max_event = 1024' }));
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0&chat=1`);
    const got = await client.until(() => nonStatus(client).length >= 1 && nonStatus(client), 15000, 'the small event');
    assert.equal(got.length, 1);
    assert.equal(got[0].data.event ?? payloads[1].event, payloads[1].event);
    await daemon.waitForLog(/warn.*SSE event dropped: a line or the event exceeded its size limit/);
  } finally {
    await daemon.stop();
    await sse.close();
  }
});

test('a 503 backs off; a content-length body (not chunked) is read to its end, then the client reconnects', async () => {
  const sse = await startSse({
    onStream: (req, res, n) => {
      if (n === 1) {
        res.writeHead(503, { 'content-type': 'text/plain', 'content-length': '11' });
        res.end('maintenance');
        return;
      }
      const body = `event: connected\ndata: {"channelUsername":"streamer_one"}\n\nid: 9\nevent: ${payloads[0].event}\ndata: ${JSON.stringify(payloads[0])}\n\n`;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
    },
  });
  const daemon = await startDaemon(sseConfig(sse.url));
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
    const backoff = await client.until(() => statusOf(client.events(), 'reconnecting'), 15000, 'backoff after 503');
    assert.match(backoff.data.reason, /answered HTTP 503: maintenance/);
    assert.ok(backoff.data.nextRetryMs <= 1000, 'a 5xx is retried at network pace');
    await client.until(() => nonStatus(client).length >= 1, 15000, 'the event of the content-length body');
    // The body ended: the client comes back with the id it saw.
    await client.until(() => sse.requests.length >= 3, 15000, 'a reconnect after the body ended');
    assert.equal(sse.requests[2].headers['last-event-id'], '9');
  } finally {
    await daemon.stop();
    await sse.close();
  }
});
