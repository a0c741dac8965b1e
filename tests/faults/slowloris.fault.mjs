// Slowloris: 200 connections send a request head one byte every 500 ms; a normal client still
// gets /healthz and /ws at once. A request head over 16 KiB is answered with HTTP 431, not a reset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startDaemon, withTimeout } from '../integration/lib/daemon.mjs';
import { connect } from '../integration/lib/client.mjs';
import { httpGet, cpuSeconds, waitFor, assertContiguous } from '../integration/lib/faults.mjs';

// Sends `request` on a fresh connection and resolves to {status, text, error} once the peer
// closes or the response head is in.
function rawRequest(port, request, ms = 5000) {
  return withTimeout(new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let text = '';
    let error = null;
    s.on('connect', () => s.write(request));
    s.on('data', (d) => {
      text += d;
      if (text.includes('\r\n\r\n')) s.end();
    });
    s.on('error', (e) => { error = e.code; });
    s.on('close', () => {
      const m = text.match(/^HTTP\/1\.1 (\d{3})/);
      resolve({ status: m ? Number(m[1]) : null, text, error });
    });
  }), ms, 'a response');
}

test('200 slowloris connections: /healthz and /ws stay prompt for a normal client; the slow heads are dropped at their deadline', async (t) => {
  const daemon = await startDaemon('[server]\nport = 0\n[[source]]\nname = "demo"\ntype = "demo"\ninterval = "20ms"\n');
  const slow = [];
  let timer;
  try {
    const steady = connect(`ws://127.0.0.1:${daemon.port}/ws?chat=1`);
    await steady.opened;
    const head = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\n${'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'.repeat(20)}`;
    for (let i = 0; i < 200; i++) {
      const s = net.connect(daemon.port, '127.0.0.1');
      s.on('error', () => {});
      s.on('close', () => { s.closedAt = Date.now(); });
      s.sent = 0;
      slow.push(s);
    }
    await Promise.all(slow.map((s) => new Promise((r) => s.once('connect', r))));
    const connectedAt = Date.now();
    timer = setInterval(() => {
      for (const s of slow) if (!s.destroyed && s.sent < head.length) s.write(head[s.sent++]);
    }, 500);
    const cpu0 = cpuSeconds(daemon.proc.pid);

    // A few seconds of slowloris, probing all along.
    const latencies = [];
    const end = Date.now() + 5000;
    let wsChecks = 0;
    while (Date.now() < end) {
      const t0 = Date.now();
      const r = await httpGet(daemon.port, '/healthz', { timeout: 2000 });
      latencies.push(Date.now() - t0);
      assert.equal(r.status, 200);
      const c = connect(`ws://127.0.0.1:${daemon.port}/ws`);
      const t1 = Date.now();
      await c.untilEvents(2, 2000);
      latencies.push(Date.now() - t1);
      c.ws.close();
      wsChecks += 1;
    }
    const cpu = cpuSeconds(daemon.proc.pid) - cpu0;
    t.diagnostic(`${latencies.length} probes (${wsChecks} WebSocket), slowest ${Math.max(...latencies)} ms; daemon CPU ${cpu.toFixed(2)} s in 5 s`);
    assert.ok(Math.max(...latencies) < 1000, `prompt answers: slowest ${Math.max(...latencies)} ms`);
    assert.ok(cpu < 2.5, `the slow connections do not eat the CPU: ${cpu.toFixed(2)} s`);

    // Nor are they held forever: a request head has a deadline (30 s in lib/server/local_server.cpp).
    await waitFor(() => slow.every((s) => s.closedAt), 60000, 'the daemon to drop the slow heads').catch((e) => {
      throw new Error(`${e.message}: ${slow.filter((s) => !s.closedAt).length} of 200 still open`);
    });
    t.diagnostic(`slow heads dropped after ${((Math.max(...slow.map((s) => s.closedAt)) - connectedAt) / 1000).toFixed(1)} s`);

    // The client connected through all this got everything.
    assert.ok(steady.events().length > 100, `steady client: ${steady.events().length} events`);
    assert.equal(steady.ws.readyState, 1);
    assertContiguous(steady.events().map((e) => e.seq), 'steady');
    assert.equal(daemon.proc.exitCode, null, 'daemon up');
  } finally {
    clearInterval(timer);
    for (const s of slow) s.destroy();
    await daemon.stop();
  }
});

test('a request head over 16 KiB gets HTTP 431, not a reset; a big but allowed one is served', async () => {
  const daemon = await startDaemon('[server]\nport = 0\n');
  try {
    const cases = {
      'one 20 KiB header': `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'b'.repeat(20 * 1024)}\r\n\r\n`,
      '200 headers of 100 bytes': `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n${Array.from({ length: 200 }, (_, i) => `X-H${i}: ${'c'.repeat(90)}\r\n`).join('')}\r\n`,
      'a 20 KiB request target': `GET /healthz?${'q'.repeat(20 * 1024)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
      'a WebSocket upgrade with a 20 KiB header': `GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
        + `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-Big: ${'b'.repeat(20 * 1024)}\r\n\r\n`,
    };
    for (const [name, request] of Object.entries(cases)) {
      const r = await rawRequest(daemon.port, request);
      assert.equal(r.status, 431, `${name}: got ${r.status} (${r.error ?? 'no error'}): ${r.text.slice(0, 200)}`);
    }
    const ok = await rawRequest(daemon.port, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'b'.repeat(12 * 1024)}\r\nConnection: close\r\n\r\n`);
    assert.equal(ok.status, 200, `a 12 KiB head is within the limit: ${ok.text.slice(0, 200)}`);
    assert.equal(daemon.proc.exitCode, null);
  } finally {
    await daemon.stop();
  }
});
