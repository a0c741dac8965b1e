// Issue 28's widget runtime parts in real headless Chromium, with look-alike widgets written for
// these tests: SE_API.setField kept by the daemon (and its reload), the preview session
// (POST /test?count=true, the dashboard's toggle and reset), the alert each page plays in
// /status and on the dashboard, and the opt-in [widgets] api_token in onWidgetLoad.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { launchChromium } from './lib/browser.mjs';
import { startDaemon, tempDir, injectTest, freePort } from './lib/daemon.mjs';
import { startStreamElements, seSource, seTip, waitFor } from './lib/faults.mjs';
import { connect } from './lib/client.mjs';

let browser;
before(async () => { browser = await launchChromium(); });
after(async () => { await browser?.close(); });

const TOKEN = 'widget-runtime-token-0123456789';
const statusOf = async (port, token) =>
  JSON.parse(await (await fetch(`http://127.0.0.1:${port}/status${token ? `?token=${token}` : ''}`)).text());
const postJson = async (port, target, body, { token, origin } = {}) => {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (origin) headers.Origin = origin;
  const res = await fetch(`http://127.0.0.1:${port}${target}`, { method: 'POST', headers, body });
  return { status: res.status, body: await res.text() };
};

// A widget folder in `dir`: its fields, optional data.json, and its JS.
function widget(dir, name, { fields = {}, data, js = '' }) {
  const folder = path.join(dir, name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'widget.html'), `<div id="w">${name}</div>`);
  writeFileSync(path.join(folder, 'widget.json'), JSON.stringify(fields));
  if (data) writeFileSync(path.join(folder, 'data.json'), JSON.stringify(data));
  writeFileSync(path.join(folder, 'widget.js'), js);
  return folder;
}

// A look-alike "settings" widget: records what onWidgetLoad gave it.
const recorderJs = `
window.loads = [];
window.updates = [];
window.addEventListener('onWidgetLoad', (obj) => { window.loads.push(obj.detail); });
window.addEventListener('onSessionUpdate', (obj) => { window.updates.push(obj.detail.session); });`;

async function openWidget(port, name, query = '') {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${port}/widgets/${name}/${query}`);
  await page.waitForFunction(() => window.loads && window.loads.length === 1, null, { timeout: 15000 });
  return { page, errors };
}

test('SE_API.setField: kept per widget, overlaid on fieldData at every load, reload reloads only that widget\'s pages; bad input is 4xx', async () => {
  const dir = tempDir();
  const fields = { title: { type: 'text', value: 'default' }, size: { type: 'number', value: 10 } };
  const a = widget(dir, 'a', { fields, data: { title: 'from data.json' }, js: recorderJs });
  const b = widget(dir, 'b', { fields, js: recorderJs });
  const state = path.join(dir, 'state.json');
  const port = await freePort();
  const config = `[server]\nport = ${port}\n[widgets]\nstate = "${state}"\n[[widget]]\nname = "a"\npath = "${a}"\n[[widget]]\nname = "b"\npath = "${b}"\n`;
  let daemon = await startDaemon(config);
  const pages = [];
  try {
    const a1 = await openWidget(port, 'a');
    const a2 = await openWidget(port, 'a');
    const b1 = await openWidget(port, 'b');
    pages.push(a1, a2, b1);
    assert.equal(await a1.page.evaluate(() => window.loads[0].fieldData.title), 'from data.json');
    // Without reload: this page's fieldData at once, the daemon's for every later load.
    const saved = await a1.page.evaluate(() => SE_API.setField('title', 'set by the widget'));
    assert.deepEqual(saved, { widget: 'a', key: 'title', reload: false });
    assert.equal(await a1.page.evaluate(() => window.loads[0].fieldData.title), 'set by the widget');
    await a1.page.reload();
    await a1.page.waitForFunction(() => window.loads && window.loads.length === 1, null, { timeout: 15000 });
    assert.deepEqual(await a1.page.evaluate(() => window.loads[0].fieldData), { title: 'set by the widget', size: 10 });
    await a1.page.evaluate(() => SE_API.setField('size', 24));
    // With reload: both pages of "a" reload (a marker set now is gone), "b" does not.
    for (const p of pages) await p.page.evaluate(() => { window.marker = true; });
    const reloaded = Promise.all([a1, a2].map((p) => p.page.waitForEvent('load', { timeout: 15000 })));
    await a2.page.evaluate(() => { SE_API.setField('title', 'reloaded', true); });
    await reloaded;
    for (const p of [a1, a2]) {
      await p.page.waitForFunction(() => window.marker === undefined && window.loads && window.loads.length === 1,
        null, { timeout: 15000 });
      assert.deepEqual(await p.page.evaluate(() => window.loads[0].fieldData), { title: 'reloaded', size: 24 });
    }
    assert.equal(await b1.page.evaluate(() => window.marker), true);
    assert.equal(await b1.page.evaluate(() => window.loads[0].fieldData.title), 'default');

    // The same over HTTP, with the token and Origin rules of the other POSTs; bad input is 4xx.
    const ok = await postJson(port, '/widgets/b/fields', JSON.stringify({ key: 'title', value: 'by POST' }));
    assert.equal(ok.status, 200, ok.body);
    assert.deepEqual(JSON.parse(ok.body), { widget: 'b', key: 'title', reload: false, pages: 0 });
    assert.equal((await postJson(port, '/widgets/nope/fields', JSON.stringify({ key: 'k', value: 1 }))).status, 404);
    assert.equal((await postJson(port, '/widgets/b/fields', 'not json')).status, 400);
    assert.equal((await postJson(port, '/widgets/b/fields', JSON.stringify({ key: '', value: 1 }))).status, 400);
    // Over the request size (64 KiB, as the store's values): refused before it is read.
    const big = await postJson(port, '/widgets/b/fields', JSON.stringify({ key: 'k', value: 'x'.repeat(70000) }));
    assert.equal(big.status, 413);
    await daemon.waitForLog(/refused a request body over 65536 bytes \(413\)/, 5000);
    // Past the bound of all setField values together (4 MiB, as the store): 413, named in the log.
    let full;
    for (let i = 0; i < 80 && !full; i++) {
      const r = await postJson(port, '/widgets/b/fields', JSON.stringify({ key: `k${i}`, value: 'y'.repeat(60000) }));
      if (r.status !== 200) full = r;
    }
    assert.equal(full?.status, 413);
    assert.match(full.body, /the setField values are full \(4194304 bytes in all\)/);
    await daemon.waitForLog(/widget "b": SE_API.setField "k\d+" refused: the setField values are full/, 5000);
    assert.equal((await postJson(port, '/widgets/b/fields', JSON.stringify({ key: 'k', value: 1 }), { origin: 'https://evil.example' })).status, 403);
    // From the page, a refusal rejects the promise (and the page's own fieldData still changed).
    const refused = await b1.page.evaluate(() => SE_API.setField('', 1).then(() => 'stored', (e) => e.message));
    assert.match(refused, /"key" must be a string of 1 to 256 bytes/);
    for (const p of pages) assert.deepEqual(p.errors, []);
  } finally {
    for (const p of pages) await p.page.close();
    await daemon.stop();
  }
  // Kept in [widgets] state across a restart.
  daemon = await startDaemon(config);
  try {
    const again = await openWidget(port, 'a');
    assert.deepEqual(await again.page.evaluate(() => window.loads[0].fieldData), { title: 'reloaded', size: 24 });
    assert.equal(await again.page.evaluate(() => document.getElementById('w').textContent), 'a');
    const b1 = await openWidget(port, 'b');
    assert.equal(await b1.page.evaluate(() => window.loads[0].fieldData.title), 'by POST');
    await again.page.close();
    await b1.page.close();
  } finally {
    await daemon.stop();
  }
});

test('preview session: POST /test?count=true moves a goal bar, real events count in both, reset returns to the real session; the dashboard toggles and resets it', async () => {
  let socket;
  const se = await startStreamElements({ onAuthenticated: (s) => { socket = s; } });
  const dir = tempDir();
  const goal = widget(dir, 'goal', { js: recorderJs });
  const daemon = await startDaemon(`[server]\nport = 0\ntoken = "${TOKEN}"\n[widgets]\n[[widget]]\nname = "goal"\npath = "${goal}"\n${seSource('se', `ws://127.0.0.1:${se.port}`)}`);
  const pages = [];
  try {
    const { port } = daemon;
    await waitFor(() => socket, 15000, 'the daemon connected to the stand-in');
    const w = await openWidget(port, 'goal', `?token=${TOKEN}`);
    pages.push(w);
    const tips = () => w.page.evaluate(() => window.updates.map((s) => s['tip-session'].amount));
    assert.deepEqual((await statusOf(port, TOKEN)).preview, { active: false, since: null, counted: 0 });
    // Without count: a test event never counts (as SE's emulation).
    await injectTest(port, { kind: 'tip', amount: 1 }, { token: TOKEN });
    // count=true: in the preview session, which the page is told of and shows.
    const res = await postJson(port, '/test?count=true', JSON.stringify({ kind: 'tip', amount: 5 }), { token: TOKEN });
    assert.equal(res.status, 200, res.body);
    assert.equal(JSON.parse(res.body).counted, true);
    await w.page.waitForFunction(() => window.updates.length === 1, null, { timeout: 5000 });
    assert.deepEqual(await tips(), [5]);
    const preview = (await statusOf(port, TOKEN)).preview;
    assert.equal(preview.active, true);
    assert.equal(preview.counted, 1);
    assert.ok(Date.parse(preview.since) > 0);
    // A real event updates both sessions.
    socket.emit('event', seTip(2));
    await w.page.waitForFunction(() => window.updates.length === 2, null, { timeout: 5000 });
    assert.deepEqual(await tips(), [5, 7]);
    // A page loaded now sees the preview session.
    const w2 = await openWidget(port, 'goal', `?token=${TOKEN}`);
    pages.push(w2);
    assert.equal(await w2.page.evaluate(() => window.loads[0].session.data['tip-session'].amount), 7);
    // Reset: back to the real session data, which the test event never touched.
    assert.equal((await postJson(port, '/session/preview/reset', '')).status, 401);
    assert.equal((await postJson(port, '/session/preview/reset', '', { token: TOKEN, origin: 'https://evil.example' })).status, 403);
    const reset = await postJson(port, '/session/preview/reset', '', { token: TOKEN });
    assert.equal(reset.status, 200);
    assert.deepEqual(JSON.parse(reset.body), { active: false, since: null, counted: 0 });
    await w.page.waitForFunction(() => window.updates.length === 3, null, { timeout: 5000 });
    assert.deepEqual(await tips(), [5, 7, 2]);
    assert.equal((await postJson(port, '/test?count=maybe', JSON.stringify({ kind: 'tip' }), { token: TOKEN })).status, 400);

    // The dashboard: "count test events" makes its buttons count; one click resets.
    const dash = await browser.newPage();
    pages.push({ page: dash, errors: [] });
    await dash.goto(`http://127.0.0.1:${port}/?token=${TOKEN}`);
    await dash.waitForFunction(() => window.dashboard?.preview?.active === false, null, { timeout: 15000 });
    await dash.check('#count-tests');
    await dash.click('button[data-kind="tip"]');
    await dash.waitForFunction(() => window.dashboard.preview.active === true, null, { timeout: 5000 });
    await w.page.waitForFunction(() => window.updates.length === 4, null, { timeout: 5000 });
    assert.ok((await tips())[3] > 2);
    assert.match(await dash.textContent('#preview'), /preview active: 1 test events counted/);
    await dash.click('button[data-preview="reset"]');
    await dash.waitForFunction(() => window.dashboard.preview.active === false, null, { timeout: 5000 });
    await w.page.waitForFunction(() => window.updates.length === 5, null, { timeout: 5000 });
    assert.equal((await tips())[4], 2);
    assert.equal((await statusOf(port, TOKEN)).preview.active, false);
    for (const p of pages) assert.deepEqual(p.errors, []);
  } finally {
    for (const p of pages) await p.page.close();
    await daemon.stop();
    await se.close();
  }
});

test('alerts.playing: the overlay and a widget page report the alert they play; /status and the dashboard show it; a page that goes drops out', async () => {
  const dir = tempDir();
  const box = widget(dir, 'box', {
    fields: { widgetDuration: { type: 'hidden', value: 60 } },
    js: `window.loads = []; window.seen = [];
window.addEventListener('onWidgetLoad', (obj) => { window.loads.push(obj.detail); });
window.addEventListener('onEventReceived', (obj) => {
  const d = obj.detail;
  if (d.listener === 'event:skip') { SE_API.resumeQueue(); return; }
  if (d.listener.endsWith('-latest')) window.seen.push(d.event.name);
});`,
  });
  const daemon = await startDaemon(`[server]\nport = 0\n[[widget]]\nname = "box"\npath = "${box}"\n`);
  const pages = [];
  try {
    const { port } = daemon;
    const overlay = await browser.newPage();
    pages.push(overlay);
    await overlay.goto(`http://127.0.0.1:${port}/overlay/alerts?duration=60000`);
    await overlay.waitForFunction(() => window.streambridgeOverlay?.client?.connected === true, null, { timeout: 15000 });
    const w = await openWidget(port, 'box');
    pages.push(w.page);
    const dash = await browser.newPage();
    pages.push(dash);
    await dash.goto(`http://127.0.0.1:${port}/`);
    await dash.waitForFunction(() => Array.isArray(window.dashboard?.playing), null, { timeout: 15000 });
    assert.deepEqual((await statusOf(port)).alerts.playing, []);

    const first = await injectTest(port, { kind: 'follow', user: 'first' });
    const second = await injectTest(port, { kind: 'follow', user: 'second' });
    const playing = () => statusOf(port).then((s) => s.alerts.playing.map((p) => [p.page, p.seq, p.kind]));
    await waitFor(async () => (await playing()).length === 2, 10000, 'both pages reporting');
    assert.deepEqual(await playing(), [['overlay', first.seq, 'follow'], ['widget:box', first.seq, 'follow']]);
    const since = (await statusOf(port)).alerts.playing[0].since;
    assert.ok(Date.parse(since) > 0);
    // The dashboard shows it (the playing op, no polling).
    await dash.waitForSelector(`#playing [data-page="widget:box"][data-seq="${first.seq}"]`, { timeout: 5000 });
    await dash.waitForSelector(`#playing [data-page="overlay"][data-seq="${first.seq}"]`, { timeout: 5000 });
    // Skip: each page ends the first and plays the second.
    await fetch(`http://127.0.0.1:${port}/alerts/skip`, { method: 'POST' });
    await waitFor(async () => (await playing()).every((p) => p[1] === second.seq) && (await playing()).length === 2,
      10000, 'the second playing');
    await dash.waitForSelector(`#playing [data-page="widget:box"][data-seq="${second.seq}"]`, { timeout: 5000 });
    // The widget page goes: it drops out.
    await w.page.close();
    pages.splice(pages.indexOf(w.page), 1);
    await waitFor(async () => (await playing()).length === 1, 10000, 'the closed page dropped');
    assert.deepEqual(await playing(), [['overlay', second.seq, 'follow']]);
    await dash.waitForFunction(() => window.dashboard.playing.length === 1, null, { timeout: 5000 });
    // Skipped with nothing queued: the overlay plays nothing.
    await fetch(`http://127.0.0.1:${port}/alerts/skip`, { method: 'POST' });
    await waitFor(async () => (await playing()).length === 0, 10000, 'nothing playing');
    await dash.waitForSelector('#playing >> text=no alert playing', { timeout: 5000 });
  } finally {
    for (const p of pages) await p.close();
    await daemon.stop();
  }
});

test('[widgets] api_token: onWidgetLoad\'s channel.apiToken when set (never in /status or the log), empty by default; an inline one in a readable config is warned', async () => {
  const dir = tempDir();
  const probe = widget(dir, 'probe', { js: recorderJs });
  const SECRET = 'se-overlay-apikey-3f9c1b7e';
  const plain = await startDaemon(`[server]\nport = 0\n[[widget]]\nname = "probe"\npath = "${probe}"\n`);
  try {
    const w = await openWidget(plain.port, 'probe');
    assert.equal(await w.page.evaluate(() => window.loads[0].channel.apiToken), '');
    await w.page.close();
  } finally {
    await plain.stop();
  }
  const daemon = await startDaemon(`[server]\nport = 0\n[widgets]\napi_token_env = "SB_IT_SE_API_TOKEN"\n[[widget]]\nname = "probe"\npath = "${probe}"\n`,
    { env: { SB_IT_SE_API_TOKEN: SECRET } });
  try {
    const w = await openWidget(daemon.port, 'probe');
    assert.equal(await w.page.evaluate(() => window.loads[0].channel.apiToken), SECRET);
    await w.page.close();
    assert.ok(!JSON.stringify(await statusOf(daemon.port)).includes(SECRET));
    assert.ok(!daemon.log().includes(SECRET));
  } finally {
    await daemon.stop();
  }
  const inline = await startDaemon(`[server]\nport = 0\n[widgets]\napi_token = "${SECRET}"\n`);
  try {
    await inline.waitForLog(/the file holds a token or password and .*readable/, 5000);
    assert.ok(!inline.log().includes(SECRET));
  } finally {
    await inline.stop();
  }
  // Given two ways: a config error that never shows the value.
  const bad = await startDaemon(`[server]\nport = 0\n[widgets]\napi_token = "${SECRET}"\napi_token_env = "X"\n`).catch((e) => e);
  assert.ok(bad instanceof Error);
  assert.match(bad.message, /the api_token is given two ways/);
  assert.ok(!bad.message.includes(SECRET));
});

test('the demo source with real = true counts in session data (goal bars move before going live); without it, never', async () => {
  for (const real of [true, false]) {
    const daemon = await startDaemon(`[server]\nport = 0\n[[source]]\nname = "demo"\ntype = "demo"\ninterval = "20ms"\nreal = ${real}\n`);
    try {
      const c = connect(`ws://127.0.0.1:${daemon.port}/ws`);
      const tips = await c.until(() => c.events().filter((e) => e.kind === 'tip').length >= 2 && c.events().filter((e) => e.kind === 'tip'), 15000, 'two demo tips');
      assert.ok(tips.every((e) => e.test === !real), `test flag with real = ${real}`);
      const id = 1;
      c.ws.send(JSON.stringify({ op: 'request', d: { id, type: 'se.session' } }));
      const r = await c.until((m) => m.find((x) => x.op === 'response' && x.d.id === id), 5000, 'se.session');
      if (real) assert.ok(r.d.result.data['tip-count'].count >= 2, JSON.stringify(r.d.result.data['tip-count']));
      else assert.equal(r.d.result.data['tip-count'].count, 0);
      c.ws.close();
    } finally {
      await daemon.stop();
    }
  }
});
