// Every event the daemon emits validates against config/event.schema.json: one full demo
// round (every compiled-in fixture, SE and Velora) plus the status events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { demoConfig, startDaemon, SOURCE_DIR } from './lib/daemon.mjs';
import { connect } from './lib/client.mjs';
import { schemaErrors } from './lib/schema.mjs';

function countFixtures(dir) {
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) n += countFixtures(path.join(dir, entry.name));
    else if (entry.name.endsWith('.json')) n += 1;
  }
  return n;
}

test('a full demo round and the status events validate against the schema', async () => {
  const fixtures = countFixtures(path.join(SOURCE_DIR, 'lib/sources/fixtures'));
  assert.ok(fixtures >= 30, `found ${fixtures} fixtures`);
  const daemon = await startDaemon(demoConfig({
    interval: '5ms',
    // Nothing listens on port 1: the source only produces status events, and no test talks to the internet.
    extra: '[[source]]\nname = "se-main"\ntype = "streamelements"\nurl = "ws://127.0.0.1:1"\nauth_method = "apikey"\ntoken = "x"' }));
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?chat=1&since=0`);
    await client.opened;
    const demoEvents = () => client.events().filter((e) => e.source === 'demo' && e.kind !== 'status');
    await client.until(() => demoEvents().length >= fixtures + 5, 30000, 'a full demo round');
    const events = client.events();
    assert.ok(events.some((e) => e.kind === 'status' && e.source === 'se-main'), 'status events replayed');
    assert.ok(events.some((e) => e.kind === 'status' && e.source === 'demo' && e.data.state === 'connected'));
    for (const e of events) assert.equal(schemaErrors(e), null, `event ${JSON.stringify(e)} fails the schema`);
    const kinds = new Set(demoEvents().map((e) => e.kind));
    for (const k of ['tip', 'follow', 'cheer', 'subscription', 'resubscription', 'gift_subscription', 'gift_purchase',
      'redemption', 'chat_message', 'chat_delete', 'counter', 'unknown', 'raid', 'volts', 'stream_online']) {
      assert.ok(kinds.has(k), `the demo round has a ${k}`);
    }
    const tip = demoEvents().find((e) => e.kind === 'tip' && e.currency === 'BRL');
    assert.match(tip.message, /não está valorizando/);
    assert.match(tip.id, /^demo-\d+-tip-6815a37391d582d238a40f11$/);
  } finally {
    await daemon.stop();
  }
});

test('status events: a source that cannot connect says so, with attempt and next retry, and they validate', async () => {
  // Port 1 on loopback: nothing listens, the connection is refused.
  const daemon = await startDaemon(`
[server]
port = 0
[[source]]
name = "se-main"
type = "streamelements"
url = "ws://127.0.0.1:1"
auth_method = "apikey"
token = "x"
`);
  try {
    await daemon.waitForLog(/source "se-main": connecting -> reconnecting: connecting to 127.0.0.1:1 failed/);
    // The statuses were published before this client came: ?since=0 replays them from history.
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
    await client.opened;
    const statuses = await client.until(() => client.events().length >= 2 && client.events(), 10000, 'the statuses');
    assert.deepEqual(statuses.map((s) => s.data.state), ['connecting', 'reconnecting']);
    const [, status] = statuses;
    assert.equal(status.kind, 'status');
    assert.equal(status.source, 'se-main');
    assert.equal(status.service, 'streamelements');
    assert.equal(status.test, false);
    assert.equal(status.data.previous, 'connecting');
    assert.equal(status.data.attempt, 1);
    assert.ok(status.data.nextRetryMs >= 500 && status.data.nextRetryMs <= 1000);
    for (const s of statuses) assert.equal(schemaErrors(s), null);
  } finally {
    await daemon.stop();
  }
});
