// The local WebSocket API with real clients: hello, demo events, filters, fan-out, slow
// clients, shutdown close frames, origin and token checks, secrets kept out of the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { demoConfig as config, startDaemon, WINE } from './lib/daemon.mjs';
import { connect } from './lib/client.mjs';
import { startSocketIo } from './lib/upstream.mjs';

const demoConfig = (interval = '20ms', server = '') => config({ interval, server });

function httpGet(port, path, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    }).on('error', reject);
  });
}

test('hello first, then demo events as {op:"event", d}', async () => {
  const daemon = await startDaemon(demoConfig());
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws`);
    await client.opened;
    const events = await client.untilEvents(5);
    const hello = client.messages[0];
    assert.equal(hello.op, 'hello');
    assert.equal(hello.d.protocol, 1);
    assert.equal(hello.d.daemon, 'streambridge');
    assert.equal(typeof hello.d.seq, 'number');
    assert.equal(hello.d.auth, false);
    for (const e of events) {
      assert.equal(e.source, 'demo');
      assert.equal(e.test, true);
      assert.ok(e.seq > hello.d.seq, 'events after hello are newer than its seq');
    }
    const seqs = events.map((e) => e.seq);
    assert.deepEqual([...seqs].sort((a, b) => a - b), seqs, 'in order');
    client.ws.close();
  } finally {
    await daemon.stop();
  }
});

test('filters from the query: kinds, sources, test, chat', async () => {
  const daemon = await startDaemon(demoConfig('5ms'));
  try {
    const url = (q) => `ws://127.0.0.1:${daemon.port}/ws${q}`;
    const all = connect(url('?chat=1'));
    const kinds = connect(url('?kinds=tip,follow'));
    const otherSource = connect(url('?sources=nope'));
    const realOnly = connect(url('?test=0'));
    const noChat = connect(url(''));
    await Promise.all([all, kinds, otherSource, realOnly, noChat].map((c) => c.opened));
    // Two full demo rounds through the unfiltered client, then look at what the others got.
    await all.untilEvents(100, 30000);
    await kinds.until(() => kinds.events().length >= 4, 15000, 'tips and follows');
    assert.ok(kinds.events().every((e) => e.kind === 'tip' || e.kind === 'follow'));
    assert.equal(otherSource.events().length, 0);
    assert.equal(realOnly.events().length, 0, 'demo events are all test events');
    assert.ok(all.events().some((e) => e.kind === 'chat_message'), 'chat when asked for');
    assert.ok(noChat.events().length > 0);
    assert.ok(noChat.events().every((e) => e.kind !== 'chat_message' && e.kind !== 'chat_delete'), 'chat is opt-in');
    const hello = kinds.messages[0];
    assert.deepEqual(hello.d.filter.kinds, ['follow', 'tip']);

    // Browsers cannot read an HTTP refusal of an upgrade: a bad filter is a close code.
    const bad = connect(url('?kinds=tips'));
    const closed = await bad.closed;
    assert.equal(closed.code, 4008);
    assert.match(closed.reason, /unknown kind "tips"/);
  } finally {
    await daemon.stop();
  }
});

test('fan-out: several clients receive the same events in the same order', async () => {
  const daemon = await startDaemon(demoConfig('5ms'));
  try {
    const clients = [1, 2, 3, 4].map(() => connect(`ws://127.0.0.1:${daemon.port}/ws?chat=1`));
    await Promise.all(clients.map((c) => c.opened));
    await Promise.all(clients.map((c) => c.untilEvents(60, 20000)));
    // Compare over the seqs every client has seen.
    const ranges = clients.map((c) => c.events().map((e) => e.seq));
    const from = Math.max(...ranges.map((r) => r[0]));
    const to = Math.min(...ranges.map((r) => r[r.length - 1]));
    assert.ok(to - from >= 30);
    const slices = clients.map((c) => c.events().filter((e) => e.seq >= from && e.seq <= to));
    for (const s of slices) {
      assert.deepEqual(s.map((e) => e.seq), Array.from({ length: to - from + 1 }, (_, i) => from + i), 'no hole');
      assert.deepEqual(s, slices[0], 'identical events');
    }
  } finally {
    await daemon.stop();
  }
});

test('a slow client does not stall a fast one, and is told exactly what it missed', async () => {
  const daemon = await startDaemon(demoConfig('1ms', 'client_queue = 8'));
  try {
    const fast = connect(`ws://127.0.0.1:${daemon.port}/ws?chat=1`);
    const slow = connect(`ws://127.0.0.1:${daemon.port}/ws?chat=1`);
    await Promise.all([fast.opened, slow.opened]);
    await slow.untilEvents(1);
    slow.ws._socket.pause(); // stop reading: the kernel buffers fill, then the daemon's queue
    await daemon.waitForLog(/is not reading fast enough: its queue is full from seq (\d+)/, 90000);
    const fastCount = fast.events().length;
    await fast.untilEvents(fastCount + 200, 20000); // the fast one keeps flowing meanwhile
    slow.ws._socket.resume();
    const gap = await slow.until((ms) => ms.find((m) => m.op === 'gap'), 30000, 'a gap message');
    assert.equal(gap.d.reason, 'slow_client');
    assert.equal(gap.d.missed, gap.d.to - gap.d.from + 1);
    await slow.until(() => slow.events().some((e) => e.seq > gap.d.to), 15000, 'events after the gap');

    // Everything the slow client got, plus the gap ranges, covers each seq exactly once.
    const covered = [];
    for (const m of slow.messages) {
      if (m.op === 'event') covered.push(m.d.seq);
      if (m.op === 'gap') for (let s = m.d.from; s <= m.d.to; s++) covered.push(s);
    }
    const first = covered[0];
    assert.deepEqual(covered, Array.from({ length: covered.length }, (_, i) => first + i));
    // The fast client never lost anything.
    const fastSeqs = fast.events().map((e) => e.seq);
    assert.deepEqual(fastSeqs, Array.from({ length: fastSeqs.length }, (_, i) => fastSeqs[0] + i));
    assert.ok(!fast.messages.some((m) => m.op === 'gap'));
  } finally {
    await daemon.stop();
  }
});

test('?since=SEQ replays retained events, then live ones, with no hole and no duplicate', async () => {
  const daemon = await startDaemon(demoConfig('5ms', 'history = 20'));
  try {
    const first = connect(`ws://127.0.0.1:${daemon.port}/ws?chat=1`);
    await first.opened;
    const seen = await first.untilEvents(40, 20000);
    const since = seen[seen.length - 10].seq;
    const resumed = connect(`ws://127.0.0.1:${daemon.port}/ws?chat=1&since=${since}`);
    await resumed.opened;
    const events = await resumed.untilEvents(30, 20000);
    const seqs = events.map((e) => e.seq);
    assert.equal(seqs[0], since + 1);
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => since + 1 + i));

    // Older than the 20 retained: a gap names exactly the lost seqs, then the retained ones.
    const old = connect(`ws://127.0.0.1:${daemon.port}/ws?chat=1&since=1`);
    await old.opened;
    const gap = await old.until((ms) => ms.find((m) => m.op === 'gap'), 10000, 'a history gap');
    assert.equal(gap.d.reason, 'history');
    assert.equal(gap.d.from, 2);
    await old.untilEvents(1);
    assert.equal(old.events()[0].seq, gap.d.to + 1);
    assert.equal((await connect(`ws://127.0.0.1:${daemon.port}/ws?since=x`).closed).code, 4008);
  } finally {
    await daemon.stop();
  }
});

// Under Wine (the Windows exe) the clean stop is a console Ctrl+C (Wine turns SIGINT into one).
test('SIGTERM (Windows: Ctrl+C): clients get a close frame (1001) and the daemon exits 0', async () => {
  const daemon = await startDaemon(demoConfig());
  const client = connect(`ws://127.0.0.1:${daemon.port}/ws`);
  await client.opened;
  await client.untilEvents(1);
  const result = await daemon.stop(WINE ? 'SIGINT' : 'SIGTERM');
  const closed = await client.closed;
  assert.equal(closed.code, 1001);
  assert.equal(closed.reason, 'server shutting down');
  assert.equal(result.code, 0);
  assert.match(daemon.log(), WINE ? /Ctrl\+C: stopping/ : /SIGTERM: stopping/);
});

test('SIGINT stops the daemon cleanly too', async () => {
  const daemon = await startDaemon(demoConfig());
  const result = await daemon.stop('SIGINT');
  assert.equal(result.code, 0);
});

test('browser origins: foreign pages and null are refused; own pages, listed ones and a listed null pass', async () => {
  const daemon = await startDaemon(demoConfig('20ms', 'allowed_origins = ["https://my-overlay.example"]'));
  try {
    const url = `ws://127.0.0.1:${daemon.port}/ws`;
    for (const origin of ['https://evil.example', 'null', 'file://'])
      await assert.rejects(connect(url, { headers: { Origin: origin } }).opened, (e) => e.status === 403);
    for (const origin of [`http://127.0.0.1:${daemon.port}`, `http://localhost:${daemon.port}`, 'https://my-overlay.example']) {
      const ok = connect(url, { headers: { Origin: origin } });
      await ok.opened;
      ok.ws.close();
    }
    await daemon.waitForLog(/refused browser origin "https:\/\/evil.example"/);
  } finally {
    await daemon.stop();
  }
  // A widget opened as a local file: the README's recipe lists "null".
  const files = await startDaemon(demoConfig('20ms', 'allowed_origins = ["null"]'));
  try {
    for (const origin of ['null', 'file://']) {
      const ok = connect(`ws://127.0.0.1:${files.port}/ws`, { headers: { Origin: origin } });
      await ok.opened;
      ok.ws.close();
    }
  } finally {
    await files.stop();
  }
});

test('token: required when configured, via query or bearer header; secrets never logged', async () => {
  const serverSecret = 'local-secret-8c1f2a';
  const seSecret = 'eyJhbGciOiJIUzI1NiJ9.c2Utc2VjcmV0.c2lnbmF0dXJl';
  const veloraSecret = 'velora-secret-77d0';
  // Real upstream peers, so the tokens really go over the wire while the log is at trace.
  const se = await startSocketIo({ version: 2 });
  const velora = await startSocketIo({ version: 4 });
  const tokensSeen = [];
  se.io.on('connection', (s) => s.on('authenticate', (d) => tokensSeen.push(d.token)));
  velora.io.of('/ws/events').on('connection', (s) => tokensSeen.push(s.handshake.auth.token));
  const daemon = await startDaemon(`
[server]
port = 0
token = "${serverSecret}"
[[source]]
name = "demo"
type = "demo"
interval = "10ms"
[[source]]
name = "se-main"
type = "streamelements"
url = "${se.url}"
token = "${seSecret}"
[[source]]
name = "velora"
type = "velora"
url = "${velora.url}"
token_env = "SB_IT_VELORA_TOKEN"
`, { env: { SB_IT_VELORA_TOKEN: veloraSecret }, args: ['--log-level', 'trace'] });
  try {
    const url = `ws://127.0.0.1:${daemon.port}/ws`;
    // No token: hello says so, and nothing but status comes until an identify.
    const anonymous = connect(url);
    await anonymous.until((m) => m.length >= 1);
    assert.equal(anonymous.messages[0].d.identified, false);
    anonymous.ws.send(JSON.stringify({ op: 'request', d: { id: 1, type: 'status' } }));
    assert.equal((await anonymous.closed).code, 4001);
    assert.equal(anonymous.events().length, 0);
    const wrong = await connect(`${url}?token=wrong`).closed;
    assert.equal(wrong.code, 4001);
    const byQuery = connect(`${url}?token=${serverSecret}`);
    await byQuery.opened;
    await byQuery.untilEvents(3);
    assert.equal(byQuery.messages[0].d.auth, true);
    const byHeader = connect(url, { headers: { Authorization: `Bearer ${serverSecret}` } });
    await byHeader.opened;
    await byHeader.untilEvents(3);
    await daemon.waitForLog(/missing or wrong token/);
    await byQuery.until(() => tokensSeen.length >= 2, 15000, 'both tokens sent upstream');
    assert.deepEqual(new Set(tokensSeen), new Set([seSecret, veloraSecret]));
  } finally {
    await daemon.stop();
    await se.close();
    await velora.close();
  }
  const log = daemon.log();
  assert.ok(log.includes('trace') || log.includes('debug') || log.length > 0);
  for (const secret of [serverSecret, seSecret, veloraSecret, 'c2Utc2VjcmV0']) {
    assert.ok(!log.includes(secret), `the log must not contain ${secret}`);
  }
});

test('HTTP: /healthz answers, unknown paths are 404, /ws without upgrade is 426', async () => {
  const daemon = await startDaemon(demoConfig());
  try {
    assert.deepEqual(await httpGet(daemon.port, '/healthz'), { status: 200, body: 'ok\n' });
    assert.equal((await httpGet(daemon.port, '/nope')).status, 404);
    assert.equal((await httpGet(daemon.port, '/ws')).status, 426);
    assert.equal((await httpGet(daemon.port, '/healthz', { Origin: 'https://evil.example' })).status, 403);
  } finally {
    await daemon.stop();
  }
});

test('bad local input: an oversized client message closes that client (1009), garbage HTTP is dropped', async () => {
  const daemon = await startDaemon(demoConfig());
  try {
    const big = connect(`ws://127.0.0.1:${daemon.port}/ws`);
    await big.opened;
    big.ws.send('x'.repeat(70 * 1024));
    const closed = await big.closed;
    assert.equal(closed.code, 1009);

    const garbage = net.connect(daemon.port, '127.0.0.1');
    await new Promise((resolve) => garbage.on('connect', resolve));
    garbage.write('\x00\x01 NOT HTTP AT ALL\r\n\r\n');
    await new Promise((resolve) => garbage.on('close', resolve));

    // The daemon is unharmed: a new client still gets events.
    const after = connect(`ws://127.0.0.1:${daemon.port}/ws`);
    await after.opened;
    await after.untilEvents(2);
  } finally {
    await daemon.stop();
  }
});

test('HTTP: GET /status is the status JSON (token like /ws); /healthz is 503 (no reason: that is in /status) when every source is in error', async () => {
  const daemon = await startDaemon(demoConfig('20ms', 'token = "st-secret"'));
  try {
    assert.equal((await httpGet(daemon.port, '/status')).status, 401);
    await daemon.waitForLog(/source "demo": connecting -> connected/);
    const res = await httpGet(daemon.port, '/status?token=st-secret');
    assert.equal(res.status, 200);
    const status = JSON.parse(res.body);
    assert.deepEqual(status.sources.map((s) => [s.name, s.state]), [['demo', 'connected']]);
    assert.equal(typeof status.dedup.published, 'number');
    assert.deepEqual(await httpGet(daemon.port, '/healthz'), { status: 200, body: 'ok\n' });
  } finally {
    await daemon.stop();
  }
  // An expired JWT puts its source in error at once: with no other source, the daemon is unhealthy.
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const expired = `${b64({ alg: 'HS256' })}.${b64({ exp: 1000 })}.c2ln`;
  const broken = await startDaemon(`[server]\nport = 0\n[[source]]\nname = "se"\ntype = "streamelements"\ntoken = "${expired}"\n`);
  try {
    await broken.waitForLog(/source "se": disconnected -> error: the JWT expired/);
    const health = await httpGet(broken.port, '/healthz');
    assert.equal(health.status, 503);
    // No reason: /healthz needs no token. /status says why.
    assert.equal(health.body, 'unhealthy: see /status\n');
    const status = JSON.parse((await httpGet(broken.port, '/status')).body);
    assert.match(status.sources[0].reason, /the JWT expired at 1970-01-01T00:16:40.000Z/);
  } finally {
    await broken.stop();
  }
});

test('bad local requests get an error response and the connection goes on; garbage closes with 4000', async () => {
  const daemon = await startDaemon(demoConfig('20ms'));
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws`);
    await client.opened;
    const responses = () => client.messages.filter((m) => m.op === 'response');
    client.ws.send(JSON.stringify({ op: 'request', d: { id: 'no-type' } }));
    client.ws.send(JSON.stringify({ op: 'request', d: { id: 3, type: 'velora.getRewards' } }));
    client.ws.send(JSON.stringify({ op: 'request', d: { id: 4, type: 'no.such.thing' } }));
    client.ws.send(JSON.stringify({ op: 'request', d: { id: 'p', type: 'ping' } }));
    const got = await client.until(() => responses().length >= 4 && responses(), 15000, 'four responses');
    assert.deepEqual(got.map((r) => r.d.ok), [false, false, false, true]);
    assert.deepEqual(got.map((r) => r.d.id), ['no-type', 3, 4, 'p']);
    assert.match(got[0].d.error, /needs a "type"/);
    assert.equal(got[1].d.error, 'no Velora source is configured');
    assert.match(got[2].d.error, /unknown request type "no.such.thing"/);
    assert.equal(typeof got[3].d.result.time, 'number');
    await client.untilEvents(2);  // events still flow on the same connection
    for (const [garbage, reason] of [['not json', /bad message/], ['[1,2]', /JSON object/],
      [JSON.stringify({ op: 'request' }), /needs "d"/], [JSON.stringify({ op: 'future-op', d: {} }), /unknown op "future-op"/]]) {
      const c = connect(`ws://127.0.0.1:${daemon.port}/ws`);
      await c.opened;
      c.ws.send(garbage);
      const closed = await c.closed;
      assert.equal(closed.code, 4000);
      assert.match(closed.reason, reason);
    }
  } finally {
    await daemon.stop();
  }
});
