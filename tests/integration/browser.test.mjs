// The overlay page and client.js in real headless Chromium (Debian's `chromium`, driven by
// playwright-core): an injected test event shows as an alert with its TEST badge (a screenshot
// is taken), the page resumes across a daemon restart without losing or repeating an alert,
// and a StreamElements-style widget snippet sees its onEventReceived handler fire.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import path from 'node:path';
import { launchChromium } from './lib/browser.mjs';
import { startDaemon, tempDir, freePort, injectTest } from './lib/daemon.mjs';

let browser;

before(async () => { browser = await launchChromium(); });

after(async () => { await browser?.close(); });

const shown = (page) => page.evaluate(() => window.streambridgeOverlay.shown);

test('overlay: an injected test event shows as an alert with a TEST badge (screenshot)', async () => {
  const daemon = await startDaemon('[server]\nport = 0\n');
  const page = await browser.newPage({ viewport: { width: 800, height: 300 } });
  try {
    await page.goto(`http://127.0.0.1:${daemon.port}/overlay/alerts?duration=60000&tip.text={name} sent {amount} {currency}`);
    await page.waitForFunction(() => window.streambridgeOverlay?.client?.connected === true, null, { timeout: 15000 });
    const { seq } = await injectTest(daemon.port, { kind: 'tip', amount: 7, currency: 'USD', user: 'Alice', message: 'hello stream' });
    await page.waitForSelector('#alert.visible', { timeout: 15000 });
    assert.equal(await page.textContent('#alert .text'), 'Alice sent 7 USD');
    assert.equal(await page.textContent('#alert .message'), 'hello stream');
    assert.equal(await page.isVisible('#alert .badge'), true);
    assert.equal(await page.getAttribute('#alert', 'data-seq'), String(seq));
    const file = path.join(tempDir(), 'overlay-alert.png');
    await page.screenshot({ path: file });
    assert.ok(statSync(file).size > 1000);
    console.log(`screenshot: ${file}`);
  } finally {
    await page.close();
    await daemon.stop();
  }
});

test('overlay: after a daemon restart the page resumes without losing or repeating an alert', async () => {
  const port = await freePort();
  const config = `[server]\nport = ${port}\njournal = "${path.join(tempDir(), 'events.jsonl')}"\n`;
  let daemon = await startDaemon(config);
  const page = await browser.newPage();
  try {
    await page.goto(`http://127.0.0.1:${port}/overlay/alerts?duration=50`);
    await page.waitForFunction(() => window.streambridgeOverlay?.client?.connected === true, null, { timeout: 15000 });
    const seqs = [];
    for (const amount of [1, 2]) seqs.push((await injectTest(port, { kind: 'tip', amount })).seq);
    await page.waitForFunction((n) => window.streambridgeOverlay.shown.length >= n, 2, { timeout: 15000 });
    await daemon.stop();
    await page.waitForFunction(() => window.streambridgeOverlay.client.connected === false, null, { timeout: 15000 });
    daemon = await startDaemon(config);
    // Published before the page is back: they come with its resume.
    for (const amount of [3, 4]) seqs.push((await injectTest(port, { kind: 'tip', amount })).seq);
    await page.waitForFunction((n) => window.streambridgeOverlay.shown.length >= n, 4, { timeout: 20000 });
    seqs.push((await injectTest(port, { kind: 'follow', user: 'late' })).seq);
    await page.waitForFunction((n) => window.streambridgeOverlay.shown.length >= n, 5, { timeout: 15000 });
    const got = await shown(page);
    assert.deepEqual(got.map((a) => a.seq), seqs);  // each once, in order
    got.slice(0, 4).forEach((a, i) => assert.match(a.text, new RegExp(` tipped ${i + 1} `)));
    assert.equal(got[4].text, 'late followed');
    // A scene reload (the page loads again) resumes from what it had shown: nothing again.
    await page.reload();
    await page.waitForFunction(() => window.streambridgeOverlay?.client?.connected === true, null, { timeout: 15000 });
    const after = (await injectTest(port, { kind: 'tip', amount: 5 })).seq;
    await page.waitForFunction(() => window.streambridgeOverlay.shown.length >= 1, null, { timeout: 15000 });
    assert.deepEqual((await shown(page)).map((a) => a.seq), [after]);
  } finally {
    await page.close();
    await daemon.stop();
  }
});

test('widget shim: a StreamElements custom widget snippet gets onEventReceived', async () => {
  const daemon = await startDaemon('[server]\nport = 0\n');
  const page = await browser.newPage();
  try {
    await page.goto(`http://127.0.0.1:${daemon.port}/`);
    await page.addScriptTag({ url: '/client.js' });
    // A widget as StreamElements users write it, unchanged.
    await page.evaluate(() => {
      window.received = [];
      window.loaded = false;
      window.addEventListener('onWidgetLoad', () => { window.loaded = true; });
      window.addEventListener('onEventReceived', (obj) => {
        const listener = obj.detail.listener;
        const event = obj.detail.event;
        if (listener === 'tip-latest') window.received.push(`${event.name} tipped ${event.amount}`);
        if (listener === 'follower-latest') window.received.push(`${event.name} followed`);
        if (listener === 'event' && event.type === 'cheer') window.received.push(`${event.data.username} cheered ${event.data.amount}`);
        if (listener === 'message') window.received.push(`${event.data.displayName}: ${event.data.text}`);
      });
      streambridge.streamElementsShim(streambridge.connect({ resume: false, chat: 1 }));
    });
    await page.waitForFunction(() => window.loaded === true, null, { timeout: 15000 });
    await injectTest(daemon.port, { kind: 'tip', user: 'sara', amount: 3 });
    await injectTest(daemon.port, { kind: 'follow', user: 'theus' });
    await injectTest(daemon.port, { kind: 'cheer', user: 'c4ldas', amount: 100 });
    await injectTest(daemon.port, { kind: 'chat_message', user: 'c4ldas', message: 'This is a test message.' });
    await page.waitForFunction(() => window.received.length >= 4, null, { timeout: 15000 });
    assert.deepEqual(await page.evaluate(() => window.received),
      ['sara tipped 3', 'theus followed', 'c4ldas cheered 100', 'c4ldas: This is a test message.']);
  } finally {
    await page.close();
    await daemon.stop();
  }
});

test('overlay: two alert boxes with different kinds keep their own resume position', async () => {
  const daemon = await startDaemon('[server]\nport = 0\n');
  const context = await browser.newContext();  // one OBS profile: pages share localStorage
  const base = `http://127.0.0.1:${daemon.port}/overlay/alerts?duration=50`;
  const ready = (page) => page.waitForFunction(() => window.streambridgeOverlay?.client?.connected === true, null, { timeout: 15000 });
  try {
    let tips = await context.newPage();
    const follows = await context.newPage();
    await tips.goto(`${base}&kinds=tip`);
    await follows.goto(`${base}&kinds=follow`);
    await Promise.all([ready(tips), ready(follows)]);
    const first = (await injectTest(daemon.port, { kind: 'tip' })).seq;
    await tips.waitForFunction(() => window.streambridgeOverlay.shown.length >= 1, null, { timeout: 15000 });
    await tips.close();  // the tip box's scene is hidden
    const missed = (await injectTest(daemon.port, { kind: 'tip' })).seq;
    const follow = (await injectTest(daemon.port, { kind: 'follow' })).seq;
    await follows.waitForFunction(() => window.streambridgeOverlay.shown.length >= 1, null, { timeout: 15000 });
    assert.deepEqual((await shown(follows)).map((a) => a.seq), [follow]);
    tips = await context.newPage();  // and shown again: it resumes after its own last alert
    await tips.goto(`${base}&kinds=tip`);
    await tips.waitForFunction(() => window.streambridgeOverlay.shown.length >= 1, null, { timeout: 15000 });
    assert.deepEqual((await shown(tips)).map((a) => a.seq), [missed]);
    assert.ok(first < missed);
  } finally {
    await context.close();
    await daemon.stop();
  }
});
