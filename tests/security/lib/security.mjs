// Helpers for the security suite (tests/security/): an attacker's web server on a second
// loopback port, Debian's headless Chromium with foreign names mapped to 127.0.0.1, a
// look-alike widget holding a secret, and a trusted Node client to read the daemon's state.
// Everything the attack pages do is recorded in the page (`window.results`); the tests wait on
// each attempt's own end (a promise settled, onload/onerror, a socket closed, the browser's
// response to the request) and only then look at the daemon.
import http from 'node:http';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CHROMIUM } from '../../integration/lib/browser.mjs';
import { startDaemon, tempDir, withTimeout } from '../../integration/lib/daemon.mjs';
import { connect } from '../../integration/lib/client.mjs';
import { oldBehaviourProxy } from './old_behaviour_proxy.mjs';

// playwright-core lives in tests/integration/node_modules (the working directory of every
// node test); an ES import from here would look beside this file.
const require = createRequire(new URL('../../integration/package.json', import.meta.url));
const { chromium } = require('playwright-core');

// 32 characters, as a streamer would paste it; WRONG_TOKEN has the same length.
export const TOKEN = 'SecurityTestToken0123456789abcde';
export const WRONG_TOKEN = 'SecurityTestToken0123456789abcdX';
// Every injection an attack tries is a tip of this amount: the daemon must never publish one.
export const ATTACK_AMOUNT = 9999;
export const SECRET = 'SECRET-KEY-123';
export const PRIVATE_CHAT = 'PRIVATE-CHAT-LINE';
export const WIDGET = 'vault';

// Every case runs twice: a daemon without a token (the example config) and with one.
export const MODES = [
  { name: 'no token', token: undefined },
  { name: 'token', token: TOKEN },
];

export const tokenQuery = (token, sep = '?') => (token ? `${sep}token=${encodeURIComponent(token)}` : '');

// Foreign names that reach loopback: attacker.example serves the attack pages,
// allowed.example the same pages under a listed origin, rebind.example is a DNS-rebinding
// name pointing at the daemon's own port.
export const HOST_RULES = 'MAP attacker.example 127.0.0.1, MAP rebind.example 127.0.0.1, MAP allowed.example 127.0.0.1';

export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      `--host-resolver-rules=${HOST_RULES}`,
      // Sandboxed frames stay in their parent's renderer, so the test sees their requests and
      // the daemon's answers (an isolated frame's network events do not reach playwright).
      // It changes the process model only: the frame's origin is still opaque (Origin: null).
      '--disable-features=IsolateSandboxedIframes'],
  });
}

// The attacker's web server: any Host (attacker.example, allowed.example) gets the same pages.
export async function startPageServer() {
  const pages = new Map();
  const server = http.createServer((req, res) => {
    const page = pages.get(new URL(req.url, 'http://x').pathname);
    if (!page) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(page);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    port,
    set: (pathname, html) => pages.set(pathname, html),
    url: (host, pathname) => `http://${host}:${port}${pathname}`,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

// A look-alike StreamElements custom widget written for these tests: a {{secret}} field (an
// API key, as real widgets hold), placed in its JS and CSS, and a JS that records the runtime.
export function writeWidget(dir) {
  const folder = path.join(dir, 'widgets', WIDGET);
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'widget.html'), '<div id="title">{{title}}</div>\n<div id="log"></div>\n');
  writeFileSync(path.join(folder, 'widget.css'), 'body { color: white; }\nbody::after { content: "{{secret}}"; }\n');
  writeFileSync(path.join(folder, 'widget.js'), `// A look-alike widget for the security tests; it uses its API key field.
window.leak = '{{secret}}';
window.vault = { loads: 0, events: [] };
window.addEventListener('onWidgetLoad', () => { window.vault.loads += 1; });
window.addEventListener('onEventReceived', (obj) => {
  window.vault.events.push({ listener: obj.detail.listener, name: obj.detail.event && obj.detail.event.name });
});
`);
  writeFileSync(path.join(folder, 'widget.json'), JSON.stringify({
    title: { type: 'text', label: 'Title', value: 'Vault' },
    secret: { type: 'text', label: 'API key', value: SECRET },
  }, null, 2));
  return path.join(dir, 'widgets');
}

// A daemon with the widget and a state file; `server` lines are added to [server].
export async function startSecurityDaemon({ token, allowedOrigins = [], server = '' } = {}) {
  const dir = tempDir();
  const widgets = writeWidget(dir);
  const lines = ['[server]', 'port = 0'];
  if (token) lines.push(`token = "${token}"`);
  if (allowedOrigins.length) lines.push(`allowed_origins = [${allowedOrigins.map((o) => JSON.stringify(o)).join(', ')}]`);
  if (server) lines.push(server);
  lines.push('[widgets]', `dir = "${widgets}"`, `state = "${path.join(dir, 'widgets-state.json')}"`, '');
  let daemon;
  try {
    daemon = await startDaemon(lines.join('\n'));
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const stop = daemon.stop;
  daemon.stop = (...args) => stop(...args).finally(() => rmSync(dir, { recursive: true, force: true }));
  if (process.env.SB_SECURITY_CONTROL === 'old') {
    // The control run (tests/security/README.md): everything goes through a proxy that answers
    // as the daemon did before issue 27; the attack cases must fail.
    const proxy = await oldBehaviourProxy(daemon.port);
    const stopDaemon = daemon.stop;
    daemon.stop = (...args) => proxy.close().then(() => stopDaemon(...args));
    daemon.port = proxy.port;
  }
  return Object.assign(daemon, { token, base: `http://127.0.0.1:${daemon.port}`, wsBase: `ws://127.0.0.1:${daemon.port}` });
}

// The streamer's own trusted client (no Origin: not a browser): sees every event, reads the store.
export async function trustedClient(daemon) {
  const client = connect(`${daemon.wsBase}/ws?chat=1${tokenQuery(daemon.token, '&')}`);
  await client.opened;
  await client.until((m) => m.some((x) => x.op === 'hello'), 10000, 'hello');
  let next = 1;
  client.request = async (type, fields = {}) => {
    const id = `trusted-${next++}`;
    client.ws.send(JSON.stringify({ op: 'request', d: { id, type, ...fields } }));
    const reply = await client.until((m) => m.find((x) => x.op === 'response' && x.d.id === id), 10000, `response to ${type}`);
    if (!reply.d.ok) throw new Error(`${type}: ${reply.d.error}`);
    return reply.d.result;
  };
  return client;
}

// POST /test from the trusted side, token included.
export async function inject(daemon, event) {
  const headers = { 'Content-Type': 'application/json' };
  if (daemon.token) headers.Authorization = `Bearer ${daemon.token}`;
  const res = await fetch(`${daemon.base}/test`, { method: 'POST', headers, body: JSON.stringify(event) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`POST /test: HTTP ${res.status}: ${text}`);
  return JSON.parse(text);
}

// Publishes a marker event and waits until the trusted client has it: every event published
// before it has reached the client too. Returns what the attack may have published.
export async function attackEventsSoFar(daemon, client) {
  const marker = `sentinel-${Math.random().toString(36).slice(2)}`;
  await inject(daemon, { kind: 'follow', user: marker });
  await client.until(() => client.events().some((e) => e.user?.login === marker || e.user?.displayName === marker), 10000, marker);
  return client.events().filter((e) => e.amount === ATTACK_AMOUNT);
}

// Every request the browser made and how it ended (status or failure), by URL.
export function networkLog(context) {
  const entries = [];
  const watchers = new Set();
  const add = (entry) => {
    entries.push(entry);
    for (const w of [...watchers]) if (w.predicate(entry)) { watchers.delete(w); w.resolve(entry); }
  };
  context.on('requestfinished', async (request) => {
    const response = await request.response().catch(() => null);
    add({ url: request.url(), method: request.method(), type: request.resourceType(), status: response?.status() ?? null,
      headers: response ? await response.allHeaders().catch(() => ({})) : {} });
  });
  context.on('requestfailed', (request) => {
    add({ url: request.url(), method: request.method(), type: request.resourceType(), status: null, headers: {}, failure: request.failure()?.errorText });
  });
  const find = (predicate) => entries.find(predicate);
  const waitFor = (predicate, ms, what) => {
    const found = entries.find(predicate);
    if (found) return Promise.resolve(found);
    return withTimeout(new Promise((resolve) => watchers.add({ predicate, resolve })), ms, what);
  };
  return { entries, find, waitFor };
}

// Console errors, uncaught exceptions and CSP violations of a page (and of its frames).
export function watchPage(page) {
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  return page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`);
    });
  }).then(() => problems);
}
