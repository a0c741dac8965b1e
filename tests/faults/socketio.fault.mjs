// Socket.IO faults from a real socket.io 2.5 server (Engine.IO 3) playing StreamElements:
// garbage frames after `authenticated` are skipped and counted in counters.malformed while the
// connection stays up; an abrupt close (sockets destroyed, no close frame); flapping (the server
// closed and reopened 10 times quickly). Events sent while the link is up reach every local
// client exactly once and in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from '../integration/lib/daemon.mjs';
import { connect } from '../integration/lib/client.mjs';
import { startSocketIo } from '../integration/lib/upstream.mjs';
import {
  waitFor, sourceStatus, seSource, seTip, startStreamElements, assertStrictlyIncreasing, assertContiguous,
} from '../integration/lib/faults.mjs';

const tipsOf = (c) => c.events().filter((e) => e.kind === 'tip' && e.source === 'se').map((e) => e.amount);
const statesOf = (c) => c.events().filter((e) => e.kind === 'status' && e.source === 'se').map((e) => e.data.state);

// No status said twice. A state may follow itself only as news: an attempt that failed while
// the server was down is followed by the next attempt's "reconnecting" (that happens when a
// retry lands between two flaps, as on a slow sanitizer build).
function assertNoStatusRepeated(c) {
  const statuses = c.events().filter((e) => e.kind === 'status' && e.source === 'se').map((e) => e.data);
  for (let i = 1; i < statuses.length; i++) {
    const [a, b] = [statuses[i - 1], statuses[i]];
    if (a.state !== b.state) continue;
    assert.equal(b.state, 'reconnecting', `status ${i} repeats "${b.state}": ${JSON.stringify(b)}`);
    assert.ok((b.attempt ?? 0) > (a.attempt ?? 0), `status ${i} repeats the one before: ${JSON.stringify(b)}`);
  }
}

function checkClients(clients, expected, label) {
  for (const [i, c] of clients.entries()) {
    assert.deepEqual(tipsOf(c), expected, `${label}: client ${i} got each tip once, in order`);
    assertStrictlyIncreasing(c.events(), `${label}: client ${i}`);
    assertContiguous(c.events().map((e) => e.seq), `${label}: client ${i}`);
    assert.equal(c.messages.filter((m) => m.op === 'gap').length, 0, `${label}: client ${i}: no gap`);
    assert.equal(c.ws.readyState, 1, `${label}: client ${i} connected`);
  }
}

const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

test('garbage frames are skipped and counted in malformed; the link stays up; tips around them arrive once, in order', async () => {
  const garbage = [
    (s) => s.conn.sendPacket('message', `2["event",${'['.repeat(10000)}${']'.repeat(10000)}]`),     // 10,000 deep array
    (s) => s.conn.sendPacket('message', `2["event",${'{"a":'.repeat(10000)}1${'}'.repeat(10000)}]`), // 10,000 deep object
    (s) => s.conn.sendPacket('message', Buffer.from([0xde, 0xad, 0xbe, 0xef])),                        // binary nobody announced
    (s) => s.conn.sendPacket('message', '2this is not JSON'),                                          // non-JSON after 42
    (s) => s.conn.sendPacket('message', '2["event",{"cut": '),                                         // JSON cut short
  ];
  const up = await startStreamElements({
    onAuthenticated: (s) => {
      for (let i = 1; i <= 5; i++) s.emit('event', seTip(i, 7));
      for (const g of garbage) g(s);
      for (let i = 6; i <= 10; i++) s.emit('event', seTip(i, 7));
    },
  });
  const daemon = await startDaemon(`[server]\nport = 0\n${seSource('se', up.url)}`);
  try {
    const clients = [connect(`ws://127.0.0.1:${daemon.port}/ws?since=0&chat=1`), connect(`ws://127.0.0.1:${daemon.port}/ws?since=0&kinds=tip`)];
    for (const c of clients) await c.until(() => tipsOf(c).length >= 10, 15000, 'ten tips');
    const s = await sourceStatus(daemon.port, 'se');
    assert.equal(s.state, 'connected');
    assert.equal(s.counters.malformed, garbage.length, `malformed counts each bad frame: ${JSON.stringify(s.counters)}`);
    assert.equal(s.counters.connections, 1, 'the connection stayed up');
    assert.equal(s.counters.reconnects, 0);
    assert.equal(up.state.connections, 1);
    assert.deepEqual(tipsOf(clients[0]), range(1, 10));
    assert.deepEqual(tipsOf(clients[1]), range(1, 10));
    assertContiguous(clients[0].events().map((e) => e.seq), 'unfiltered client');
    assert.deepEqual(statesOf(clients[0]), ['connecting', 'connected'], 'no state change but connecting -> connected');
    // Still working after the garbage: more tips over the same connection.
    for (const sock of up.state.sockets) for (let i = 11; i <= 15; i++) sock.emit('event', seTip(i, 7));
    for (const c of clients) await c.until(() => tipsOf(c).length >= 15, 5000, 'tips after the garbage');
    assert.deepEqual(tipsOf(clients[1]), range(1, 15));
    await daemon.waitForLog(/skipped a packet/);
    assert.equal(daemon.proc.exitCode, null);
  } finally {
    await daemon.stop();
    await up.close();
  }
});

test('abrupt close (TCP destroyed, no close frame): reconnecting, connected again; every tip sent while up arrives once', async () => {
  let n = 0;
  const up = await startStreamElements();
  const daemon = await startDaemon(`[server]\nport = 0\n${seSource('se', up.url)}`);
  try {
    const clients = [connect(`ws://127.0.0.1:${daemon.port}/ws?since=0&chat=1`), connect(`ws://127.0.0.1:${daemon.port}/ws?since=0&chat=1`)];
    await Promise.all(clients.map((c) => c.opened));
    await waitFor(() => up.state.authenticated >= 1 && up.state.sockets.size === 1, 15000, 'the daemon authenticated');
    for (let round = 1; round <= 3; round++) {
      const sock = [...up.state.sockets][0];
      for (let i = 0; i < 20; i++) sock.emit('event', seTip(++n, 8));
      for (const c of clients) await c.until(() => tipsOf(c).length >= n, 5000, `round ${round}: ${n} tips`);
      const reconnects = statesOf(clients[0]).filter((x) => x === 'reconnecting').length;
      up.dropAll();
      await clients[0].until(() => statesOf(clients[0]).filter((x) => x === 'reconnecting').length > reconnects, 5000, 'reconnecting');
      await clients[0].until(() => statesOf(clients[0]).at(-1) === 'connected', 15000, 'connected again');
      await waitFor(() => up.state.sockets.size === 1, 5000, 'one server-side session');
    }
    const sock = [...up.state.sockets][0];
    for (let i = 0; i < 20; i++) sock.emit('event', seTip(++n, 8));
    for (const c of clients) await c.until(() => tipsOf(c).length >= n, 5000, `${n} tips`);
    checkClients(clients, range(1, n), 'abrupt close');
    const states = statesOf(clients[0]);
    assertNoStatusRepeated(clients[0]);
    const rs = states.join(' ');
    assert.equal(rs, 'connecting connected reconnecting connected reconnecting connected reconnecting connected');
    const s = await sourceStatus(daemon.port, 'se');
    assert.equal(s.state, 'connected');
    assert.equal(s.counters.reconnects, 3);
  } finally {
    await daemon.stop();
    await up.close();
  }
});

test('flapping: the server is closed and reopened 10 times quickly; the source comes back; tips once, in order', async (t) => {
  let n = 0;
  const sent = new Map();  // tip number -> {at, socket}
  const destroyedAt = new Map();  // socket -> when its link was cut
  const wire = (up) => {
    up.io.on('connection', (socket) => {
      socket.on('authenticate', () => {
        socket.emit('authenticated', { channelId: 'f1ap', clientId: 'c1', message: 'ok', project: 'realtime' });
        const timer = setInterval(() => {
          const k = ++n;
          sent.set(k, { at: Date.now(), socket });
          socket.emit('event', seTip(k, 9));
        }, 10);
        socket.on('disconnect', () => { clearInterval(timer); if (!destroyedAt.has(socket)) destroyedAt.set(socket, Date.now()); });
        socket.conn.on('close', () => clearInterval(timer));
      });
    });
  };
  let up = await startSocketIo({ version: 2 });
  const port = up.port;
  wire(up);
  const daemon = await startDaemon(`[server]\nport = 0\n${seSource('se', up.url)}`);
  try {
    const clients = [connect(`ws://127.0.0.1:${daemon.port}/ws?since=0&chat=1`), connect(`ws://127.0.0.1:${daemon.port}/ws?since=0&kinds=tip,status`)];
    await clients[0].until(() => statesOf(clients[0]).includes('connected'), 15000, 'connected');
    await clients[0].until(() => tipsOf(clients[0]).length >= 5, 5000, 'first tips');
    for (let i = 0; i < 10; i++) {
      const closing = Date.now();
      for (const s of Object.values(up.io.sockets.sockets)) destroyedAt.set(s, closing);
      await up.close();
      up = await startSocketIo({ version: 2, port });
      wire(up);
      await new Promise((r) => setTimeout(r, 250));  // up for a moment, then the next flap
    }
    // Stable now: the source reconnects within its backoff (≤ 30 s) and tips flow again.
    const mark = n;
    await clients[0].until(() => tipsOf(clients[0]).some((k) => k > mark), 40000, 'tips after the flapping');
    await clients[0].until(() => tipsOf(clients[0]).some((k) => k > mark + 20), 5000, 'more tips');
    t.diagnostic(`states: ${statesOf(clients[0]).join(' ')}`);
    const endAt = Date.now();
    for (const s of Object.values(up.io.sockets.sockets)) destroyedAt.set(s, endAt);
    await up.close();  // stop sending; what was sent is in flight or delivered
    const last = n;
    // Every tip sent at least 200 ms before its link was cut (or before the end) must arrive.
    const due = [...sent.entries()].filter(([, v]) => {
      const cut = destroyedAt.get(v.socket) ?? endAt;
      return cut - v.at >= 200;
    }).map(([k]) => k);
    await clients[1].until(() => {
      const got = new Set(tipsOf(clients[1]));
      return due.every((k) => got.has(k));
    }, 5000, 'every tip that was due').catch((e) => {
      const got = new Set(tipsOf(clients[1]));
      throw new Error(`${e.message}: missing ${due.filter((k) => !got.has(k)).slice(0, 20).join(',')}`);
    });
    for (const [i, c] of clients.entries()) {
      const tips = tipsOf(c);
      assert.equal(new Set(tips).size, tips.length, `client ${i}: no tip twice`);
      assert.deepEqual(tips, [...tips].sort((a, b) => a - b), `client ${i}: in order`);
      assert.ok(tips.every((k) => k <= last));
      const got = new Set(tips);
      assert.deepEqual(due.filter((k) => !got.has(k)), [], `client ${i}: every tip sent while the link was up`);
      assertStrictlyIncreasing(c.events(), `client ${i}`);
      assert.equal(c.messages.filter((m) => m.op === 'gap').length, 0, `client ${i}: no gap`);
    }
    assertContiguous(clients[0].events().map((e) => e.seq), 'unfiltered client');
    const states = statesOf(clients[0]);
    assert.ok(states.includes('reconnecting'), 'went reconnecting');
    assert.ok(states.lastIndexOf('connected') > states.indexOf('reconnecting'), 'connected again after reconnecting');
    assertNoStatusRepeated(clients[0]);
    assert.equal(daemon.proc.exitCode, null);
  } finally {
    await daemon.stop();
    await up.close().catch(() => {});
  }
});

// README "Bad input never ends a connection", its one exception: a text frame that is not
// UTF-8 is fatal to a WebSocket (RFC 6455), so the source reconnects at network pace and says
// why; what was sent before and after the bad frame arrives once, in order.
test('a text frame that is not UTF-8: the link is rebuilt with a clear reason, tips around it arrive once', async () => {
  let round = 0;
  const up = await startStreamElements({
    onAuthenticated: (s) => {
      round += 1;
      if (round === 1) {
        for (let i = 1; i <= 3; i++) s.emit('event', seTip(i, 8));
        // Engine.IO 3 message "42" + broken bytes, sent as a text frame by the server's own `ws`
        // once engine.io has flushed the tips (it writes its buffer on the next tick).
        s.conn.once('drain', () => s.conn.transport.socket.send(
          Buffer.from([0x34, 0x32, 0x5b, 0x22, 0xff, 0xfe, 0x22, 0x5d]), { binary: false }));
      } else {
        for (let i = 4; i <= 6; i++) s.emit('event', seTip(i, 8));
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
    assert.match(lost.data.reason, /connection lost/);
    assert.ok(lost.data.nextRetryMs <= 1000, `network pace: ${lost.data.nextRetryMs} ms`);
    const s = await sourceStatus(daemon.port, 'se');
    assert.equal(s.state, 'connected');
    assert.equal(s.counters.reconnects, 1);
    assert.equal(daemon.proc.exitCode, null);
  } finally {
    await daemon.stop();
    await up.close();
  }
});
