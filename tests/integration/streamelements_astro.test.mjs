// The StreamElements Astro transport against an Astro-like server (npm `ws`): subscribe with
// nonces, responses, notifications, err_unauthorized, rate limits, reconnect + resubscribe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { WebSocketServer } from 'ws';
import { startDaemon } from './lib/daemon.mjs';
import { connect } from './lib/client.mjs';
import { fixtures, makeJwt, startProxy } from './lib/upstream.mjs';

const JWT = makeJwt(Math.floor(Date.now() / 1000) + 30 * 86400);
const activities = Object.fromEntries(fixtures('streamelements', 'event').map((f) => [f.name, f.payload]));

// `behaviour(msg, ws)` answers one subscribe; returns what to do.
async function startAstro({ port = 0, respond }) {
  const wss = new WebSocketServer({ port, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  const state = { connections: 0, subscribes: [] };
  wss.on('connection', (ws) => {
    state.connections += 1;
    ws.on('message', (raw) => {
      const msg = JSON.parse(raw.toString());
      state.subscribes.push(msg);
      respond(msg, ws, state);
    });
  });
  return {
    state,
    port: wss.address().port,
    url: `ws://127.0.0.1:${wss.address().port}`,
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise((resolve) => wss.close(() => resolve()));
    },
  };
}

const ok = (ws, msg) => ws.send(JSON.stringify({ id: 'r', ts: new Date().toISOString(), type: 'response', nonce: msg.nonce, data: { message: 'successfully subscribed to topic' } }));
const notify = (ws, topic, data) => ws.send(JSON.stringify({ id: 'n', ts: new Date().toISOString(), type: 'message', topic, room: '5d1b97ed', data }));
const config = (url, extra = '') => `[server]\nport = 0\n[[source]]\nname = "astro"\ntype = "streamelements"\ntransport = "astro"\nurl = "${url}"\ntoken = "${JWT}"\n${extra}\n`;
const statusOf = (events, state) => events.find((e) => e.kind === 'status' && e.data.state === state);
const alerts = (client) => client.events().filter((e) => e.kind !== 'status');

test('subscribe to the default topics, then notifications are normalized; a tip in two topics is one alert', async () => {
  const astro = await startAstro({
    respond: (msg, ws, state) => {
      assert.equal(msg.type, 'subscribe');
      assert.equal(msg.data.token, JWT);
      assert.equal(msg.data.token_type, 'jwt');
      ok(ws, msg);
      if (state.subscribes.length === 3) {
        notify(ws, 'channel.activities', activities.follow);
        notify(ws, 'channel.activities', activities.tip);
        notify(ws, 'channel.tips', { _id: activities.tip.data.tipId, provider: 'twitch', createdAt: activities.tip.createdAt,
          donation: { user: { username: 'SaraRira' }, amount: 3, currency: 'BRL', message: 'hi' } });
        notify(ws, 'channel.chat.message', { msgId: 'm1', nick: 'viewer', text: 'gg' });
        notify(ws, 'channel.activities', activities.cheer);
      }
    },
  });
  const daemon = await startDaemon(config(astro.url));
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0&chat=1`);
    const got = await client.until(() => alerts(client).some((e) => e.kind === 'cheer') && alerts(client), 15000, 'the cheer');
    assert.deepEqual(got.map((e) => e.kind), ['follow', 'tip', 'chat_message', 'cheer']);
    assert.deepEqual(astro.state.subscribes.map((m) => m.data.topic), ['channel.activities', 'channel.tips', 'channel.chat.message']);
    assert.equal(new Set(astro.state.subscribes.map((m) => m.nonce)).size, 3, 'one nonce per subscription');
    assert.match(statusOf(client.events(), 'connected').data.reason, /Astro, subscribed to/);
    assert.ok(!daemon.log().includes(JWT));
  } finally {
    await daemon.stop();
    await astro.close();
  }
});

test('err_unauthorized -> error state with slow retry', async () => {
  const astro = await startAstro({
    respond: (msg, ws) => ws.send(JSON.stringify({ type: 'response', nonce: msg.nonce, error: 'err_unauthorized', data: { message: 'invalid token' } })),
  });
  const daemon = await startDaemon(config(astro.url, 'topics = ["channel.activities"]'));
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
    const e = await client.until(() => statusOf(client.events(), 'error'), 15000, 'error');
    assert.equal(e.data.reason, 'Astro refused the token for channel.activities: invalid token');
    assert.ok(e.data.nextRetryMs >= 30000);
    assert.equal(astro.state.connections, 1);
  } finally {
    await daemon.stop();
    await astro.close();
  }
});

test('rate_limit_exceeded backs off and retries; a reconnect resubscribes every topic', async () => {
  let first = true;
  const astro = await startAstro({
    respond: (msg, ws, state) => {
      if (first) {
        first = false;
        ws.send(JSON.stringify({ type: 'response', nonce: msg.nonce, error: 'rate_limit_exceeded' }));
        return;
      }
      ok(ws, msg);
      if (state.connections === 2 && msg.data.topic === 'channel.tips') ws.close();  // a drop after subscribing
      if (state.connections === 3 && msg.data.topic === 'channel.tips') notify(ws, 'channel.activities', activities.follow);
    },
  });
  const daemon = await startDaemon(config(astro.url, 'topics = ["channel.activities", "channel.tips"]'));
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
    const limited = await client.until(() => statusOf(client.events(), 'reconnecting'), 15000, 'backoff');
    assert.match(limited.data.reason, /rate limit exceeded subscribing to channel.activities/);
    await client.until(() => alerts(client).length >= 1, 20000, 'an event after two reconnects');
    assert.equal(astro.state.connections, 3);
    const topics = astro.state.subscribes.map((m) => m.data.topic);
    assert.deepEqual(topics.slice(-2), ['channel.activities', 'channel.tips'], 'resubscribed after the reconnect');
  } finally {
    await daemon.stop();
    await astro.close();
  }
});

test('a silent link is found by WebSocket pings and the idle timeout, and rebuilt', async () => {
  const astro = await startAstro({ respond: (msg, ws) => ok(ws, msg) });
  const proxy = await startProxy(astro.port);
  const daemon = await startDaemon(config(`ws://127.0.0.1:${proxy.port}`, 'topics = ["channel.activities"]\nidle_timeout = "1s"'));
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
    await client.until(() => statusOf(client.events(), 'connected'), 15000, 'connected');
    proxy.freeze();
    const lost = await client.until(() => statusOf(client.events(), 'reconnecting'), 10000, 'dead link found');
    assert.match(lost.data.reason, /connection lost/);
    proxy.thaw();
    await client.until(() => client.events().filter((e) => e.data?.state === 'connected').length >= 2, 15000, 'connected again');
  } finally {
    await daemon.stop();
    await proxy.close();
    await astro.close();
  }
});

// SE's dashboard buttons and `!alerts`: channel.overlay.action drives the daemon's alert control.
const overlayAction = (name) =>
  JSON.parse(readFileSync(new URL(`./fixtures/streamelements_overlay/astro_${name}.json`, import.meta.url), 'utf8'));
const alertsOf = async (port) => JSON.parse(await (await fetch(`http://127.0.0.1:${port}/status`)).text()).alerts;

test('channel.overlay.action (SE dashboard, !alerts): pause, unpause, mute, unmute, skip and playNext drive alert control', async () => {
  let actions = null;
  const astro = await startAstro({
    respond: (msg, ws) => {
      ok(ws, msg);
      if (msg.data.topic === 'channel.overlay.action') actions = ws;
    },
  });
  const daemon = await startDaemon(config(astro.url, 'topics = ["channel.activities", "channel.overlay.action"]'));
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws`);
    await client.until(() => actions, 15000, 'the overlay.action subscription');
    // Each action reaches the pages as an `alerts` op carrying the new state.
    const alertOps = () => client.messages.filter((m) => m.op === 'alerts');
    const expect = async (name, want) => {
      const before = alertOps().length;
      actions.send(JSON.stringify(overlayAction(name)));
      const op = await client.until(() => alertOps()[before], 10000, `the alerts op after ${name}`);
      for (const [k, v] of Object.entries(want)) assert.equal(op.d[k], v, `${k} after ${name}`);
    };
    await expect('pause', { action: 'pause', paused: true });
    await expect('unpause', { action: 'resume', paused: false });
    await expect('mute', { action: 'mute', muted: true });
    await expect('unmute', { action: 'unmute', muted: false });
    await expect('skip', { action: 'skip' });
    await expect('playNext', { action: 'skip' });
    // No alert-control meaning here: counted as ignored, nothing changes; the next one applies.
    actions.send(JSON.stringify(overlayAction('emptyHypeCup')));
    actions.send(JSON.stringify({ ...overlayAction('pause'), data: { action: 'explode\nforged line' } }));
    await expect('mute', { action: 'mute', muted: true, paused: false });
    assert.deepEqual(await alertsOf(daemon.port), { paused: false, muted: true, skips: 2, replays: 0, playing: [] });
    await daemon.waitForLog(/the upstream asks to mute the alerts/);
    // SE's "reload overlay": every widget page (a client that asked the widget runtime's
    // requests) is told to reload; a plain client is not.
    const widget = connect(`ws://127.0.0.1:${daemon.port}/ws`);
    await widget.until((m) => m.some((x) => x.op === 'hello'), 5000, 'hello');
    widget.ws.send(JSON.stringify({ op: 'request', d: { id: 1, type: 'se.session' } }));
    await widget.until((m) => m.some((x) => x.op === 'response' && x.d.id === 1), 5000, 'se.session');
    actions.send(JSON.stringify(overlayAction('reload')));
    await widget.until((m) => m.some((x) => x.op === 'widget-reload'), 10000, 'widget-reload');
    assert.ok(!client.messages.some((m) => m.op === 'widget-reload'));
    assert.ok(!daemon.log().includes('forged line\n'));
  } finally {
    await daemon.stop();
    await astro.close();
  }
});
