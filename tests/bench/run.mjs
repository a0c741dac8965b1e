// The fan-out benchmark driver (scripts/bench.sh runs it after the Release build): every
// scenario against streambridge, the Node reference and the ceiling, on loopback, then one
// table and a JSON file. Every load is bounded in count and time, every wait has a timeout.
//   node tests/bench/run.mjs --build build-bench [--quick] [--json FILE] [--only a,b] [--rounds N] [--subscribers 1,10] [--eio 3]
// --only takes streambridge, reference, ceiling, pipeline and mqtt (default: all); --subscribers a
// subset of 1,10,100,1000 (for a look at one case; the table needs them all); --eio 3 connects
// the daemon with Engine.IO 3.
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Proc, cpuSeconds, memory, sleep } from './lib/proc.mjs';
import { TARGETS, startTarget, startUpstream } from './lib/targets.mjs';
import { printTable, tableRows } from './lib/report.mjs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const quick = flag('--quick');
const build = path.resolve(option('--build', 'build-bench'));
const only = option('--only', [...TARGETS, 'pipeline', 'mqtt'].join(',')).split(',');  // the targets, 'pipeline', 'mqtt'
const jsonCopy = option('--json', null);
const eio = Number(option('--eio', 4));  // the daemon's Engine.IO version (the others speak 4)

// Sizes of the runs. Quick: about 2 minutes for everything; full: about 10.
const P = quick
  ? { trialSeconds: 1.5, trials: 3, floodSeconds: 6, latencySeconds: 1.5, maxDrainMs: 300, settleMaxMs: 15000,
      flood: { 1: 40000, 10: 30000, 100: 8000, 1000: 1500 }, adversarialSeconds: 0.75, adversarialPairs: 2, rounds: 500 }
  : { trialSeconds: 4, trials: 6, floodSeconds: 15, latencySeconds: 8, maxDrainMs: 300, settleMaxMs: 30000,
      flood: { 1: 150000, 10: 100000, 100: 30000, 1000: 5000 }, adversarialSeconds: 3, adversarialPairs: 2,
      rounds: 2000 };
const SUBSCRIBERS = option('--subscribers', '1,10,100,1000').split(',').map(Number);
const pipelineRounds = Number(option('--rounds', P.rounds));

const log = (...m) => console.error(`[bench ${((performance.now()) / 1000).toFixed(0).padStart(3)} s]`, ...m);
const round2 = (x) => { // two significant digits: rates are not finer than that anyway
  if (!(x > 0)) return 0;
  const p = 10 ** (Math.floor(Math.log10(x)) - 1);
  return Math.max(10, Math.floor(x / p) * p);
};

// One bounded load: the generator runs `command`, the subscribers count what arrived.
async function run(ctx, command, { drainMs = 3000 } = {}) {
  if (ctx.backlog) await settle(ctx);  // never carry a backlog into the next run
  ctx.subs.send('reset');
  await ctx.subs.json('reset', 5000);
  const cpu0 = cpuSeconds(ctx.target.pid);
  ctx.upstream.send(command);
  const gen = await ctx.upstream.json('done', 120000);
  if (!gen.done) throw new Error(`bench_upstream: ${gen.error}`);
  ctx.subs.send(`collect ${gen.sent} ${drainMs}`);
  const got = await ctx.subs.json('clients', drainMs + 30000);
  const cpu = cpuSeconds(ctx.target.pid) - cpu0;
  const clean = got.lost === 0 && got.gaps === 0 && got.holes === 0 && got.order_errors === 0 && got.closed === 0;
  const drain = (got.last_ns - gen.end_ns) / 1e6;  // last delivery after the scheduled end
  const result = {
    command, sent: gen.sent, clients: got.clients, clean, lost: got.lost, gaps: got.gaps, gapMissed: got.gap_missed, holes: got.holes,
    orderErrors: got.order_errors, closed: got.closed, closeCode: got.close_code,
    // per subscriber, of what arrived before the collect deadline
    deliveredPerSec: got.events / got.clients / Math.max(1e-9, (got.last_ns - gen.start_ns) / 1e9),
    drainMs: drain, p50us: got.p50_us, p99us: got.p99_us, maxUs: got.max_us, msgBytes: got.msg_bytes,
    cpuUsPerEvent: gen.sent ? (cpu * 1e6) / gen.sent : null, cpuSeconds: cpu,
  };
  ctx.backlog = !clean || drain > P.maxDrainMs;
  return result;
}

// Waits until the subscribers got nothing for 300 ms: the bridge's backlog is delivered.
async function settle(ctx) {
  ctx.subs.send(`quiet 300 ${P.settleMaxMs}`);
  await ctx.subs.json('quiet', P.settleMaxMs + 10000);
  ctx.backlog = false;
}

// The highest fixed rate with nothing lost and no backlog left (last event delivered within
// maxDrainMs of the scheduled end). The as-fast-as-the-bridge-reads run gives the first guess.
async function maxSustained(ctx, n, previous) {
  // About a second's worth at the rate the previous subscriber count suggests: a slow bridge
  // buffers whatever it is sent, and a big flood would take it minutes to deliver.
  const guess = previous ? (previous.rate * previous.n) / n : Infinity;
  const count = Math.max(200, Math.min(P.flood[n], Math.round(guess)));
  const flood = await run(ctx, `flood ${count} ${P.floodSeconds} normal`, { drainMs: 10000 });
  log(`  flood x${n}: ${flood.deliveredPerSec.toFixed(0)} ev/s delivered, ${flood.clean ? 'nothing lost' : `${flood.lost} missing after 10 s, ${flood.gaps} gaps`}`);
  let rate = Math.max(10, round2(flood.deliveredPerSec * 0.9));
  let best = null;
  const tried = [];
  for (let i = 0; i < P.trials && rate >= 10; ++i) {
    const r = await run(ctx, `rate ${rate} ${P.trialSeconds} normal`);
    const pass = r.clean && r.drainMs <= P.maxDrainMs;
    tried.push({ rate, pass, ...r });
    log(`  rate ${rate} x${n}: ${pass ? 'ok' : 'FAIL'} (missing ${r.lost}, gaps ${r.gaps}, drain ${r.drainMs.toFixed(0)} ms, p99 ${(r.p99us / 1000).toFixed(1)} ms)`);
    if (pass) {
      best = rate;
      const up = round2(rate * 1.2);
      if (quick || up > flood.deliveredPerSec * 1.1 || up === rate) break;
      rate = up;
    } else {
      if (best !== null) break;
      rate = round2(rate * 0.6);
    }
  }
  return { flood, best, tried };
}

// The same-user load (one user, one amount, distinct ids: what a dedup keyed badly on
// user+amount would choke on) against the normal one, back to back with the same count,
// `pairs` times; the best of each.
async function adversarial(ctx, floodRate) {
  const count = Math.max(1000, Math.round(floodRate * P.adversarialSeconds));
  let normal = null;
  let sameUser = null;
  for (let i = 0; i < P.adversarialPairs; ++i) {
    const order = i % 2 ? ['same', 'normal'] : ['normal', 'same'];  // neither always goes first
    const r = {};
    for (const mode of order) r[mode] = await run(ctx, `flood ${count} ${P.floodSeconds} ${mode}`, { drainMs: 10000 });
    const { normal: a, same: b } = r;
    if (!normal || a.deliveredPerSec > normal.deliveredPerSec) normal = a;
    if (!sameUser || b.deliveredPerSec > sameUser.deliveredPerSec) sameUser = b;
  }
  log(`  flood x10 normal ${normal.deliveredPerSec.toFixed(0)} ev/s, same user ${sameUser.deliveredPerSec.toFixed(0)} ev/s${sameUser.clean ? '' : ` (${sameUser.lost} missing, ${sameUser.gaps} gaps)`}`);
  return { normal, sameUser };
}

async function withSubscribers(ctx, n, body) {
  const subs = new Proc(`bench_subscribers x${n}`, path.join(build, 'tests/bench_subscribers'),
    ['--url', `ws://127.0.0.1:${ctx.target.port}/ws`, '--clients', String(n)]);
  try {
    const ready = await subs.json('ready', 90000);
    if (ready.failed) throw new Error(`${ready.failed} of ${n} subscribers could not connect`);
    ctx.subs = subs;
    const result = await body(ready);
    // Whatever the bridge still holds would be sent to the next set of subscribers first.
    if (ctx.backlog) await settle(ctx);
    return result;
  } finally {
    subs.send('quit');
    await subs.stop();
  }
}

async function benchTarget(name) {
  const upstream = await startUpstream(build);
  const target = await startTarget(name, { build, upstream, eio });
  const ctx = { upstream, target };
  const out = { listeningMs: target.listeningMs, authenticatedMs: target.authenticatedMs, sustained: {}, latency: {} };
  try {
    await sleep(300);
    out.rssIdleMiB = memory(target.pid).rssMiB;
    let previous = null;
    for (const n of SUBSCRIBERS) {
      await withSubscribers(ctx, n, async (ready) => {
        log(`${name}: ${n} subscriber(s) connected in ${ready.connect_ms.toFixed(0)} ms`);
        if (n === 1000) out.rss1000MiB = memory(target.pid).rssMiB;
        out.sustained[n] = await maxSustained(ctx, n, previous);
        previous = { n, rate: out.sustained[n].flood.deliveredPerSec };
        if (n === 10) out.adversarial = await adversarial(ctx, out.sustained[10].flood.deliveredPerSec);
        if (n === 100) {
          // Above what the bridge sustains the backlog only grows: a shorter run says as much
          // and leaves less for it to work off.
          const s100 = out.sustained[100];
          const capacity = s100.best ?? s100.flood.deliveredPerSec;
          for (const rate of [1000, 10000]) {
            const overCapacity = capacity < rate;
            const seconds = overCapacity ? Math.max(0.5, Math.min(P.latencySeconds, (2 * capacity) / rate)) : P.latencySeconds;
            out.latency[rate] = { seconds, overCapacity, ...await run(ctx, `rate ${rate} ${seconds.toFixed(2)} normal`) };
            const l = out.latency[rate];
            log(`  latency ${rate}/s x100: p50 ${l.p50us} µs p99 ${l.p99us} µs max ${l.maxUs} µs, ${l.cpuUsPerEvent.toFixed(1)} CPU µs/event`);
          }
        }
      });
    }
    out.rssPeakMiB = memory(target.pid).hwmMiB;
  } finally {
    await target.stop();
    upstream.send('quit');
    await upstream.stop();
  }
  return out;
}

function pipeline() {
  const text = execFileSync(path.join(build, 'tests/bench_pipeline'), [String(pipelineRounds)]).toString();
  return text.split('\n').filter(Boolean).map((line) => {
    const m = line.match(/^(.*?):?\s+([\d.]+) events\/s\s+([\d.]+) ns\/event/);
    return m ? { stage: m[1].trim().replace(/:$/, ''), eventsPerSec: Number(m[2]), nsPerEvent: Number(m[3]), line } : { line };
  });
}

// Through a broker: streambridge with an [[mqtt]] output to a local mosquitto (QoS 1), one
// mosquitto_sub subscriber, beside one local WebSocket subscriber on the same flood. The MQTT
// figure is the subscriber's: messages between its first and last line over that time.
async function benchMqtt() {
  const { spawn } = await import('node:child_process');
  const net = await import('node:net');
  const { existsSync, mkdtempSync, rmSync } = await import('node:fs');
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sb-bench-mqtt-'));
  writeFileSync(path.join(dir, 'mosquitto.conf'),
    `user ${os.userInfo().username}\nlistener ${port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n`);
  const mosquitto = ['/usr/sbin/mosquitto', 'mosquitto'].find((p) => p.startsWith('/') ? existsSync(p) : true);
  const broker = spawn(mosquitto, ['-c', path.join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
  await sleep(500);
  const count = quick ? 20000 : 100000;
  const upstream = await startUpstream(build);
  const target = await startTarget('streambridge', {
    build, upstream, eio, extraConfig: `\n[[mqtt]]\nurl = "mqtt://127.0.0.1:${port}"\nprefix = "bench"\nqueue = ${count * 2}\n`,
  });
  const sub = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-t', 'bench/events/#', '-C', String(count), '-F', '%t'],
    { stdio: ['ignore', 'pipe', 'ignore'] });
  let lines = 0;
  let first = 0;
  let last = 0;
  sub.stdout.on('data', (chunk) => {
    const now = performance.now();
    const n = chunk.toString().split('\n').length - 1;
    if (!lines) first = now;
    lines += n;
    last = now;
  });
  const ctx = { upstream, target };
  try {
    await sleep(500);
    let ws = null;
    await withSubscribers(ctx, 1, async () => { ws = await run(ctx, `flood ${count} ${P.floodSeconds} normal`, { drainMs: 10000 }); });
    const deadline = performance.now() + 30000;
    while (lines < count && performance.now() < deadline) await sleep(50);
    const mqttPerSec = lines > 1 ? (lines - 1) / ((last - first) / 1000) : 0;
    log(`mqtt: ${lines} of ${count} through the broker at ${mqttPerSec.toFixed(0)} ev/s; the local WebSocket ${ws.deliveredPerSec.toFixed(0)} ev/s`);
    return { count, received: lines, mqttPerSec, websocketPerSec: ws.deliveredPerSec, websocketClean: ws.clean };
  } finally {
    sub.kill();
    await target.stop();
    upstream.send('quit');
    await upstream.stop();
    broker.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

function git(...a) {
  const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
  try { return execFileSync('git', a, { cwd: repo, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim(); } catch { return null; }
}

const results = {
  benchmark: 'streambridge fan-out',
  mode: quick ? 'quick' : 'full',
  date: new Date().toISOString(),
  commit: git('rev-parse', 'HEAD'),
  dirty: (git('status', '--porcelain', '--untracked-files=no') ?? '') !== '',
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavgBefore: os.loadavg(), node: process.version },
  parameters: { ...P, eio },
  targets: {},
};
log(`${results.mode} run; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} on ${os.cpus().length} cores`);
results.pipeline = only.includes('pipeline') ? pipeline() : [];
for (const name of TARGETS.filter((t) => only.includes(t))) {
  log(`${name}: starting`);
  try {
    results.targets[name] = await benchTarget(name);
  } catch (error) {
    log(`${name}: FAILED: ${error.message}`);
    results.targets[name] = { error: error.message };
  }
}
if (only.includes('mqtt')) {
  try {
    results.mqtt = await benchMqtt();
  } catch (error) {
    log(`mqtt: FAILED: ${error.message}`);
    results.mqtt = { error: error.message };
  }
}
results.machine.loadavgAfter = os.loadavg();
results.table = tableRows(results);
printTable(results);
if (results.mqtt && !results.mqtt.error)
  console.log(`\nThrough an MQTT broker (mosquitto, QoS 1, one subscriber): ${results.mqtt.mqttPerSec.toFixed(0)} events/s (${results.mqtt.received} of ${results.mqtt.count}); one local WebSocket subscriber on the same flood: ${results.mqtt.websocketPerSec.toFixed(0)} events/s`);

const file = path.join(build, 'bench-results.json');
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
if (jsonCopy) writeFileSync(jsonCopy, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nresults: ${file}${jsonCopy ? ` and ${jsonCopy}` : ''}`);
process.exit(Object.values(results.targets).some((t) => t.error) || results.mqtt?.error ? 1 : 0);
