// WebSocket data-phase faults from the upstream (the daemon's own RFC 6455 client codec), from a
// real socket.io 2.5 server (Engine.IO 3) playing StreamElements, through its own `ws` socket:
// pings are answered with pongs and the link stays up; a message over the 1 MiB limit is skipped
// unread and the link kept (the tip behind it arrives); a masked server frame and a close frame
// from the server each end the link with the right close code and a clear reason, then the
// source reconnects at network pace. Tips before and after arrive
// once, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startDaemon } from '../integration/lib/daemon.mjs';
import { connect } from '../integration/lib/client.mjs';
import { waitFor, sourceStatus, seSource, seTip, startStreamElements, assertStrictlyIncreasing } from '../integration/lib/faults.mjs';

const tipsOf = (c) => c.events().filter((e) => e.kind === 'tip' && e.source === 'se').map((e) => e.amount);
const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

// A text frame as only a client may send it: masked. A server must not (RFC 6455 5.1).
function maskedServerFrame(text) {
  const payload = Buffer.from(text);
  const key = crypto.randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ key[i % 4]));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), key, masked]);
}

// Round 1 sends tips 1-3 and then `fault(ws)` once engine.io has flushed them; round 2 sends
// tips 4-6. Returns the close codes the server's `ws` got back from the daemon, the reason of the
// reconnecting status, and the client.
async function faultRound(fault, { expectReason }) {
  let round = 0;
  const closes = [];
  const up = await startStreamElements({
    onAuthenticated: (s) => {
      round += 1;
      const ws = s.conn.transport.socket;
      ws.on('close', (code) => closes.push(code));
      if (round === 1) {
        for (let i = 1; i <= 3; i++) s.emit('event', seTip(i, 11));
        s.conn.once('drain', () => fault(ws));
      } else {
        for (let i = 4; i <= 6; i++) s.emit('event', seTip(i, 11));
      }
    },
  });
  const daemon = await startDaemon(`[server]\nport = 0\n${seSource('se', up.url)}`);
  try {
    const c = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
    await c.until(() => tipsOf(c).length >= 6, 15000, 'six tips across the reconnect');
    assert.deepEqual(tipsOf(c), range(1, 6));
    assertStrictlyIncreasing(c.events(), 'client');
    const lost = c.events().find((e) => e.kind === 'status' && e.source === 'se' && e.data.state === 'reconnecting');
    assert.ok(lost, 'a reconnecting status event');
    assert.match(lost.data.reason, expectReason);
    assert.ok(lost.data.nextRetryMs <= 1000, `network pace: ${lost.data.nextRetryMs} ms`);
    const s = await sourceStatus(daemon.port, 'se');
    assert.equal(s.state, 'connected');
    assert.equal(s.counters.reconnects, 1);
    await waitFor(() => closes.length >= 1, 5000, 'the first link closed');
    assert.equal(daemon.proc.exitCode, null);
    return { closes, lost };
  } finally {
    await daemon.stop();
    await up.close();
  }
}

test('pings from the upstream are answered with pongs carrying their payload; the link stays up', async () => {
  const pongs = [];
  const up = await startStreamElements({
    onAuthenticated: (s) => {
      const ws = s.conn.transport.socket;
      ws.on('pong', (data) => pongs.push(data.toString()));
      for (let i = 1; i <= 3; i++) s.emit('event', seTip(i, 12));
      s.conn.once('drain', () => {
        for (const p of ['a', 'bb', 'x'.repeat(125)]) ws.ping(p);
        for (let i = 4; i <= 6; i++) s.emit('event', seTip(i, 12));
      });
    },
  });
  const daemon = await startDaemon(`[server]\nport = 0\n${seSource('se', up.url)}`);
  try {
    const c = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
    await c.until(() => tipsOf(c).length >= 6, 15000, 'six tips');
    await waitFor(() => pongs.length >= 3, 5000, 'three pongs');
    assert.deepEqual(pongs, ['a', 'bb', 'x'.repeat(125)]);
    assert.deepEqual(tipsOf(c), range(1, 6));
    const s = await sourceStatus(daemon.port, 'se');
    assert.equal(s.state, 'connected');
    assert.equal(s.counters.reconnects, 0);
    assert.equal(up.state.connections, 1);
  } finally {
    await daemon.stop();
    await up.close();
  }
});

test('a burst of 2,000 tips in one go arrives once, in order (many messages per read)', async () => {
  const up = await startStreamElements({
    onAuthenticated: (s) => { for (let i = 1; i <= 2000; i++) s.emit('event', seTip(i, 13)); },
  });
  const daemon = await startDaemon(`[server]\nport = 0\nclient_queue = 100000\nclient_queue_bytes = 268435456\n${seSource('se', up.url)}`);
  try {
    const c = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
    await c.until(() => tipsOf(c).length >= 2000, 20000, '2,000 tips');
    assert.deepEqual(tipsOf(c), range(1, 2000));
    assertStrictlyIncreasing(c.events(), 'client');
    assert.equal((await sourceStatus(daemon.port, 'se')).counters.reconnects, 0);
  } finally {
    await daemon.stop();
    await up.close();
  }
});

test('a 20 MB message is skipped unread, the link is kept, and the tip right behind it on the same socket arrives', async () => {
  const closes = [];
  const up = await startStreamElements({
    onAuthenticated: (s) => {
      const ws = s.conn.transport.socket;
      ws.on('close', (code) => closes.push(code));
      s.emit('event', seTip(1, 14));
      s.conn.once('drain', () => {
        // Raw on the same socket, so nothing (engine.io buffering, another connection) can reorder them.
        ws.send(`42["event","${'x'.repeat(20 * 1024 * 1024)}"]`);
        s.emit('event', seTip(2, 14));
        s.emit('event', seTip(3, 14));
      });
    },
  });
  const daemon = await startDaemon(`[server]\nport = 0\n${seSource('se', up.url)}`);
  try {
    const c = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
    await c.until(() => tipsOf(c).length >= 3, 20000, 'the tips around the 20 MB message');
    assert.deepEqual(tipsOf(c), [1, 2, 3]);
    await daemon.waitForLog(/skipped a \d+-byte message over the 1048576-byte limit; the connection is kept/, 5000);
    const s = await sourceStatus(daemon.port, 'se');
    assert.equal(s.state, 'connected');
    assert.equal(s.counters.reconnects, 0);
    assert.equal(s.counters.oversized, 1);
    assert.equal(up.state.connections, 1);
    assert.deepEqual(closes, []);
    const metrics = await (await fetch(`http://127.0.0.1:${daemon.port}/metrics`)).text();
    assert.match(metrics, /streambridge_upstream_messages_dropped_total\{source="se",reason="oversized"\} 1/);
  } finally {
    await daemon.stop();
    await up.close();
  }
});

test('a masked frame from the server: closed with 1002, the link is rebuilt with a clear reason', async () => {
  const { closes } = await faultRound((ws) => ws._socket.write(maskedServerFrame('42["event",{}]')),
    { expectReason: /connection lost: .*frame was masked/ });
  assert.equal(closes[0], 1002);
});

test('the server closes with a close frame: the daemon answers with the same code and reconnects', async () => {
  const { closes } = await faultRound((ws) => ws.close(4000, 'going'), { expectReason: /connection lost: .*closed/ });
  assert.equal(closes[0], 4000);
});
