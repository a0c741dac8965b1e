// Alert control (README "Alert control"): one state for every output, driven from HTTP, /ws,
// MQTT (a real mosquitto) and the dashboard; the built-in overlay and a look-alike SE widget
// (written for this test) in real headless Chromium honour pause, skip, mute and replay, and the
// state survives a restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { launchChromium } from './lib/browser.mjs';
import { startDaemon, tempDir, injectTest, withTimeout } from './lib/daemon.mjs';
import { connect } from './lib/client.mjs';
import { startMosquitto, publishRaw } from './lib/mosquitto.mjs';

let browser;
before(async () => { browser = await launchChromium(); });
after(async () => { await browser?.close(); });

const TOKEN = 'alerts-token-0123456789abcdef';
const post = async (port, action, { token, query = '' } = {}) => {
  const res = await fetch(`http://127.0.0.1:${port}/alerts/${action}${query}`, {
    method: 'POST', headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, body: await res.text() };
};
const statusOf = async (port, token) =>
  JSON.parse(await (await fetch(`http://127.0.0.1:${port}/status${token ? `?token=${token}` : ''}`)).text());

// A look-alike SE alert widget: shows each *-latest alert until event:skip, then resumes the queue.
function alertWidget(dir) {
  const folder = path.join(dir, 'alertbox');
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'widget.html'), '<div id="now">none</div>');
  writeFileSync(path.join(folder, 'widget.json'), JSON.stringify({ widgetDuration: { type: 'hidden', value: 60 } }));
  writeFileSync(path.join(folder, 'widget.js'), `
window.seen = []; window.sounds = [];
window.addEventListener('onEventReceived', (obj) => {
  const d = obj.detail;
  if (d.listener === 'event:skip') { window.seen.push('skip'); SE_API.resumeQueue(); return; }
  if (d.listener === 'alertService:toggleSound') { window.sounds.push(d.event.muted); return; }
  if (d.listener.endsWith('-latest')) { window.seen.push(d.listener + ':' + (d.event.name || '') + (d.event.replay ? ':replay' : '')); document.getElementById('now').textContent = d.event.name; }
  if (d.listener === 'event' && d.event.replay) window.seen.push('event:replay');
});`);
  return folder;
}

test('HTTP: every action answers the new state, /status shows it, bad requests are refused, the token applies', async () => {
  const daemon = await startDaemon(`[server]\nport = 0\ntoken = "${TOKEN}"\n`);
  try {
    const { port } = daemon;
    assert.equal((await post(port, 'pause')).status, 401);
    const paused = await post(port, 'pause', { token: TOKEN });
    assert.equal(paused.status, 200);
    assert.deepEqual(JSON.parse(paused.body), { paused: true, muted: false, skips: 0, replays: 0 });
    assert.equal(JSON.parse((await post(port, 'mute', { token: TOKEN })).body).muted, true);
    assert.deepEqual((await statusOf(port, TOKEN)).alerts, { paused: true, muted: true, skips: 0, replays: 0, playing: [] });
    assert.equal(JSON.parse((await post(port, 'skip', { token: TOKEN })).body).skips, 1);
    assert.deepEqual(JSON.parse((await post(port, 'resume', { token: TOKEN })).body).paused, false);
    assert.deepEqual(JSON.parse((await post(port, 'unmute', { token: TOKEN })).body).muted, false);
    assert.equal((await post(port, 'replay', { token: TOKEN })).status, 400);
    assert.equal((await post(port, 'replay', { token: TOKEN, query: '?seq=999' })).status, 404);
    assert.equal((await post(port, 'explode', { token: TOKEN })).status, 404);
    const get = await fetch(`http://127.0.0.1:${port}/alerts/pause?token=${TOKEN}`);
    assert.equal(get.status, 405);
    // A foreign page cannot press the buttons.
    const foreign = await fetch(`http://127.0.0.1:${port}/alerts/pause?token=${TOKEN}`, { method: 'POST', headers: { Origin: 'https://evil.example' } });
    assert.equal(foreign.status, 403);
  } finally {
    await daemon.stop();
  }
});

test('replay: the event is published again with replay: true and a new seq, and never counted in session data again', async () => {
  const daemon = await startDaemon('[server]\nport = 0\n');
  try {
    const c = connect(`ws://127.0.0.1:${daemon.port}/ws`);
    await c.until((m) => m.some((x) => x.op === 'status'), 5000, 'status');
    const session = async () => {
      const id = Math.floor(Math.random() * 1e9);
      c.ws.send(JSON.stringify({ op: 'request', d: { id, type: 'se.session' } }));
      const r = await c.until((m) => m.find((x) => x.op === 'response' && x.d.id === id), 5000, 'se.session');
      return r.d.result.data;
    };
    const tip = await injectTest(daemon.port, { kind: 'tip', user: 'Ann', amount: 5, test: false });
    const before = JSON.stringify(await session());
    const replay = await post(daemon.port, 'replay', { query: `?seq=${tip.seq}` });
    assert.equal(replay.status, 200, replay.body);
    const events = await c.until(() => c.events().length >= 2 && c.events(), 5000, 'the replay');
    const [original, again] = events;
    assert.equal(again.replay, true);
    assert.ok(again.seq > original.seq);
    assert.equal(again.id, original.id);
    assert.equal(again.amount, 5);
    assert.equal(original.replay, undefined);
    assert.equal(JSON.stringify(await session()), before);
    const alerts = c.messages.filter((m) => m.op === 'alerts');
    assert.deepEqual(alerts.at(-1).d, { action: 'replay', paused: false, muted: false, seq: again.seq, of: original.seq });
    c.ws.close();
  } finally {
    await daemon.stop();
  }
});

test('overlay: pause holds alerts while chat flows, resume shows them, skip ends the one shown, replay shows again', async () => {
  const daemon = await startDaemon('[server]\nport = 0\n');
  const page = await browser.newPage();
  try {
    const { port } = daemon;
    await page.goto(`http://127.0.0.1:${port}/overlay/alerts?duration=60000`);
    await page.waitForFunction(() => window.streambridgeOverlay?.client?.connected === true, null, { timeout: 15000 });
    const chat = connect(`ws://127.0.0.1:${port}/ws?chat=1`);
    await chat.until((m) => m.some((x) => x.op === 'status'), 5000, 'status');
    // A /ws request drives it too.
    // A bad action or seq is an error response, never a change.
    chat.ws.send(JSON.stringify({ op: 'request', d: { id: 9, type: 'alerts.explode' } }));
    chat.ws.send(JSON.stringify({ op: 'request', d: { id: 10, type: 'alerts.replay', seq: 'x' } }));
    const bad = await chat.until((m) => { const r = m.filter((x) => x.op === 'response' && x.d.id >= 9); return r.length === 2 && r; }, 5000, 'two error responses');
    assert.deepEqual(bad.map((r) => r.d.ok), [false, false]);
    chat.ws.send(JSON.stringify({ op: 'request', d: { id: 1, type: 'alerts.pause' } }));
    await chat.until((m) => m.some((x) => x.op === 'response' && x.d.id === 1 && x.d.ok), 5000, 'alerts.pause');
    await page.waitForFunction(() => window.streambridgeOverlay.control.paused === true, null, { timeout: 5000 });
    const first = await injectTest(port, { kind: 'follow', user: 'first' });
    await injectTest(port, { kind: 'chat_message', user: 'talker', message: 'still here' });
    await chat.until(() => chat.events().some((e) => e.kind === 'chat_message'), 5000, 'chat while paused');
    await page.waitForFunction((s) => window.streambridgeOverlay.queue.some((e) => e.seq === s), first.seq, { timeout: 5000 });
    assert.equal((await page.evaluate(() => window.streambridgeOverlay.shown.length)), 0);
    await post(port, 'resume');
    await page.waitForFunction(() => window.streambridgeOverlay.shown.length === 1, null, { timeout: 5000 });
    const second = await injectTest(port, { kind: 'follow', user: 'second' });
    // The first is shown for 60 s: skip ends it and the second starts.
    await post(port, 'skip');
    await page.waitForFunction((s) => window.streambridgeOverlay.shown.some((x) => x.seq === s), second.seq, { timeout: 5000 });
    await post(port, 'skip');
    await post(port, 'replay', { query: `?seq=${first.seq}` });
    await page.waitForFunction(() => window.streambridgeOverlay.shown.some((x) => x.replay), null, { timeout: 5000 });
    const shown = await page.evaluate(() => window.streambridgeOverlay.shown);
    assert.deepEqual(shown.map((x) => [x.text, x.replay]), [['first followed', false], ['second followed', false], ['first followed', true]]);
    chat.ws.close();
  } finally {
    await page.close();
    await daemon.stop();
  }
});

test('widget: event:skip lets the next alert start (SE_API.resumeQueue), mute is alertService:toggleSound and getOverlayStatus', async () => {
  const dir = tempDir();
  const folder = alertWidget(dir);
  const daemon = await startDaemon(`[server]\nport = 0\ntoken = "${TOKEN}"\n[widgets]\nstate = "${path.join(dir, 'state.json')}"\n[[widget]]\nname = "alertbox"\npath = "${folder}"\n`);
  const page = await browser.newPage();
  try {
    const { port } = daemon;
    await page.goto(`http://127.0.0.1:${port}/widgets/alertbox/?token=${TOKEN}`);
    await page.waitForFunction(() => Array.isArray(window.seen), null, { timeout: 15000 });
    await page.waitForFunction(() => window.streambridge && document.readyState === 'complete', null, { timeout: 15000 });
    // Loaded: onWidgetLoad has run once the first alert can be delivered.
    const first = await injectTest(port, { kind: 'follow', user: 'one' }, { token: TOKEN });
    await injectTest(port, { kind: 'follow', user: 'two' }, { token: TOKEN });
    await page.waitForFunction(() => window.seen.length === 1, null, { timeout: 10000 });
    assert.deepEqual(await page.evaluate(() => window.seen), ['follower-latest:one']);
    await post(port, 'skip', { token: TOKEN });
    await page.waitForFunction(() => window.seen.length === 3, null, { timeout: 5000 });
    assert.deepEqual(await page.evaluate(() => window.seen), ['follower-latest:one', 'skip', 'follower-latest:two']);
    await post(port, 'mute', { token: TOKEN });
    await page.waitForFunction(() => window.sounds.length === 1, null, { timeout: 5000 });
    assert.deepEqual(await page.evaluate(() => [window.sounds, SE_API.getOverlayStatus().muted]), [[true], true]);
    // A replay reaches the widget page in SE's shapes, marked `replay: true` (a widget that
    // counts can leave it out); it waits in the queue behind the alert now playing.
    assert.equal((await post(port, 'replay', { token: TOKEN, query: `?seq=${first.seq}` })).status, 200);
    await post(port, 'skip', { token: TOKEN });
    await page.waitForFunction(() => window.seen.includes('follower-latest:one:replay'), null, { timeout: 5000 });
    assert.deepEqual((await page.evaluate(() => window.seen)).slice(3), ['skip', 'follower-latest:one:replay', 'event:replay']);
  } finally {
    await page.close();
    await daemon.stop();
  }
  // Muted survives a restart (kept in the widget state file), and a new page hears it at load.
  const again = await startDaemon(`[server]\nport = 0\ntoken = "${TOKEN}"\n[widgets]\nstate = "${path.join(dir, 'state.json')}"\n`);
  try {
    assert.equal((await statusOf(again.port, TOKEN)).alerts.muted, true);
  } finally {
    await again.stop();
  }
});

test('MQTT: {prefix}/cmd/alerts/ACTION from a real mosquitto drives the same state; replay takes the seq as payload', async () => {
  const broker = await startMosquitto();
  const daemon = await startDaemon(`[server]\nport = 0\ninstance = "pc"\n[[mqtt]]\nurl = "mqtt://127.0.0.1:${broker.port}"\nkeepalive = "5s"\n`);
  try {
    const { port } = daemon;
    const c = connect(`ws://127.0.0.1:${port}/ws`);
    await c.until((m) => m.some((x) => x.op === 'status'), 5000, 'status');
    const tip = await injectTest(port, { kind: 'tip', amount: 3 });
    // The subscription is made on connect; commands published until it is seen to work.
    await withTimeout((async () => {
      for (;;) {
        await publishRaw(broker, 'streambridge/pc/cmd/alerts/pause', '');
        if ((await statusOf(port)).alerts.paused) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    })(), 10000, 'paused over MQTT');
    // Garbage on the command topics is a warning, never a change or a crash.
    await publishRaw(broker, 'streambridge/pc/cmd/alerts/explode', 'x');
    await publishRaw(broker, 'streambridge/pc/cmd/alerts/replay', 'not a seq');
    await daemon.waitForLog(/unknown command "alerts\/explode"/, 5000);
    await daemon.waitForLog(/alerts\/replay: replay needs the seq/, 5000);
    assert.equal((await statusOf(port)).alerts.replays, 0);
    await publishRaw(broker, 'streambridge/pc/cmd/alerts/replay', String(tip.seq));
    await c.until(() => c.events().some((e) => e.replay), 5000, 'the replay over MQTT');
    c.ws.close();
  } finally {
    await daemon.stop();
    await broker.stop();
  }
});

test('buttons: a widget button field, pressed by POST or on the dashboard, reaches that widget\'s pages only', async () => {
  const dir = tempDir();
  const make = (name, fields) => {
    const folder = path.join(dir, name);
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'widget.html'), '<div></div>');
    writeFileSync(path.join(folder, 'widget.json'), JSON.stringify(fields));
    writeFileSync(path.join(folder, 'widget.js'), `window.pressed = [];
window.addEventListener('onEventReceived', (obj) => {
  const d = obj.detail;
  if (d.listener === 'event:test' && d.event.listener === 'widget-button') window.pressed.push([d.event.field, d.event.value]);
});`);
    return folder;
  };
  const a = make('a', { resetButton: { type: 'button', label: 'Reset the goal', value: 'reset' }, title: { type: 'text', value: 'x' } });
  const b = make('b', { other: { type: 'button', label: 'Other', value: 'o' } });
  const daemon = await startDaemon(`[server]\nport = 0\n[[widget]]\nname = "a"\npath = "${a}"\n[[widget]]\nname = "b"\npath = "${b}"\n`);
  const pages = [await browser.newPage(), await browser.newPage(), await browser.newPage()];
  try {
    const { port } = daemon;
    const [pa, pb, dash] = pages;
    for (const [page, name] of [[pa, 'a'], [pb, 'b']]) {
      await page.goto(`http://127.0.0.1:${port}/widgets/${name}/`);
      await page.waitForFunction(() => Array.isArray(window.pressed) && window.SE_API !== undefined, null, { timeout: 15000 });
    }
    // Both pages have loaded (their se.load named them) once a store round trip answers.
    for (const page of [pa, pb]) await page.evaluate(() => SE_API.store.get('x'));
    const res = await fetch(`http://127.0.0.1:${port}/widgets/a/button?field=resetButton`, { method: 'POST' });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(await res.text()), { widget: 'a', field: 'resetButton', pages: 1 });
    await pa.waitForFunction(() => window.pressed.length === 1, null, { timeout: 5000 });
    assert.equal((await fetch(`http://127.0.0.1:${port}/widgets/a/button?field=title`, { method: 'POST' })).status, 404);
    assert.equal((await fetch(`http://127.0.0.1:${port}/widgets/a/button?field=resetButton`, { method: 'POST', headers: { Origin: 'https://evil.example' } })).status, 403);
    // The dashboard lists the buttons under their widget; a click is a press.
    await dash.goto(`http://127.0.0.1:${port}/`);
    await dash.click('button[data-widget="a"][data-field="resetButton"]', { timeout: 10000 });
    await pa.waitForFunction(() => window.pressed.length === 2, null, { timeout: 5000 });
    assert.deepEqual(await pa.evaluate(() => window.pressed), [['resetButton', 'reset'], ['resetButton', 'reset']]);
    assert.deepEqual(await pb.evaluate(() => window.pressed), []);
    assert.equal(await dash.textContent('button[data-widget="a"][data-field="resetButton"]'), 'Reset the goal');
  } finally {
    for (const page of pages) await page.close();
    await daemon.stop();
  }
});
