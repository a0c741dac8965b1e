// The browser-attack suite (issue 27), in real headless Chromium: pages of another site,
// served from a second loopback port under foreign names (attacker.example, allowed.example)
// and a DNS-rebinding name on the daemon's own port (rebind.example), try every way a web page
// has to read from or write to the local API. Every attack must fail and every legitimate use
// (an OBS-like overlay and widget page, the dashboard, a listed origin, a listed `null`) must
// work, against a daemon without a token and one with a token.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../integration/lib/daemon.mjs';
import {
  MODES, WRONG_TOKEN, ATTACK_AMOUNT, SECRET, PRIVATE_CHAT, WIDGET, tokenQuery,
  launchBrowser, startPageServer, startSecurityDaemon, trustedClient, inject, attackEventsSoFar,
  networkLog, watchPage,
} from './lib/security.mjs';
import {
  sandboxedFramePage, plainPage, framingPage, localWidgetPage,
  csrfScript, inclusionScript, rebindingScript, corsScript, nullSocketScript,
} from './lib/pages.mjs';

let browser;
let site;  // the attacker's web server (attacker.example / allowed.example on a second port)

before(async () => {
  browser = await launchBrowser();
  site = await startPageServer();
});

after(async () => {
  await browser?.close();
  await site?.close();
});

const T = 15000;  // every wait on a state is bounded by this
const ready = (page, fn, arg) => page.waitForFunction(fn, arg, { timeout: T });

// What a request the browser sent ended as, as the test compares it: a refusal (403, or 401
// when the page did not have the token), an answer the browser withheld from the page (CORP
// same-origin: the status is not seen, and whether the daemon acted on it is checked on the
// daemon's state), or what else it got.
const outcome = (entry, token) => {
  if (!entry) return 'not sent';
  if (entry.status === 403 || (token && entry.status === 401)) return 'refused';
  if (entry.status === null && /ERR_BLOCKED_BY_RESPONSE/.test(entry.failure)) return 'refused';
  return entry.status === null ? `failed: ${entry.failure}` : entry.status;
};

for (const mode of MODES) {
  describe(mode.name, () => {
    const { token } = mode;
    let plain;           // the example config (+ a widget): every attack is made against it
    let listed;          // allowed_origins = the listed page's origin and "null"
    let trusted;         // the streamer's own client on each
    let listedTrusted;
    const contexts = [];
    let scratch;         // the local files (file:// pages) of this mode
    const newContext = async () => {
      const context = await browser.newContext();
      contexts.push(context);
      return context;
    };

    before(async () => {
      scratch = tempDir();
      plain = await startSecurityDaemon({ token });
      listed = await startSecurityDaemon({ token, allowedOrigins: [`http://allowed.example:${site.port}`, 'null'] });
      trusted = await trustedClient(plain);
      listedTrusted = await trustedClient(listed);
      // What an attacker would want: a chat line in the history, another widget's store key.
      await inject(plain, { kind: 'chat_message', user: 'viewer', message: PRIVATE_CHAT });
      await trusted.request('se.store.set', { key: 'victim', value: 'original' });
    });

    after(async () => {
      for (const context of contexts) await context.close().catch(() => {});
      trusted?.ws.close();
      listedTrusted?.ws.close();
      await plain?.stop();
      await listed?.stop();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    });

    test('legitimate: an OBS-like overlay and widget page and the dashboard (127.0.0.1 and localhost) get the event, with no CSP violation', async () => {
      const context = await newContext();
      const open = async (url) => {
        const page = await context.newPage();
        const problems = await watchPage(page);
        const response = await page.goto(url);
        assert.equal(response.status(), 200, url);
        return { page, problems, url };
      };
      const q = tokenQuery(token);
      const [overlay, widget, dashboard, localhost] = await Promise.all([
        open(`${plain.base}/overlay/alerts${q}`),
        open(`${plain.base}/widgets/${WIDGET}/${q}`),
        open(`${plain.base}/${q}`),
        open(`http://localhost:${plain.port}/${q}`),
      ]);
      await Promise.all([
        ready(overlay.page, () => window.streambridgeOverlay?.client?.connected === true),
        ready(widget.page, () => window.vault?.loads >= 1),
        ready(dashboard.page, () => window.dashboard?.client?.connected === true),
        ready(localhost.page, () => window.dashboard?.client?.connected === true),
      ]);
      const { seq } = await inject(plain, { kind: 'tip', user: 'LegitFan', amount: 5, currency: 'USD' });
      await Promise.all([
        ready(overlay.page, (s) => window.streambridgeOverlay.shown.some((a) => a.seq === s), seq),
        ready(widget.page, () => window.vault.events.some((e) => e.listener === 'tip-latest' && e.name === 'LegitFan')),
        ready(dashboard.page, (s) => window.dashboard.events.some((e) => e.seq === s), seq),
        ready(localhost.page, (s) => window.dashboard.events.some((e) => e.seq === s), seq),
      ]);
      // The widget runs with its own fields, secret included: it is the streamer's page.
      assert.equal(await widget.page.evaluate(() => window.leak), SECRET);
      // The dashboard's test button and its list of widget URLs work under its CSP.
      await dashboard.page.click('button[data-kind="follow"]');
      await ready(dashboard.page, () => window.dashboard.events.some((e) => e.kind === 'follow' && e.source === 'test'));
      await ready(dashboard.page, () => document.querySelectorAll('#urls input').length >= 2);
      for (const { url, problems } of [overlay, widget, dashboard, localhost]) assert.deepEqual(problems, [], url);
    });

    test('null-origin frame, file:// page and foreign page: the WebSocket (replay, emit, store) and POST /test as fetch, beacon and form get nothing', async () => {
      const context = await newContext();
      const net = networkLog(context);
      const params = (tag) => ({ base: plain.base, wsBase: plain.wsBase, tag, amount: ATTACK_AMOUNT, storeKey: 'victim' });
      site.set('/csrf-null.html', sandboxedFramePage(csrfScript(params('null-frame'))));
      site.set('/csrf-foreign.html', plainPage(csrfScript(params('foreign-page'))));
      const file = path.join(scratch, 'csrf.html');
      writeFileSync(file, plainPage(csrfScript(params('file-page'))));
      const attacks = [
        { tag: 'null-frame', url: site.url('attacker.example', '/csrf-null.html') },
        { tag: 'file-page', url: `file://${file}` },
        { tag: 'foreign-page', url: site.url('attacker.example', '/csrf-foreign.html') },
      ];
      const results = await Promise.all(attacks.map(async ({ tag, url }) => {
        const page = await context.newPage();
        await page.goto(url);
        await ready(page, (t) => window.results?.[t]?.done === true, tag);
        // The beacon has no answer in the page: its answer in the browser's log is its end (the
        // form's too, for its status). The no-cors fetch ended when its promise settled (the
        // browser's log does not always list it).
        const sent = {};
        for (const via of ['beacon', 'form']) {
          sent[via] = await net.waitFor((e) => e.url.includes(`via=${via}&tag=${tag}`), T, `${via} of ${tag} answered`);
        }
        return { tag, page: await page.evaluate((t) => window.results[t], tag), sent };
      }));
      for (const { tag, page, sent } of results) {
        const ws = page.ws;
        assert.deepEqual({
          wsEvents: ws.events,
          wsData: ws.ops.filter((op) => op === 'status' || op === 'event' || op === 'gap'),
          wsAnswered: ws.responses.filter((r) => r.ok),
          beacon: outcome(sent.beacon, token),
          form: outcome(sent.form, token),
        }, {
          wsEvents: [], wsData: [], wsAnswered: [], beacon: 'refused', form: 'refused',
        }, `${tag} (origin ${page.origin}, socket closed with ${ws.close}, fetch ${page.fetch})`);
      }
      assert.deepEqual(await attackEventsSoFar(plain, trusted), [], 'no attack tip was published');
      assert.equal((await trusted.request('se.store.get', { key: 'victim' })).value, 'original', 'the store key is unchanged');
    });

    test('DNS rebinding: a page under another name on the daemon\'s port gets 421 on every path and no socket', async () => {
      const context = await newContext();
      const page = await context.newPage();
      const origin = `http://rebind.example:${plain.port}`;
      const q = (sep) => tokenQuery(token, sep);  // the right token even: the name alone refuses
      // A top-level navigation to the name: the daemon's answer, whatever it is, becomes the
      // attacker's document, same-origin with everything the daemon serves under that name. (A
      // page served from the attacker's own address would be stopped by Chromium's Private
      // Network Access first, which OBS's older Chromium does not have: this tests the daemon.)
      for (const p of [`/status${q('?')}`, `/widgets/${WIDGET}/${q('?')}`, '/healthz']) {
        const response = await page.goto(`${origin}${p}`);
        assert.equal(response.status(), 421, p);
      }
      const paths = ['/', `/healthz${q('?')}`, `/status${q('?')}`, `/metrics${q('?')}`, `/events?since=0&chat=1${q('&')}`,
        '/client.js', `/overlay/alerts${q('?')}`, `/widgets/${WIDGET}/${q('?')}`, `/widgets/${WIDGET}/widget.js${q('?')}`, '/test'];
      await page.evaluate(rebindingScript({ paths, wsPath: `/ws?since=0&chat=1${q('&')}` }));
      await ready(page, () => window.results?.done === true);
      const results = await page.evaluate(() => window.results);
      const statuses = Object.fromEntries(Object.entries(results.http).map(([p, r]) => [p, r.status ?? r.error]));
      assert.deepEqual(statuses, Object.fromEntries(paths.map((p) => [p, 421])));
      for (const [p, r] of Object.entries(results.http)) {
        assert.ok(!r.body?.includes(PRIVATE_CHAT) && !r.body?.includes(SECRET), `${p} leaked: ${r.body}`);
      }
      assert.deepEqual({ opened: results.ws.opened, ops: results.ws.ops }, { opened: false, ops: [] }, 'the rebinding socket');
      assert.deepEqual(await attackEventsSoFar(plain, trusted), []);
    });

    test('inclusion: <script>, <img> and <link> of widget files, /status and the page get nothing from another site or port, right and wrong tokens alike; /client.js loads', async () => {
      const context = await newContext();
      const protectedTargets = [
        { name: 'script widget.js', tag: 'script', path: `/widgets/${WIDGET}/widget.js` },
        { name: 'link widget.css', tag: 'link', path: `/widgets/${WIDGET}/widget.css` },
        { name: 'script widget page', tag: 'script', path: `/widgets/${WIDGET}/` },
        { name: 'script /status', tag: 'script', path: '/status' },
        { name: 'img widget.js', tag: 'img', path: `/widgets/${WIDGET}/widget.js` },
        { name: 'img /status', tag: 'img', path: '/status' },
      ];
      // With a token set the attacker tries a wrong one and, worst case, the right one: the two
      // must look the same (no oracle) and both must fail.
      const variants = token ? [['right', token], ['wrong', WRONG_TOKEN]] : [['none', undefined]];
      const targets = [];
      for (const t of [...protectedTargets, { name: 'script client.js', tag: 'script', path: '/client.js' }]) {
        for (const [variant, guess] of variants) targets.push({ id: `${t.name} (${variant})`, tag: t.tag, url: `${plain.base}${t.path}${tokenQuery(guess)}` });
      }
      const expected = {};
      for (const t of targets) expected[t.id] = t.id.startsWith('script client.js') ? 'load' : 'error';
      site.set('/include.html', plainPage(inclusionScript({ targets, secret: SECRET })));
      // Another site, and pages of this machine on another port: 127.0.0.1 is the same site
      // (Sec-Fetch-Site: same-site), localhost another.
      await Promise.all(['attacker.example', '127.0.0.1', 'localhost'].map(async (host) => {
        const page = await context.newPage();
        await page.goto(site.url(host, '/include.html'));
        await ready(page, () => window.results?.done === true);
        const results = await page.evaluate(() => window.results);
        assert.deepEqual(results.loads, expected, `onload/onerror of each inclusion from ${host}`);
        assert.deepEqual({ leak: results.leak, vault: results.vault, cssLeak: results.cssLeak, streambridge: results.streambridge },
          { leak: null, vault: 'undefined', cssLeak: false, streambridge: 'object' }, `what reached the page from ${host}`);
      }));
    });

    test('framing: a foreign page cannot show the dashboard in a frame', async () => {
      const context = await newContext();
      const page = await context.newPage();
      const url = `${plain.base}/${tokenQuery(token)}`;
      site.set('/frame.html', framingPage(url));
      await page.goto(site.url('attacker.example', '/frame.html'));
      await ready(page, () => window.results?.frameLoaded === true);
      const frame = page.frames().find((f) => f.parentFrame() === page.mainFrame());
      assert.ok(frame, 'the frame element is there');
      const shown = await frame.evaluate(() => typeof window.dashboard === 'object' && !!document.querySelector('#sources')).catch(() => false);
      assert.equal(shown, false, `the dashboard rendered inside the attacker's frame (frame URL ${frame.url()})`);
    });

    test('CORS: a listed origin reads /status, posts /test and gets events over EventSource and WebSocket; the same page elsewhere gets nothing', async () => {
      const allowedContext = await newContext();
      const allowedNet = networkLog(allowedContext);
      const attackerContext = await newContext();
      const attackerNet = networkLog(attackerContext);
      site.set('/cors-allowed.html', plainPage(corsScript({ base: listed.base, wsBase: listed.wsBase, token, tag: 'allowed', amount: 5 })));
      // The attacker knows the token even: a page of an unlisted origin still gets nothing.
      site.set('/cors-attacker.html', plainPage(corsScript({ base: listed.base, wsBase: listed.wsBase, token, tag: 'attacker', amount: ATTACK_AMOUNT })));
      const allowed = await allowedContext.newPage();
      const attacker = await attackerContext.newPage();
      await Promise.all([
        allowed.goto(site.url('allowed.example', '/cors-allowed.html')),
        attacker.goto(site.url('attacker.example', '/cors-attacker.html')),
      ]);
      await Promise.all([ready(allowed, () => window.results?.ready === true), ready(attacker, () => window.results?.ready === true)]);

      const good = await allowed.evaluate(() => window.results);
      const origin = `http://allowed.example:${site.port}`;
      assert.equal(good.status?.status, 200, `fetch /status: ${JSON.stringify(good.status)}`);
      assert.match(good.status.body, /"sources"/);
      const statusAnswer = await allowedNet.waitFor((e) => e.url === `${listed.base}/status` && e.status === 200, T, 'the /status answer');
      assert.equal(statusAnswer.headers['access-control-allow-origin'], origin, 'Allow-Origin echoes the listed origin');
      assert.equal(good.post?.status, 200, `POST /test: ${JSON.stringify(good.post)}`);
      assert.match(good.post.body, /"seq"/);
      assert.equal(good.es.open, true, `EventSource: ${JSON.stringify(good.es)}`);
      assert.ok(good.ws.ops.includes('hello'), `WebSocket: ${JSON.stringify(good.ws)}`);
      const { seq } = await inject(listed, { kind: 'follow', user: `cors-${mode.name}` });
      await ready(allowed, (s) => window.results.es.events.some((e) => e.seq === s) && window.results.ws.events.some((e) => e.seq === s), seq);

      const bad = await attacker.evaluate(() => window.results);
      assert.deepEqual({
        status: bad.status?.error ? 'rejected' : bad.status,
        post: bad.post?.error ? 'rejected' : bad.post,
        eventSource: { open: bad.es.open, events: bad.es.events.length },
        webSocket: bad.ws.ops,
      }, { status: 'rejected', post: 'rejected', eventSource: { open: false, events: 0 }, webSocket: [] });
      const withAcao = attackerNet.entries.filter((e) => e.url.startsWith(listed.base) && e.headers['access-control-allow-origin']);
      assert.deepEqual(withAcao.map((e) => e.url), [], 'no answer to the attacker carries Access-Control-Allow-Origin');
      assert.deepEqual(await attackEventsSoFar(listed, listedTrusted), [], 'the unlisted page published nothing');
    });

    test('listed "null": a sandboxed frame\'s WebSocket and a local-file widget work when allowed_origins has "null"', async () => {
      const context = await newContext();
      const framePage = await context.newPage();
      site.set('/null-listed.html', sandboxedFramePage(nullSocketScript({ wsBase: listed.wsBase, token, tag: 'null-listed' })));
      await framePage.goto(site.url('attacker.example', '/null-listed.html'));
      const file = path.join(scratch, 'widget.html');
      writeFileSync(file, localWidgetPage(listed.port));
      const widgetPage = await context.newPage();
      await widgetPage.goto(`file://${file}${tokenQuery(token)}`);
      await Promise.all([
        ready(framePage, () => window.results?.['null-listed']?.ops.includes('hello')),
        ready(widgetPage, () => window.local.loads >= 1),
      ]);
      const { seq } = await inject(listed, { kind: 'follow', user: `local-${mode.name}` });
      await Promise.all([
        ready(framePage, (s) => window.results['null-listed'].events.some((e) => e.seq === s), seq),
        ready(widgetPage, () => window.local.events.includes('follower-latest')),
      ]);
    });
  });
}
