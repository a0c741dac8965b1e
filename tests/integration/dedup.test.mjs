// Dedup with live upstream connections: two StreamElements sources (two socket.io 2.5
// servers, as two connections to one account) deliver the same events; a local client sees
// each once, and a community gift also arrives as one gift_bundle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from './lib/daemon.mjs';
import { connect } from './lib/client.mjs';
import { startSocketIo, fixtures, makeJwt } from './lib/upstream.mjs';

const JWT = makeJwt(Math.floor(Date.now() / 1000) + 30 * 86400);
const byName = Object.fromEntries(fixtures('streamelements', 'event').map((f) => [f.name, f.payload]));
const twins = Object.fromEntries(fixtures('streamelements', 'event:test').map((f) => [f.name, f.payload]));

// A StreamElements stand-in that sends `script` after authentication.
async function upstream(script) {
  const up = await startSocketIo({ version: 2 });
  up.io.on('connection', (socket) => {
    socket.on('authenticate', () => {
      socket.emit('authenticated', { channelId: '5d1b97ed', clientId: 'c', message: 'ok', project: 'realtime' });
      for (const [name, payload] of script) socket.emit(name, payload);
    });
  });
  return up;
}

test('two live connections deliver the same events: each is published once, bundles once', async () => {
  const script = [
    ['event', byName.tip],
    ['event', byName.follow],
    ['event', byName.community_gift_recipient_1],
    ['event', byName.community_gift_recipient_2],
    ['event', { ...byName.community_gift_purchase, data: { ...byName.community_gift_purchase.data, amount: 2 } }],
    ['event', byName.cheer],
  ];
  const a = await upstream(script);
  // The second connection also sends the widget-shaped twin of the tip (as a real event would
  // come through a second shape) and then everything again, as after a reconnect.
  const b = await upstream([...script, ['event', byName.tip], ['event', byName.cheer]]);
  const daemon = await startDaemon(`[server]\nport = 0
[[source]]\nname = "se-a"\ntype = "streamelements"\nurl = "${a.url}"\ntoken = "${JWT}"
[[source]]\nname = "se-b"\ntype = "streamelements"\nurl = "${b.url}"\ntoken = "${JWT}"
`, { args: ['--log-level', 'debug'] });
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
    const alerts = () => client.events().filter((e) => e.kind !== 'status');
    // 6 events + 1 bundle from two connections, after both are connected and done.
    await daemon.waitForLog(/source "se-a": connecting -> connected/);
    await daemon.waitForLog(/source "se-b": connecting -> connected/);
    const got = await client.until(() => alerts().some((e) => e.kind === 'gift_bundle') && alerts().length >= 7 && alerts(),
      15000, 'the events and the bundle');
    // 14 upstream messages, 6 published: every copy has been judged once 8 drops are logged.
    await daemon.waitForLines(/dedup: dropped /, 8);
    assert.equal(alerts().length, 7);
    const ids = got.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, `no id twice: ${ids.join(',')}`);
    const kinds = got.map((e) => e.kind).sort();
    assert.deepEqual(kinds, ['cheer', 'follow', 'gift_bundle', 'gift_purchase', 'gift_subscription',
      'gift_subscription', 'tip']);
    const bundle = got.find((e) => e.kind === 'gift_bundle');
    assert.equal(bundle.user.login, 'ahxxis');
    assert.equal(bundle.count, 2);
    assert.deepEqual(bundle.recipients, ['edeenn1', byName.community_gift_recipient_2.data.username]);
    assert.equal(bundle.data.complete, true);
    client.ws.send(JSON.stringify({ op: 'request', d: { id: 's', type: 'status' } }));
    const status = await client.until(() => client.messages.find((m) => m.op === 'response'), 15000, 'status');
    const { dedup } = status.d.result;
    assert.equal(dedup.dropped.same_id + dedup.dropped.same_event, 8);
    assert.equal((dedup.droppedBySource['se-a'] ?? 0) + (dedup.droppedBySource['se-b'] ?? 0), 8);
    assert.equal(dedup.bundlesComplete, 1);
    await daemon.waitForLog(/dedup: dropped tip SaraRira from "se-(a|b)": upstream id 6815a37391d582d238a40f11 was already published/);
  } finally {
    await daemon.stop();
    await a.close();
    await b.close();
  }
});

test('the demo source forms a partial gift bundle after bundle_timeout', async () => {
  const daemon = await startDaemon(`[server]\nport = 0\n[dedup]\nbundle_timeout = "200ms"
[[source]]\nname = "demo"\ntype = "demo"\ninterval = "5ms"\n`);
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
    const bundle = await client.until(() => client.events().find((e) => e.kind === 'gift_bundle'), 15000, 'a bundle');
    assert.equal(bundle.test, true);
    assert.equal(bundle.data.complete, false);
    assert.equal(bundle.count, 5);
    assert.equal(bundle.recipients.length, 2);
  } finally {
    await daemon.stop();
  }
});
