// The Velora Socket.IO source against a real socket.io 4.8 server (Engine.IO 4) playing
// Velora: namespace /ws/events, token in the CONNECT auth payload, `connected`, events from
// the recorded payloads, TLS, eio = "auto" fallback, and faults.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startDaemon } from './lib/daemon.mjs';
import { connect } from './lib/client.mjs';
import { startSocketIo, startProxy, fixtures, makeCertificates } from './lib/upstream.mjs';

const certs = makeCertificates();
after(() => rmSync(certs.dir, { recursive: true, force: true }));

const TOKEN = 'velora-test-token-7f3a9c';
const payloads = fixtures('velora', 'event').map((f) => f.payload);

// Plays Velora on namespace /ws/events: checks the token (auth payload, or query for
// Engine.IO 3 clients), says `connected`, then runs `onConnected`.
function actAsVelora(up, { onConnected = () => {}, rewards = null } = {}) {
  const state = { connections: 0, rejected: 0, rewardRequests: 0 };
  const nsp = up.io.of('/ws/events');
  nsp.use((socket, next) => {
    const token = socket.handshake.auth?.token ?? socket.handshake.query?.token;
    if (token === TOKEN) return next();
    state.rejected += 1;
    const err = new Error('Invalid or expired token');
    next(err);
  });
  nsp.on('connection', (socket) => {
    state.connections += 1;
    socket.emit('connected', { channelUsername: 'streamer_one', channelId: 'chan_42' });
    socket.on('channel:getRewards', (ack) => {
      state.rewardRequests += 1;
      if (rewards === 'unavailable') socket.emit('error', { code: 'SERVICE_UNAVAILABLE', message: 'Channel points unavailable' });
      else if (typeof ack === 'function') ack(rewards ?? []);
    });
    onConnected(socket);
  });
  return state;
}

function veloraConfig(url, { token = TOKEN, extra = '' } = {}) {
  return `[server]\nport = 0\n[[source]]\nname = "velora"\ntype = "velora"\nurl = "${url}"\ntoken = "${token}"\n${extra}\n`;
}

const statusOf = (events, state) => events.find((e) => e.kind === 'status' && e.data.state === state);
const nonStatus = (client) => client.events().filter((e) => e.kind !== 'status');

async function deliversEverything({ tls = false, host = '127.0.0.1', extra = '', allowEIO3 = false } = {}) {
  const up = await startSocketIo({ version: 4, tls: tls ? certs.server : null, allowEIO3 });
  actAsVelora(up, { onConnected: (s) => { for (const p of payloads) s.emit('event', p); } });
  const daemon = await startDaemon(veloraConfig(`${tls ? 'wss' : 'ws'}://${host}:${up.port}`, { extra }));
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0&chat=1`);
    const events = await client.until(() => nonStatus(client).length >= payloads.length && nonStatus(client), 15000,
      'every payload');
    assert.equal(events.length, payloads.length);
    for (const [i, e] of events.entries()) {
      assert.equal(e.source, 'velora');
      assert.equal(e.service, 'velora');
      assert.equal(e.test, false);
      assert.equal(e.data.event ?? payloads[i].event, payloads[i].event, `event ${i} in order`);
    }
    const connected = statusOf(client.events(), 'connected');
    assert.match(connected.data.reason, /streamer_one/);
    assert.ok(!daemon.log().includes(TOKEN), 'the token is never logged');
    return { daemon, up, client };
  } catch (e) {
    await daemon.stop();
    await up.close();
    throw e;
  }
}

test('ws: namespace + auth token, `connected`, every recorded payload once and in order', async () => {
  const { daemon, up } = await deliversEverything();
  await daemon.stop();
  await up.close();
});

test('wss with the test CA (localhost and 127.0.0.1)', async () => {
  for (const host of ['localhost', '127.0.0.1']) {
    const { daemon, up } = await deliversEverything({ tls: true, host, extra: `ca_file = "${certs.caFile}"` });
    await daemon.stop();
    await up.close();
  }
});

test('eio = "auto" against a v4 server without allowEIO3: falls back to 4 and says why', async () => {
  const { daemon, up } = await deliversEverything({ extra: 'eio = "auto"' });
  try {
    await daemon.waitForLog(/the server refused Engine.IO 3 \(.*\); trying Engine.IO 4/);
  } finally {
    await daemon.stop();
    await up.close();
  }
});

test('eio = 3 against a v4 server with allowEIO3: token in the namespace query (protocol 4)', async () => {
  const { daemon, up } = await deliversEverything({ extra: 'eio = 3', allowEIO3: true });
  await daemon.stop();
  await up.close();
});

test('eio = 3 against a v4 server without allowEIO3: error names the version', async () => {
  const up = await startSocketIo({ version: 4 });
  actAsVelora(up);
  const daemon = await startDaemon(veloraConfig(up.url, { extra: 'eio = 3' }));
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
    const s = await client.until(() => statusOf(client.events(), 'reconnecting'), 15000, 'reconnecting');
    assert.match(s.data.reason, /no Engine.IO 3 handshake: the server closed the connection right after the WebSocket upgrade/);
  } finally {
    await daemon.stop();
    await up.close();
  }
});

test('CONNECT_ERROR (bad token): error with the server message, slow retry', async () => {
  const up = await startSocketIo({ version: 4 });
  const state = actAsVelora(up);
  const daemon = await startDaemon(veloraConfig(up.url, { token: 'wrong' }));
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
    const error = await client.until(() => statusOf(client.events(), 'error'), 15000, 'error status');
    assert.equal(error.data.reason, 'Invalid or expired token');
    assert.ok(error.data.nextRetryMs >= 30000, `${error.data.nextRetryMs}`);
    assert.equal(state.rejected, 1);
  } finally {
    await daemon.stop();
    await up.close();
  }
});

test('an `error` event from the server: error state with its message', async () => {
  const up = await startSocketIo({ version: 4 });
  actAsVelora(up, { onConnected: (s) => s.emit('error', { code: 'FORBIDDEN', message: 'Channel suspended' }) });
  const daemon = await startDaemon(veloraConfig(up.url));
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
    const error = await client.until(() => statusOf(client.events(), 'error'), 15000, 'error status');
    assert.equal(error.data.reason, 'server error: Channel suspended');
  } finally {
    await daemon.stop();
    await up.close();
  }
});

test('half-open link: no server ping within pingInterval + pingTimeout -> reconnecting', async () => {
  const up = await startSocketIo({ version: 4, pingInterval: 400, pingTimeout: 400 });
  actAsVelora(up);
  const proxy = await startProxy(up.port);
  const daemon = await startDaemon(veloraConfig(`ws://127.0.0.1:${proxy.port}`));
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
    await client.until(() => statusOf(client.events(), 'connected'), 15000, 'connected');
    proxy.freeze();
    const frozenAt = Date.now();
    const lost = await client.until(() => statusOf(client.events(), 'reconnecting'), 5000, 'dead link');
    assert.match(lost.data.reason, /no ping from the server within pingInterval \+ pingTimeout \(800 ms\)/);
    assert.ok(Date.now() - frozenAt < 3000);
    proxy.thaw();
    await client.until(() => client.events().filter((e) => e.data?.state === 'connected').length >= 2, 15000,
      'connected again');
  } finally {
    await daemon.stop();
    await proxy.close();
    await up.close();
  }
});

test('server restart: reconnects and publishes again', async () => {
  let up = await startSocketIo({ version: 4 });
  const port = up.port;
  actAsVelora(up, { onConnected: (s) => s.emit('event', payloads[0]) });
  const daemon = await startDaemon(veloraConfig(up.url));
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0&chat=1`);
    await client.until(() => nonStatus(client).length >= 1, 15000, 'first event');
    await up.close();
    await client.until(() => statusOf(client.events(), 'reconnecting'), 15000, 'reconnecting');
    up = await startSocketIo({ version: 4, port });
    actAsVelora(up, { onConnected: (s) => s.emit('event', payloads[1]) });
    const evs = await client.until(() => nonStatus(client).length >= 2 && nonStatus(client), 20000, 'event after restart');
    assert.equal(evs[1].data.event ?? payloads[1].event, payloads[1].event);
  } finally {
    await daemon.stop();
    await up.close();
  }
});
