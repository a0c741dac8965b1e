// UDP output: one JSON datagram per event per target, each target with its own kinds filter
// and size cap; oversized events trimmed by the documented rule or dropped, never split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { demoConfig, startDaemon, withTimeout } from './lib/daemon.mjs';
import { schemaErrors } from './lib/schema.mjs';

async function listener() {
  const socket = dgram.createSocket('udp4');
  const datagrams = [];
  const watchers = new Set();
  socket.on('message', (msg) => {
    datagrams.push(msg);
    for (const w of [...watchers]) if (w.predicate()) { watchers.delete(w); w.resolve(); }
  });
  await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const until = (predicate, ms, what) => predicate() ? Promise.resolve()
    : withTimeout(new Promise((resolve) => watchers.add({ predicate, resolve })), ms, what);
  return { socket, datagrams, port: socket.address().port, until };
}

test('every target gets whole JSON datagrams within its cap and kinds', async () => {
  const all = await listener();
  const chatOnly = await listener();
  const tiny = await listener();
  const daemon = await startDaemon(demoConfig({ interval: '5ms', extra: `
[[udp]]
target = "127.0.0.1:${all.port}"
[[udp]]
target = "127.0.0.1:${chatOnly.port}"
kinds = ["chat_message"]
max_datagram = 420
[[udp]]
target = "127.0.0.1:${tiny.port}"
max_datagram = 256
` }));
  try {
    await all.until(() => all.datagrams.length >= 40, 20000, '40 datagrams');
    await chatOnly.until(() => chatOnly.datagrams.length >= 2, 20000, 'chat datagrams');
    await daemon.waitForLog(/udp 127\.0\.0\.1:\d+: event seq \d+ \(\w+\) does not fit in 256 bytes even trimmed: not sent/);

    for (const d of all.datagrams) {
      assert.ok(d.length <= 1400);
      const e = JSON.parse(d.toString('utf8'));
      assert.equal(schemaErrors(e), null);
    }
    const seqs = all.datagrams.map((d) => JSON.parse(d).seq);
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => seqs[0] + i), 'one per event, in order');

    for (const d of chatOnly.datagrams) {
      assert.ok(d.length <= 420, `datagram of ${d.length} bytes over the cap`);
      const e = JSON.parse(d.toString('utf8'));
      assert.equal(e.kind, 'chat_message');
      assert.equal(schemaErrors(e), null);
      assert.equal(e.trimmed, true, 'SE chat messages with badges are larger than 420 bytes');
      assert.deepEqual(e.data, {});
    }
    for (const d of tiny.datagrams) assert.ok(d.length <= 256);
  } finally {
    await daemon.stop();
    for (const l of [all, chatOnly, tiny]) l.socket.close();
  }
});
