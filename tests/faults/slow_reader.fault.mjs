// A local client that never reads while it asks for the whole history again and again (each
// reply is ~1000 events): its queued replies are bounded by [server] client_queue_bytes, it is
// closed with 4004 "... (not reading)", the daemon's RSS stays bounded, and the other clients
// keep getting every event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from '../integration/lib/daemon.mjs';
import { connect } from '../integration/lib/client.mjs';
import {
  rssMiB, rssMonitor, rssLimit, asanEnv, waitFor, metric, rawWebSocket, readUntilClose, assertContiguous,
} from '../integration/lib/faults.mjs';

const RUN_MS = 10000;
const HISTORY_REQUEST = (id) => ({ op: 'request', d: { type: 'history', id, count: 1000 } });

test('clients that never read and request history 15 times a second: bounded, closed with 4004, others unharmed', async (t) => {
  const daemon = await startDaemon(`[server]\nport = 0\nhistory = 1000\nclient_queue_bytes = 65536\n`
    + `[[source]]\nname = "demo"\ntype = "demo"\ninterval = "2ms"\n`, { env: asanEnv() });
  const timers = [];
  let rss;
  try {
    // Two readers that must get every event; they connect before the history fills.
    const readers = [connect(`ws://127.0.0.1:${daemon.port}/ws?chat=1`), connect(`ws://127.0.0.1:${daemon.port}/ws?chat=1`)];
    await Promise.all(readers.map((c) => c.opened));
    await waitFor(async () => (await metric(daemon.port, 'streambridge_history_events')) >= 1000, 15000, 'a full history of 1000 events');
    const baseline = rssMiB(daemon.proc.pid);
    rss = rssMonitor(daemon.proc.pid, 100);

    // One hand-made client over node:net (never reads after the upgrade) and one `ws` client
    // whose socket is paused: both only write.
    const raw = await rawWebSocket(daemon.port, '/ws');
    const paused = connect(`ws://127.0.0.1:${daemon.port}/ws`);
    await paused.opened;
    paused.ws._socket.pause();
    let sent = 0;
    const start = Date.now();
    await new Promise((resolve) => {
      // 15 requests per second each, under the default limit of 20 per second.
      const t = setInterval(() => {
        sent += 1;
        if (!raw.socket.destroyed) raw.send(HISTORY_REQUEST(sent));
        if (paused.ws.readyState === 1) paused.ws.send(JSON.stringify(HISTORY_REQUEST(sent)));
        if (Date.now() - start >= RUN_MS) { clearInterval(t); resolve(); }
      }, 1000 / 15);
      timers.push(t);
    });
    const max = rss.stop();
    t.diagnostic(`RSS ${baseline.toFixed(1)} MiB before, max ${max.toFixed(1)} MiB; ${sent} requests per client`);

    // Both were closed for not reading (the log says so as soon as it happens).
    await daemon.waitForLines(/local client \S+: closing it \(4004\): too slow: over 65536 bytes of replies queued \(not reading\)/, 2, 5000);
    // Reading again, each gets what the kernel held, then the close frame: 4004 "... not reading".
    const rawClose = await readUntilClose(raw.socket, 15000);
    assert.equal(rawClose.code, 4004, JSON.stringify(rawClose));
    assert.match(rawClose.reason, /not reading/);
    paused.ws._socket.resume();
    const pausedClose = await paused.closed;
    assert.equal(pausedClose.code, 4004);
    assert.match(pausedClose.reason, /not reading/);

    assert.ok(max < baseline + rssLimit(daemon.proc.pid, 32), `RSS bounded: ${baseline.toFixed(1)} MiB before, max ${max.toFixed(1)} MiB over ${RUN_MS / 1000} s (${sent} requests each)`);
    assert.equal(daemon.proc.exitCode, null, 'daemon up');

    // The readers got every event: one seq after the other, no gap message, still connected.
    const last = readers[0].events().at(-1).seq;
    for (const [i, c] of readers.entries()) {
      await c.until(() => c.events().some((e) => e.seq >= last), 5000, `reader ${i} caught up`);
      assert.equal(c.ws.readyState, 1, `reader ${i} still connected`);
      assert.equal(c.messages.filter((m) => m.op === 'gap').length, 0, `reader ${i}: no gap`);
      assertContiguous(c.events().map((e) => e.seq), `reader ${i}`);
      assert.ok(c.events().length > 3000, `reader ${i} got the stream (${c.events().length} events)`);
    }
  } finally {
    for (const t of timers) clearInterval(t);
    rss?.stop();
    await daemon.stop();
  }
});
