// The StreamElements widget host in real headless Chromium, with look-alike widgets written for
// these tests (tests/integration/widgets/): the page assembled as SE's renderer does it
// (fieldData, {{key}} and {key}, jQuery), onWidgetLoad, onEventReceived in SE's shapes and
// order, onSessionUpdate from the daemon's session data, SE_API.store across a daemon restart,
// counters, kvstore:update, deletes, community gifts, edits without a restart, and a page
// loaded before the daemon is up. Events come from a StreamElements stand-in (socket.io 2.5)
// playing the recorded payloads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { launchChromium } from './lib/browser.mjs';
import { startDaemon, tempDir, freePort, injectTest, SOURCE_DIR } from './lib/daemon.mjs';
import { startStreamElements, seSource, waitFor } from './lib/faults.mjs';
import { fixtures } from './lib/upstream.mjs';
import { connect } from './lib/client.mjs';

const WIDGETS = path.join(SOURCE_DIR, 'tests/integration/widgets');
let browser;

before(async () => { browser = await launchChromium(); });
after(async () => { await browser?.close(); });

const payload = (socketEvent, name) => fixtures('streamelements', socketEvent).find((f) => f.name === name).payload;

// A page that records its console errors and uncaught exceptions.
async function openPage(url) {
  const page = await browser.newPage({ viewport: { width: 600, height: 400 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  if (url) await page.goto(url);
  return { page, errors };
}

// A daemon with the test widgets (copied: a test edits them), a state file and an SE stand-in.
async function widgetDaemon({ port = 0, dir = tempDir(), se } = {}) {
  const widgets = path.join(dir, 'widgets');
  if (!existsSync(widgets)) cpSync(WIDGETS, widgets, { recursive: true });
  const config = `[server]\nport = ${port}\n` +
    `[widgets]\ndir = "${widgets}"\nstate = "${path.join(dir, 'widgets-state.json')}"\ncurrency = "EUR"\nchannel = "streamer"\n` +
    (se ? seSource('se', `ws://127.0.0.1:${se.port}`) : '');
  return { daemon: await startDaemon(config), dir, widgets };
}

test('widget host: the page is assembled as SE does it, and the runtime feeds it (screenshot)', async () => {
  let socket;
  const se = await startStreamElements({ onAuthenticated: (s) => { socket = s; } });
  const { daemon } = await widgetDaemon({ se });
  const { page, errors } = await openPage();
  try {
    await waitFor(() => socket, 15000, 'the daemon connected to the stand-in');
    const emit = (name, p) => socket.emit(name, p);
    // Before the page: a follow it will find in onWidgetLoad's recents and session data.
    const watcher = connect(`ws://127.0.0.1:${daemon.port}/ws`);
    await watcher.opened;
    emit('event', payload('event', 'follow'));
    await watcher.until(() => watcher.events().some((e) => e.kind === 'follow'), 15000, 'the follow published');
    watcher.ws.close();
    await page.goto(`http://127.0.0.1:${daemon.port}/widgets/probe/`);
    await page.waitForFunction(() => window.probe?.ready, null, { timeout: 15000 });

    // Assembly: fieldData = defaults overlaid by data.json, placeholders filled in all three parts.
    const load = await page.evaluate(() => window.probe.loads[0]);
    assert.deepEqual(load.fieldData,
      { title: 'Probe <b>widget</b>', background: '#202020', fontSize: 18, showTest: true, prefix: '>', testButton: '' });
    assert.equal(await page.innerHTML('.title'), 'Probe <b>widget</b>');
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).fontSize), '18px');
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(32, 32, 32)');
    assert.equal(await page.evaluate(() => typeof jQuery), 'function');
    // onWidgetLoad: channel and currency from the config, session data in SE's shape, recents.
    assert.equal(load.channel.username, 'streamer');
    assert.equal(load.channel.id, 'fau1t5');  // from the stand-in's "authenticated"
    assert.deepEqual(load.currency, { code: 'EUR', name: 'Euro', symbol: '€' });
    assert.equal(load.session.data['follower-session'].count, 1);
    assert.equal(load.session.data['follower-latest'].name, payload('event', 'follow').data.displayName);
    assert.deepEqual(load.session.data['tip-latest'], { name: '', amount: 0, message: '' });
    assert.deepEqual(load.session.data['tip-recent'], []);
    assert.equal(load.recents.length, 1);
    assert.equal(load.recents[0].type, 'follower');
    assert.deepEqual(await page.evaluate(() => window.probe.counters[0]), { counter: 'deaths', value: 0, id: 'deaths', count: 0 });
    assert.equal(await page.evaluate(() => window.probe.stored), null);

    // A real tip: tip-latest then the raw activity, then onSessionUpdate with the new sums.
    const tip = payload('event', 'tip');
    const before = await page.evaluate(() => window.probe.order.length);
    emit('event', tip);
    await page.waitForFunction(() => window.probe.sessions.length >= 1, null, { timeout: 15000 });
    const order = (await page.evaluate(() => window.probe.order)).slice(before);
    assert.deepEqual(order.slice(0, 3), ['tip-latest', 'event', 'session']);
    const session = await page.evaluate(() => window.probe.sessions.at(-1));
    assert.equal(session['tip-session'].amount, tip.data.amount);
    assert.equal(session['tip-count'].count, 1);
    assert.equal(await page.textContent('#tip-session'), String(tip.data.amount));
    const latest = await page.evaluate(() => window.probe.events.find((d) => d.listener === 'tip-latest').event);
    assert.equal(latest.amount, tip.data.amount);
    assert.equal(latest.isTest, false);
    assert.equal(latest.originalEventName, 'tip-latest');
    // The activity copy names the channel by its SE id, as SE's does (issue 28, part 5: a public
    // goal bar logged SE's activities with channel "" here).
    const activity = await page.evaluate(() => window.probe.events.find((d) => d.listener === 'event' && d.event.type === 'tip').event);
    assert.equal(activity.channel, 'fau1t5');

    // A community gift, recipients first on the wire: the bulk event still comes first, once.
    for (const r of ['community_gift_recipient_1', 'community_gift_recipient_2']) emit('event', payload('event', r));
    emit('event', payload('event', 'community_gift_purchase'));
    await page.waitForFunction(() => window.probe.events.filter((d) => d.event.isCommunityGift).length >= 2, null, { timeout: 15000 });
    const subs = await page.evaluate(() => window.probe.events.filter((d) => d.listener === 'subscriber-latest').map((d) => d.event));
    assert.equal(subs[0].bulkGifted, true);
    assert.equal(subs[0].amount, 5);
    assert.ok(subs.slice(1).every((s) => s.isCommunityGift && s.gifted && s.sender === 'ahxxis'));
    const purchases = await page.evaluate(() => window.probe.events.filter((d) => d.listener === 'event' && d.event.type === 'communityGiftPurchase').length);
    assert.equal(purchases, 1);
    // SE's order for gifts (its catalogue of recorded payloads): the `event` copy, then
    // subscriber-latest; the purchase's pair first, then each recipient's.
    const gifts = await page.evaluate(() => window.probe.events.filter((d) => d.event.isCommunityGift || d.event.bulkGifted || d.event.type === 'communityGiftPurchase' || (d.listener === 'event' && d.event.data && d.event.data.gifted)).map((d) => d.listener));
    assert.deepEqual(gifts, ['event', 'subscriber-latest', 'event', 'subscriber-latest', 'event', 'subscriber-latest']);

    // Chat, its deletion (by the deleted message's id), and a bot counter.
    const message = payload('event:test', 'message_plain');
    emit('event:test', message);
    await page.waitForSelector('.row.chat', { timeout: 15000 });
    const chat = await page.evaluate(() => window.probe.events.find((d) => d.listener === 'message').event);
    assert.equal(chat.data.tags['display-name'], message.event.data.tags['display-name']);
    emit('event:test', { listener: 'delete-message', event: { msgId: message.event.data.msgId } });
    await page.waitForSelector('.row.chat', { state: 'detached', timeout: 15000 });
    emit('bot:counter', { counter: 'deaths', value: 7 });
    await page.waitForFunction(() => window.probe.events.some((d) => d.listener === 'bot:counter'), null, { timeout: 15000 });
    assert.deepEqual(await page.evaluate(() => window.probe.events.find((d) => d.listener === 'bot:counter').event), { counter: 'deaths', value: 7 });
    assert.deepEqual(await page.evaluate(() => SE_API.counters.get('deaths')), { counter: 'deaths', value: 7, id: 'deaths', count: 7 });

    // A test event is marked as one (and shown: the streamer ticked showTest).
    await injectTest(daemon.port, { kind: 'cheer', user: 'tester', amount: 50 });
    await page.waitForFunction(() => window.probe.events.some((d) => d.listener === 'cheer-latest'), null, { timeout: 15000 });
    const cheer = await page.evaluate(() => window.probe.events.find((d) => d.listener === 'cheer-latest').event);
    assert.equal(cheer.isTest, true);
    assert.equal(cheer.name, 'tester');

    const file = path.join(tempDir(), 'widget-probe.png');
    await page.screenshot({ path: file });
    assert.ok(statSync(file).size > 1000);
    console.log(`screenshot: ${file}`);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
    await daemon.stop();
    await se.close();
  }
});

test('widget host: SE_API.store survives a daemon restart and reaches the other widgets', async () => {
  const port = await freePort();
  let { daemon, dir } = await widgetDaemon({ port });
  const url = `http://127.0.0.1:${port}/widgets/probe/`;
  let { page, errors } = await openPage(url);
  let other;
  try {
    await page.waitForFunction(() => window.probe?.ready, null, { timeout: 15000 });
    assert.equal(await page.evaluate(() => window.probe.stored), null);  // never set: null
    // A second page reads what the first stored and stores the next value; the first page gets
    // kvstore:update, the key named as SE names it.
    other = await openPage(url);
    await other.page.waitForFunction(() => window.probe?.ready, null, { timeout: 15000 });
    assert.deepEqual(await other.page.evaluate(() => window.probe.stored), { visits: 1 });
    await page.waitForFunction(() => window.probe.events.some((d) => d.listener === 'kvstore:update' && d.event.data.value.visits === 2), null, { timeout: 15000 });
    const update = await page.evaluate(() => window.probe.events.find((d) => d.listener === 'kvstore:update' && d.event.data.value.visits === 2).event);
    assert.equal(update.data.key, 'customWidget.probe');
    await daemon.stop();
    assert.match(readFileSync(path.join(dir, 'widgets-state.json'), 'utf8'), /"visits":2/);
    ({ daemon } = await widgetDaemon({ port, dir }));
    await page.reload();
    await page.waitForFunction(() => window.probe?.ready, null, { timeout: 15000 });
    assert.deepEqual(await page.evaluate(() => window.probe.stored), { visits: 2 });
    // While the daemon was down the pages' reconnects were refused: that is the restart, not an error.
    const refused = /ERR_CONNECTION_REFUSED/;
    assert.deepEqual([...errors, ...other.errors].filter((e) => !refused.test(e)), []);
  } finally {
    await page.close();
    await other?.page.close();
    await daemon.stop();
  }
});

test('widget host: SE editor file names, {key} placeholders, session data, and edits without a restart', async () => {
  let socket;
  const se = await startStreamElements({ onAuthenticated: (s) => { socket = s; } });
  const { daemon, widgets } = await widgetDaemon({ se });
  const url = `http://127.0.0.1:${daemon.port}/widgets/label/`;
  const { page, errors } = await openPage(url);
  try {
    await page.waitForFunction(() => document.querySelector('#label')?.textContent === 'no tips yet', null, { timeout: 15000 });
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('#label')).color), 'rgb(255, 200, 0)');
    await waitFor(() => socket, 15000, 'the daemon connected to the stand-in');
    const tip = payload('event', 'tip');
    socket.emit('event', tip);
    const expected = `${tip.data.displayName ?? tip.data.username} ${tip.data.amount.toLocaleString('en-US', { style: 'currency', currency: 'EUR' })}`;
    await page.waitForFunction((t) => document.querySelector('#label').textContent === t, expected, { timeout: 15000 });
    // An edit of the widget's files shows at the page's next load.
    writeFileSync(path.join(widgets, 'label', 'CSS.css'), '#label { color: {{color}}; font-size: 12px; }\n');
    await page.reload();
    await page.waitForFunction((t) => document.querySelector('#label')?.textContent === t, expected, { timeout: 15000 });
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('#label')).fontSize), '12px');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
    await daemon.stop();
    await se.close();
  }
});

test("widget runtime: SE's alert queue (widgetDuration) holds alerts until resumeQueue or the time is up", async () => {
  const { daemon } = await widgetDaemon();
  const { page, errors } = await openPage(`http://127.0.0.1:${daemon.port}/widgets/queue/`);
  try {
    await page.waitForFunction(() => window.loaded === true, null, { timeout: 15000 });
    for (const user of ['a', 'b', 'stuck']) await injectTest(daemon.port, { kind: 'tip', user, amount: 1 });
    // A moderator's delete while "stuck" shows: the widget's resumeQueue() for it does not end the alert.
    await page.waitForFunction(() => window.shown.length >= 3, null, { timeout: 15000 });
    await injectTest(daemon.port, { kind: 'chat_delete', data: { msgId: 'm1' } });
    await injectTest(daemon.port, { kind: 'tip', user: 'c', amount: 1 });
    await page.waitForFunction(() => window.shown.length >= 4, null, { timeout: 15000 });
    const shown = await page.evaluate(() => window.shown);
    assert.deepEqual(shown.map((s) => s.name), ['a', 'b', 'stuck', 'c']);
    const gaps = shown.slice(1).map((s, i) => s.at - shown[i].at);
    // a and b resume after their 300 ms (the `event` copies' resumeQueue calls do not count);
    // "stuck" never resumes: widgetDuration (2 s) releases the queue.
    assert.ok(gaps[0] >= 280 && gaps[0] < 1500, `a -> b after ${gaps[0]} ms`);
    assert.ok(gaps[1] >= 280 && gaps[1] < 1500, `b -> stuck after ${gaps[1]} ms`);
    assert.ok(gaps[2] >= 1900 && gaps[2] < 4000, `stuck -> c after ${gaps[2]} ms`);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
    await daemon.stop();
  }
});

test('widget host: the token rule applies to widget pages, and unknown widgets are 404', async () => {
  const dir = tempDir();
  cpSync(WIDGETS, path.join(dir, 'widgets'), { recursive: true });
  const daemon = await startDaemon(`[server]\nport = 0\ntoken = "s3cret"\n[[widget]]\nname = "probe"\npath = "${path.join(dir, 'widgets/probe')}"\n`);
  try {
    const base = `http://127.0.0.1:${daemon.port}`;
    assert.equal((await fetch(`${base}/widgets/probe/`)).status, 401);
    const page = await fetch(`${base}/widgets/probe/?token=s3cret`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /widget\.js\?token=s3cret/);
    assert.equal((await fetch(`${base}/widgets/nope/?token=s3cret`)).status, 404);
    assert.equal((await fetch(`${base}/widgets/probe?token=s3cret`, { redirect: 'manual' })).headers.get('location'), '/widgets/probe/?token=s3cret');
    const jq = await fetch(`${base}/widgets/jquery.js?token=s3cret`);
    assert.match(await jq.text(), /jQuery v3/);
  } finally {
    await daemon.stop();
  }
});

test('widget runtime: a page loaded before the daemon is up starts once it answers', async () => {
  const port = await freePort();
  const dir = tempDir();
  // A widget hosted elsewhere (a local file, as OBS loads one), with the README's loader line.
  const file = path.join(dir, 'widget.html');
  writeFileSync(file, `<!DOCTYPE html><html><body><div id="out">none</div>
<script>window.addEventListener('onWidgetLoad', () => { document.getElementById('out').textContent = 'loaded'; });
window.addEventListener('onEventReceived', (o) => { if (o.detail.listener.endsWith('-latest')) document.getElementById('out').textContent = o.detail.listener; });</script>
<script>(function load(){var s=document.createElement('script');s.src='http://127.0.0.1:${port}/client.js';s.onload=function(){streambridge.widget({fieldData:{}})};s.onerror=function(){s.remove();setTimeout(load,1000)};document.head.appendChild(s)})();</script>
</body></html>`);
  const { page } = await openPage(`file://${file}`);
  let daemon;
  try {
    // The scenario, not a wait for a state: the daemon comes up 1.5 s after the page.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await page.textContent('#out'), 'none');
    // A page opened as a local file sends Origin: null: the README's recipe lists it.
    daemon = await startDaemon(`[server]\nport = ${port}\nallowed_origins = ["null"]\n`);
    await page.waitForFunction(() => document.getElementById('out').textContent === 'loaded', null, { timeout: 20000 });
    await injectTest(port, { kind: 'follow', user: 'late' });
    await page.waitForFunction(() => document.getElementById('out').textContent === 'follower-latest', null, { timeout: 15000 });
  } finally {
    await page.close();
    await daemon?.stop();
  }
});

test('dashboard: sources, the last events with their TEST badge, test buttons, URLs, dedup (screenshot)', async () => {
  const dir = tempDir();
  cpSync(WIDGETS, path.join(dir, 'widgets'), { recursive: true });
  const daemon = await startDaemon(`[server]\nport = 0\n[[source]]\nname = "demo"\ntype = "demo"\ninterval = "1h"\n` +
    `[[widget]]\nname = "probe"\npath = "${path.join(dir, 'widgets/probe')}"\n`);
  const before = await injectTest(daemon.port, { kind: 'follow', user: 'early' });
  const { page, errors } = await openPage(`http://127.0.0.1:${daemon.port}/`);
  try {
    await page.setViewportSize({ width: 1200, height: 700 });
    await page.waitForSelector('#sources tr[data-source="demo"] .state.connected', { timeout: 15000 });
    // History: the event from before the page, then a button press, live.
    await page.waitForSelector(`#events tr[data-seq="${before.seq}"]`, { timeout: 15000 });
    await page.click('button[data-kind="tip"]');
    await page.waitForFunction(() => window.dashboard.events.some((e) => e.kind === 'tip' && e.source === 'test'), null, { timeout: 15000 });
    const row = await page.textContent('#events tbody tr:first-child');
    assert.match(row, /tip/);
    assert.match(row, /TEST/);
    assert.match(row, /TestUser/);
    await page.waitForFunction(() => document.querySelectorAll('#urls input').length >= 2, null, { timeout: 15000 });
    const urls = await page.$$eval('#urls input', (inputs) => inputs.map((i) => i.value));
    assert.deepEqual(urls, [`http://127.0.0.1:${daemon.port}/overlay/alerts`, `http://127.0.0.1:${daemon.port}/widgets/probe/`]);
    assert.match(await page.textContent('#dedup'), /published/);
    const file = path.join(tempDir(), 'dashboard.png');
    await page.screenshot({ path: file });
    assert.ok(statSync(file).size > 10000, 'a dashboard with content, not a blank page');
    console.log(`screenshot: ${file}`);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
    await daemon.stop();
  }
});
