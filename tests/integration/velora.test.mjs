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
    // Either way, depending on timing: the server closes, or writes an HTTP 400 into the stream.
    assert.match(s.data.reason, /no Engine.IO 3 handshake: the server (closed the connection|sent something else than WebSocket) right after the WebSocket upgrade/);
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
    const lost = await client.until(() => statusOf(client.events(), 'reconnecting'), 5000, 'dead link');
    assert.match(lost.data.reason, /no ping from the server within pingInterval \+ pingTimeout \(800 ms\)/);
    proxy.thaw();
    await client.until(() => client.events().filter((e) => e.data?.state === 'connected').length >= 2, 15000,
      'connected again');
  } finally {
    await daemon.stop();
    await proxy.close();
    await up.close();
  }
});

const REWARDS = [
  { id: 'reward_abc123', name: 'Highlight My Message', cost: 500, description: 'Make your message stand out!',
    iconUrl: 'https://example.invalid/i.png', enabled: true, isBuiltIn: false, builtInType: null },
  { id: 'reward_xyz789', name: 'First', cost: 1, description: 'Be the first to claim this each stream!',
    iconUrl: null, enabled: true, isBuiltIn: true, builtInType: 'first' },
];

// A local client's request and its response (matched by id).
async function request(client, d) {
  client.ws.send(JSON.stringify({ op: 'request', d }));
  return client.until(() => client.messages.find((m) => m.op === 'response' && m.d.id === d.id), 15000,
    `response to ${d.id}`);
}

test('rewards: channel:getRewards answered by ack; REST fallback when the service is unavailable', async () => {
  const restCalls = [];
  const httpHandler = (req, res) => {
    restCalls.push(req.url);
    if (req.url === '/api/channel-points/chan_42/items/with-built-in') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ items: REWARDS.slice(1) }));
    } else {
      res.writeHead(404);
      res.end();
    }
  };
  let up = await startSocketIo({ version: 4, httpHandler });
  let state = actAsVelora(up, { rewards: REWARDS });
  const daemon = await startDaemon(veloraConfig(up.url));
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
    await client.until(() => statusOf(client.events(), 'connected'), 15000, 'connected');
    const viaSocket = await request(client, { id: 'r1', type: 'velora.getRewards', source: 'velora' });
    assert.equal(viaSocket.d.ok, true, JSON.stringify(viaSocket));
    assert.equal(viaSocket.d.result.via, 'socket');
    assert.deepEqual(viaSocket.d.result.rewards, REWARDS);
    assert.equal(state.rewardRequests, 1);

    const status = await request(client, { id: 7, type: 'status' });
    assert.equal(status.d.result.sources[0].name, 'velora');
    assert.equal(status.d.result.sources[0].state, 'connected');
    const unknown = await request(client, { id: 'u', type: 'nope' });
    assert.equal(unknown.d.ok, false);
    assert.match(unknown.d.error, /unknown request type "nope"/);

    await up.close();
    up = await startSocketIo({ version: 4, port: up.port, httpHandler });
    state = actAsVelora(up, { rewards: 'unavailable' });
    await client.until(() => client.events().filter((e) => e.data?.state === 'connected').length >= 2, 20000, 'reconnected');
    const viaRest = await request(client, { id: 'r2', type: 'velora.getRewards' });
    assert.equal(viaRest.d.ok, true, JSON.stringify(viaRest));
    assert.equal(viaRest.d.result.via, 'rest');
    assert.deepEqual(viaRest.d.result.rewards, REWARDS.slice(1));
    assert.deepEqual(restCalls, ['/api/channel-points/chan_42/items/with-built-in']);
    await daemon.waitForLog(/Channel points unavailable \(SERVICE_UNAVAILABLE\)/);
    assert.ok(!client.events().some((e) => e.kind === 'status' && e.data.state === 'error'),
      'SERVICE_UNAVAILABLE is not a connection error');
  } finally {
    await daemon.stop();
    await up.close();
  }
});

test('binary events and junk from a v4 server are skipped without a desync', async () => {
  const up = await startSocketIo({ version: 4 });
  actAsVelora(up, {
    onConnected: (s) => {
      s.emit('event', { event: 'channel.follow', data: { blob: Buffer.from([1, 2, 3]) } }); // BINARY_EVENT + attachment
      s.emit('weird:event', 1, 2, 3);
      s.conn.sendPacket('message', '2/ws/events,["event",{"cut":');
      s.emit('event', payloads[0]);
    },
  });
  const daemon = await startDaemon(veloraConfig(up.url));
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0&chat=1`);
    const evs = await client.until(() => {
      const list = nonStatus(client);
      return list.find((e) => e.data?.event === payloads[0].event || e.kind === 'follow' && e.user?.login === payloads[0].data.username) && list;
    }, 15000, 'the good event');
    assert.ok(evs.length <= 2);
    await daemon.waitForLog(/skipped a packet: unterminated JSON array|skipped a packet: .*unterminated/);
    assert.ok(!client.events().some((e) => e.kind === 'status' && e.data.state !== 'connected' && e.data.state !== 'connecting'));
  } finally {
    await daemon.stop();
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
