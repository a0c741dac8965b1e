// The security issue's raw-socket cases that are not about browsers: unidentified sockets and
// max_clients, widget files linked outside their folder, secrets in URLs (status, log,
// --check-config; /healthz: integration local_ws), the modes of files the daemon creates, warnings for readable
// secrets and an open bind, and the widget store's bounds at start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, symlinkSync, statSync, chmodSync, existsSync } from 'node:fs';
import path from 'node:path';
import { startDaemon, tempDir, run, injectTest, withTimeout } from '../integration/lib/daemon.mjs';
import { connect } from '../integration/lib/client.mjs';

const TOKEN = 'a-long-enough-token-0123456789ab';

async function metric(port, name, labels, token) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics${token ? `?token=${token}` : ''}`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels}`));
  return line ? Number(line.split(' ').pop()) : undefined;
}

test('unidentified sockets never take max_clients places: the overlay still connects while 16 wait', async () => {
  const daemon = await startDaemon(`[server]\nport = 0\ntoken = "${TOKEN}"\nmax_clients = 2\n`);
  const waiting = [];
  try {
    const base = `ws://127.0.0.1:${daemon.port}/ws`;
    for (let i = 0; i < 16; i++) {
      const c = connect(base);
      await c.opened;
      await c.until((m) => m.some((x) => x.op === 'hello'), 5000, 'hello');
      waiting.push(c);
    }
    // The 17th waiting socket is refused at once; an authorized one still gets in, twice.
    const extra = connect(base);
    assert.equal((await withTimeout(extra.closed, 5000, 'the 17th closed')).code, 4007);
    const overlays = [connect(`${base}?token=${TOKEN}`), connect(`${base}?token=${TOKEN}`)];
    for (const o of overlays) await o.until((m) => m.some((x) => x.op === 'status'), 5000, 'status after hello');
    const third = connect(`${base}?token=${TOKEN}`);
    assert.equal((await withTimeout(third.closed, 5000, 'the third authorized closed')).code, 4007);
    // A waiting socket that identifies while max_clients are full is told so.
    waiting[0].ws.send(JSON.stringify({ op: 'identify', d: { protocol: 1, token: TOKEN } }));
    assert.equal((await withTimeout(waiting[0].closed, 5000, 'identified over max_clients')).code, 4007);
    // The rest time out (5 s) with 4001.
    const timedOut = await withTimeout(waiting[1].closed, 8000, 'identify timeout');
    assert.equal(timedOut.code, 4001);
    assert.ok((await metric(daemon.port, 'streambridge_clients_refused_total', '{reason="unidentified"}', TOKEN)) >= 1);
    for (const o of overlays) o.ws.close();
  } finally {
    for (const c of waiting) c.ws.terminate();
    await daemon.stop();
  }
});

test('widget files that link outside the widget folder are not served; a linked widget folder is', async () => {
  const dir = tempDir();
  const real = path.join(dir, 'real-widget');
  mkdirSync(real);
  writeFileSync(path.join(real, 'widget.html'), '<div id="w">hi</div>');
  writeFileSync(path.join(dir, 'outside.txt'), 'SECRET-OUTSIDE');
  const evil = path.join(dir, 'evil');
  mkdirSync(evil);
  writeFileSync(path.join(evil, 'widget.html'), '<div>evil</div>');
  symlinkSync(path.join(dir, 'outside.txt'), path.join(evil, 'widget.css'));
  symlinkSync('/etc/passwd', path.join(evil, 'widget.js'));
  symlinkSync(real, path.join(dir, 'linked'));
  const daemon = await startDaemon(`[server]\nport = 0\n[[widget]]\nname = "evil"\npath = "${evil}"\n` +
    `[[widget]]\nname = "linked"\npath = "${path.join(dir, 'linked')}"\n`);
  try {
    const base = `http://127.0.0.1:${daemon.port}/widgets`;
    for (const file of ['widget.css', 'widget.js', '']) {
      const res = await fetch(`${base}/evil/${file}`);
      const body = await res.text();
      assert.equal(res.status, 500, `${file}: ${body}`);
      assert.doesNotMatch(body, /SECRET-OUTSIDE|root:/);
      assert.match(body, /links outside the widget's folder/);
    }
    const ok = await fetch(`${base}/linked/`);
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /<div id="w">hi<\/div>/);
  } finally {
    await daemon.stop();
  }
});

test('secrets in source URLs never reach /status, the log or --check-config; a bad port is an error', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'bad.toml');
  const url = 'wss://user:hunter2@realtime.example:99999/socket?jwt=SECRET-JWT';
  writeFileSync(file, `[[source]]\nname = "se"\ntype = "streamelements"\nurl = "${url}"\ntoken = "x"\n`);
  const checked = await run(['--check-config', file]);
  assert.equal(checked.code, 2, checked.stderr);
  assert.match(checked.stderr, /bad\.toml:4:7: .*"wss:\/\/realtime\.example:99999\/socket"/);
  assert.doesNotMatch(checked.stderr + checked.stdout, /hunter2|SECRET-JWT|jwt=/);
  // A URL that is valid but carries a query: /status and the log show only its redacted form.
  const daemon = await startDaemon(`[server]\nport = 0\n[[source]]\nname = "se"\ntype = "streamelements"\n` +
    `url = "ws://127.0.0.1:1/socket?jwt=SECRET-JWT"\ntoken = "x"\n`);
  try {
    const status = await (await fetch(`http://127.0.0.1:${daemon.port}/status`)).text();
    assert.doesNotMatch(status, /SECRET-JWT/);
    assert.doesNotMatch(daemon.log(), /SECRET-JWT/);
  } finally {
    await daemon.stop();
  }
});

test('the journal and the widget state are created 0600, and an old 0644 journal is tightened', async () => {
  const dir = tempDir();
  const journal = path.join(dir, 'events.jsonl');
  const state = path.join(dir, 'widgets-state.json');
  writeFileSync(journal, '');
  chmodSync(journal, 0o644);
  const daemon = await startDaemon(`[server]\nport = 0\njournal = "${journal}"\n[widgets]\nstate = "${state}"\n`);
  try {
    await injectTest(daemon.port, { kind: 'tip', amount: 1 });
    const ws = connect(`ws://127.0.0.1:${daemon.port}/ws`);
    await ws.until((m) => m.some((x) => x.op === 'status'), 5000, 'status');
    ws.ws.send(JSON.stringify({ op: 'request', d: { id: 1, type: 'se.store.set', key: 'k', value: 1 } }));
    await ws.until((m) => m.some((x) => x.op === 'response'), 5000, 'store.set answered');
    await withTimeout((async () => { while (!existsSync(state)) await new Promise((r) => setTimeout(r, 50)); })(), 5000, 'state file');
    assert.equal(statSync(journal).mode & 0o777, 0o600);
    assert.equal(statSync(state).mode & 0o777, 0o600);
    ws.ws.close();
  } finally {
    await daemon.stop();
  }
});

test('warnings: an inline token in a world-readable config, a short token, a non-loopback bind without a token', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'open.toml');
  writeFileSync(file, '[server]\nbind = "0.0.0.0"\n');
  chmodSync(file, 0o644);
  const open = await run(['--check-config', file]);
  assert.equal(open.code, 0, open.stderr);
  assert.match(open.stderr, /warning: .*open\.toml:\d+:\d+: \[server\]: "bind": "0\.0\.0\.0" is reachable from other machines and no token is set/);
  writeFileSync(file, '[server]\ntoken = "short"\n');
  const short = await run(['--check-config', file]);
  assert.match(short.stderr, /warning: .*the token is shorter than 16 characters/);
  assert.match(short.stderr, /warning: .*open\.toml: the file holds a token or password and is readable by group or others \(mode 644\)/);
  assert.doesNotMatch(short.stderr, /"short"/);
  chmodSync(file, 0o600);
  const tight = await run(['--check-config', file]);
  assert.doesNotMatch(tight.stderr, /readable by group or others/);
});

test('allowed_origins and allowed_hosts entries are checked with file:line:col', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'origins.toml');
  writeFileSync(file, '[server]\nallowed_origins = ["http://ok.example:8080", "http://x.example/"]\nallowed_hosts = ["http://pc.lan"]\n');
  const r = await run(['--check-config', file]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /origins\.toml:2:46: \[server\]: "allowed_origins": "http:\/\/x\.example\/" has a path: an origin is scheme:\/\/host\[:port\] only, with no trailing slash/);
  assert.match(r.stderr, /origins\.toml:3:18: \[server\]: "allowed_hosts": "http:\/\/pc\.lan" is not a host name/);
});

test('a widget store past its bounds in the state file never keeps the daemon from starting', async () => {
  const dir = tempDir();
  const state = path.join(dir, 'widgets-state.json');
  const store = {};
  for (let i = 0; i < 80; i++) store[`k${i}`] = 'v'.repeat(60 * 1024);  // 4.8 MB: over the 4 MiB total
  writeFileSync(state, JSON.stringify({ streambridge: 'widgets', version: 1, session: { values: {}, recents: {}, donators: {} }, store, counters: {} }));
  const daemon = await startDaemon(`[server]\nport = 0\n[widgets]\nstate = "${state}"\n`);
  try {
    await daemon.waitForLog(/store entries over the store's bounds were left out/, 5000);
    assert.equal((await fetch(`http://127.0.0.1:${daemon.port}/healthz`)).status, 200);
  } finally {
    await daemon.stop();
  }
  writeFileSync(state, 'not json at all');
  const again = await startDaemon(`[server]\nport = 0\n[widgets]\nstate = "${state}"\n`);
  try {
    await again.waitForLog(/starting with an empty widget state \(the file was moved to .*\.bad\)/, 5000);
    assert.ok(existsSync(`${state}.bad`));
  } finally {
    await again.stop();
  }
});

test('wrong tokens are throttled per address: after 10, every token is refused unchecked (429, close 4001), counted in /metrics', async () => {
  const daemon = await startDaemon(`[server]\nport = 0\ntoken = "${TOKEN}"\n`);
  try {
    const base = `http://127.0.0.1:${daemon.port}`;
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push((await fetch(`${base}/status?token=guess-${i}`)).status);
    assert.deepEqual(statuses, Array(10).fill(401));
    const throttled = await fetch(`${base}/status?token=guess-10`);
    assert.equal(throttled.status, 429);
    assert.ok(Number(throttled.headers.get('retry-after')) >= 1);
    // The right token too, while throttled: a guesser learns nothing from the answer.
    assert.equal((await fetch(`${base}/status?token=${TOKEN}`)).status, 429);
    const ws = connect(`ws://127.0.0.1:${daemon.port}/ws?token=${TOKEN}`);
    assert.equal((await withTimeout(ws.closed, 5000, 'throttled socket closed')).code, 4001);
    await daemon.waitForLog(/too many wrong tokens from this address/, 5000);
    // Without a token, /healthz and the pages still answer.
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    // About a second later the bucket has room again: the right token works, and /metrics counts.
    const metrics = await withTimeout((async () => {
      for (;;) {
        const res = await fetch(`${base}/metrics?token=${TOKEN}`);
        if (res.status === 200) return res.text();
        await new Promise((r) => setTimeout(r, 100));
      }
    })(), 5000, 'the throttle to let the right token through');
    assert.match(metrics, /streambridge_token_failures_total 10\n/);
    assert.match(metrics, /streambridge_clients_refused_total\{reason="token_throttled"\} [1-9]/);
  } finally {
    await daemon.stop();
  }
});
