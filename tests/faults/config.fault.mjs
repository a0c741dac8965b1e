// Hostile config files: TOML nested 50,000 deep (arrays, dotted keys, inline tables), a
// directory, /dev/zero, a FIFO (must not block), a 2 MB file, token_file at /dev/zero or a FIFO,
// a 1 MB unknown key. `--check-config` exits 2 with short `file:line:col:` errors; on SIGHUP the
// same files are refused and the daemon keeps running and serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync, rmSync, symlinkSync, openSync, closeSync, constants } from 'node:fs';
import path from 'node:path';
import { run, startDaemon, tempDir } from '../integration/lib/daemon.mjs';
import { connect } from '../integration/lib/client.mjs';
import { rssMiB, rssLimit, asanEnv, httpGet, assertContiguous } from '../integration/lib/faults.mjs';

const DEEP = 50000;
const deepArrays = `x = ${'['.repeat(DEEP)}${']'.repeat(DEEP)}\n`;
const deepDotted = `${Array(DEEP).fill('a').join('.')} = 1\n`;
const deepInline = `x = ${'{a = '.repeat(DEEP)}1${'}'.repeat(DEEP)}\n`;
const deepTables = `[${Array(DEEP).fill('t').join('.')}]\nk = 1\n`;
const twoMegabytes = '# padding padding padding padding padding padding padding padding\n'.repeat(32000);
const bigKey = `${'k'.repeat(1000000)} = 1\n`;  // just under the 1 MiB file limit: parsed, unknown
const seWithTokenFile = (file) => `[[source]]\nname = "se"\ntype = "streamelements"\ntoken_file = "${file}"\n`;

// Each case: how to make it at `file` (content or a special file), and what the error says.
function cases(dir) {
  const fifo = path.join(dir, 'token.fifo');
  return [
    { name: 'arrays nested 50,000 deep', text: deepArrays, error: /:1:\d+: nested more than \d+ levels deep/ },
    { name: 'dotted keys 50,000 deep', text: deepDotted, error: /:1:\d+: nested more than \d+ levels deep/ },
    { name: 'inline tables 50,000 deep', text: deepInline, error: /:1:\d+: nested more than \d+ levels deep/ },
    { name: 'a table header 50,000 deep', text: deepTables, error: /:1:\d+: nested more than \d+ levels deep/ },
    { name: 'a directory', make: (file) => mkdirSync(file), error: /: cannot read the config file: is a directory/ },
    { name: '/dev/zero', make: (file) => symlinkSync('/dev/zero', file), error: /: cannot read the config file: is not a regular file/ },
    { name: 'a FIFO', make: (file) => execFileSync('mkfifo', [file]), error: /: cannot read the config file: is not a regular file/ },
    { name: 'a 2 MB file', text: twoMegabytes, error: /: cannot read the config file: is larger than \d+ bytes/ },
    { name: 'token_file = /dev/zero', text: seWithTokenFile('/dev/zero'), error: /:4:\d+: source "se": cannot read token_file "\/dev\/zero": is not a regular file/ },
    {
      name: 'token_file = a FIFO', text: seWithTokenFile(fifo), before: () => execFileSync('mkfifo', [fifo]),
      error: /:4:\d+: source "se": cannot read token_file ".*token.fifo": is not a regular file/,
    },
    { name: 'a 1 MB unknown key', text: bigKey, error: /:1:1: unknown key "k+\.\.\. \(\d+ more bytes\)"/ },
  ];
}

function place(file, c) {
  rmSync(file, { recursive: true, force: true });
  c.before?.();
  if (c.make) c.make(file);
  else writeFileSync(file, c.text);
}

// A FIFO someone opened for reading and never got a writer: let it go (no-op otherwise).
function releaseFifo(fifo) {
  try { closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK)); } catch { /* no reader, or not a FIFO */ }
}

test('--check-config: every hostile file exits 2 at once with one short error naming its place', async () => {
  const dir = tempDir();
  try {
    for (const c of cases(dir)) {
      const file = path.join(dir, 'bad.toml');
      place(file, c);
      const started = Date.now();
      let r;
      try {
        r = await run(['--check-config', file], { timeout: 5000 });
      } finally {
        releaseFifo(file);
        releaseFifo(path.join(dir, 'token.fifo'));
      }
      const out = r.stdout + r.stderr;
      assert.equal(r.code, 2, `${c.name}: exit 2, got ${r.code}: ${out.slice(0, 300)}`);
      assert.match(out, new RegExp(`error: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`), `${c.name}: the file is named`);
      assert.match(out, c.error, `${c.name}: ${out.slice(0, 300)}`);
      for (const line of out.split('\n')) assert.ok(line.length < 400, `${c.name}: a line of ${line.length} bytes`);
      assert.ok(Date.now() - started < 4000, `${c.name}: took ${Date.now() - started} ms`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGHUP with each hostile file: refused with the error, the daemon keeps running and serving', async (t) => {
  const good = '[server]\nport = 0\n[[source]]\nname = "demo"\ntype = "demo"\ninterval = "20ms"\n';
  const daemon = await startDaemon(good, { env: asanEnv() });
  const file = path.join(daemon.dir, 'streambridge.toml');
  try {
    const c = connect(`ws://127.0.0.1:${daemon.port}/ws?chat=1`);
    await c.untilEvents(3);
    const baseline = rssMiB(daemon.proc.pid);
    let refused = 0;
    for (const k of cases(daemon.dir)) {
      place(file, k);
      const errorsBefore = daemon.lines.filter((l) => k.error.test(l)).length;
      daemon.proc.kill('SIGHUP');
      try {
        refused += 1;
        await daemon.waitForLines(/SIGHUP: the configuration was not reloaded/, refused, 5000);
      } catch (e) {
        throw new Error(`${k.name}: ${e.message}\n${daemon.lines.slice(-10).join('\n')}`);
      } finally {
        releaseFifo(file);
        releaseFifo(path.join(daemon.dir, 'token.fifo'));
      }
      assert.equal(daemon.lines.filter((l) => k.error.test(l)).length, errorsBefore + 1, `${k.name}: its error is logged once`);
      // The reactor is not stuck: /healthz answers at once, events still flow.
      const r = await httpGet(daemon.port, '/healthz', { timeout: 1000 });
      assert.equal(r.status, 200, `${k.name}: /healthz`);
      const seen = c.events().length;
      await c.until(() => c.events().length > seen, 2000, `${k.name}: events still flowing`);
    }
    const long = daemon.lines.filter((l) => l.length >= 400);
    assert.deepEqual(long.map((l) => l.slice(0, 200)), [], 'no log line of 400 bytes or more');
    // A good file again is taken.
    rmSync(file, { recursive: true, force: true });
    writeFileSync(file, good);
    daemon.proc.kill('SIGHUP');
    await daemon.waitForLog(/SIGHUP: configuration reloaded: sources kept \[demo\], started \[\], stopped \[\]/, 5000);
    const rss = rssMiB(daemon.proc.pid);
    t.diagnostic(`RSS ${baseline.toFixed(1)} MiB before the bad files, ${rss.toFixed(1)} MiB after`);
    assert.ok(rss < baseline + rssLimit(daemon.proc.pid, 32), `RSS bounded: ${baseline.toFixed(1)} -> ${rss.toFixed(1)} MiB`);
    assert.equal(c.ws.readyState, 1, 'the client was never dropped');
    assertContiguous(c.events().map((e) => e.seq), 'the client');
  } finally {
    await daemon.stop();
  }
});

// Found while writing this suite: `--check-config` accepted a `bind` that is not an IP address,
// which the daemon then refused at start (exit 1).
test('--check-config refuses a [server] bind that is not an IP address', async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'bind.toml');
    writeFileSync(file, '[server]\nport = 0\nbind = "not-an-ip"\n');
    const r = await run(['--check-config', file]);
    assert.equal(r.code, 2, `exit 2 expected, got ${r.code}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout + r.stderr, /bind\.toml:3:\d+: .*not an IP address/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
