// The attack pages: plain HTML with inline scripts, written for these tests. Each records
// what it could do in `window.results[tag]` (a sandboxed frame posts it to its parent, which
// stores it there) and sets `done` once every attempt has ended.

const escapeAttr = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

// A function written here runs in the page: serialized with its parameters.
const call = (fn, params) => `(${fn.toString()})(${JSON.stringify(params)});`;

// The parent side of postMessage: a sandboxed frame's results land in window.results.
const collector = `window.results = window.results || {};
window.addEventListener('message', (e) => { if (e.data && e.data.tag) window.results[e.data.tag] = e.data.out; });`;

// Every cross-site write and read a page without the token can try: the WebSocket (replay
// from 0 with chat, `emit`, `se.store.set`), and POST /test as a no-cors fetch, a beacon and a
// text/plain form. Runs in the attacker's document, whatever its origin.
// The functions below run in the browser, never in Node: they are sent as source text.
function csrfAttempts({ base, wsBase, tag, amount, storeKey }) {
  const out = { tag, origin: String(self.origin), done: false };
  const report = () => {
    if (window.parent !== window) window.parent.postMessage({ tag, out: JSON.parse(JSON.stringify(out)) }, '*');
    else (window.results = window.results || {})[tag] = out;
  };
  const tip = (via) => JSON.stringify({ kind: 'tip', amount, currency: 'USD', user: `attacker-${via}`, message: `${tag} via ${via}` });
  const bounded = (promise, ms, onTimeout) => Promise.race([promise, new Promise((r) => setTimeout(() => { onTimeout(); r(); }, ms))]);
  const attempts = [];

  // The WebSocket: what it hears, and whether its requests are answered.
  out.ws = { opened: false, ops: [], events: [], responses: [], close: null };
  attempts.push(new Promise((resolve) => {
    const r = out.ws;
    let ws;
    try { ws = new WebSocket(`${wsBase}/ws?since=0&chat=1`); } catch (e) { r.error = String(e); resolve(); return; }
    ws.onopen = () => {
      r.opened = true;
      ws.send(JSON.stringify({ op: 'request', d: { id: 'emit', type: 'emit', event: JSON.parse(tip('ws-emit')) } }));
      ws.send(JSON.stringify({ op: 'request', d: { id: 'store', type: 'se.store.set', key: storeKey, value: `pwned by ${tag}` } }));
    };
    ws.onmessage = (m) => {
      let msg = {};
      try { msg = JSON.parse(m.data); } catch (_) { /* not JSON */ }
      r.ops.push(msg.op);
      if (msg.op === 'event') r.events.push({ seq: msg.d.seq, kind: msg.d.kind, message: msg.d.message || '' });
      if (msg.op === 'response') {
        r.responses.push({ id: msg.d.id, ok: msg.d.ok });
        if (r.responses.length >= 2) ws.close();
      }
    };
    ws.onclose = (e) => { r.close = e.code; resolve(); };
  }));
  attempts[0] = bounded(attempts[0], 10000, () => { out.ws.timedOut = true; });

  // A beacon: fire and forget (the test sees its answer in the browser's network log).
  try {
    out.beacon = navigator.sendBeacon(`${base}/test?via=beacon&tag=${tag}`, new Blob([tip('beacon')], { type: 'text/plain' }));
  } catch (e) { out.beacon = String(e); }

  // A no-cors fetch: opaque, but the request is sent.
  attempts.push(fetch(`${base}/test?via=fetch&tag=${tag}`, { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: tip('fetch') })
    .then((res) => { out.fetch = `settled (${res.type})`; }, (e) => { out.fetch = `rejected (${e})`; }));

  // A text/plain form whose one field spells the JSON, posted into a frame of its own.
  attempts.push(bounded(new Promise((resolve) => {
    const sink = document.createElement('iframe');
    sink.name = `sink-${tag}`;
    document.documentElement.appendChild(sink);
    sink.onload = () => { out.form = 'answered'; resolve(); };
    const form = document.createElement('form');
    form.method = 'POST';
    form.enctype = 'text/plain';
    form.action = `${base}/test?via=form&tag=${tag}`;
    form.target = sink.name;
    const field = document.createElement('input');
    const json = tip('form');
    field.name = `${json.slice(0, -1)},"x":"`;
    field.value = '"}';
    form.appendChild(field);
    document.documentElement.appendChild(form);
    form.submit();
  }), 10000, () => { out.form = 'timed out'; }));

  Promise.all(attempts).then(() => { out.done = true; report(); });
}

// <script>, <img> and <link rel=stylesheet> inclusions of the daemon's files: each records
// load or error; then whether the widget's code or secret reached this page.
function inclusions({ targets, secret }) {
  const out = window.results = { loads: {}, done: false };
  let left = targets.length;
  const finish = () => {
    if (--left > 0) return;
    out.leak = typeof window.leak === 'undefined' ? null : String(window.leak);
    out.vault = typeof window.vault;
    out.streambridge = typeof window.streambridge;
    out.cssContent = getComputedStyle(document.body, '::after').content;
    out.cssLeak = out.cssContent.includes(secret);
    out.done = true;
  };
  for (const t of targets) {
    const el = document.createElement(t.tag);
    el.onload = () => { out.loads[t.id] = 'load'; finish(); };
    el.onerror = () => { out.loads[t.id] = 'error'; finish(); };
    if (t.tag === 'link') { el.rel = 'stylesheet'; el.href = t.url; } else el.src = t.url;
    (t.tag === 'img' ? document.body : document.head).appendChild(el);
  }
}

// A document under the daemon's own port with a name of its own (DNS rebinding): same-origin
// with every path under that name, so it reads every answer it gets.
function rebinding({ paths, wsPath }) {
  const out = window.results = { http: {}, ws: null, done: false };
  const read = async (p) => {
    try {
      const res = await fetch(p, { method: p === '/test' ? 'POST' : 'GET', body: p === '/test' ? '{"kind":"tip","amount":9999}' : undefined });
      const reader = res.body.getReader();
      const first = await Promise.race([reader.read(), new Promise((r) => setTimeout(() => r({ timeout: true }), 5000))]);
      reader.cancel().catch(() => {});
      const text = first.value ? new TextDecoder().decode(first.value) : '';
      out.http[p] = { status: res.status, body: text.slice(0, 300) };
    } catch (e) { out.http[p] = { error: String(e) }; }
  };
  const socket = new Promise((resolve) => {
    const r = out.ws = { opened: false, ops: [], close: null };
    const ws = new WebSocket(`ws://${location.host}${wsPath}`);
    const timer = setTimeout(() => { r.timedOut = true; ws.close(); resolve(); }, 10000);
    ws.onopen = () => { r.opened = true; };
    ws.onmessage = (m) => { try { r.ops.push(JSON.parse(m.data).op); } catch (_) { r.ops.push('?'); } if (r.ops.length >= 3) ws.close(); };
    ws.onclose = (e) => { r.close = e.code; clearTimeout(timer); resolve(); };
  });
  Promise.all([...paths.map(read), socket]).then(() => { out.done = true; });
}

// What a page of a listed origin does with CORS: fetch /status (with the token as a header,
// so it is preflighted), POST /test as JSON, an EventSource and a WebSocket. `ready` once each
// has ended or is open; the test then publishes an event the two streams should get.
function corsUse({ base, wsBase, token, tag, amount }) {
  const out = window.results = { ready: false, es: { open: false, events: [], closed: false }, ws: { opened: false, ops: [], events: [], close: null } };
  const auth = token ? { Authorization: `Bearer ${token}` } : {};
  const q = token ? `?token=${encodeURIComponent(token)}` : '';
  const steps = [];
  steps.push(fetch(`${base}/status`, { headers: auth }).then(async (res) => {
    out.status = { status: res.status, body: (await res.text()).slice(0, 200) };
  }, (e) => { out.status = { error: String(e) }; }));
  steps.push(fetch(`${base}/test`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...auth },
    body: JSON.stringify({ kind: 'tip', amount, currency: 'USD', user: `cors-${tag}`, message: tag }) })
    .then(async (res) => { out.post = { status: res.status, body: await res.text() }; }, (e) => { out.post = { error: String(e) }; }));
  steps.push(new Promise((resolve) => {
    const es = new EventSource(`${base}/events${q}`);
    const timer = setTimeout(() => { out.es.timedOut = true; resolve(); }, 10000);
    es.addEventListener('hello', () => { out.es.open = true; clearTimeout(timer); resolve(); });
    es.onmessage = (m) => { try { out.es.events.push(JSON.parse(m.data)); } catch (_) { /* not JSON */ } };
    es.onerror = () => { if (es.readyState === EventSource.CLOSED) { out.es.closed = true; clearTimeout(timer); resolve(); } };
    window.eventSource = es;
  }));
  steps.push(new Promise((resolve) => {
    const r = out.ws;
    const ws = new WebSocket(`${wsBase}/ws${q}`);
    const timer = setTimeout(() => { r.timedOut = true; resolve(); }, 10000);
    ws.onopen = () => { r.opened = true; };
    ws.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      r.ops.push(msg.op);
      if (msg.op === 'hello') { clearTimeout(timer); resolve(); }
      if (msg.op === 'event') r.events.push(msg.d);
    };
    ws.onclose = (e) => { r.close = e.code; clearTimeout(timer); resolve(); };
  }));
  Promise.all(steps).then(() => { out.ready = true; });
}

// A WebSocket with the token from a page whose origin is `null` (a local-file widget's case).
function nullOriginSocket({ wsBase, token, tag }) {
  const out = { opened: false, ops: [], events: [], close: null, done: false };
  const report = () => window.parent.postMessage({ tag, out: JSON.parse(JSON.stringify(out)) }, '*');
  const ws = new WebSocket(`${wsBase}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`);
  ws.onopen = () => { out.opened = true; report(); };
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    out.ops.push(msg.op);
    if (msg.op === 'event') out.events.push({ seq: msg.d.seq, kind: msg.d.kind, user: msg.d.user });
    report();
  };
  ws.onclose = (e) => { out.close = e.code; out.done = true; report(); };
}

// A page with a sandboxed frame (origin `null`) running `script`.
export function sandboxedFramePage(script) {
  const doc = `<!DOCTYPE html><html><body><script>${script}</script></body></html>`;
  return `<!DOCTYPE html><html><body><script>${collector}</script>
<iframe sandbox="allow-scripts allow-forms" srcdoc="${escapeAttr(doc)}"></iframe></body></html>`;
}

export function plainPage(script) {
  return `<!DOCTYPE html><html><body><script>${script}</script></body></html>`;
}

export const csrfScript = (params) => call(csrfAttempts, params);
export const inclusionScript = (params) => call(inclusions, params);
export const rebindingScript = (params) => call(rebinding, params);
export const corsScript = (params) => call(corsUse, params);
export const nullSocketScript = (params) => call(nullOriginSocket, params);

// An attacker page framing `url`; `results.frameLoaded` once the frame's load event fired.
export function framingPage(url) {
  return `<!DOCTYPE html><html><body><script>window.results = { frameLoaded: false };</script>
<iframe id="victim" width="800" height="600" src="${escapeAttr(url)}" onload="window.results.frameLoaded = true"></iframe></body></html>`;
}

// A local-file widget with the README's loader line (retries until client.js loads).
export function localWidgetPage(port) {
  return `<!DOCTYPE html><html><body><div id="out">none</div>
<script>window.local = { loads: 0, events: [] };
window.addEventListener('onWidgetLoad', () => { window.local.loads += 1; });
window.addEventListener('onEventReceived', (o) => { window.local.events.push(o.detail.listener); });</script>
<script>(function load(){var s=document.createElement('script');s.src='http://127.0.0.1:${port}/client.js';s.onload=function(){streambridge.widget({fieldData:{}})};s.onerror=function(){s.remove();setTimeout(load,1000)};document.head.appendChild(s)})();</script>
</body></html>`;
}
