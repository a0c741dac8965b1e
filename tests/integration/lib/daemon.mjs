// Starts the real streambridged on a temporary config and watches its log. Tests wait on
// states (a log line, a message), each with a bounded timeout, never on sleeps.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = process.env.STREAMBRIDGED;
export const SOURCE_DIR = process.env.STREAMBRIDGE_SOURCE_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
if (!BIN) throw new Error('STREAMBRIDGED (path of the daemon binary) is not set: run the tests through ctest');

// The Windows exe (STREAMBRIDGED=.../streambridged.exe) runs under Wine: headless, in the
// WINEPREFIX the ctest fixture "windows: wine prefix" booted once for the whole run
// (tests/windows/wine_prefix.sh). Its console is Wine's: a SIGINT to the process is a Ctrl+C,
// which stops the daemon cleanly as on Windows; SIGHUP and SIGTERM have no Windows meaning.
export const WINE = BIN.endsWith('.exe');
const WINE64 = process.env.STREAMBRIDGE_WINE ?? (existsSync('/usr/lib/wine/wine64') ? '/usr/lib/wine/wine64' : 'wine64');
// For test(..., { skip: needsPosixSignal('SIGHUP') }): a reason under Wine, false on Linux.
export const needsPosixSignal = (what) => (WINE ? `needs ${what}, which Windows has no equivalent of here (the SCM test covers reload and stop)` : false);
// A path the daemon can open: under Wine, Z: is the Linux root (forward slashes suit both TOML
// strings and Windows).
export const hostPath = (p) => (WINE ? `Z:${path.resolve(p)}` : p);
// How to start the daemon: [program, args, env].
function command(args, env) {
  const full = { ...process.env, ...env };
  if (!WINE) return [BIN, args, full];
  return [WINE64, [BIN, ...args], { WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=', ...full }];
}
// Log lines on Windows end with CRLF.
const chomp = (line) => (line.endsWith('\r') ? line.slice(0, -1) : line);

export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function run(args, { env = {}, timeout = 20000 } = {}) {
  return withTimeout(new Promise((resolve) => {
    const [program, argv, fullEnv] = command(args, env);
    const proc = spawn(program, argv, { env: fullEnv });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stderr.on('data', (d) => { stderr += d; });
    const crlf = (text) => (WINE ? text.replaceAll('\r\n', '\n') : text);
    proc.on('exit', (code) => resolve({ code, stdout: crlf(stdout), stderr: crlf(stderr) }));
  }), timeout, `streambridged ${args.join(' ')}`);
}

// A config with the demo source on any free port; `server` lines go into [server].
export function demoConfig({ interval = '20ms', server = '', extra = '' } = {}) {
  return `[server]\nport = 0\n${server}\n[[source]]\nname = "demo"\ntype = "demo"\ninterval = "${interval}"\n${extra}\n`;
}

export function tempDir() {
  return mkdtempSync(path.join(tmpdir(), 'sb-it-'));
}

// Daemons still running when the test process exits (a failed test that did not stop its
// daemon, or --test-force-exit) are killed, never left behind.
const running = new Set();
process.on('exit', () => { for (const proc of running) proc.kill('SIGKILL'); });

export async function startDaemon(configText, { env = {}, args = [] } = {}) {
  const dir = tempDir();
  const configPath = path.join(dir, 'streambridge.toml');
  writeFileSync(configPath, configText);
  const [program, argv, fullEnv] = command(['--config', hostPath(configPath), ...args], env);
  const proc = spawn(program, argv, { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  const waiters = [];
  let partial = '';
  const onData = (chunk) => {
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop();
    for (const raw of parts) {
      const line = chomp(raw);
      lines.push(line);
      if (process.env.SB_TEST_VERBOSE) console.error('[daemon]', line);
      for (const w of [...waiters]) {
        const m = line.match(w.re);
        if (m) { waiters.splice(waiters.indexOf(w), 1); w.resolve(m); }
      }
    }
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  running.add(proc);
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => { running.delete(proc); resolve({ code, signal }); }));

  const waitForLog = (re, ms = 15000) => {
    for (const line of lines) { const m = line.match(re); if (m) return Promise.resolve(m); }
    return withTimeout(new Promise((resolve) => waiters.push({ re, resolve })), ms, `log line ${re}`);
  };

  // Resolves once `n` log lines (so far or to come) match `re`.
  const waitForLines = (re, n, ms = 15000) => {
    const count = () => lines.filter((l) => re.test(l)).length;
    if (count() >= n) return Promise.resolve(count());
    return withTimeout(new Promise((resolve) => {
      const w = { re: /(?:)/, resolve: () => {} };
      w.resolve = () => {
        if (count() >= n) resolve(count());
        else waiters.push(w);  // not yet: keep watching
      };
      waiters.push(w);
    }), ms, `${n} log lines ${re}`);
  };

  let port;
  try {
    const m = await Promise.race([
      waitForLog(/local API listening on http:\/\/\S+:(\d+)/),
      exited.then((r) => { throw new Error(`daemon exited early (${JSON.stringify(r)}):\n${lines.join('\n')}`); }),
    ]);
    port = Number(m[1]);
  } catch (e) {
    proc.kill('SIGKILL');
    throw e;
  }

  let stopped = null;
  const stop = (signal = 'SIGTERM') => {
    if (!stopped) {
      // Under Wine a clean stop is a Ctrl+C (SIGINT); SIGKILL stays SIGKILL.
      proc.kill(WINE && (signal === 'SIGTERM' || signal === 'SIGINT') ? 'SIGINT' : signal);
      stopped = withTimeout(exited, 15000, 'daemon exit')
        .then((r) => {
          // A clean stop exits 0; anything else (a sanitizer abort, a crash) fails the test.
          if (signal === 'SIGTERM' || signal === 'SIGINT') {
            if (r.code !== 0) throw new Error(`daemon exited with ${JSON.stringify(r)} on ${signal}:\n${lines.slice(-40).join('\n')}`);
          }
          return r;
        })
        .finally(() => rmSync(dir, { recursive: true, force: true }));
    }
    return stopped;
  };
  return { port, proc, lines, log: () => lines.join('\n'), waitForLog, waitForLines, stop, exited, dir };
}

// A TCP port that was free a moment ago (for a daemon that must come back on the same port).
export async function freePort() {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// POST /test: injects a test event; resolves to {seq, id}.
export async function injectTest(port, event, { token, origin } = {}) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (origin) headers.Origin = origin;
  const res = await fetch(`http://127.0.0.1:${port}/test`, { method: 'POST', headers, body: JSON.stringify(event) });
  const text = await res.text();
  if (res.status !== 200) throw Object.assign(new Error(`POST /test: HTTP ${res.status}: ${text}`), { status: res.status });
  return JSON.parse(text);
}
