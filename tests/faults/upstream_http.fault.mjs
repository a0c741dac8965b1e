// Hostile upstream servers at the WebSocket upgrade (node:net, for a streamelements source):
// one never answers, one answers garbage, one sends a 1 MB response head, one answers HTTP 403
// with an ANSI colour sequence in the body. Each source gets a clear reason in /status and in
// its status events; no raw ESC byte reaches the daemon's log; the daemon stays up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startDaemon } from '../integration/lib/daemon.mjs';
import { connect } from '../integration/lib/client.mjs';
import { waitFor, getJson, seSource } from '../integration/lib/faults.mjs';

// A TCP server that reads the upgrade request and then does `answer(socket)`.
async function hostile(answer) {
  const sockets = new Set();
  let connections = 0;
  const server = net.createServer((s) => {
    connections += 1;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    let head = '';
    s.on('data', (d) => {
      if (head.includes('\r\n\r\n')) return;
      head += d;
      if (head.includes('\r\n\r\n')) answer(s, head);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: server.address().port,
    connections: () => connections,
    async close() { for (const s of sockets) s.destroy(); await new Promise((r) => server.close(() => r())); },
  };
}

const ESC_BODY = 'Forbidden: \x1b[31mred alert\x1b[0m here';

test('hostile upgrade answers: silence, garbage, a 1 MB head, HTTP 403 with ANSI escapes', async (t) => {
  const servers = {
    silent: await hostile(() => {}),
    garbage: await hostile((s) => s.write(Buffer.concat([Buffer.from('SSH-2.0-OpenSSH_9.2p1\r\n'), Buffer.from([0, 1, 2, 0xff, 0xfe]), Buffer.from('\r\n\r\n')]))),
    badstatus: await hostile((s) => s.write('HTTP/1.1 XYZ Whatever\r\nContent-Length: 0\r\n\r\n')),
    huge: await hostile((s) => {
      s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n');
      const line = `X-Pad: ${'a'.repeat(1000)}\r\n`;
      s.write(line.repeat(1024));  // ~1 MB of header lines
      s.end('\r\n');
    }),
    forbidden: await hostile((s) => {
      s.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(ESC_BODY)}\r\nConnection: close\r\n\r\n${ESC_BODY}`);
    }),
  };
  const config = `[server]\nport = 0\n${Object.entries(servers).map(([name, s]) => seSource(name, `ws://127.0.0.1:${s.port}`)).join('')}`;
  const daemon = await startDaemon(config);
  try {
    const c = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
    await c.opened;
    const failed = (s) => s.state === 'reconnecting' || s.state === 'error';
    const expect = {
      silent: /no answer to the WebSocket upgrade from 127\.0\.0\.1:\d+ within 10000 ms/,
      garbage: /not HTTP|bad/,
      badstatus: /not HTTP|bad/,
      huge: /too large/,
      forbidden: /HTTP 403/,
    };
    // Every source fails with its reason; the silent one within the 10 s connect timeout.
    const started = Date.now();
    const status = await waitFor(async () => {
      const st = await getJson(daemon.port, '/status');
      return st.sources.every((s) => failed(s) && s.reason) && st;
    }, 15000, 'every source failed with a reason').catch((e) => {
      throw new Error(`${e.message}\n${daemon.log()}`);
    });
    t.diagnostic(`all failed after ${Date.now() - started} ms`);
    for (const s of status.sources) {
      t.diagnostic(`${s.name}: ${s.state}: ${s.reason}`);
      assert.match(s.reason, expect[s.name], `${s.name}: ${s.reason}`);
      assert.doesNotMatch(s.reason, /HTTP 500/, `${s.name} must not claim HTTP 500: ${s.reason}`);
      assert.ok(!s.reason.includes('\x1b'), `${s.name}: no raw ESC in the reason`);
    }
    assert.equal(status.sources.find((s) => s.name === 'forbidden').reason.includes('\\x1b[31m'), true,
      `the ESC is shown escaped: ${status.sources.find((s) => s.name === 'forbidden').reason}`);

    // The same reasons as status events on /ws.
    for (const name of Object.keys(servers)) {
      const ev = await c.until(() => c.events().find((e) => e.kind === 'status' && e.source === name && failed(e.data)),
        5000, `a failure status event of ${name}`);
      assert.match(ev.data.reason, expect[name], `${name} status event`);
      if (ev.data.state === 'reconnecting') assert.ok(ev.data.nextRetryMs > 0 && ev.data.attempt >= 1, JSON.stringify(ev.data));
      assert.ok(!ev.data.reason.includes('\x1b'));
    }

    // The log: no raw ESC byte anywhere, the escaped form is there.
    const log = daemon.log();
    assert.ok(!log.includes('\x1b'), 'no raw 0x1b byte in the daemon log');
    assert.ok(log.includes('\\x1b[31m'), 'the ESC is logged as \\x1b');
    // Retried with backoff (1 s doubling), not in a loop: a handful of attempts in ~10 s.
    for (const [name, s] of Object.entries(servers)) {
      assert.ok(s.connections() >= 1 && s.connections() <= 8, `${name}: ${s.connections()} connections`);
    }
    assert.equal(daemon.proc.exitCode, null, 'daemon up');
  } finally {
    await daemon.stop();
    for (const s of Object.values(servers)) await s.close();
  }
});
