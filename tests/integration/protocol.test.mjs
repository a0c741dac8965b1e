// The local API's protocol 1 with real WebSocket clients (npm `ws`) and a real SSE client (npm
// `eventsource`): hello, filters, resubscribe, every request, close codes, resume at the seam,
// gaps, the journal across a daemon restart, slow clients, SSE with Last-Event-ID, /metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import EventSource from 'eventsource';
import { writeFileSync } from 'node:fs';
import { startDaemon, demoConfig, tempDir, freePort, injectTest, withTimeout, run, WINE } from './lib/daemon.mjs';
import { connect } from './lib/client.mjs';

const quietConfig = (server = '') => `[server]\nport = 0\n${server}\n`;  // no source: only what we inject

test('hello carries versions, epoch, seq, auth and limits; status follows; events flow with the query filter', async () => {
  const daemon = await startDaemon(demoConfig({ interval: '10ms' }));
  try {
    const c = connect(`ws://127.0.0.1:${daemon.port}/ws?kinds=tip,follow&test=1`);
    await c.untilEvents(2);
    const [hello, status] = c.messages;
    assert.equal(hello.op, 'hello');
    assert.equal(hello.d.protocol, 1);
    assert.equal(hello.d.daemon, 'streambridge');
    assert.match(hello.d.version, /^\d+\.\d+\.\d+$/);
    assert.match(hello.d.epoch, /^[0-9a-f]{16}$/);
    assert.equal(typeof hello.d.seq, 'number');
    assert.equal(hello.d.auth, false);
    assert.equal(hello.d.identified, true);
    assert.deepEqual(hello.d.filter.kinds, ['follow', 'tip']);
    assert.equal(hello.d.limits.maxMessageBytes, 65536);
    assert.equal(status.op, 'status');
    assert.equal(status.d.sources[0].name, 'demo');
    assert.ok(c.events().every((e) => e.kind === 'tip' || e.kind === 'follow'));
  } finally {
    await daemon.stop();
  }
});

test('subscribe changes the filter at any time; identify without auth works as a subscribe', async () => {
  const daemon = await startDaemon(quietConfig());
  try {
    const c = connect(`ws://127.0.0.1:${daemon.port}/ws?kinds=tip`);
    await c.opened;
    await injectTest(daemon.port, { kind: 'follow' });
    await injectTest(daemon.port, { kind: 'tip' });
    await c.untilEvents(1);
    c.ws.send(JSON.stringify({ op: 'subscribe', d: { filter: { kinds: ['follow'] } } }));
    await c.until((m) => m.some((x) => x.op === 'subscribed'));
    await injectTest(daemon.port, { kind: 'tip' });
    await injectTest(daemon.port, { kind: 'follow' });
    await c.untilEvents(2);
    assert.deepEqual(c.events().map((e) => e.kind), ['tip', 'follow']);
    const subscribed = c.messages.find((x) => x.op === 'subscribed');
    assert.deepEqual(subscribed.d.filter.kinds, ['follow']);
    // Chat is opt-in, and test=0 hides test events.
    c.ws.send(JSON.stringify({ op: 'identify', d: { protocol: 1, filter: { test: 0 } } }));
    await c.until((m) => m.some((x) => x.op === 'identified'));
    await injectTest(daemon.port, { kind: 'follow' });
    c.ws.send(JSON.stringify({ op: 'request', d: { id: 'p', type: 'ping' } }));
    await c.until((m) => m.some((x) => x.op === 'response'));
    assert.equal(c.events().length, 2);  // the test follow was filtered out
  } finally {
    await daemon.stop();
  }
});

test('every request: ping, status, history, emit, velora.getRewards (no source), unknown', async () => {
  const daemon = await startDaemon(quietConfig());
  try {
    const c = connect(`ws://127.0.0.1:${daemon.port}/ws`);
    await c.opened;
    for (const kind of ['tip', 'follow', 'tip']) await injectTest(daemon.port, { kind });
    const ask = async (d) => {
      c.ws.send(JSON.stringify({ op: 'request', d }));
      const r = await c.until((m) => m.find((x) => x.op === 'response' && x.d.id === d.id));
      return r.d;
    };
    assert.equal(typeof (await ask({ id: 1, type: 'ping' })).result.time, 'number');
    const status = await ask({ id: 2, type: 'status' });
    assert.deepEqual(status.result.sources, []);
    const history = await ask({ id: 3, type: 'history', count: 2, filter: { kinds: 'tip' } });
    assert.deepEqual(history.result.events.map((e) => [e.seq, e.kind]), [[1, 'tip'], [3, 'tip']]);
    const emitted = await ask({ id: 4, type: 'emit', event: { kind: 'raid', user: { login: 'raider' }, viewers: 42 } });
    assert.equal(emitted.ok, true);
    assert.equal(emitted.result.seq, 4);
    const raid = (await c.untilEvents(4))[3];
    assert.deepEqual([raid.kind, raid.test, raid.viewers, raid.user.login], ['raid', true, 42, 'raider']);
    const bad = await ask({ id: 5, type: 'emit', event: { kind: 'nope' } });
    assert.deepEqual([bad.ok, bad.error], [false, 'unknown kind "nope"']);
    const rewards = await ask({ id: 6, type: 'velora.getRewards' });
    assert.deepEqual([rewards.ok, rewards.error], [false, 'no Velora source is configured']);
    const unknown = await ask({ id: 7, type: 'dance' });
    assert.equal(unknown.ok, false);
  } finally {
    await daemon.stop();
  }
});

test('close codes: 4003 unsupported version, 4005 flood, 4007 too many clients, 1009 oversize', async () => {
  const daemon = await startDaemon(quietConfig('max_clients = 2\nmax_messages_per_second = 5'));
  try {
    const base = `ws://127.0.0.1:${daemon.port}/ws`;
    assert.equal((await connect(`${base}?protocol=2`).closed).code, 4003);
    const v = connect(base);
    await v.opened;
    v.ws.send(JSON.stringify({ op: 'identify', d: { protocol: 7 } }));
    const vClosed = await v.closed;
    assert.equal(vClosed.code, 4003);
    assert.match(vClosed.reason, /protocol 7 is not supported/);

    const flood = connect(base);
    await flood.opened;
    for (let i = 0; i < 30; i++) flood.ws.send(JSON.stringify({ op: 'request', d: { id: i, type: 'ping' } }));
    const floodClosed = await flood.closed;
    assert.equal(floodClosed.code, 4005);
    assert.match(floodClosed.reason, /rate limited/);

    const a = connect(base);
    const b = connect(base);
    await Promise.all([a.opened, b.opened]);
    const third = await connect(base).closed;
    assert.equal(third.code, 4007);
    assert.match(third.reason, /max_clients is 2/);
    const sse = await fetch(`http://127.0.0.1:${daemon.port}/events`);
    assert.equal(sse.status, 503);
    a.ws.close();
    await a.closed;

    const big = connect(base);
    await big.opened;
    big.ws.send('x'.repeat(70 * 1024));
    assert.equal((await big.closed).code, 1009);
    await daemon.waitForLog(/message over 65536 bytes/);
  } finally {
    await daemon.stop();
  }
});

test('resume at the seam: events published while a client reconnects are all delivered once, in order', async () => {
  const daemon = await startDaemon(demoConfig({ interval: '2ms' }));
  try {
    const url = `ws://127.0.0.1:${daemon.port}/ws`;
    const observer = connect(url);
    await observer.opened;
    let lastSeq = 0;
    const seen = [];
    for (let round = 0; round < 5; round++) {
      const c = connect(lastSeq ? `${url}?since=${lastSeq}` : url);
      await c.untilEvents(5);
      c.ws.close();
      await c.closed;
      for (const e of c.events()) seen.push(e.seq);
      lastSeq = seen[seen.length - 1];
    }
    // Every event between the first and the last one seen, exactly once and in order.
    const expected = observer.events().map((e) => e.seq).filter((s) => s >= seen[0] && s <= lastSeq);
    assert.deepEqual(seen, expected);
    assert.ok(seen.length >= 25);
  } finally {
    await daemon.stop();
  }
});

test('a resume older than what is retained gets a gap naming exactly the lost seqs', async () => {
  const daemon = await startDaemon(quietConfig('history = 3'));
  try {
    for (let i = 0; i < 6; i++) await injectTest(daemon.port, { kind: 'tip' });
    const c = connect(`ws://127.0.0.1:${daemon.port}/ws?since=1`);
    await c.untilEvents(3);
    const gap = c.messages.find((m) => m.op === 'gap');
    assert.deepEqual(gap.d, { from: 2, to: 3, missed: 2, reason: 'history' });
    assert.deepEqual(c.events().map((e) => e.seq), [4, 5, 6]);
    // The gap comes where the lost events would have been: before the replay.
    assert.ok(c.messages.indexOf(gap) < c.messages.findIndex((m) => m.op === 'event'));
  } finally {
    await daemon.stop();
  }
});

test('journal: a client resumes across a daemon restart; seq and epoch continue; older events come from the file', async () => {
  const dir = tempDir();
  const journal = path.join(dir, 'events.jsonl');
  const config = quietConfig(`history = 2\njournal = "${journal}"`);
  let daemon = await startDaemon(config);
  let epoch;
  try {
    const c = connect(`ws://127.0.0.1:${daemon.port}/ws`);
    await c.opened;
    for (let i = 0; i < 5; i++) await injectTest(daemon.port, { kind: 'tip', amount: i });
    await c.untilEvents(5);
    epoch = c.messages[0].d.epoch;
  } finally {
    await daemon.stop();
  }
  daemon = await startDaemon(config);
  try {
    await injectTest(daemon.port, { kind: 'follow' });
    // since=1: 2..5 are from before the restart (4 and 5 in memory, 2 and 3 only in the file).
    const c = connect(`ws://127.0.0.1:${daemon.port}/ws?since=1&epoch=${epoch}`);
    const events = await c.untilEvents(5);
    assert.equal(c.messages[0].d.epoch, epoch);
    assert.deepEqual(events.map((e) => e.seq), [2, 3, 4, 5, 6]);
    assert.deepEqual(events.map((e) => e.amount ?? null).slice(0, 4), [1, 2, 3, 4]);
    assert.equal(events[4].kind, 'follow');
    assert.equal(c.messages.filter((m) => m.op === 'gap').length, 0);
  } finally {
    await daemon.stop();
  }
});

test('without a journal a restart is a new epoch: a resuming client is told, and gets every new event', async () => {
  const port = await freePort();
  let daemon = await startDaemon(quietConfig().replace('port = 0', `port = ${port}`));
  let epoch;
  try {
    const c = connect(`ws://127.0.0.1:${port}/ws`);
    await c.opened;
    for (let i = 0; i < 3; i++) await injectTest(port, { kind: 'tip' });
    await c.untilEvents(3);
    epoch = c.messages[0].d.epoch;
  } finally {
    await daemon.stop();
  }
  daemon = await startDaemon(quietConfig().replace('port = 0', `port = ${port}`));
  try {
    await injectTest(port, { kind: 'follow' });
    const c = connect(`ws://127.0.0.1:${port}/ws?since=3&epoch=${epoch}`);
    await c.untilEvents(1);
    const gap = c.messages.find((m) => m.op === 'gap');
    assert.equal(gap.d.reason, 'restart');
    assert.notEqual(gap.d.epoch, epoch);
    assert.deepEqual(c.events().map((e) => [e.seq, e.kind]), [[1, 'follow']]);
  } finally {
    await daemon.stop();
  }
});

test('slow client with slow_client = "close": closed with 4004, others unaffected', async () => {
  // Under Wine each write costs more: on a loaded machine a queue of 4 at one event per ms
  // also overflowed for the fast client. 64 leaves it room; the slow one still fills it.
  const queue = WINE ? 64 : 4;
  const daemon = await startDaemon(demoConfig({ interval: '1ms', server: `client_queue = ${queue}\nslow_client = "close"` }));
  try {
    const url = `ws://127.0.0.1:${daemon.port}/ws`;
    const fast = connect(url);
    const slow = connect(url);
    await Promise.all([fast.opened, slow.opened]);
    slow.ws._socket.pause();  // stops reading: the kernel buffers fill, then its queue
    // Under Wine the paused socket takes longer to fill (about 15 s here): its buffers are larger.
    await daemon.waitForLog(/is not reading fast enough .*closing it/, WINE ? 60000 : 30000);
    const before = fast.events().length;
    await fast.untilEvents(before + 20);
    slow.ws._socket.resume();
    const closed = await slow.closed;
    assert.equal(closed.code, 4004);
    assert.match(closed.reason, /too slow/);
    const metrics = await (await fetch(`http://127.0.0.1:${daemon.port}/metrics`)).text();
    assert.match(metrics, /streambridge_client_closes_total\{code="4004"\} 1/);
  } finally {
    await daemon.stop();
  }
});

test('SSE: /events with filters; EventSource resumes with Last-Event-ID after a daemon restart (journal)', async () => {
  const dir = tempDir();
  const port = await freePort();
  const config = `[server]\nport = ${port}\njournal = "${path.join(dir, 'events.jsonl')}"\n`;
  let daemon = await startDaemon(config);
  const es = new EventSource(`http://127.0.0.1:${port}/events?kinds=tip`);
  const got = [];
  const ops = [];
  let wake = () => {};
  es.onmessage = (m) => { got.push({ id: m.lastEventId, d: JSON.parse(m.data) }); wake(); };
  es.addEventListener('hello', (m) => { ops.push(['hello', JSON.parse(m.data)]); wake(); });
  const until = (pred, what) => withTimeout(new Promise((resolve) => {
    const check = () => { if (pred()) resolve(); };
    wake = check;
    check();
  }), 15000, what);
  try {
    await until(() => ops.length >= 1, 'hello');
    await injectTest(port, { kind: 'follow' });
    await injectTest(port, { kind: 'tip', amount: 1 });
    await until(() => got.length >= 1, 'first tip');
    assert.equal(got[0].id, '2');
    assert.equal(got[0].d.seq, 2);
    await daemon.stop();
    daemon = await startDaemon(config);
    // Injected before the EventSource is back: it must come through the resume.
    await injectTest(port, { kind: 'tip', amount: 2 });
    await injectTest(port, { kind: 'tip', amount: 3 });
    await until(() => got.length >= 3, 'resumed tips');
    await daemon.waitForLog(/connected \(SSE/);
    assert.deepEqual(got.map((g) => g.d.amount), [1, 2, 3]);
    assert.deepEqual(got.map((g) => g.d.seq), [2, 3, 4]);
    assert.equal(ops.length, 2);  // one hello per connection
    // An explicit Last-Event-ID replays from there.
    const res = await fetch(`http://127.0.0.1:${port}/events?kinds=tip`, { headers: { 'Last-Event-ID': '3' } });
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const reader = res.body.getReader();
    let text = '';
    while (!text.includes('id: 4\n')) text += new TextDecoder().decode((await reader.read()).value);
    assert.ok(!text.includes('id: 2\n') && !text.includes('id: 3\n'));
    reader.cancel();
  } finally {
    es.close();
    await daemon.stop();
  }
});

test('/metrics is Prometheus text; /status matches the source states', async () => {
  const daemon = await startDaemon(demoConfig({ interval: '10ms' }));
  try {
    const c = connect(`ws://127.0.0.1:${daemon.port}/ws`);
    await c.until(() => c.events().some((e) => e.kind === 'tip'), 15000, 'a demo tip');
    const res = await fetch(`http://127.0.0.1:${daemon.port}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    // The exposition format: # HELP / # TYPE before each family's samples, valid names and values.
    const typed = new Map();
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let m;
      if ((m = line.match(/^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/))) continue;
      if ((m = line.match(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/))) {
        assert.ok(!typed.has(m[1]), `family ${m[1]} declared twice`);
        typed.set(m[1], m[2]);
        continue;
      }
      m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*)?\})? (-?[0-9.e+-]+|\+Inf|-Inf|NaN)$/);
      assert.ok(m, `not a sample line: ${line}`);
      const family = m[1].replace(/_(bucket|sum|count)$/, '');
      assert.ok(typed.has(m[1]) || typed.get(family) === 'histogram', `sample before its # TYPE: ${line}`);
    }
    for (const name of ['streambridge_events_in_total', 'streambridge_events_out_total', 'streambridge_dedup_dropped_total',
      'streambridge_source_reconnects_total', 'streambridge_clients', 'streambridge_client_queue_depth',
      'streambridge_parse_errors_total', 'streambridge_upstream_latency_seconds']) assert.ok(typed.has(name), name);
    assert.match(text, /streambridge_events_in_total\{source="demo",kind="tip"\} [1-9]/);
    assert.match(text, /streambridge_clients\{transport="websocket"\} 1/);
    assert.match(text, /streambridge_source_up\{source="demo"\} 1/);
    const status = await (await fetch(`http://127.0.0.1:${daemon.port}/status`)).json();
    assert.equal(status.sources[0].state, 'connected');
    assert.ok(status.sources[0].counters.events > 0);
    assert.equal(status.sources[0].counters.connections, 1);
  } finally {
    await daemon.stop();
  }
});

test('POST /test: needs the token and an allowed Origin; the event is marked test', async () => {
  const token = 'tok-' + Math.random().toString(36).slice(2);
  const daemon = await startDaemon(quietConfig(`token = "${token}"`));
  try {
    const c = connect(`ws://127.0.0.1:${daemon.port}/ws?token=${token}`);
    await c.opened;
    await assert.rejects(injectTest(daemon.port, { kind: 'tip' }), (e) => e.status === 401);
    await assert.rejects(injectTest(daemon.port, { kind: 'tip' }, { token: 'wrong' }), (e) => e.status === 401);
    await assert.rejects(injectTest(daemon.port, { kind: 'tip' }, { token, origin: 'https://evil.example' }), (e) => e.status === 403);
    await assert.rejects(injectTest(daemon.port, { kind: 'nope' }, { token }), (e) => e.status === 400);
    await assert.rejects(injectTest(daemon.port, { kind: 'tip', message: 'x'.repeat(70 * 1024) }, { token }), (e) => e.status === 413);
    const notJson = await fetch(`http://127.0.0.1:${daemon.port}/test`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: '{"kind":' });
    assert.equal(notJson.status, 400);
    assert.match(await notJson.text(), /^bad test event: /);
    const r = await injectTest(daemon.port, { kind: 'tip', amount: 9, currency: 'EUR', user: 'ann', message: 'hi' }, { token });
    const [e] = await c.untilEvents(1);
    assert.equal(e.seq, r.seq);
    assert.deepEqual([e.kind, e.test, e.amount, e.currency, e.user.login, e.message, e.source], ['tip', true, 9, 'EUR', 'ann', 'hi', 'test']);
    // Identify with the token instead of the query.
    const later = connect(`ws://127.0.0.1:${daemon.port}/ws`);
    await later.until((m) => m.length >= 1);
    assert.deepEqual(later.messages.map((m) => m.op), ['hello']);
    later.ws.send(JSON.stringify({ op: 'identify', d: { protocol: 1, token, since: 0 } }));
    const [replayed] = await later.untilEvents(1);
    assert.equal(replayed.seq, r.seq);
    assert.ok(!daemon.log().includes(token), 'the token must never be logged');
  } finally {
    await daemon.stop();
  }
});

test('a journal that cannot be written stops the start with a clear error (exit 1)', async () => {
  const dir = tempDir();
  const config = path.join(dir, 'streambridge.toml');
  writeFileSync(config, `[server]\nport = 0\njournal = "${path.join(dir, 'missing-dir', 'events.jsonl')}"\n`);
  const r = await run(['--config', config]);
  assert.equal(r.code, 1);
  assert.match(r.stdout + r.stderr, /\[server\] journal: cannot open ".*missing-dir\/events.jsonl" for appending: No such file or directory/);
});
