// TEMPORARY driver (deleted after use): real public SE widgets from /tmp/realwidgets/widgets
// in the daemon's widget host, fed by the SE stand-in (real events) and POST /test.
// Usage: STREAMBRIDGED=... node zz_realwidgets_run.tmp.mjs [normal|burst|empty]
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import crypto from 'node:crypto';
import { chromium } from 'playwright-core';
import { startDaemon, injectTest, SOURCE_DIR } from './lib/daemon.mjs';
import { startStreamElements, seSource, waitFor, settle } from './lib/faults.mjs';
import { fixtures } from './lib/upstream.mjs';

const mode = process.argv[2] || 'normal';
const ROOT = '/tmp/realwidgets';
const SHOTS = `${ROOT}/shots${mode === 'normal' ? '' : `/${mode}`}`;
mkdirSync(`${SHOTS}/steps`, { recursive: true });
const STATE = `${ROOT}/state${mode === 'normal' || mode === 'restart' ? '' : `-${mode}`}.json`;
if (mode !== 'restart') rmSync(STATE, { force: true });
const WIDGETS = ['CustomEventList', 'CustomChat', 'CumulativeGoal', 'StreamdataCounters', 'CustomLabels', 'CustomLabelsTip', 'AlertFeed'];

const fx = (socketEvent, name) => structuredClone(fixtures('streamelements', socketEvent).find((f) => f.name === name).payload);
const hex24 = () => crypto.randomBytes(12).toString('hex');
// A recorded activity with fresh ids, the time now, and the given user / amount / extra data.
function activity(name, user, amount, extra = {}) {
  const a = fx('event', name);
  a._id = a.activityId = hex24();
  a.createdAt = a.updatedAt = new Date().toISOString();
  a.data.username = user.toLowerCase();
  a.data.displayName = user;
  if (amount !== undefined) a.data.amount = amount;
  if (a.data.tipId) a.data.tipId = hex24();
  Object.assign(a.data, extra);
  return a;
}

const log = [];
const note = (m) => { const line = `[${new Date().toISOString().slice(11, 23)}] ${m}`; log.push(line); console.log(line); };

let socket;
const se = await startStreamElements({ onAuthenticated: (s) => { socket = s; } });
const config = `[server]\nport = 0\n[widgets]\ndir = "${ROOT}/widgets"\nstate = "${STATE}"\ncurrency = "USD"\nchannel = "somestreamer"\n`
  + seSource('se', `ws://127.0.0.1:${se.port}`);
const daemon = await startDaemon(config);
const base = `http://127.0.0.1:${daemon.port}`;
note(`daemon on ${base}, mode ${mode}`);
await waitFor(() => socket, 15000, 'the daemon connected to the SE stand-in');
const emit = (ev, p, what) => { note(`SE stand-in -> ${ev}: ${what}`); socket.emit(ev, p); };
const test = async (e) => { note(`POST /test ${JSON.stringify(e)}`); return injectTest(daemon.port, e); };

// Seed history (a channel that has had events), before any page loads.
if (mode !== 'empty' && mode !== 'restart') {
  emit('event', activity('follow', 'SeedFollower'), 'follow SeedFollower');
  emit('event', activity('subscriber_first', 'SeedSub', 1), 'sub SeedSub (1 month, tier 1000)');
  emit('event', activity('cheer', 'SeedCheerer', 50, { message: 'Cheer50 hi' }), 'cheer SeedCheerer 50');
  emit('event', activity('tip', 'SeedTipper', 2, { currency: 'USD', message: 'first' }), 'tip SeedTipper $2');
  await settle(1500);
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});

// Instrumentation only (no widget code touched): record what the runtime dispatches.
const recorder = () => {
  window.__rw = { loads: [], events: [], sessions: [] };
  const keep = (list) => (e) => { try { list.push(JSON.parse(JSON.stringify(e.detail))); } catch (_) { list.push(String(e.detail)); } };
  window.addEventListener('onWidgetLoad', keep(window.__rw.loads));
  window.addEventListener('onEventReceived', keep(window.__rw.events));
  window.addEventListener('onSessionUpdate', keep(window.__rw.sessions));
};

// EXPERIMENT (mode burstq): SE's widgetDuration hold, done outside the runtime, to show the fix.
const queuePrototype = (mode) => {
  const skippable = ['bot:counter', 'event', 'event:test', 'event:skip', 'alertService:toggleSound', 'message', 'delete-message', 'delete-messages', 'kvstore:update'];
  const original = window.dispatchEvent.bind(window);
  let duration = 0, busy = false, timer = null;
  const queue = [];
  const next = () => {
    clearTimeout(timer); busy = false;
    const ev = queue.shift();
    if (ev) run(ev);
  };
  const run = (ev) => { busy = true; timer = setTimeout(next, duration * 1000); original(ev); };
  window.addEventListener('onWidgetLoad', (e) => { duration = Number(e.detail.fieldData.widgetDuration) || 0; });
  window.dispatchEvent = (ev) => {
    if (ev.type !== 'onEventReceived' || !duration || skippable.includes(ev.detail.listener)) return original(ev);
    if (busy) { queue.push(ev); return true; }
    run(ev); return true;
  };
  let api;
  Object.defineProperty(window, 'SE_API', { configurable: true, get: () => api, set: (v) => { api = v; api.resumeQueue = () => { if (busy && mode === 'burstq') next(); }; } });
};

const pages = {};
for (const name of WIDGETS) {
  const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
  const rec = { console: [], pageerrors: [], failed: [] };
  page.on('pageerror', (e) => rec.pageerrors.push(`${e.name}: ${e.message}\n${(e.stack || '').split('\n').slice(1, 4).join('\n')}`));
  page.on('console', (m) => rec.console.push(`${m.type()}: ${m.text()}${m.location()?.url ? ` @ ${m.location().url}:${m.location().lineNumber}` : ''}`));
  page.on('requestfailed', (r) => rec.failed.push(`${r.method()} ${r.url()} -> ${r.failure()?.errorText}`));
  await page.addInitScript(recorder);
  if (mode === 'burstq' || mode === 'burstt') await page.addInitScript(queuePrototype, mode);
  await page.goto(`${base}/widgets/${name}/`);
  pages[name] = { page, rec };
}
await waitFor(async () => {
  for (const { page } of Object.values(pages)) if (!(await page.evaluate(() => window.__rw?.loads.length === 1))) return false;
  return true;
}, 20000, 'onWidgetLoad on every page');
note('onWidgetLoad dispatched on every page');
await settle(3500);  // CustomEventList shows its list after 2.5 s
const backdrop = async (page) => page.evaluate(() => {
  if (document.getElementById('__rw_backdrop')) return;
  const st = document.createElement('style'); st.id = '__rw_backdrop';
  st.textContent = 'html { background: #2b2d31; }';  // screenshot backdrop only (OBS shows the scene here)
  document.head.appendChild(st);
});
const shot = async (name, file) => { await backdrop(pages[name].page); await pages[name].page.screenshot({ path: `${SHOTS}/${file}` }); note(`screenshot ${file}`); };
for (const name of WIDGETS) await shot(name, `steps/${name}-0-loaded.png`);

const count = (name) => pages[name].page.evaluate(() => window.__rw.events.length);
const sessions = (name) => pages[name].page.evaluate(() => window.__rw.sessions.length);

if (mode === 'normal') {
  // E1: a real follow.
  let s0 = await sessions('CumulativeGoal');
  emit('event', activity('follow', 'Bob'), 'follow Bob');
  await waitFor(async () => (await sessions('CumulativeGoal')) > s0, 10000, 'session update after the follow');
  await settle(1300);
  await shot('AlertFeed', 'steps/AlertFeed-1-follow.png');
  await shot('CustomLabels', 'steps/CustomLabels-1-follow.png');
  await settle(5000);

  // E2: a real tip of $5.
  s0 = await sessions('CumulativeGoal');
  emit('event', activity('tip', 'Alice', 5, { currency: 'USD', message: 'hi' }), 'tip Alice $5 USD');
  await waitFor(async () => (await sessions('CumulativeGoal')) > s0, 10000, 'session update after the tip');
  await settle(1500);
  await shot('CumulativeGoal', 'steps/CumulativeGoal-2-tip.png');
  await settle(4500);

  // E3: a real resub, 3 months.
  s0 = await sessions('StreamdataCounters');
  emit('event', activity('subscriber_resub', 'Carol', 3, { message: 'three months!' }), 'resub Carol 3 months tier 1000');
  await waitFor(async () => (await sessions('StreamdataCounters')) > s0, 10000, 'session update after the sub');
  await settle(1300);
  await shot('AlertFeed', 'steps/AlertFeed-3-sub.png');
  await settle(1500);
  await shot('StreamdataCounters', 'steps/StreamdataCounters-3-sub.png');
  await settle(3500);

  // E4: a real cheer of 100 bits.
  emit('event', activity('cheer', 'Dan', 100, { message: 'Cheer100 go' }), 'cheer Dan 100');
  await settle(1300);
  await shot('AlertFeed', 'steps/AlertFeed-4-cheer.png');
  await settle(5000);

  // E5: a community gift of 2 (recipients first on the wire, as SE's 2025 capture).
  const group = crypto.randomBytes(16).toString('hex');
  const r1 = activity('community_gift_recipient_1', 'GiftedOne', 1, { sender: 'Gifter' }); r1.activityGroup = group;
  const r2 = activity('community_gift_recipient_2', 'GiftedTwo', 1, { sender: 'Gifter' }); r2.activityGroup = group;
  const p = activity('community_gift_purchase', 'Gifter', 2, { sender: 'Gifter' }); p.activityGroup = group;
  emit('event', r1, 'community gift recipient GiftedOne (from Gifter)');
  emit('event', r2, 'community gift recipient GiftedTwo (from Gifter)');
  emit('event', p, 'communityGiftPurchase Gifter x2');
  await settle(1300);
  await shot('AlertFeed', 'steps/AlertFeed-5-gift.png');
  await shot('CustomEventList', 'steps/CustomEventList-5-realevents.png');
  await shot('CustomLabelsTip', 'steps/CustomLabelsTip-5.png');
  await settle(5000);

  // E6: a bot counter.
  emit('bot:counter', { counter: 'botpoints', value: 500 }, 'bot:counter botpoints = 500');
  await settle(1000);

  // E7: chat, real shapes (event:test message) and POST /test.
  emit('event:test', fx('event_test', 'message_plain'), 'chat message_plain (c4ldas, displayColor #8AE020)');
  emit('event:test', fx('event_test', 'message_reply'), 'chat message_reply (horzse)');
  await settle(500);
  await test({ kind: 'chat_message', user: 'eve', message: 'hello chat' });
  await test({ kind: 'chat_message', user: { login: 'frank', displayName: 'Frank' }, message: 'second test line', data: { displayColor: '#FF8800' } });
  await settle(1500);

  // E8: test events (POST /test): widgets show them (no isTest check), session data unchanged.
  await test({ kind: 'follow', user: 'testfollower' });
  await settle(6000);
  await test({ kind: 'tip', user: 'testtipper', amount: 7, currency: 'USD', message: 'test tip' });
  await settle(6000);
  await test({ kind: 'subscription', user: 'testsub', tier: '1000', months: 1 });
  await settle(1300);
  await shot('AlertFeed', 'steps/AlertFeed-8-testsub.png');
  await settle(5000);
}

if (mode === 'empty') {
  emit('event', activity('follow', 'Bob'), 'follow Bob');
  await settle(1500);
  emit('event', activity('tip', 'Alice', 5, { currency: 'USD', message: 'hi' }), 'tip Alice $5 USD');
  await settle(1500);
}

if (mode === 'burst' || mode === 'burstq' || mode === 'burstt') {
  // Alerts closer together than the widget's widgetDuration (5 s): SE would hold them.
  emit('event', activity('follow', 'Burst1'), 'follow Burst1');
  await settle(300);
  emit('event', activity('follow', 'Burst2'), 'follow Burst2');
  await settle(300);
  emit('event', activity('cheer', 'Burst3', 200, { message: 'Cheer200' }), 'cheer Burst3 200');
  await settle(1200);
  await shot('AlertFeed', 'steps/AlertFeed-burst-1s.png');
  await settle(12000);
  // Chat deletes with the real CustomChat (real SE shapes).
  const m = fx('event_test', 'message_plain');
  emit('event:test', m, 'chat message_plain');
  await settle(800);
  emit('event:test', { listener: 'delete-message', event: { msgId: m.event.data.msgId } }, `delete-message ${m.event.data.msgId}`);
  await settle(800);
  await shot('CustomChat', 'steps/CustomChat-after-delete.png');
  await test({ kind: 'chat_message', user: { login: 'emoter', displayName: 'Emoter' }, message: 'hi Kappa there',
    data: { displayColor: '#00AAFF', emotes: [{ type: 'twitch', name: 'Kappa', id: '25', gif: false, urls: { 1: 'https://static-cdn.jtvnw.net/emoticons/v1/25/1.0', 2: 'https://static-cdn.jtvnw.net/emoticons/v1/25/2.0', 4: 'https://static-cdn.jtvnw.net/emoticons/v1/25/3.0' }, start: 3, end: 7 }] } });
  await settle(800);
  note(`CustomChat row HTML: ${await pages.CustomChat.page.evaluate(() => document.querySelector('.main-container').innerHTML.replace(/\s+/g, ' '))}`);
  note(`CustomChat event as dispatched: ${await pages.CustomChat.page.evaluate(() => JSON.stringify(window.__rw.events.filter((d) => d.listener === 'message').at(-1)))}`);
}

await settle(2500);
for (const name of WIDGETS) await shot(name, `${name}.png`);

if (mode === 'restart') {
  // DIAGNOSTIC only: the event list's rows with `justify-content: right` read as flex-start (older Chromium).
  await pages.CustomEventList.page.addStyleTag({ content: '.event-container { justify-content: flex-start !important; }' });
  await shot('CustomEventList', 'steps/diag-CustomEventList-flex-start.png');
}

// Per widget: what it was given, and what went wrong.
const report = {};
for (const name of WIDGETS) {
  const { page, rec } = pages[name];
  const rw = await page.evaluate(() => ({
    load: window.__rw.loads[0] && { ...window.__rw.loads[0], session: undefined, fieldDataKeys: Object.keys(window.__rw.loads[0].fieldData) },
    sessionKeys: window.__rw.loads[0] && Object.keys(window.__rw.loads[0].session.data).length,
    listeners: window.__rw.events.map((d) => `${d.listener}${d.event && d.event.type ? `:${d.event.type}` : ''}${d.event && d.event.name ? `(${d.event.name})` : ''}`),
    sessions: window.__rw.sessions.length,
    recents: window.__rw.loads[0] && window.__rw.loads[0].recents,
    loadChannel: window.__rw.loads[0] && window.__rw.loads[0].channel,
    loadCurrency: window.__rw.loads[0] && window.__rw.loads[0].currency,
    lastSession: (() => { const s = window.__rw.sessions.at(-1)?.session; if (!s) return null; const o = {}; for (const k of ['follower-latest', 'subscriber-latest', 'subscriber-gifted-latest', 'subscriber-alltime-gifter', 'tip-latest', 'cheer-latest', 'tip-session-top-donator', 'follower-session', 'subscriber-session', 'tip-goal', 'cheer-goal', 'follower-goal', 'subscriber-goal']) o[k] = s[k]; return o; })(),
    sampleEvents: window.__rw.events.filter((d) => /-latest$/.test(d.listener)).slice(0, 8),
    text: document.body.innerText.slice(0, 1500),
  }));
  report[name] = { ...rec, ...rw };
}
writeFileSync(`${SHOTS}/run-${mode}.json`, JSON.stringify({ log, report }, null, 2));
writeFileSync(`${SHOTS}/daemon-${mode}.log`, daemon.log());
if (existsSync(STATE)) note(`state file ${STATE}: ${readFileSync(STATE, 'utf8').length} bytes`);
await browser.close();
await daemon.stop();
await se.close();
note('done');
