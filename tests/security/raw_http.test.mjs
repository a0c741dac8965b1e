// What the daemon answers to the requests a browser (or DNS rebinding) would make, byte for
// byte over raw sockets, no browser: the Host allowlist (421), Origin null and file:// (403),
// Sec-Fetch-Site from another site (403, except /client.js and a top-level navigation), CORS
// preflights for listed and unlisted origins, the security headers on every answer, and the
// validation of allowed_origins entries. Each case runs without a token and with one.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run, tempDir } from '../integration/lib/daemon.mjs';
import { MODES, ATTACK_AMOUNT, WIDGET, tokenQuery, startSecurityDaemon, trustedClient, attackEventsSoFar } from './lib/security.mjs';
import { rawRequest, fetchMeta } from './lib/raw_http.mjs';

const LISTED = 'http://allowed.example:8080';
const UNLISTED = 'http://attacker.example:8080';
const attackTip = JSON.stringify({ kind: 'tip', amount: ATTACK_AMOUNT, currency: 'USD', user: 'raw-attacker' });

for (const mode of MODES) {
  describe(mode.name, () => {
    const { token } = mode;
    const auth = token ? { Authorization: `Bearer ${token}` } : {};
    let plain;   // the example config with a widget
    let listed;  // allowed_origins = [LISTED, "null"]
    let trusted;
    // Every path the daemon serves, as a request with the token (the Host or Origin alone must refuse).
    let paths;

    before(async () => {
      plain = await startSecurityDaemon({ token });
      listed = await startSecurityDaemon({ token, allowedOrigins: [LISTED, 'null'] });
      trusted = await trustedClient(plain);
      paths = [
        { path: '/' }, { path: '/healthz' }, { path: '/client.js' }, { path: '/overlay/alerts' },
        { path: '/status', headers: auth }, { path: '/metrics', headers: auth }, { path: '/events', headers: auth },
        { path: `/widgets/${WIDGET}/${tokenQuery(token)}` }, { path: `/widgets/${WIDGET}/widget.js${tokenQuery(token)}` },
        { method: 'POST', path: '/test', headers: { ...auth, 'Content-Type': 'application/json' }, body: attackTip },
        { method: 'POST', path: '/alerts/pause', headers: auth },
        { method: 'POST', path: '/login/twitch', headers: auth },
        { method: 'POST', path: '/test?count=true', headers: { ...auth, 'Content-Type': 'application/json' }, body: attackTip },
        { method: 'POST', path: '/session/preview/reset', headers: auth },
        { method: 'POST', path: `/widgets/${WIDGET}/fields`, headers: { ...auth, 'Content-Type': 'application/json' }, body: '{"key":"title","value":"attacker"}' },
        { path: `/ws${tokenQuery(token)}`, upgrade: true },
      ];
    });

    after(async () => {
      trusted?.ws.close();
      await plain?.stop();
      await listed?.stop();
    });

    const statusesFor = async (daemon, requests, extra) => {
      const out = {};
      for (const r of requests) {
        const res = await rawRequest(daemon.port, { ...r, ...extra(daemon), headers: { ...r.headers, ...extra(daemon).headers } });
        out[`${r.method ?? 'GET'} ${r.path}`] = res.status;
      }
      return out;
    };
    const expectAll = (requests, status) => Object.fromEntries(requests.map((r) => [`${r.method ?? 'GET'} ${r.path}`, status]));

    test('Host: a foreign name gets 421 on every path, the WebSocket upgrade included, even with the token', async () => {
      for (const host of ['attacker.example:PORT', 'attacker.example', 'localhost.attacker.example:PORT', '127.0.0.1.nip.io:PORT']) {
        const got = await statusesFor(plain, paths, (d) => ({ host: host.replace('PORT', d.port) }));
        assert.deepEqual(got, expectAll(paths, 421), `Host: ${host}`);
      }
      assert.deepEqual(await attackEventsSoFar(plain, trusted), [], 'POST /test under a foreign name published nothing');
    });

    test('Host: IP literals, localhost and no Host at all (HTTP/1.0) are answered', async () => {
      const ok = Object.fromEntries(paths.map((r) => [`${r.method ?? 'GET'} ${r.path}`, r.upgrade ? 101 : 200]));
      for (const host of ['127.0.0.1:PORT', 'localhost:PORT', 'localhost', '[::1]:PORT', '127.0.0.2:PORT']) {
        // Not the POST: the check is what an attacker could not publish.
        const requests = paths.filter((r) => r.method !== 'POST');
        const got = await statusesFor(plain, requests, (d) => ({ host: host.replace('PORT', d.port) }));
        assert.deepEqual(got, Object.fromEntries(Object.keys(got).map((k) => [k, ok[k]])), `Host: ${host}`);
      }
      for (const r of [{ path: '/healthz' }, { path: '/status', headers: auth }]) {
        const res = await rawRequest(plain.port, { ...r, host: null, version: '1.0' });
        assert.equal(res.status, 200, `HTTP/1.0 ${r.path} without Host: ${res.statusLine}`);
      }
    });

    test('Host: an allowed_hosts name is answered, another name is not', async () => {
      const named = await startSecurityDaemon({ token, server: 'allowed_hosts = ["streampc.lan"]' });
      try {
        for (const [host, status] of [[`streampc.lan:${named.port}`, 200], ['STREAMPC.lan', 200], [`other.lan:${named.port}`, 421]]) {
          const res = await rawRequest(named.port, { path: '/status', host, headers: auth });
          assert.equal(res.status, status, `Host: ${host}: ${res.statusLine}`);
        }
      } finally {
        await named.stop();
      }
    });

    test('Origin: null and file:// are refused (403) on every path and before the WebSocket upgrade, unless allowed_origins lists "null"', async () => {
      for (const origin of ['null', 'file://']) {
        const requests = paths.filter((r) => r.path !== '/client.js');
        const got = await statusesFor(plain, requests, () => ({ headers: { Origin: origin } }));
        assert.deepEqual(got, expectAll(requests, 403), `Origin: ${origin}`);
        const status = await rawRequest(listed.port, { path: '/status', headers: { ...auth, Origin: origin } });
        assert.equal(status.status, 200, `listed "null": Origin ${origin} on /status`);
        const ws = await rawRequest(listed.port, { path: `/ws${tokenQuery(token)}`, upgrade: true, headers: { Origin: origin } });
        assert.equal(ws.status, 101, `listed "null": Origin ${origin} on /ws`);
      }
      assert.deepEqual(await attackEventsSoFar(plain, trusted), [], 'POST /test from a null origin published nothing');
    });

    test('Sec-Fetch-Site: another site\'s requests are refused, except /client.js, a top-level GET navigation and a listed origin', async () => {
      const cases = [
        // [what, daemon, request, expected status]
        ['<script> of /status, cross-site', plain, { path: '/status', headers: { ...auth, ...fetchMeta.script('cross-site') } }, 403],
        ['<script> of /status, same-site', plain, { path: '/status', headers: { ...auth, ...fetchMeta.script('same-site') } }, 403],
        ['<img> of /status, cross-site', plain, { path: '/status', headers: { ...auth, ...fetchMeta.image('cross-site') } }, 403],
        ['form POST /login/twitch, cross-site', plain, { method: 'POST', path: '/login/twitch', headers: { ...auth, ...fetchMeta.navigate('cross-site') } }, 403],
        ['<script> of widget.js, cross-site', plain, { path: `/widgets/${WIDGET}/widget.js${tokenQuery(token)}`, headers: fetchMeta.script('cross-site') }, 403],
        ['<script> of widget.js, same-site', plain, { path: `/widgets/${WIDGET}/widget.js${tokenQuery(token)}`, headers: fetchMeta.script('same-site') }, 403],
        ['/events, cross-site, no Origin', plain, { path: '/events', headers: { ...auth, ...fetchMeta.cors('cross-site') } }, 403],
        ['<iframe> of /, cross-site', plain, { path: '/', headers: fetchMeta.frame('cross-site') }, 403],
        ['a form POST /test navigating the top level, cross-site', plain,
          { method: 'POST', path: '/test', headers: { ...auth, 'Content-Type': 'text/plain', ...fetchMeta.navigate('cross-site') }, body: attackTip }, 403],
        ['/status, same-origin', plain, { path: '/status', headers: { ...auth, ...fetchMeta.cors('same-origin') } }, 200],
        ['/status, typed in (none)', plain, { path: '/status', headers: { ...auth, ...fetchMeta.navigate('none') } }, 200],
        ['<script> of /client.js, cross-site', plain, { path: '/client.js', headers: fetchMeta.script('cross-site') }, 200],
        ['a link to / followed, cross-site', plain, { path: '/', headers: fetchMeta.navigate('cross-site') }, 200],
        ['a link to /overlay/alerts followed, cross-site', plain, { path: `/overlay/alerts${tokenQuery(token)}`, headers: fetchMeta.navigate('cross-site') }, 200],
        ['fetch /status from a listed origin, cross-site', listed, { path: '/status', headers: { ...auth, Origin: LISTED, ...fetchMeta.cors('cross-site') } }, 200],
        ['fetch /status from an unlisted origin, cross-site', listed, { path: '/status', headers: { ...auth, Origin: UNLISTED, ...fetchMeta.cors('cross-site') } }, 403],
      ];
      const got = {};
      const want = {};
      for (const [what, daemon, request, status] of cases) {
        got[what] = (await rawRequest(daemon.port, request)).status;
        want[what] = status;
      }
      assert.deepEqual(got, want);
      assert.deepEqual(await attackEventsSoFar(plain, trusted), [], 'the cross-site form post published nothing');
    });

    test('CORS: a listed origin gets preflights (204) and Allow-Origin echoed; an unlisted one gets 403 and no Allow-Origin', async () => {
      const preflight = (daemon, origin, path, method, requestHeaders) => rawRequest(daemon.port, {
        method: 'OPTIONS', path,
        headers: { Origin: origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': requestHeaders, ...fetchMeta.cors('cross-site') },
      });
      for (const [path, method, requestHeaders] of [['/status', 'GET', 'authorization'], ['/test', 'POST', 'authorization,content-type'], ['/events', 'GET', 'last-event-id']]) {
        const ok = await preflight(listed, LISTED, path, method, requestHeaders);
        assert.equal(ok.status, 204, `preflight ${method} ${path}: ${ok.statusLine}`);
        assert.equal(ok.headers['access-control-allow-origin'], LISTED);
        const allowed = (ok.headers['access-control-allow-headers'] ?? '').toLowerCase().split(/\s*,\s*/);
        for (const h of ['authorization', 'content-type', 'last-event-id']) assert.ok(allowed.includes(h), `Allow-Headers has ${h}: ${allowed}`);
        assert.match(ok.headers['access-control-allow-methods'] ?? '', new RegExp(method), `Allow-Methods has ${method}`);
        for (const [daemon, origin] of [[listed, UNLISTED], [plain, LISTED]]) {
          const refused = await preflight(daemon, origin, path, method, requestHeaders);
          assert.equal(refused.status, 403, `preflight from ${origin}: ${refused.statusLine}`);
          assert.equal(refused.headers['access-control-allow-origin'], undefined);
        }
      }
      // The requests themselves: Allow-Origin echoes only a listed origin, never "*".
      const get = await rawRequest(listed.port, { path: '/status', headers: { ...auth, Origin: LISTED, ...fetchMeta.cors('cross-site') } });
      assert.equal(get.headers['access-control-allow-origin'], LISTED);
      const post = await rawRequest(listed.port, { method: 'POST', path: '/test', body: JSON.stringify({ kind: 'follow', user: 'cors-raw' }),
        headers: { ...auth, 'Content-Type': 'application/json', Origin: LISTED, ...fetchMeta.cors('cross-site') } });
      assert.equal(post.status, 200, post.body);
      assert.equal(post.headers['access-control-allow-origin'], LISTED);
      const events = await rawRequest(listed.port, { path: '/events', headers: { ...auth, Origin: LISTED, ...fetchMeta.cors('cross-site') } });
      assert.equal(events.status, 200);
      assert.equal(events.headers['access-control-allow-origin'], LISTED);
      const own = await rawRequest(plain.port, { path: '/status', headers: auth });
      assert.equal(own.headers['access-control-allow-origin'], undefined, 'no Allow-Origin without a listed Origin');
    });

    test('headers: nosniff, Referrer-Policy no-referrer and CORP on every answer (/client.js cross-origin); CSP on / and /overlay/alerts; / never framed', async () => {
      const requests = [
        ['/', { path: '/' }], ['/overlay/alerts', { path: '/overlay/alerts' }], ['/client.js', { path: '/client.js' }],
        ['/healthz', { path: '/healthz' }], ['/status', { path: '/status', headers: auth }], ['/metrics', { path: '/metrics', headers: auth }],
        ['/events', { path: '/events', headers: auth }],
        ['widget page', { path: `/widgets/${WIDGET}/${tokenQuery(token)}` }], ['widget.js', { path: `/widgets/${WIDGET}/widget.js${tokenQuery(token)}` }],
        ['widget.css', { path: `/widgets/${WIDGET}/widget.css${tokenQuery(token)}` }], ['jquery.js', { path: `/widgets/jquery.js${tokenQuery(token)}` }],
        ['404', { path: '/nope' }], ['421', { path: '/healthz', host: 'attacker.example' }], ['403', { path: '/status', headers: { Origin: 'null' } }],
        ['DELETE /status', { method: 'DELETE', path: '/status', headers: auth }],
      ];
      if (token) requests.push(['401', { path: '/status' }]);
      const missing = [];
      for (const [name, r] of requests) {
        const { status, headers } = await rawRequest(plain.port, r);
        const corp = name === '/client.js' ? 'cross-origin' : 'same-origin';
        if (headers['x-content-type-options'] !== 'nosniff') missing.push(`${name} (${status}): X-Content-Type-Options ${headers['x-content-type-options']}`);
        if (headers['referrer-policy'] !== 'no-referrer') missing.push(`${name} (${status}): Referrer-Policy ${headers['referrer-policy']}`);
        if (headers['cross-origin-resource-policy'] !== corp) missing.push(`${name} (${status}): Cross-Origin-Resource-Policy ${headers['cross-origin-resource-policy']}`);
      }
      assert.deepEqual(missing, []);
      const dashboard = await rawRequest(plain.port, { path: '/' });
      assert.match(dashboard.headers['content-security-policy'] ?? '', /frame-ancestors 'none'/);
      assert.equal(dashboard.headers['x-frame-options'], 'DENY');
      const overlay = await rawRequest(plain.port, { path: '/overlay/alerts' });
      assert.ok(overlay.headers['content-security-policy'], 'the overlay has a CSP');
    });
  });
}

test('config: allowed_origins entries are validated (a trailing slash never matches: exit 2 with file:line:col)', async () => {
  const dir = tempDir();
  try {
    const bad = path.join(dir, 'bad.toml');
    writeFileSync(bad, '[server]\nallowed_origins = ["http://x.example/"]\n');
    const result = await run(['--check-config', bad]);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stderr, new RegExp(`error: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:\\d+: `), result.stderr);
    const good = path.join(dir, 'good.toml');
    writeFileSync(good, `[server]\nallowed_origins = ["${LISTED}", "null"]\nallowed_hosts = ["streampc.lan"]\n`);
    const ok = await run(['--check-config', good]);
    assert.equal(ok.code, 0, ok.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
