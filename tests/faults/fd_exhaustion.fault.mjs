// Out of file descriptors: the daemon runs with RLIMIT_NOFILE 64 and gets more connections than
// it can accept. accept() fails: the daemon must back off (not spin a core), log it at most a
// few times (once a minute), keep serving the clients it has, and answer again once they leave.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { BIN, tempDir, withTimeout } from '../integration/lib/daemon.mjs';
import { connect } from '../integration/lib/client.mjs';
import { cpuSeconds, waitFor, settle, httpGet, assertContiguous } from '../integration/lib/faults.mjs';

// The daemon under `ulimit -n 64`, its log collected.
async function startLimited(configText) {
  const dir = tempDir();
  const file = path.join(dir, 'streambridge.toml');
  writeFileSync(file, configText);
  const proc = spawn('sh', ['-c', 'ulimit -n 64 && exec "$0" "$@"', BIN, '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  let partial = '';
  const onData = (d) => {
    partial += d;
    const parts = partial.split('\n');
    partial = parts.pop();
    lines.push(...parts);
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  const exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  process.on('exit', () => proc.kill('SIGKILL'));
  const m = await waitFor(() => lines.map((l) => l.match(/local API listening on http:\/\/\S+:(\d+)/)).find(Boolean), 15000, 'listening');
  return {
    proc, lines, port: Number(m[1]),
    async stop() {
      proc.kill('SIGTERM');
      const r = await withTimeout(exited, 15000, 'exit');
      rmSync(dir, { recursive: true, force: true });
      return r;
    },
  };
}

test('fd exhaustion: accept failures back off and are logged rarely; service resumes once clients leave', async (t) => {
  const daemon = await startLimited('[server]\nport = 0\n[[source]]\nname = "demo"\ntype = "demo"\ninterval = "20ms"\n');
  const sockets = [];
  let stopped = false;
  try {
    // A client from before the exhaustion: it must keep getting every event throughout.
    const c = connect(`ws://127.0.0.1:${daemon.port}/ws?chat=1`);
    await c.opened;
    const accepted = () => daemon.lines.filter((l) => /accept failed/.test(l)).length;

    // Idle TCP connections (no request) until accept fails: 64 fds, so 100 are more than enough.
    for (let i = 0; i < 100; i++) {
      const s = net.connect(daemon.port, '127.0.0.1');
      s.on('error', () => {});
      sockets.push(s);
    }
    await Promise.all(sockets.map((s) => new Promise((r) => { if (s.readyState === 'open') r(); else s.once('connect', r).once('error', r); })));
    await waitFor(() => accepted() >= 1, 10000, 'the "accept failed" log line');
    const line = daemon.lines.find((l) => /accept failed/.test(l));
    assert.match(line, /accept failed: Too many open files/);

    // Not spinning: ~2 s of wall time costs little CPU (a spin would cost ~2 s).
    const cpu0 = cpuSeconds(daemon.proc.pid);
    const seqBefore = c.events().at(-1)?.seq ?? 0;
    const t0 = Date.now();
    await settle(2000);
    const cpu = cpuSeconds(daemon.proc.pid) - cpu0;
    const wall = (Date.now() - t0) / 1000;
    t.diagnostic(`CPU ${cpu.toFixed(2)} s over ${wall.toFixed(1)} s while out of fds; "accept failed" logged ${accepted()} times`);
    assert.ok(cpu < 0.5, `the daemon spins while out of fds: ${cpu.toFixed(2)} s CPU in ${wall.toFixed(1)} s`);
    assert.ok(accepted() <= 2, `"accept failed" logged ${accepted()} times (once a minute expected):\n${daemon.lines.filter((l) => /accept failed/.test(l)).join('\n')}`);
    assert.equal(daemon.proc.exitCode, null, 'daemon up');
    // The connected client keeps being served.
    assert.ok((c.events().at(-1)?.seq ?? 0) > seqBefore + 20, 'events still flow to the connected client');

    // The crowd leaves: /healthz answers 200 again (accepts resume within the 1 s back-off).
    for (const s of sockets) s.destroy();
    const health = await waitFor(async () => {
      try { const r = await httpGet(daemon.port, '/healthz', { timeout: 2000 }); return r.status === 200 && r; } catch { return false; }
    }, 10000, '/healthz 200 after the clients left');
    assert.equal(health.status, 200);
    // And a new WebSocket client gets events.
    const c2 = connect(`ws://127.0.0.1:${daemon.port}/ws`);
    await c2.untilEvents(3, 10000);
    c2.ws.close();

    assert.equal(c.ws.readyState, 1, 'the first client was never dropped');
    assert.equal(c.messages.filter((m) => m.op === 'gap').length, 0, 'no gap');
    assertContiguous(c.events().map((e) => e.seq), 'the first client');
    assert.ok(accepted() <= 2, `"accept failed" logged ${accepted()} times in all`);
    stopped = true;
    const r = await daemon.stop();
    assert.deepEqual(r, { code: 0, signal: null }, `exit status on SIGTERM:\n${daemon.lines.slice(-20).join('\n')}`);
  } finally {
    for (const s of sockets) s.destroy();
    if (!stopped) await daemon.stop();
  }
});
