// The Twitch EventSub source against a fake Twitch (lib/twitch.mjs: EventSub WebSocket, Helix and
// OAuth): welcome -> subscriptions, notifications, Twitch's repeats, keepalive timeout,
// session_reconnect without loss, revocation, close codes, malformed input, token refresh, the
// device code login, and the redundancy with StreamElements (one alert per real event).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { startDaemon, run, tempDir } from './lib/daemon.mjs';
import { launchChromium } from './lib/browser.mjs';
import { connect } from './lib/client.mjs';
import { startTwitch, twitchSource, twitchEvents, BROADCASTER, ALL_SCOPES } from './lib/twitch.mjs';
import { startStreamElements, seSource, sourceStatus, waitFor, getJson } from './lib/faults.mjs';

const ALL_TYPES = ['channel.follow', 'channel.subscribe', 'channel.subscription.message', 'channel.subscription.gift',
  'channel.cheer', 'channel.raid', 'channel.channel_points_custom_reward_redemption.add', 'channel.chat.message',
  'channel.chat.message_delete', 'channel.chat.clear_user_messages', 'stream.online', 'stream.offline'];
const statuses = (client, state) => client.events().filter((e) => e.kind === 'status' && e.data.state === state);
const alerts = (client) => client.events().filter((e) => e.kind !== 'status');

function tokenFile(access = 'good', refresh = 'r1', scope = undefined, expiresAt = undefined) {
  const file = path.join(tempDir(), 'twitch-token.json');
  writeFileSync(file, JSON.stringify({ access_token: access, refresh_token: refresh, scope, expires_at: expiresAt }), { mode: 0o600 });
  return file;
}

async function setUp({ fake = {}, access = 'good', refresh = 'r1', scope, expiresAt, extra = '', config = '' } = {}) {
  const twitch = await startTwitch(fake);
  const file = tokenFile(access, refresh, scope, expiresAt);
  const daemon = await startDaemon(`[server]\nport = 0\n${config}\n${twitchSource(twitch, file, extra)}`);
  const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0&chat=1`);
  return {
    twitch, daemon, client, file,
    async down() {
      client.ws.close();
      await daemon.stop();
      await twitch.stop();
    },
  };
}

test('welcome -> every subscription within 10 s; notifications become events; a repeated message_id is dropped', async () => {
  const t = await setUp();
  try {
    const connected = await t.client.until(() => statuses(t.client, 'connected')[0], 15000, 'connected');
    const welcomedAt = t.twitch.state.sockets[0] && Date.now();
    assert.match(connected.data.reason, /EventSub, 12 subscriptions, cost 12 of 10000/);
    assert.deepEqual(t.twitch.state.subscriptions.map((s) => s.type), ALL_TYPES);
    for (const s of t.twitch.state.subscriptions) {
      assert.deepEqual(s.transport, { method: 'websocket', session_id: 'session-1' });
      assert.ok(s.at - t.twitch.state.subscriptions[0].at < 10000);
    }
    assert.deepEqual(t.twitch.state.subscriptions.find((s) => s.type === 'channel.raid').condition, { to_broadcaster_user_id: BROADCASTER.id });
    assert.deepEqual(t.twitch.state.subscriptions.find((s) => s.type === 'channel.follow').condition,
      { broadcaster_user_id: BROADCASTER.id, moderator_user_id: BROADCASTER.id });
    assert.ok(t.twitch.state.helixAuth.every((h) => h.auth === 'Bearer good' && h.clientId === 'cid123'));
    assert.ok(welcomedAt);

    const user = { id: '1234', login: 'cool_user', name: 'Cool_User' };
    const id = t.twitch.notify('channel.follow', twitchEvents.follow(user), { version: '2' });
    t.twitch.notify('channel.follow', twitchEvents.follow(user), { version: '2', messageId: id });  // Twitch's repeat
    t.twitch.notify('channel.cheer', twitchEvents.cheer(user, 100));
    const got = await t.client.until(() => alerts(t.client).length >= 2 && alerts(t.client), 10000, 'two alerts');
    assert.deepEqual(got.map((e) => e.kind), ['follow', 'cheer']);
    assert.equal(got[0].platform, 'twitch');
    assert.equal(got[0].service, 'twitch');
    assert.deepEqual(got[0].user, { id: '1234', login: 'cool_user', displayName: 'Cool_User', avatar: null });
    assert.equal(got[1].amount, 100);
    // A chat line with an emote and badges, in the fields SE widgets read.
    t.twitch.notify('channel.chat.message', {
      broadcaster_user_id: BROADCASTER.id, broadcaster_user_login: BROADCASTER.login, broadcaster_user_name: BROADCASTER.display_name,
      chatter_user_id: '4145994', chatter_user_login: 'viewer32', chatter_user_name: 'viewer32', message_id: 'cc106a89',
      message: { text: 'Hi Kappa', fragments: [{ type: 'text', text: 'Hi ' }, { type: 'emote', text: 'Kappa', emote: { id: '25', format: ['static'] } }] },
      color: '#00FF7F', badges: [{ set_id: 'moderator', id: '1', info: '' }], message_type: 'text', reply: null,
    });
    const chat = await t.client.until(() => alerts(t.client).find((e) => e.kind === 'chat_message'), 10000, 'chat');
    assert.equal(chat.message, 'Hi Kappa');
    assert.equal(chat.data.displayColor, '#00FF7F');
    assert.deepEqual(chat.data.badges, [{ type: 'moderator', version: '1', description: 'moderator' }]);
    assert.equal(chat.data.emotes[0].name, 'Kappa');
    assert.equal(chat.data.emotes[0].start, 3);
    assert.equal(alerts(t.client).filter((e) => e.kind === 'follow').length, 1);
    assert.ok(!t.daemon.log().includes('Bearer good'));
  } finally {
    await t.down();
  }
});

test('keepalive silence -> reconnect and subscribe again', async () => {
  const t = await setUp({ fake: { keepalive: 1 } });
  try {
    const lost = await t.client.until(() => statuses(t.client, 'reconnecting')[0], 15000, 'keepalive timeout');
    assert.match(lost.data.reason, /keepalive timeout \(1 s\)/);
    await waitFor(() => t.twitch.state.connections >= 2 && t.twitch.state.subscriptions.length >= 24, 15000, 'second session subscribed');
    assert.ok(t.twitch.state.subscriptions.slice(12).every((s) => s.transport.session_id === 'session-2'));
  } finally {
    await t.down();
  }
});

test('session_reconnect: the old socket delivers until the new welcome, no event lost or repeated', async () => {
  const t = await setUp();
  try {
    await t.client.until(() => statuses(t.client, 'connected')[0], 15000, 'connected');
    const old = t.twitch.latest();
    const cheer = (n) => twitchEvents.cheer({ id: `${1000 + n}`, login: `user${n}` }, n);
    for (let n = 1; n <= 5; n++) t.twitch.notify('channel.cheer', cheer(n), { socket: old });
    t.twitch.reconnect(old);
    // The new socket comes; meanwhile the old one keeps delivering.
    for (let n = 6; n <= 10; n++) t.twitch.notify('channel.cheer', cheer(n), { socket: old });
    await waitFor(() => t.twitch.state.connections === 2, 10000, 'the reconnect socket');
    const fresh = t.twitch.state.sockets[1];
    assert.match(fresh.url, /reconnect=1/);
    await waitFor(() => !old.open, 10000, 'the old socket closed by the daemon');
    for (let n = 11; n <= 15; n++) t.twitch.notify('channel.cheer', cheer(n), { socket: fresh });
    const got = await t.client.until(() => alerts(t.client).length >= 15 && alerts(t.client), 10000, '15 cheers');
    assert.deepEqual(got.map((e) => e.amount), Array.from({ length: 15 }, (_, i) => i + 1));
    assert.equal(t.twitch.state.subscriptions.length, 12, 'subscriptions move with the session: none created again');
    assert.equal(statuses(t.client, 'reconnecting').length, 0);
  } finally {
    await t.down();
  }
});

test('revocation -> a status with the reason; authorization_revoked is an error that says to log in', async () => {
  const t = await setUp();
  try {
    await t.client.until(() => statuses(t.client, 'connected')[0], 15000, 'connected');
    t.twitch.revocation('channel.cheer', 'version_removed');
    const s = await t.client.until(() => t.client.events().find((e) => e.kind === 'status' && /revoked/.test(e.data.reason)), 10000, 'revocation status');
    assert.equal(s.data.reason, 'Twitch revoked the subscription to channel.cheer: version_removed');
    t.twitch.revocation('channel.follow', 'authorization_revoked');
    const e = await t.client.until(() => statuses(t.client, 'error')[0], 10000, 'error');
    assert.match(e.data.reason, /authorization_revoked; run `streambridged --login twitch/);
  } finally {
    await t.down();
  }
});

test('close 4003 (no subscription in time) and 4000: reconnect with the reason; malformed JSON is skipped', async () => {
  const t = await setUp();
  try {
    await t.client.until(() => statuses(t.client, 'connected')[0], 15000, 'connected');
    t.twitch.send('{"metadata": not json');
    t.twitch.send('{"metadata":{"message_type":"\\u001b[31mevil"},"payload":{}}');
    t.twitch.notify('channel.follow', twitchEvents.follow({ id: '1', login: 'after_garbage' }), { version: '2' });
    await t.client.until(() => alerts(t.client).length >= 1, 10000, 'an event after malformed input');
    const line = await t.daemon.waitForLog(/skipped an EventSub message: unknown message_type/);
    assert.ok(!line.input.includes('\u001b'), line.input);
    assert.equal((await sourceStatus(t.daemon.port, 'twitch')).counters.malformed, 2);
    t.twitch.close(4003);
    const r = await t.client.until(() => statuses(t.client, 'reconnecting')[0], 10000, 'reconnecting');
    assert.match(r.data.reason, /no subscription was created within 10 s of the welcome \(4003\)/);
    await t.client.until(() => statuses(t.client, 'connected').length >= 2, 15000, 'connected again');
    t.twitch.close(4000);
    await t.client.until(() => statuses(t.client, 'reconnecting').some((e) => /internal server error \(4000\)/.test(e.data.reason)), 10000, '4000');
  } finally {
    await t.down();
  }
});

test('every close code 4000-4007: the reason as Twitch documents it, then a fresh connect', async () => {
  const twitch = await startTwitch();
  const file = tokenFile();
  const codes = [4000, 4001, 4002, 4003, 4004, 4005, 4006, 4007];
  // One source per code, told apart by the fake through the query of their URL.
  const sources = codes.map((code) => twitchSource({ ...twitch, eventsubUrl: `${twitch.eventsubUrl}?src=${code}` }, file, '', `tw${code}`)).join('');
  const daemon = await startDaemon(`[server]\nport = 0\n${sources}`);
  const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
  const reasons = {
    4000: 'internal server error (4000)', 4001: 'we sent a message, which is not allowed (4001)',
    4002: 'a ping was not answered in time (4002)', 4003: 'no subscription was created within 10 s of the welcome (4003)',
    4004: 'the reconnect grace time expired (4004)', 4005: 'network timeout (4005)', 4006: 'network error (4006)',
    4007: 'the reconnect URL was invalid (4007)',
  };
  try {
    await client.until(() => codes.every((c) => client.events().some((e) => e.source === `tw${c}` && e.data?.state === 'connected')), 20000, 'all connected');
    for (const code of codes) twitch.close(code, twitch.state.sockets.find((s) => s.url.includes(`src=${code}`)));
    for (const code of codes) {
      const e = await client.until(() => client.events().find((x) => x.source === `tw${code}` && x.data?.state === 'reconnecting'), 10000, `tw${code} reconnecting`);
      assert.equal(e.data.reason, `Twitch closed the socket: ${reasons[code]}`);
    }
    await client.until(() => codes.every((c) => client.events().filter((e) => e.source === `tw${c}` && e.data?.state === 'connected').length >= 2), 20000, 'all connected again');
    for (const code of codes) assert.equal(twitch.state.sockets.filter((s) => s.url.includes(`src=${code}`)).length, 2);
    await daemon.waitForLog(/error.*we sent a message, which is not allowed \(4001\)/);
  } finally {
    client.ws.close();
    await daemon.stop();
    await twitch.stop();
  }
});

test('a Twitch chat line with badges, emotes and colour in an SE chat widget (Chromium)', async () => {
  const twitch = await startTwitch();
  const dir = tempDir();
  const folder = path.join(dir, 'chatbox');
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'widget.html'), '<div id="log"></div>');
  // As public SE chat widgets do: badge images, emotes replaced by their images, the colour.
  writeFileSync(path.join(folder, 'widget.js'), `
window.lines = [];
window.addEventListener('onWidgetLoad', () => { window.loaded = true; });
window.addEventListener('onEventReceived', (obj) => {
  if (obj.detail.listener !== 'message') return;
  const d = obj.detail.event.data;
  const row = document.createElement('div');
  for (const badge of d.badges) { const img = document.createElement('img'); img.src = badge.url; row.append(img); }
  let html = d.text;
  for (const e of d.emotes) html = html.replace(e.name, '<img class="emote" src="' + e.urls['1'] + '">');
  row.innerHTML += d.displayName + ': ' + html;
  row.style.color = d.displayColor;
  document.getElementById('log').append(row);
  window.lines.push({ text: d.text, color: d.displayColor, badges: d.tags.badges, mod: d.tags.mod, emotes: [...row.querySelectorAll('img.emote')].map((i) => i.src), user: d.nick, userId: d.userId, msgId: d.msgId });
});`);
  const daemon = await startDaemon(`[server]\nport = 0\n[[widget]]\nname = "chatbox"\npath = "${folder}"\n${twitchSource(twitch, tokenFile())}`);
  const browser = await launchChromium();
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(`http://127.0.0.1:${daemon.port}/widgets/chatbox/`);
    await page.waitForFunction(() => window.loaded === true, null, { timeout: 15000 });
    await waitFor(() => twitch.state.subscriptions.length === 12, 15000, 'subscribed');
    twitch.notify('channel.chat.message', {
      broadcaster_user_id: BROADCASTER.id, broadcaster_user_login: BROADCASTER.login, broadcaster_user_name: BROADCASTER.display_name,
      chatter_user_id: '4145994', chatter_user_login: 'viewer32', chatter_user_name: 'Viewer32', message_id: 'cc106a89-1814',
      message: { text: 'Hi chat Kappa', fragments: [{ type: 'text', text: 'Hi chat ' }, { type: 'emote', text: 'Kappa', emote: { id: '25', emote_set_id: '0', format: ['static'] } }] },
      color: '#00FF7F', badges: [{ set_id: 'moderator', id: '1', info: '' }, { set_id: 'subscriber', id: '12', info: '16' }],
      message_type: 'text', reply: null,
    });
    await page.waitForFunction(() => window.lines.length === 1, null, { timeout: 10000 });
    const [line] = await page.evaluate(() => window.lines);
    assert.deepEqual(line, { text: 'Hi chat Kappa', color: '#00FF7F', badges: 'moderator/1,subscriber/12', mod: '1',
      emotes: ['https://static-cdn.jtvnw.net/emoticons/v2/25/default/dark/1.0'], user: 'viewer32', userId: '4145994', msgId: 'cc106a89-1814' });
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
    await browser.close();
    await daemon.stop();
    await twitch.stop();
  }
});

test('401 -> the token is refreshed and the new pair written (0600) before use; a refused refresh is an error', async () => {
  const t = await setUp({ access: 'tok-stale-9f2', refresh: 'rt-one-4c1', fake: { tokens: [], refresh: { 'rt-one-4c1': { access_token: 'tok-new-77a', refresh_token: 'rt-two-5d0' } } } });
  try {
    await t.client.until(() => statuses(t.client, 'connected')[0], 15000, 'connected');
    assert.deepEqual(t.twitch.state.refreshes, ['rt-one-4c1']);
    const saved = JSON.parse(readFileSync(t.file, 'utf8'));
    assert.equal(saved.access_token, 'tok-new-77a');
    assert.equal(saved.refresh_token, 'rt-two-5d0');
    assert.equal(t.twitch.state.subscriptions.length, 12);
    assert.equal(statSync(t.file).mode & 0o777, 0o600);
    for (const secret of ['tok-stale-9f2', 'rt-one-4c1', 'tok-new-77a', 'rt-two-5d0']) assert.ok(!t.daemon.log().includes(secret), secret);
  } finally {
    await t.down();
  }
  const u = await setUp({ access: 'stale', refresh: 'gone', fake: { tokens: [] } });
  try {
    const e = await u.client.until(() => statuses(u.client, 'error')[0], 15000, 'error');
    assert.match(e.data.reason, /expired or was revoked .*run `streambridged --login twitch/);
    assert.ok(e.data.nextRetryMs >= 30000);
  } finally {
    await u.down();
  }
});

test('a token about to expire is refreshed before it is used', async () => {
  const t = await setUp({ access: 'tok-old-31b', refresh: 'rt-a-8e2', expiresAt: Math.floor(Date.now() / 1000) + 60,
    fake: { tokens: ['tok-old-31b'], refresh: { 'rt-a-8e2': { access_token: 'tok-b-0c4', refresh_token: 'rt-b-6f9' } } } });
  try {
    await t.client.until(() => statuses(t.client, 'connected')[0], 15000, 'connected');
    assert.deepEqual(t.twitch.state.refreshes, ['rt-a-8e2']);
    assert.ok(t.twitch.state.helixAuth.every((h) => h.auth === 'Bearer tok-b-0c4'), 'Helix only saw the new token');
    const saved = JSON.parse(readFileSync(t.file, 'utf8'));
    assert.equal(saved.refresh_token, 'rt-b-6f9');
    assert.ok(saved.expires_at > Date.now() / 1000 + 14000);
  } finally {
    await t.down();
  }
});

test('a token that expires while connected is refreshed 5 minutes before, on the same connection', async () => {
  const t = await setUp({ access: 'tok-live-5e1', refresh: 'rt-live-2a8', expiresAt: Math.floor(Date.now() / 1000) + 306,
    fake: { tokens: ['tok-live-5e1'], refresh: { 'rt-live-2a8': { access_token: 'tok-next-7c3', refresh_token: 'rt-next-9d4' } } } });
  try {
    await t.client.until(() => statuses(t.client, 'connected')[0], 15000, 'connected');
    assert.deepEqual(t.twitch.state.refreshes, [], 'not refreshed at connect: more than 5 minutes left');
    await waitFor(() => t.twitch.state.refreshes.length === 1, 15000, 'the refresh 5 minutes before expiry');
    await waitFor(() => JSON.parse(readFileSync(t.file, 'utf8')).refresh_token === 'rt-next-9d4', 5000, 'the new pair on disk');
    assert.equal(t.twitch.state.connections, 1, 'the connection stays');
    assert.equal(statuses(t.client, 'connected').length, 1);
    // A /status round trip: the reactor has run since the refresh, and refreshed no more.
    await sourceStatus(t.daemon.port, 'twitch');
    assert.equal(t.twitch.state.refreshes.length, 1, 'once');
  } finally {
    await t.down();
  }
});

test('an oversized message is skipped and counted; the connection stays', async () => {
  const t = await setUp();
  try {
    await t.client.until(() => statuses(t.client, 'connected')[0], 15000, 'connected');
    t.twitch.send(JSON.stringify({ metadata: { message_type: 'notification' }, payload: { pad: 'x'.repeat(1100 * 1024) } }));
    t.twitch.notify('channel.cheer', twitchEvents.cheer({ id: '9', login: 'after_big' }, 5));
    await t.client.until(() => alerts(t.client).length >= 1, 10000, 'the cheer after the big message');
    assert.equal((await sourceStatus(t.daemon.port, 'twitch')).counters.oversized, 1);
    assert.equal(t.twitch.state.connections, 1);
  } finally {
    await t.down();
  }
});

test('by default only what the token\'s scopes allow; a 403 names the missing scope', async () => {
  const t = await setUp({ scope: ALL_SCOPES.filter((s) => s !== 'user:read:chat'),
    fake: { onSubscribe: (sub) => (sub.type === 'channel.cheer' ? [403, { message: 'subscription missing proper authorization' }] : null) } });
  try {
    const c = await t.client.until(() => statuses(t.client, 'connected')[0], 15000, 'connected');
    assert.equal(c.data.reason, 'EventSub, 8 subscriptions, cost 8 of 10000, 8 in total, 1 refused (missing scopes: bits:read, user:read:chat)');
    assert.ok(!t.twitch.state.subscriptions.some((s) => s.type.startsWith('channel.chat.')));
    await t.daemon.waitForLog(/not subscribing to channel.chat.message and the like: the token lacks the scope user:read:chat/);
    await t.daemon.waitForLog(/cannot subscribe to channel.cheer: the token lacks the scope bits:read/);
  } finally {
    await t.down();
  }
});

test('a 429 on subscription creation waits for Ratelimit-Reset, then goes on', async () => {
  const t = await setUp({ fake: { onSubscribe: (_sub, n) => (n === 2 ? [429, { message: 'Too Many Requests' },
    { 'Ratelimit-Reset': String(Math.floor(Date.now() / 1000) + 1) }] : null) } });
  try {
    const c = await t.client.until(() => statuses(t.client, 'connected')[0], 20000, 'connected');
    assert.match(c.data.reason, /12 subscriptions/);
    await t.daemon.waitForLog(/Helix rate limit creating channel.subscribe; retrying in \d+ ms/);
  } finally {
    await t.down();
  }
});

test('--login twitch: device code, authorization_pending and slow_down honoured, token file written', async () => {
  const twitch = await startTwitch({ device: [
    { status: 400, message: 'authorization_pending' },
    { status: 400, message: 'slow_down' },
    { access_token: 'new-access', refresh_token: 'new-refresh' },
  ] });
  const dir = tempDir();
  const file = path.join(dir, 'token.json');
  const configPath = path.join(dir, 'streambridge.toml');
  writeFileSync(configPath, `[server]\nport = 0\n${twitchSource(twitch, file, 'subscriptions = ["channel.cheer", "channel.follow"]')}`);
  try {
    const r = await run(['--login', 'twitch', '--config', configPath], { timeout: 30000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /open https:\/\/www\.twitch\.tv\/activate\S* and enter the code ABCDEFGH/);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(saved.access_token, 'new-access');
    assert.equal(saved.refresh_token, 'new-refresh');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(twitch.state.deviceRequests[0], { client_id: 'cid123', scopes: 'bits:read moderator:read:followers' });
    const polls = twitch.state.tokenPolls;
    assert.equal(polls.length, 3);
    assert.equal(polls[0].form.grant_type, 'urn:ietf:params:oauth:grant-type:device_code');
    assert.ok(polls[2].at - polls[1].at >= 5500, 'slow_down adds 5 s to the interval');
  } finally {
    await twitch.stop();
  }
  for (const refusal of ['access_denied', 'expired_token']) {
    const denied = await startTwitch({ device: [{ status: 400, message: 'authorization_pending' }, { status: 400, message: refusal }] });
    writeFileSync(configPath, `[server]\nport = 0\n${twitchSource(denied, file)}`);
    try {
      const r = await run(['--login', 'twitch', '--config', configPath], { timeout: 30000 });
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`refused the login: HTTP 400: ${refusal}`));
    } finally {
      await denied.stop();
    }
  }
  // Without a twitch source: a usage error.
  writeFileSync(configPath, '[server]\nport = 0\n');
  const none = await run(['--login', 'twitch', '--config', configPath]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /has no \[\[source\]\] with type = "twitch"/);
});

test('the dashboard\'s "log in": the daemon runs the device code flow, shows the code, writes the token and connects at once', async () => {
  const twitch = await startTwitch({ device: [
    { status: 400, message: 'authorization_pending' },
    { access_token: 'good', refresh_token: 'dash-refresh-2b7' },
  ] });
  const dir = tempDir();
  const file = path.join(dir, 'token.json');  // no login yet
  const daemon = await startDaemon(`[server]\nport = 0\n${twitchSource(twitch, file)}`);
  const base = `http://127.0.0.1:${daemon.port}`;
  const browser = await launchChromium();
  try {
    // No token file: an error that says to log in, retried in minutes.
    const error = await waitFor(async () => {
      const s = await sourceStatus(daemon.port, 'twitch');
      return s.state === 'error' && s;
    }, 15000, 'the error status');
    assert.match(error.reason, /no Twitch login in token_file/);
    assert.deepEqual(error.login, { state: 'none' });
    // Wrong uses first: another service, another name, GET, a page of another site.
    assert.equal((await fetch(`${base}/login/velora`, { method: 'POST' })).status, 404);
    const unknown = await fetch(`${base}/login/twitch?source=nope`, { method: 'POST' });
    assert.equal(unknown.status, 409);
    assert.match(await unknown.text(), /no twitch source named "nope"/);
    assert.equal((await fetch(`${base}/login/twitch`)).status, 405);
    assert.equal((await fetch(`${base}/login/twitch`, { method: 'POST', headers: { Origin: 'https://evil.example' } })).status, 403);
    // The /ws request: an unknown source is an error response.
    const c = connect(`ws://127.0.0.1:${daemon.port}/ws`);
    await c.opened;
    c.ws.send(JSON.stringify({ op: 'request', d: { id: 7, type: 'twitch.login', source: 'nope' } }));
    const bad = await c.until((m) => m.find((x) => x.op === 'response' && x.d.id === 7), 5000, 'the error response');
    assert.equal(bad.d.ok, false);
    assert.match(bad.d.error, /no twitch source named "nope"/);
    c.ws.close();
    assert.equal(twitch.state.deviceRequests.length, 0, 'none of those started a login');

    // The dashboard: the source's row has a "log in" button; a click shows the URL and the code.
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await page.click('button[data-login="twitch"]', { timeout: 10000 });
    await page.waitForSelector('tr[data-source="twitch"] td.login code', { timeout: 10000 });
    assert.equal(await page.textContent('tr[data-source="twitch"] td.login code'), 'ABCDEFGH');
    assert.match(await page.getAttribute('tr[data-source="twitch"] td.login a', 'href'), /^https:\/\/www\.twitch\.tv\/activate/);
    const waiting = (await sourceStatus(daemon.port, 'twitch')).login;
    assert.equal(waiting.state, 'waiting');
    assert.equal(waiting.userCode, 'ABCDEFGH');
    assert.ok(Date.parse(waiting.expiresAt) > Date.now() + 1700 * 1000);
    // A second press while it waits starts nothing new (POST answers with the same code).
    const again = await fetch(`${base}/login/twitch`, { method: 'POST' });
    assert.equal(again.status, 202);
    assert.equal((await again.json()).login.userCode, 'ABCDEFGH');
    assert.equal(twitch.state.deviceRequests.length, 1);

    // The user entered the code: the token file is written (0600) and the source connects at
    // once, not after its minute of backoff.
    await waitFor(async () => (await sourceStatus(daemon.port, 'twitch')).state === 'connected', 15000, 'connected after the login');
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(saved.refresh_token, 'dash-refresh-2b7');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal((await sourceStatus(daemon.port, 'twitch')).login.state, 'done');
    assert.ok(!daemon.log().includes('dash-refresh-2b7'), 'the token is never logged');
    await daemon.waitForLog(/source "twitch": To log in to Twitch, open https:\/\/www\.twitch\.tv\/activate\S* and enter the code ABCDEFGH/);
    await page.close();
  } finally {
    await browser.close();
    await daemon.stop();
    await twitch.stop();
  }
});

test('redundancy: 100 alerts on both paths in shuffled order, then StreamElements goes silent: each alert once', async () => {
  const se = await startStreamElements();
  const twitch = await startTwitch();
  const file = tokenFile();
  const daemon = await startDaemon(`[server]\nport = 0\n${seSource('se', `http://127.0.0.1:${se.port}`)}${twitchSource(twitch, file)}`);
  const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
  try {
    await client.until(() => client.events().filter((e) => e.kind === 'status' && e.data.state === 'connected').length >= 2, 20000, 'both connected');
    await waitFor(() => se.state.sockets.size === 1, 10000, 'SE socket');
    const [seSocket] = se.state.sockets;
    const N = 100;
    const SHARED = 60;  // sent on both paths; the rest only on Twitch, with SE silent (its socket open)
    const kinds = ['follow', 'cheer', 'raid', 'subscription'];
    const real = Array.from({ length: N }, (_, i) => ({ i, kind: kinds[i % 4], u: { id: `${5000 + i}`, login: `viewer${i}` } }));
    const viaSe = (r) => {
      const data = { username: r.u.login, displayName: r.u.login, providerId: r.u.id };
      const type = { follow: 'follow', cheer: 'cheer', raid: 'raid', subscription: 'subscriber' }[r.kind];
      if (r.kind === 'cheer') data.amount = 100 + r.i;
      if (r.kind === 'raid') data.amount = 10 + r.i;
      if (r.kind === 'subscription') Object.assign(data, { amount: 1, tier: '1000' });
      seSocket.emit('event', { _id: `se${r.i}`, activityId: `se${r.i}`, type, provider: 'twitch', channel: 'c', createdAt: new Date().toISOString(), data });
    };
    const viaTwitch = (r) => {
      if (r.kind === 'follow') return twitch.notify('channel.follow', twitchEvents.follow(r.u), { version: '2' });
      if (r.kind === 'cheer') return twitch.notify('channel.cheer', twitchEvents.cheer(r.u, 100 + r.i));
      if (r.kind === 'raid') {
        return twitch.notify('channel.raid', { from_broadcaster_user_id: r.u.id, from_broadcaster_user_login: r.u.login,
          from_broadcaster_user_name: r.u.login, to_broadcaster_user_id: BROADCASTER.id, to_broadcaster_user_login: BROADCASTER.login,
          to_broadcaster_user_name: BROADCASTER.display_name, viewers: 10 + r.i });
      }
      return twitch.notify('channel.subscribe', { user_id: r.u.id, user_login: r.u.login, user_name: r.u.login,
        broadcaster_user_id: BROADCASTER.id, broadcaster_user_login: BROADCASTER.login, broadcaster_user_name: BROADCASTER.display_name,
        tier: '1000', is_gift: false });
    };
    // Both copies of the first 60, shuffled (a fixed seed: the run is repeatable).
    let seed = 29;
    const random = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
    const copies = real.slice(0, SHARED).flatMap((r) => [[viaSe, r], [viaTwitch, r]]);
    for (let k = copies.length - 1; k > 0; k--) { const j = Math.floor(random() * (k + 1)); [copies[k], copies[j]] = [copies[j], copies[k]]; }
    for (const [send, r] of copies) send(r);
    await client.until(() => alerts(client).length >= SHARED, 15000, `${SHARED} alerts`);
    await waitFor(async () => (await getJson(daemon.port, '/status')).dedup.dropped.same_event >= SHARED, 10000, 'the shared duplicates dropped');
    // StreamElements goes silent, its socket still open; Twitch goes on.
    const silentFrom = Date.now();
    for (const r of real.slice(SHARED)) viaTwitch(r);
    await client.until(() => alerts(client).length >= N, 15000, `${N} alerts`);
    const got = alerts(client);
    const status = await getJson(daemon.port, '/status');
    const bySource = Object.fromEntries(status.sources.map((s) => [s.name, s]));
    console.log(`redundancy: sent ${SHARED} on StreamElements and ${N} on Twitch; published ${got.length}; ` +
      `dropped as duplicates ${status.dedup.dropped.same_event} (${JSON.stringify(status.dedup.droppedBySource)}); ` +
      `last event: se ${bySource.se.lastEventAt}, twitch ${bySource.twitch.lastEventAt}`);
    assert.equal(got.length, N, 'every alert once');
    assert.equal(new Set(got.map((e) => `${e.kind}:${e.user.login}`)).size, N);
    assert.equal(status.dedup.dropped.same_event, SHARED);
    const pairs = (await (await fetch(`http://127.0.0.1:${daemon.port}/metrics`)).text()).split('\n')
      .filter((l) => l.startsWith('streambridge_dedup_dropped_by_pair_total{'));
    const pairSum = pairs.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    assert.equal(pairSum, SHARED, pairs.join('\n'));
    assert.ok(pairs.every((l) => /source="(se|twitch)",first="(twitch|se)"/.test(l) && !/source="(\w+)",first="\1"/.test(l)), pairs.join('\n'));
    assert.equal(bySource.se.state, 'connected', 'SE still looks connected');
    assert.ok(Date.parse(bySource.se.lastEventAt) <= silentFrom, 'SE shows as silent since then');
    assert.ok(Date.parse(bySource.twitch.lastEventAt) >= silentFrom, 'Twitch went on');
  } finally {
    client.ws.close();
    await daemon.stop();
    await twitch.stop();
    await se.close();
  }
});
