// SIGHUP faults: reloads that change or remove live non-demo sources (StreamElements over a
// real socket.io 2.5 server, Velora over SSE, an unreachable url) while local clients are
// connected; a storm of 100 SIGHUPs; SIGHUP and SIGTERM at 0 ms after spawn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { writeFileSync, renameSync, rmSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, startDaemon, tempDir, withTimeout } from '../integration/lib/daemon.mjs';
import { connect } from '../integration/lib/client.mjs';
import {
  rssMiB, rssMonitor, rssLimit, asanEnv, waitFor, settle, metric, getJson, seSource, seTip, demoSource, startStreamElements,
  assertStrictlyIncreasing, assertContiguous,
} from '../integration/lib/faults.mjs';

// A Velora SSE server that says `connected` and then keeps the stream open.
async function startVeloraSse() {
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(`event: connected\ndata: ${JSON.stringify({ channelUsername: 'faulty', channelId: 'c9' })}\n\n`);
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    async close() { for (const s of sockets) s.destroy(); await new Promise((r) => server.close(() => r())); },
  };
}

const veloraSse = (name, url) => `[[source]]\nname = "${name}"\ntype = "velora"\ntransport = "sse"\nurl = "${url}"\ntoken = "t"\n`;

// Writes the config atomically (a reload never reads half a file).
function writeConfig(file, text) {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

const reloaded = /SIGHUP: configuration reloaded: sources kept \[([^\]]*)\], started \[([^\]]*)\], stopped \[([^\]]*)\]/;

// A signal's bit in a /proc/PID/status mask (SigBlk, SigCgt, hex): SIGHUP is bit 0, SIGTERM bit 14.
function signalIn(pid, field, number) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${field}:\\s+([0-9a-f]+)`));
    return m ? ((BigInt(`0x${m[1]}`) >> BigInt(number - 1)) & 1n) === 1n : false;
  } catch { return false; }
}

// Polls without yielding to timers: the launcher's first statement comes within microseconds.
function spinUntil(check, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) if (check()) return true;
  return false;
}

// Spawns streambridged and sends `signal` at 0 ms after the first statement of its main (the
// static launcher, daemon/launcher.cpp, which blocks the signal and execs the daemon): the
// moment the mask shows the signal blocked, long before the daemon's libraries are loaded or its
// handler installed. A signal before a program's first instruction is the kernel's (it kills
// any program whose default is to die), so "0 ms" is counted from there; the launcher makes that
// window microseconds instead of the dynamic loader's milliseconds (streambridged(8)).
function spawnAndSignalAtFirstInstruction(file, signal, number) {
  const proc = spawn(BIN, ['--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Blocked, or (if this process was descheduled through the whole start-up) already caught.
  const blocked = spinUntil(() => signalIn(proc.pid, 'SigBlk', number) || signalIn(proc.pid, 'SigCgt', number), 5000);
  const beforeHandler = blocked && signalIn(proc.pid, 'SigBlk', number) && !signalIn(proc.pid, 'SigCgt', number);
  proc.kill(signal);
  const run = { proc, out: '', blocked, beforeHandler };
  proc.stdout.on('data', (d) => { run.out += d; });
  proc.stderr.on('data', (d) => { run.out += d; });
  run.exited = new Promise((r) => proc.on('exit', (code, sig) => r({ code, signal: sig })));
  return run;
}

test('SIGHUP at 0 ms after the first instruction of main, 20 times: never kills, each is a reload', async (t) => {
  const dir = tempDir();
  const file = path.join(dir, 'streambridge.toml');
  writeFileSync(file, `[server]\nport = 0\n${demoSource('demo')}`);
  let early = 0;
  try {
    for (let round = 0; round < 20; round++) {
      const run = spawnAndSignalAtFirstInstruction(file, 'SIGHUP', 1);
      try {
        assert.ok(run.blocked, `round ${round}: SIGHUP is blocked (or caught) from the start`);
        if (run.beforeHandler) early += 1;
        const first = await withTimeout(Promise.race([
          run.exited.then((r) => ({ exited: r })),
          waitFor(() => /SIGHUP: configuration reloaded/.test(run.out), 10000, 'the SIGHUP handled as a reload'),
        ]), 10000, 'reload or exit');
        assert.equal(first.exited, undefined, `round ${round}: died on a SIGHUP at 0 ms: ${JSON.stringify(first.exited)}\n${run.out}`);
        assert.match(run.out, /local API listening/, `round ${round}: serving`);
        // Negative: still alive a moment later.
        await settle(50);
        assert.equal(run.proc.exitCode, null, `round ${round}: exited after the reload:\n${run.out}`);
      } finally {
        run.proc.kill('SIGTERM');
        const r = await withTimeout(run.exited, 10000, 'exit');
        assert.deepEqual(r, { code: 0, signal: null }, `round ${round}: exit status after SIGTERM:\n${run.out}`);
      }
    }
    t.diagnostic(`${early} of 20 SIGHUPs came before the daemon's handler was installed`);
    assert.ok(early >= 1, `at least one SIGHUP came before the handler (${early} of 20)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGTERM at 0 ms after the first instruction of main: a clean stop (exit 0), never a death by signal', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'streambridge.toml');
  writeFileSync(file, `[server]\nport = 0\n${demoSource('demo')}`);
  try {
    for (let round = 0; round < 5; round++) {
      const run = spawnAndSignalAtFirstInstruction(file, 'SIGTERM', 15);
      assert.ok(run.blocked, `round ${round}: SIGTERM is blocked (or caught) from the start`);
      const r = await withTimeout(run.exited, 10000, 'exit');
      assert.deepEqual(r, { code: 0, signal: null }, `round ${round}: exit status after a SIGTERM at 0 ms:\n${run.out}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('reloads that change and remove live sources while a client is connected: no crash, retired back to 0', async () => {
  let n = 0;
  const up = await startStreamElements();
  const timer = setInterval(() => { for (const s of up.state.sockets) s.emit('event', seTip(++n, 1)); }, 25);
  const sse = await startVeloraSse();
  const configA = `[server]\nport = 0\n${demoSource('demo')}${seSource('se', up.url)}${veloraSse('vel', sse.url)}${seSource('dead', 'ws://127.0.0.1:1')}`;
  const daemon = await startDaemon(configA);
  const file = path.join(daemon.dir, 'streambridge.toml');
  try {
    // since=0: the status events published before the client came are replayed too.
    const c = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0&chat=1`);
    await c.opened;
    await c.until(() => c.events().some((e) => e.source === 'se' && e.kind === 'tip'), 15000, 'a tip from se');
    await c.until(() => c.events().some((e) => e.source === 'vel' && e.data?.state === 'connected'), 15000, 'vel connected');

    const steps = [
      // se changed (another url for the same server), vel removed, dead changed.
      [`${demoSource('demo')}${seSource('se', up.urlLocalhost)}${seSource('dead', 'ws://127.0.0.1:2')}`,
        ['demo', 'se, dead', 'se, vel, dead']],
      // se removed, vel back, dead removed.
      [`${demoSource('demo')}${veloraSse('vel', sse.url)}`, ['demo', 'vel', 'se, dead']],
      // vel changed (another token), se back.
      [`${demoSource('demo')}${seSource('se', up.url)}${veloraSse('vel', sse.url).replace('"t"', '"t2"')}`,
        ['demo', 'se, vel', 'vel']],
      // Everything but the demo removed.
      [`${demoSource('demo')}`, ['demo', '', 'se, vel']],
    ];
    for (const [i, [sources, [kept, started, stopped]]] of steps.entries()) {
      const before = daemon.lines.filter((l) => reloaded.test(l)).length;
      writeConfig(file, `[server]\nport = 0\n${sources}`);
      daemon.proc.kill('SIGHUP');
      await daemon.waitForLines(reloaded, before + 1, 10000);
      const m = daemon.lines.filter((l) => reloaded.test(l))[before].match(reloaded);
      assert.deepEqual([m[1], m[2], m[3]], [kept, started, stopped], `reload ${i + 1}`);
      // The next reload comes while the stopped ones may still wind down.
      await c.until(() => c.events().length > 0, 1000);
      assert.equal(daemon.proc.exitCode, null, `daemon alive after reload ${i + 1}`);
    }
    await waitFor(async () => (await metric(daemon.port, 'streambridge_sources_retired')) === 0, 5000,
      'streambridge_sources_retired back to 0');
    const status = await getJson(daemon.port, '/status');
    assert.deepEqual(status.sources.map((s) => s.name), ['demo']);
    assert.equal(c.ws.readyState, 1, 'the client was never dropped');
    assert.equal(c.messages.filter((m) => m.op === 'gap').length, 0, 'no gap');
    assertStrictlyIncreasing(c.events(), 'client');
    assertContiguous(c.events().map((e) => e.seq), 'client (unfiltered, chat=1)');
    const tips = c.events().filter((e) => e.kind === 'tip' && e.source === 'se').map((e) => e.amount);
    assert.equal(new Set(tips).size, tips.length, 'no tip twice');
    assert.deepEqual(tips, [...tips].sort((a, b) => a - b), 'tips in upstream order');
  } finally {
    clearInterval(timer);
    await daemon.stop();
    await up.close();
    await sse.close();
  }
});

test('SIGHUP storm: 100 reloads alternating two configs with changing sources; clients stay, RSS bounded', async (t) => {
  let n = 0;
  const up = await startStreamElements();
  const timer = setInterval(() => { for (const s of up.state.sockets) s.emit('event', seTip(++n, 2)); }, 20);
  const sse = await startVeloraSse();
  const server = '[server]\nport = 0\nhistory = 5000\n';
  const configA = `${server}${demoSource('demo', '10ms')}${seSource('se', up.url)}${veloraSse('vel', sse.url)}${seSource('dead', 'ws://127.0.0.1:1')}`;
  const configB = `${server}${demoSource('demo', '10ms')}${seSource('se', up.urlLocalhost)}${seSource('dead', 'ws://127.0.0.1:2')}`;
  const daemon = await startDaemon(configA, { env: asanEnv() });
  const file = path.join(daemon.dir, 'streambridge.toml');
  let rss;
  try {
    const clients = [connect(`ws://127.0.0.1:${daemon.port}/ws?chat=1`), connect(`ws://127.0.0.1:${daemon.port}/ws?chat=1`),
      connect(`ws://127.0.0.1:${daemon.port}/ws?kinds=tip`)];
    await Promise.all(clients.map((c) => c.opened));
    await clients[0].until(() => clients[0].events().some((e) => e.source === 'se' && e.kind === 'tip'), 15000, 'a tip from se');
    const baseline = rssMiB(daemon.proc.pid);
    rss = rssMonitor(daemon.proc.pid, 50);

    // 50 paced reloads (each waits for its log line), then 50 back to back.
    for (let i = 0; i < 100; i++) {
      const before = daemon.lines.filter((l) => reloaded.test(l)).length;
      writeConfig(file, i % 2 === 0 ? configB : configA);
      daemon.proc.kill('SIGHUP');
      if (i < 50) {
        await daemon.waitForLines(reloaded, before + 1, 10000);
        // Every 5th time the restarted se link comes up and delivers before the next SIGHUP, so
        // sources are also stopped while connected with events flowing, not only while connecting.
        if (i % 5 === 0) {
          const mark = n;
          await clients[0].until(() => clients[0].events().some((e) => e.kind === 'tip' && e.source === 'se' && e.amount > mark),
            15000, `a tip from se after reload ${i + 1}`);
        }
      } else {
        await new Promise((r) => setImmediate(r));
      }
      assert.equal(daemon.proc.exitCode, null, `daemon alive at SIGHUP ${i + 1}`);
    }
    // The last file written is configA; one more paced reload makes sure it is the running one.
    const before = daemon.lines.filter((l) => reloaded.test(l)).length;
    daemon.proc.kill('SIGHUP');
    await daemon.waitForLines(reloaded, before + 1, 10000);
    await waitFor(async () => (await metric(daemon.port, 'streambridge_sources_retired')) === 0, 5000,
      'streambridge_sources_retired back to 0');
    const status = await getJson(daemon.port, '/status');
    assert.deepEqual(status.sources.map((s) => s.name).sort(), ['dead', 'demo', 'se', 'vel']);
    // se comes back and delivers again.
    const mark = n;
    await clients[0].until(() => clients[0].events().some((e) => e.kind === 'tip' && e.amount > mark), 15000, 'a tip after the storm');
    const max = rss.stop();
    t.diagnostic(`RSS ${baseline.toFixed(1)} MiB before the storm, max ${max.toFixed(1)} MiB`);
    assert.ok(max < baseline + rssLimit(daemon.proc.pid, 64), `RSS bounded: baseline ${baseline.toFixed(1)} MiB, max ${max.toFixed(1)} MiB`);

    for (const [i, c] of clients.entries()) {
      assert.equal(c.ws.readyState, 1, `client ${i} never dropped`);
      assert.equal(c.messages.filter((m) => m.op === 'gap').length, 0, `client ${i}: no gap`);
      assertStrictlyIncreasing(c.events(), `client ${i}`);
      const tips = c.events().filter((e) => e.kind === 'tip' && e.source === 'se').map((e) => e.amount);
      assert.ok(tips.length > 0, `client ${i}: tips from se`);
      assert.equal(new Set(tips).size, tips.length, `client ${i}: no tip twice`);
      assert.deepEqual(tips, [...tips].sort((a, b) => a - b), `client ${i}: tips in upstream order`);
    }
    assertContiguous(clients[0].events().map((e) => e.seq), 'client 0 (unfiltered, chat=1)');
    const lastSeq = clients[0].events().at(-1).seq;
    await clients[1].until(() => clients[1].events().some((e) => e.seq >= lastSeq), 5000, 'client 1 caught up');
    // Each client's events start after its hello's seq: compare from where all of them started.
    const from = Math.max(...clients.map((c) => c.messages.find((m) => m.op === 'hello').d.seq + 1));
    const upTo = (c) => c.events().map((e) => e.seq).filter((q) => q >= from && q <= lastSeq);
    assert.deepEqual(upTo(clients[1]), upTo(clients[0]), 'both unfiltered clients got the same');
    const tipsOf0 = clients[0].events().filter((e) => e.kind === 'tip' && e.seq >= from).map((e) => e.seq);
    await clients[2].until(() => clients[2].events().some((e) => e.seq >= tipsOf0.at(-1)), 5000, 'client 2 caught up');
    const tipsOf2 = clients[2].events().map((e) => e.seq);
    assert.deepEqual(tipsOf2.filter((s) => s >= from && s <= lastSeq), tipsOf0, 'the kinds=tip client got exactly the tips');
  } finally {
    rss?.stop();
    clearInterval(timer);
    await daemon.stop();
    await up.close();
    await sse.close();
  }
});
