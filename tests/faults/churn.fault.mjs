// 1,000 local WebSocket clients churning in waves (connect, get hello, leave: half with a close
// frame, half by dropping the TCP connection) while the demo source publishes ~200 events/s.
// Five steady clients receive every event exactly once, in order; RSS stays bounded; the
// daemon stays up and counts its clients right.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from '../integration/lib/daemon.mjs';
import { connect } from '../integration/lib/client.mjs';
import { rssMonitor, rssLimit, asanEnv, waitFor, httpGet, assertContiguous } from '../integration/lib/faults.mjs';

const WAVES = 8;
const PER_WAVE = 1000;
const BATCH = 100;

async function websocketClients(port) {
  const { body } = await httpGet(port, '/metrics');
  return Number(body.match(/^streambridge_clients\{transport="websocket"\} (\d+)$/m)[1]);
}

test('1,000 clients churning in waves at ~200 events/s: steady clients get every event once; RSS < 150 MiB', async (t) => {
  const daemon = await startDaemon('[server]\nport = 0\nmax_clients = 1200\n[[source]]\nname = "demo"\ntype = "demo"\ninterval = "5ms"\n', { env: asanEnv() });
  let rss;
  const churners = [];
  try {
    const steady = Array.from({ length: 5 }, () => connect(`ws://127.0.0.1:${daemon.port}/ws?chat=1`));
    await Promise.all(steady.map((c) => c.opened));
    rss = rssMonitor(daemon.proc.pid, 100);
    let peak = 0;
    const started = Date.now();
    for (let wave = 0; wave < WAVES; wave++) {
      const clients = [];
      for (let b = 0; b < PER_WAVE / BATCH; b++) {
        const batch = Array.from({ length: BATCH }, (_, i) => {
          // Mostly filtered (little traffic each); every 10th takes everything.
          const query = (b * BATCH + i) % 10 === 0 ? '?chat=1' : '?kinds=follow';
          const c = connect(`ws://127.0.0.1:${daemon.port}/ws${query}`);
          c.ws.on('error', () => {});
          return c;
        });
        clients.push(...batch);
        churners.push(...batch);
        await Promise.all(batch.map((c) => c.until(() => c.messages.some((m) => m.op === 'hello'), 15000, 'hello')));
      }
      peak = Math.max(peak, await websocketClients(daemon.port));
      // Leave: half say goodbye, half vanish.
      clients.forEach((c, i) => (i % 2 === 0 ? c.ws.close(1000) : c.ws.terminate()));
      await waitFor(async () => (await websocketClients(daemon.port)) === 5, 15000, `wave ${wave + 1}: back to the 5 steady clients`);
      assert.equal(daemon.proc.exitCode, null, `daemon up after wave ${wave + 1}`);
    }
    const max = rss.stop();
    t.diagnostic(`${WAVES} waves of ${PER_WAVE} clients in ${((Date.now() - started) / 1000).toFixed(1)} s; peak ${peak} clients; max RSS ${max.toFixed(1)} MiB`);
    assert.ok(peak >= PER_WAVE, `a wave was all connected at once (peak ${peak})`);
    assert.ok(max < rssLimit(daemon.proc.pid, 150), `RSS ${max.toFixed(1)} MiB`);
    const refused = (await httpGet(daemon.port, '/metrics')).body.match(/^streambridge_clients_refused_total\{reason="max_clients"\} (\d+)$/m)[1];
    assert.equal(Number(refused), 0, 'nobody refused under max_clients');

    // The steady clients: every event once, in order, nothing skipped, still connected.
    const last = steady[0].events().at(-1).seq;
    // They connected one after the other: compare from the seq all of them have.
    const from = Math.max(...steady.map((c) => c.messages.find((m) => m.op === 'hello').d.seq + 1));
    for (const [i, c] of steady.entries()) {
      await c.until(() => c.events().some((e) => e.seq >= last), 5000, `steady ${i} caught up`);
      assert.equal(c.ws.readyState, 1, `steady ${i} connected`);
      assert.equal(c.messages.filter((m) => m.op === 'gap').length, 0, `steady ${i}: no gap`);
      assertContiguous(c.events().map((e) => e.seq), `steady ${i}`);
      const span = (x) => x.events().filter((e) => e.seq >= from && e.seq <= last).map((e) => `${e.seq}:${e.id}`);
      assert.deepEqual(span(c), span(steady[0]), `steady ${i} = steady 0`);
    }
    assert.ok(steady[0].events().length > 200, `events flowed (${steady[0].events().length})`);
    // Still serving new clients.
    const after = connect(`ws://127.0.0.1:${daemon.port}/ws`);
    await after.untilEvents(3, 5000);
    after.ws.close();
  } finally {
    rss?.stop();
    for (const c of churners) if (c.ws.readyState <= 1) c.ws.terminate();
    await daemon.stop();
  }
});
