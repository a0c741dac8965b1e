// SE-shaped chat from every source (README "Widgets"): a look-alike SE chat widget, written for
// this test, reads tags.badges, badge.url and displayColor the way public chat widgets do, in
// real headless Chromium. Test chat with badges, mod and colour, plain test chat, and chat with
// the bare badge names an upstream such as Velora gives: no exception, no request for
// `undefined`, and a moderator command recognised.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { launchChromium } from './lib/browser.mjs';
import { startDaemon, tempDir, injectTest } from './lib/daemon.mjs';

let browser;
before(async () => { browser = await launchChromium(); });
after(async () => { await browser?.close(); });

function chatWidget(dir) {
  const folder = path.join(dir, 'chatbox');
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'widget.html'), '<div id="log"></div>');
  writeFileSync(path.join(folder, 'widget.js'), `
window.lines = [];
window.rooms = [];
window.addEventListener('onEventReceived', (obj) => {
  if (obj.detail.listener !== 'message') return;
  const d = obj.detail.event.data;
  const mod = d.tags.badges.split(',').some((b) => b.startsWith('moderator/') || b.startsWith('broadcaster/'));
  const row = document.createElement('div');
  for (const badge of d.badges) { const img = document.createElement('img'); img.src = badge.url; img.alt = badge.description; row.append(img); }
  row.append(d.displayName + ': ' + d.text);
  row.style.color = d.displayColor;
  document.getElementById('log').append(row);
  window.lines.push({ text: d.text, mod, tagsMod: d.tags.mod, color: d.displayColor, badges: d.badges.map((b) => b.type + '/' + b.version), channel: d.channel, command: mod && d.text.startsWith('!') });
  window.rooms.push({ text: d.text, room: d.tags['room-id'], userId: d.userId, broadcaster: d.userId === d.tags['room-id'] });
});`);
  return folder;
}

test('chat reaches an SE chat widget with Twitch-style tags and badge objects, whatever the source gave', async () => {
  const dir = tempDir();
  const folder = chatWidget(dir);
  const daemon = await startDaemon(`[server]\nport = 0\n[widgets]\nchannel = "streamer"\n[[widget]]\nname = "chatbox"\npath = "${folder}"\n`);
  const page = await browser.newPage();
  const errors = [];
  const requested = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requested.push(r.url()));
  try {
    const { port } = daemon;
    await page.goto(`http://127.0.0.1:${port}/widgets/chatbox/`);
    await page.waitForFunction(() => Array.isArray(window.lines), null, { timeout: 15000 });
    await page.waitForFunction(() => window.SE_API !== undefined, null, { timeout: 15000 });
    await injectTest(port, { kind: 'chat_message', user: 'Mod', message: '!skip', badges: ['moderator', 'subscriber'], mod: true, color: '#1E90FF' });
    await injectTest(port, { kind: 'chat_message', user: 'Viewer', message: 'hello' });
    await injectTest(port, { kind: 'chat_message', platform: 'velora', user: 'Vel', message: 'from velora', data: { badges: ['vip'], color: '#FF0000', isMod: true } });
    await page.waitForFunction(() => window.lines.length === 3, null, { timeout: 10000 });
    const lines = await page.evaluate(() => window.lines);
    assert.deepEqual(lines[0], { text: '!skip', mod: true, tagsMod: '1', color: '#1E90FF', badges: ['moderator/1', 'subscriber/1'], channel: 'streamer', command: true });
    assert.deepEqual(lines[1], { text: 'hello', mod: false, tagsMod: '0', color: '', badges: [], channel: 'streamer', command: false });
    assert.deepEqual(lines[2], { text: 'from velora', mod: false, tagsMod: '1', color: '#FF0000', badges: ['vip/1'], channel: 'streamer', command: false });
    // The broadcaster's own line: Twitch's mod=0 with the broadcaster badge, and room-id is its
    // user id, so `userId === tags['room-id']` recognizes it (a broadcaster-only command).
    await injectTest(port, { kind: 'chat_message', user: 'streamer', message: '!text hi', badges: ['broadcaster'] });
    await page.waitForFunction(() => window.lines.length === 4, null, { timeout: 10000 });
    const [all, rooms] = await page.evaluate(() => [window.lines, window.rooms]);
    assert.deepEqual(all[3], { text: '!text hi', mod: true, tagsMod: '0', color: '', badges: ['broadcaster/1'], channel: 'streamer', command: true });
    assert.deepEqual(rooms.map((r) => r.broadcaster), [false, false, false, true]);
    assert.ok(rooms.every((r) => r.room !== '' && r.room === rooms[3].room), 'one room-id for every line');
    assert.deepEqual(errors, []);
    assert.deepEqual(requested.filter((u) => /undefined|null$/.test(u)), []);
  } finally {
    await page.close();
    await daemon.stop();
  }
});

test('POST /test chat: badges, mod and color are checked', async () => {
  const daemon = await startDaemon('[server]\nport = 0\n');
  try {
    for (const bad of [{ badges: 'moderator' }, { badges: [1] }, { mod: 'yes' }, { color: 5 }]) {
      await assert.rejects(injectTest(daemon.port, { kind: 'chat_message', message: 'x', ...bad }), (e) => e.status === 400);
    }
  } finally {
    await daemon.stop();
  }
});

test('SE_API.sanitize masks [widgets] banned_words; SE_API.counters.get answers both shapes', async () => {
  const dir = tempDir();
  const folder = path.join(dir, 'probe');
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'widget.html'), '<div></div>');
  writeFileSync(path.join(folder, 'widget.js'), `window.addEventListener('onWidgetLoad', async () => {
  window.sanitized = await SE_API.sanitize({ message: 'hello BadWord and badword, not badwords' });
  window.counter = await SE_API.counters.get('deaths');
});`);
  const daemon = await startDaemon(`[server]\nport = 0\n[widgets]\nbanned_words = ["badword"]\n[[widget]]\nname = "probe"\npath = "${folder}"\n`);
  const page = await browser.newPage();
  try {
    await page.goto(`http://127.0.0.1:${daemon.port}/widgets/probe/`);
    await page.waitForFunction(() => window.counter !== undefined, null, { timeout: 15000 });
    assert.deepEqual(await page.evaluate(() => window.sanitized), { result: { message: 'hello ******* and *******, not badwords' }, skip: false });
    assert.deepEqual(await page.evaluate(() => window.counter), { counter: 'deaths', value: 0, id: 'deaths', count: 0 });
  } finally {
    await page.close();
    await daemon.stop();
  }
});

// Found with public chat widgets (issue 28, part 5): they colour a user without a colour from
// parseInt(userId) and remove a user's lines by [data-sender=userId]. Twitch always gives a
// numeric id; chat whose upstream gave none (test chat) must not come with userId "".
test('chat without an upstream user id still gets a stable numeric userId, and delete-messages finds its lines', async () => {
  const dir = tempDir();
  const folder = path.join(dir, 'idchat');
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'widget.html'), '<div id="log"></div>');
  writeFileSync(path.join(folder, 'widget.js'), `
const palette = ['#FF0000', '#00FF00', '#0000FF'];
window.lines = [];
window.addEventListener('onEventReceived', (obj) => {
  const { listener, event } = obj.detail;
  if (listener === 'delete-messages') {
    document.querySelectorAll('[data-sender="' + event.userId + '"]').forEach((e) => e.remove());
    window.deleted = true;
    return;
  }
  if (listener !== 'message') return;
  const d = event.data;
  const color = d.displayColor || palette[parseInt(d.userId, 10) % palette.length];
  const row = document.createElement('div');
  row.dataset.sender = d.userId;
  row.style.color = '#' + color.slice(1);
  row.textContent = d.displayName + ': ' + d.text;
  document.getElementById('log').append(row);
  window.lines.push({ user: d.displayName, userId: d.userId, tagId: d.tags['user-id'] });
});`);
  const daemon = await startDaemon(`[server]\nport = 0\n[widgets]\nchannel = "streamer"\n[[widget]]\nname = "idchat"\npath = "${folder}"\n`);
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    const { port } = daemon;
    await page.goto(`http://127.0.0.1:${port}/widgets/idchat/`);
    await page.waitForFunction(() => Array.isArray(window.lines) && window.SE_API !== undefined, null, { timeout: 15000 });
    await injectTest(port, { kind: 'chat_message', user: 'Alice', message: 'one' });
    await injectTest(port, { kind: 'chat_message', user: 'Bob', message: 'two' });
    await injectTest(port, { kind: 'chat_message', user: 'alice', message: 'three' });
    await injectTest(port, { kind: 'chat_message', user: { id: '4242', login: 'carol' }, message: 'four' });
    await page.waitForFunction(() => window.lines.length === 4, null, { timeout: 10000 });
    const lines = await page.evaluate(() => window.lines);
    for (const l of lines) {
      assert.match(l.userId, /^\d+$/, `${l.user}'s userId is numeric`);
      assert.equal(l.tagId, l.userId);
    }
    assert.equal(lines[0].userId, lines[2].userId, 'the same login, the same id');
    assert.notEqual(lines[0].userId, lines[1].userId);
    assert.equal(lines[3].userId, '4242', "an upstream's own id is kept");
    await injectTest(port, { kind: 'chat_delete', user: 'Alice' });
    await page.waitForFunction(() => window.deleted === true, null, { timeout: 10000 });
    assert.deepEqual(await page.evaluate(() => [...document.querySelectorAll('#log div')].map((e) => e.textContent)), ['Bob: two', 'carol: four']);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
    await daemon.stop();
  }
});
