// The /ws data phase (our own RFC 6455 codec) against peers we did not write: Python's
// `websockets` (Debian), and raw frames for the close-code and protocol rules. `ws` and
// Chromium are covered by the other integration and browser tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { startDaemon, demoConfig, withTimeout, SOURCE_DIR } from './lib/daemon.mjs';

const PYTHON = '/usr/bin/python3';  // Debian's, where python3-websockets is installed

test('Python websockets: hello, request, ping/pong, events in order, close code echoed', async () => {
  const daemon = await startDaemon(demoConfig({ interval: '10ms' }));
  try {
    const script = path.join(SOURCE_DIR, 'tests/integration/peers/websockets_client.py');
    const out = await withTimeout(new Promise((resolve, reject) => {
      execFile(PYTHON, [script, `ws://127.0.0.1:${daemon.port}/ws?chat=1`], (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout));
      });
    }), 30000, 'the Python client');
    assert.deepEqual(out.ops, ['hello', 'status']);
    assert.equal(out.pong, true);
    assert.equal(out.response, true);
    assert.equal(out.events.length, 5);
    for (let i = 1; i < out.events.length; i++) assert.equal(out.events[i], out.events[i - 1] + 1);
    assert.equal(out.close_code, 4321);
  } finally {
    await daemon.stop();
  }
});

// A raw client: the handshake by hand, then frames we build (masked, as a client must).
async function rawClient(port) {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  let data = Buffer.alloc(0);
  const waiters = [];
  socket.on('data', (chunk) => {
    data = Buffer.concat([data, chunk]);
    for (const w of [...waiters]) if (w.check()) waiters.splice(waiters.indexOf(w), 1);
  });
  const ended = new Promise((resolve) => socket.on('close', resolve));
  socket.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  const until = (pred, what) => withTimeout(new Promise((resolve) => {
    const w = { check: () => { const r = pred(data); if (r) resolve(r); return r; } };
    if (!w.check()) waiters.push(w);
  }), 10000, what);
  // Server frames after the 101 head: [{opcode, payload}].
  const frames = () => {
    const out = [];
    let at = data.indexOf('\r\n\r\n') + 4;
    while (at > 3 && at + 2 <= data.length) {
      const op = data[at] & 0x0f;
      let len = data[at + 1] & 0x7f;
      let head = 2;
      if (len === 126) { len = data.readUInt16BE(at + 2); head = 4; }
      else if (len === 127) { len = Number(data.readBigUInt64BE(at + 2)); head = 10; }
      if (at + head + len > data.length) break;
      out.push({ op, payload: data.subarray(at + head, at + head + len) });
      at += head + len;
    }
    return out;
  };
  const send = (firstByte, payload, masked = true) => {
    const p = Buffer.from(payload);
    const key = crypto.randomBytes(4);
    const head = Buffer.from([firstByte, (masked ? 0x80 : 0) | p.length]);
    const body = Buffer.from(p.map((b, i) => (masked ? b ^ key[i % 4] : b)));
    socket.write(Buffer.concat(masked ? [head, key, body] : [head, body]));
  };
  return { socket, frames, until, send, ended };
}

const closeCode = (frame) => (frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005);

test('close codes from a client: valid ones are echoed, 5000 and 65535 get 1002; protocol faults get 1002/1007', async () => {
  const daemon = await startDaemon(demoConfig({ interval: '1h' }));
  try {
    const cases = [
      { send: (c) => c.send(0x88, Buffer.from([0x0f, 0xa0])), expect: 4000 },                  // 4000: echoed
      { send: (c) => c.send(0x88, Buffer.from([0x13, 0x88])), expect: 1002 },                  // 5000
      { send: (c) => c.send(0x88, Buffer.from([0xff, 0xff])), expect: 1002 },                  // 65535
      { send: (c) => c.send(0x88, Buffer.alloc(0)), expect: 1000 },                            // no code
      { send: (c) => c.send(0x81, 'not masked', false), expect: 1002 },
      { send: (c) => c.send(0x81, Buffer.from([0xff, 0xfe])), expect: 1007 },                   // not UTF-8
      { send: (c) => c.send(0x09, 'frag ping'), expect: 1002 },
    ];
    for (const { send, expect } of cases) {
      const c = await rawClient(daemon.port);
      await c.until((d) => d.includes('"op":"status"'), 'hello and status');
      send(c);
      const close = await c.until(() => c.frames().find((f) => f.op === 8), 'a close frame');
      assert.equal(closeCode(close), expect);
      await withTimeout(c.ended, 10000, 'the daemon to close the connection');
    }
    // A ping gets its pong, in order with the rest, and the connection goes on.
    const c = await rawClient(daemon.port);
    await c.until((d) => d.includes('"op":"status"'), 'hello and status');
    c.send(0x89, 'hi');
    const pong = await c.until(() => c.frames().find((f) => f.op === 10), 'a pong');
    assert.equal(pong.payload.toString(), 'hi');
    c.send(0x81, JSON.stringify({ op: 'request', d: { id: 1, type: 'ping' } }));
    await c.until(() => c.frames().some((f) => f.op === 1 && f.payload.toString().includes('"op":"response"')), 'a response');
    c.socket.destroy();
  } finally {
    await daemon.stop();
  }
});

test('a request head over 16 KiB gets 431, not a reset', async () => {
  const daemon = await startDaemon(demoConfig({ interval: '1h' }));
  try {
    const socket = net.connect(daemon.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let reply = '';
    socket.on('data', (d) => { reply += d; });
    socket.on('error', () => {});
    socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`);
    await withTimeout(new Promise((resolve) => socket.on('close', resolve)), 10000, 'the answer');
    assert.match(reply, /^HTTP\/1\.1 431 /);
  } finally {
    await daemon.stop();
  }
});
