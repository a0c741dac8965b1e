// The command line: --version, --help, --check-config (exit 0 / 2 with file:line:col errors),
// bad options, and start-up failures with clear messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { run, tempDir, SOURCE_DIR, WINE } from './lib/daemon.mjs';

test('--version and --help', async () => {
  const version = await run(['--version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^streambridged \d+\.\d+\.\d+\n$/);
  const help = await run(['--help']);
  assert.equal(help.code, 0);
  for (const option of ['--config', '--check-config', '--log-level', '--version', '--help'])
    assert.ok(help.stdout.includes(option), option);
});

test('--check-config: the example config is valid', async () => {
  const file = path.join(SOURCE_DIR, 'config/streambridge.toml');
  const result = await run(['--check-config', file]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `${file}: ok\n`);
});

test('--check-config: errors with file:line:column, exit 2', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'bad.toml');
  writeFileSync(file, '[server]\nport = 99999\n\n[[source]]\nname = "se-main"\ntype = "streamelements"\n        tokn = "x"\n');
  try {
    const result = await run(['--check-config', file]);
    assert.equal(result.code, 2);
    assert.ok(result.stderr.includes(`error: ${file}:2:8: [server]: "port" must be between 0 and 65535, got 99999`), result.stderr);
    assert.ok(result.stderr.includes(`error: ${file}:7:9: source "se-main": unknown key "tokn" (did you mean "token"?)`), result.stderr);
    // Running the daemon on it fails the same way, before anything starts.
    const start = await run(['--config', file]);
    assert.equal(start.code, 2);
    assert.ok(start.stderr.includes('unknown key "tokn"'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad command lines exit 2 with a hint', async () => {
  const unknown = await run(['--frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unrecognised option '--frobnicate'|unrecognized option/);
  const level = await run(['--log-level', 'loud', '--check-config', path.join(SOURCE_DIR, 'config/streambridge.toml')]);
  assert.equal(level.code, 0, 'check-config ignores the log level');
  const badLevel = await run(['--log-level', 'loud', '--config', path.join(SOURCE_DIR, 'config/streambridge.toml')]);
  assert.equal(badLevel.code, 2);
  assert.match(badLevel.stderr, /--log-level must be trace, debug, info, warn or error/);
  const missing = await run(['--config', '/nonexistent/streambridge.toml']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /\/nonexistent\/streambridge.toml: cannot read the config file: No such file or directory/);
});

test('the Windows service options are refused on Linux (exit 2)', { skip: WINE && 'Linux only (the exe under Wine: tests/windows/wine_exe_service_test.sh)' }, async () => {
  for (const option of ['--service', '--install-service', '--uninstall-service']) {
    const result = await run([option, '--config', path.join(SOURCE_DIR, 'config/streambridge.toml')]);
    assert.equal(result.code, 2, option);
    assert.match(result.stderr, /--service, --install-service and --uninstall-service are Windows only/, option);
  }
  const help = await run(['--help']);
  for (const option of ['--service', '--install-service', '--uninstall-service']) assert.ok(help.stdout.includes(option), option);
});

test('a port already in use is a clear start-up error (exit 1)', async () => {
  const blocker = net.createServer();
  await new Promise((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const { port } = blocker.address();
  const dir = tempDir();
  const file = path.join(dir, 'c.toml');
  writeFileSync(file, `[server]\nport = ${port}\n`);
  try {
    const result = await run(['--config', file]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: Address already in use`));
  } finally {
    blocker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('under journald (JOURNAL_STREAM set) each line carries its syslog priority, without a timestamp', async () => {
  const { startDaemon } = await import('./lib/daemon.mjs');
  const daemon = await startDaemon('[server]\nport = 0\n', { env: { JOURNAL_STREAM: '8:12345' } });
  try {
    await daemon.waitForLog(/no \[\[source\]\] configured/);
    const listening = daemon.lines.find((l) => l.includes('local API listening'));
    assert.match(listening, /^<6>info local API listening/);
    assert.match(daemon.lines.find((l) => l.includes('no [[source]] configured')), /^<4>warning /);
    // `journalctl -p warning` keeps the warnings and drops the info lines.
    assert.ok(daemon.lines.every((l) => /^<[3467]>(error|warning|info|debug|trace|critical) /.test(l)), daemon.log());
  } finally {
    await daemon.stop();
  }
  // Without it: the timestamped format for a terminal or a file (unless the tests themselves
  // run under journald, which every daemon they start inherits).
  if (process.env.JOURNAL_STREAM) return;
  const plain = await startDaemon('[server]\nport = 0\n');
  try {
    assert.match(plain.lines[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} info /);
  } finally {
    await plain.stop();
  }
});
