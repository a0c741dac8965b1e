// The StreamElements realtime source against a real socket.io 2.5 server (Engine.IO 3)
// playing StreamElements: authenticate, events from the recorded payloads, TLS, and faults.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { startDaemon } from './lib/daemon.mjs';
import { connect } from './lib/client.mjs';
import { startSocketIo, startProxy, fixtures, makeJwt, makeCertificates } from './lib/upstream.mjs';

const certs = makeCertificates();
after(() => rmSync(certs.dir, { recursive: true, force: true }));

const GOOD = makeJwt(Math.floor(Date.now() / 1000) + 30 * 86400);

// Plays StreamElements: answers authenticate, then sends what `onAuthenticated` sends.
function actAsStreamElements(up, { onAuthenticated = () => {}, answer = true } = {}) {
  const state = { connections: 0, authenticates: 0, sockets: [] };
  up.io.on('connection', (socket) => {
    state.connections += 1;
    state.sockets.push(socket);
    socket.on('authenticate', (data) => {
      state.authenticates += 1;
      if (!answer) return;
      if (data.method === 'jwt' && data.token === GOOD) {
        socket.emit('authenticated', { channelId: '5f0c1c7a', clientId: 'c1', message: 'ok', project: 'realtime' });
        onAuthenticated(socket);
      } else {
        socket.emit('unauthorized', { message: 'invalid token' });
      }
    });
  });
  return state;
}

function seConfig(url, { token = GOOD, extra = '' } = {}) {
  return `[server]\nport = 0\nhistory = 5000\n[[source]]\nname = "se"\ntype = "streamelements"\nurl = "${url}"\ntoken = "${token}"\n${extra}\n`;
}

const statusOf = (events, state) => events.find((e) => e.kind === 'status' && e.data.state === state);

// Every recorded payload, in the order the server sends them.
const allPayloads = [
  ...fixtures('streamelements', 'event').map((f) => ['event', f.payload]),
  ...fixtures('streamelements', 'event:test').map((f) => ['event:test', f.payload]),
];

async function deliversEverything(url, extra = '') {
  const up = await startSocketIo({ version: 2, tls: url.startsWith('wss') ? certs.server : null });
  const serverUrl = url.replace('PORT', up.port);
  actAsStreamElements(up, { onAuthenticated: (s) => { for (const [name, p] of allPayloads) s.emit(name, p); } });
  const daemon = await startDaemon(seConfig(serverUrl, { extra }));
  try {
    // chat=1: chat messages are opt-in on the local API.
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0&chat=1`);
    await client.opened;
    const events = await client.until(() => {
      const evs = client.events().filter((e) => e.kind !== 'status');
      return evs.length >= allPayloads.length && evs;
    }, 15000, 'every payload').catch((e) => {
      throw new Error(`${e.message}: got ${client.events().map((x) => x.kind).join(',')}\n${daemon.log()}`);
    });
    assert.equal(events.length, allPayloads.length, 'each upstream event once');
    // Widget-shaped twins carry the activity's id as activityId: that is the stable id.
    const upstreamIds = allPayloads.map(([, p]) => p._id ?? p.event?.activityId ?? p.event?._id ?? null);
    for (const [i, e] of events.entries()) {
      assert.equal(e.source, 'se');
      assert.equal(e.service, 'streamelements');
      if (upstreamIds[i]) assert.equal(e.id, upstreamIds[i], `event ${i} in upstream order`);
      assert.equal(e.test, allPayloads[i][0] === 'event:test', 'event:test payloads are test events');
    }
    const seqs = events.map((e) => e.seq);
    assert.deepEqual([...seqs].sort((a, b) => a - b), seqs);
    const connected = statusOf(client.events(), 'connected');
    assert.ok(connected, 'status connected published');
    assert.match(connected.data.reason, /5f0c1c7a/);
    await daemon.waitForLog(/the JWT expires at 20\d\d-/);
    assert.ok(!daemon.log().includes(GOOD), 'the token is never logged');
  } finally {
    await daemon.stop();
    await up.close();
  }
}

test('ws: authenticate, then every recorded payload reaches a local client once, normalized, in order', () =>
  deliversEverything('ws://127.0.0.1:PORT'));

test('wss with the test CA in ca_file (host name and IP checked)', async () => {
  await deliversEverything('wss://localhost:PORT', `ca_file = "${certs.caFile}"`);
  await deliversEverything('wss://127.0.0.1:PORT', `ca_file = "${certs.caFile}"`);
});

test('untrusted certificate: refused with a clear message, error state, slow retry', async () => {
  const up = await startSocketIo({ version: 2, tls: certs.rogue });
  const state = actAsStreamElements(up);
  const daemon = await startDaemon(seConfig(`wss://localhost:${up.port}`, { extra: `ca_file = "${certs.caFile}"` }));
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
    const error = await client.until(() => statusOf(client.events(), 'error'), 15000, 'error status');
    assert.match(error.data.reason, /certificate of localhost:\d+ is not trusted/);
    assert.ok(error.data.nextRetryMs >= 30000, `slow retry, got ${error.data.nextRetryMs} ms`);
    assert.equal(state.connections, 0, 'no Socket.IO session over an unverified link');
  } finally {
    await daemon.stop();
    await up.close();
  }
});

test('wrong token: unauthorized -> error with the reason, retried in minutes, not in a loop', async () => {
  const up = await startSocketIo({ version: 2 });
  const state = actAsStreamElements(up);
  const daemon = await startDaemon(seConfig(up.url, { token: makeJwt(Math.floor(Date.now() / 1000) + 86400 * 20, { x: 1 }) }));
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
    const error = await client.until(() => statusOf(client.events(), 'error'), 15000, 'error status');
    assert.match(error.data.reason, /unauthorized: invalid token/);
    assert.ok(error.data.nextRetryMs >= 30000 && error.data.nextRetryMs <= 60000, `${error.data.nextRetryMs}`);
    assert.equal(state.authenticates, 1);
    // A second client sees the same state in history; still one attempt.
    assert.equal(state.connections, 1);
  } finally {
    await daemon.stop();
    await up.close();
  }
});

test('expired JWT: error state without connecting; a JWT near expiry is warned about', async () => {
  const up = await startSocketIo({ version: 2 });
  const state = actAsStreamElements(up);
  const expired = makeJwt(Math.floor(Date.now() / 1000) - 3600);
  const daemon = await startDaemon(seConfig(up.url, { token: expired }));
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
    const error = await client.until(() => statusOf(client.events(), 'error'), 15000, 'error status');
    assert.match(error.data.reason, /the JWT expired at 20\d\d-\d\d-\d\dT/);
    assert.equal(state.connections, 0);
  } finally {
    await daemon.stop();
  }
  const soon = makeJwt(Math.floor(Date.now() / 1000) + 3 * 86400);
  const daemon2 = await startDaemon(seConfig(up.url, { token: soon }));
  try {
    await daemon2.waitForLog(/warn.*the JWT expires at .* \(\d days left\)/);
  } finally {
    await daemon2.stop();
    await up.close();
  }
});

test('no answer to authenticate within 10 s -> error', async () => {
  const up = await startSocketIo({ version: 2 });
  actAsStreamElements(up, { answer: false });
  const daemon = await startDaemon(seConfig(up.url));
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
    const error = await client.until(() => statusOf(client.events(), 'error'), 20000, 'error status');
    assert.match(error.data.reason, /no answer to authenticate within 10 s/);
  } finally {
    await daemon.stop();
    await up.close();
  }
});

test('server restart: reconnecting, then connected again, and events flow again', async () => {
  let up = await startSocketIo({ version: 2 });
  const port = up.port;
  actAsStreamElements(up, { onAuthenticated: (s) => s.emit('event', allPayloads[0][1]) });
  const daemon = await startDaemon(seConfig(up.url));
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
    await client.until(() => client.events().some((e) => e.kind !== 'status'), 15000, 'first event');
    await up.close();
    const reconnecting = await client.until(() => statusOf(client.events(), 'reconnecting'), 15000, 'reconnecting');
    assert.ok(reconnecting.data.nextRetryMs > 0 && reconnecting.data.nextRetryMs <= 1000);
    up = await startSocketIo({ version: 2, port });
    actAsStreamElements(up, { onAuthenticated: (s) => s.emit('event', allPayloads[1][1]) });
    const evs = await client.until(() => {
      const list = client.events().filter((e) => e.kind !== 'status');
      return list.length >= 2 && list;
    }, 20000, 'event after the restart');
    assert.equal(evs[1].id, allPayloads[1][1]._id);
    const states = client.events().filter((e) => e.kind === 'status').map((e) => e.data.state);
    assert.deepEqual(states.slice(-3), ['connected', 'reconnecting', 'connected']);
  } finally {
    await daemon.stop();
    await up.close();
  }
});

test('half-open link (peer silent, TCP up) is detected within pingInterval + pingTimeout', async () => {
  const up = await startSocketIo({ version: 2, pingInterval: 400, pingTimeout: 400 });
  actAsStreamElements(up);
  const proxy = await startProxy(up.port);
  const daemon = await startDaemon(seConfig(`ws://127.0.0.1:${proxy.port}`));
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
    await client.until(() => statusOf(client.events(), 'connected'), 15000, 'connected');
    proxy.freeze();
    const lost = await client.until(() => statusOf(client.events(), 'reconnecting'), 5000, 'dead link detected');
    assert.match(lost.data.reason, /no pong within pingTimeout \(400 ms\)/);
    proxy.thaw();
    await client.until(() => client.events().filter((e) => e.data?.state === 'connected').length >= 2, 15000,
      'connected again');
  } finally {
    await daemon.stop();
    await proxy.close();
    await up.close();
  }
});

test('malformed and unknown packets are counted and skipped; the connection survives', async () => {
  const up = await startSocketIo({ version: 2 });
  actAsStreamElements(up, {
    onAuthenticated: (s) => {
      s.conn.sendPacket('message', 'garbage');         // not a Socket.IO packet
      s.conn.sendPacket('message', '2{"not":"array"}'); // EVENT without an array
      s.conn.sendPacket('message', '2["event",{"broken": ]'); // cut JSON
      s.emit('overlay:update', { widget: 'x' });        // an event nobody normalizes
      s.emit('kvstore:update', { key: 'k' });
      s.emit('event', { type: 'tip' });                 // an activity without its fields
      s.emit('event', allPayloads[0][1]);               // and a good one after all that
    },
  });
  const daemon = await startDaemon(seConfig(up.url), { args: ['--log-level', 'debug'] });
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
    const good = await client.until(() => client.events().find((e) => e.id === allPayloads[0][1]._id), 15000, 'good event');
    assert.equal(good.source, 'se');
    await daemon.waitForLog(/skipped a packet: unknown Socket.IO packet type/);
    await daemon.waitForLog(/skipped a packet: EVENT without an array payload/);
    await daemon.waitForLog(/"overlay:update" ignored/);
    assert.ok(!client.events().some((e) => e.kind === 'status' && e.data.state !== 'connected' && e.data.state !== 'connecting'));
  } finally {
    await daemon.stop();
    await up.close();
  }
});

// SE's dashboard buttons and `!alerts`, as the overlay socket carries them.
const overlayPayload = (name) =>
  JSON.parse(readFileSync(new URL(`./fixtures/streamelements_overlay/realtime_${name}.json`, import.meta.url), 'utf8'));

test('event:skip and alertService:toggleSound (SE dashboard, !alerts) drive alert control', async () => {
  const up = await startSocketIo({ version: 2 });
  const state = actAsStreamElements(up);
  const daemon = await startDaemon(seConfig(up.url));
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws`);
    await client.until(() => client.events().some((e) => e.kind === 'status' && e.data.state === 'connected'), 15000, 'connected');
    const socket = state.sockets.at(-1);
    const alertOps = () => client.messages.filter((m) => m.op === 'alerts');
    const send = async (event, payload, want) => {
      const before = alertOps().length;
      socket.emit(event, payload);
      const op = await client.until(() => alertOps()[before], 10000, `the alerts op after ${event}`);
      for (const [k, v] of Object.entries(want)) assert.equal(op.d[k], v, `${k} after ${event}`);
    };
    await send('event:skip', overlayPayload('event_skip'), { action: 'skip' });
    await send('alertService:toggleSound', overlayPayload('toggle_sound_muted'), { action: 'mute', muted: true });
    await send('alertService:toggleSound', overlayPayload('toggle_sound_unmuted'), { action: 'unmute', muted: false });
    await send('alertService:toggleSound', {}, { action: 'mute', muted: true });  // no state given: a toggle
    await send('alertService:toggleSound', {}, { action: 'unmute', muted: false });
    const alerts = JSON.parse(await (await fetch(`http://127.0.0.1:${daemon.port}/status`)).text()).alerts;
    assert.deepEqual(alerts, { paused: false, muted: false, skips: 1, replays: 0, playing: [] });
    // overlay:refresh (SE's reload): the widget pages reload.
    const widget = connect(`ws://127.0.0.1:${daemon.port}/ws`);
    await widget.until((m) => m.some((x) => x.op === 'hello'), 5000, 'hello');
    widget.ws.send(JSON.stringify({ op: 'request', d: { id: 1, type: 'se.session' } }));
    await widget.until((m) => m.some((x) => x.op === 'response' && x.d.id === 1), 5000, 'se.session');
    socket.emit('overlay:refresh');
    await widget.until((m) => m.some((x) => x.op === 'widget-reload'), 10000, 'widget-reload');
  } finally {
    await daemon.stop();
    await up.close();
  }
});
