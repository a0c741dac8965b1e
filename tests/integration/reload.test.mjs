// SIGHUP reloads the config file: local clients stay connected, unchanged sources keep
// running, new ones start, removed ones stop, and a bad file changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startDaemon } from './lib/daemon.mjs';
import { connect } from './lib/client.mjs';

const source = (name, interval = '20ms') => `[[source]]\nname = "${name}"\ntype = "demo"\ninterval = "${interval}"\n`;

test('SIGHUP: sources are reconciled, clients stay, live server settings apply, a bad file is refused', async () => {
  const daemon = await startDaemon(`[server]\nport = 0\n${source('a')}`);
  const file = path.join(daemon.dir, 'streambridge.toml');
  try {
    const c = connect(`ws://127.0.0.1:${daemon.port}/ws?kinds=chat_message`);
    await c.until(() => c.events().some((e) => e.source === 'a'), 15000, 'an event from a');
    const port = daemon.port;

    // Add b, keep a unchanged, change a server limit.
    writeFileSync(file, `[server]\nport = 0\nmax_clients = 1\n${source('a')}${source('b')}`);
    daemon.proc.kill('SIGHUP');
    await daemon.waitForLog(/SIGHUP: configuration reloaded: sources kept \[a\], started \[b\], stopped \[\]/);
    await c.until(() => c.events().some((e) => e.source === 'b'), 15000, 'an event from b');
    // port = 0 again: a bind change would need a restart, but "any port" is the same setting.
    assert.equal((await connect(`ws://127.0.0.1:${port}/ws`).closed).code, 4007);  // max_clients = 1 is live

    // A bad file: errors with their place, the running config stays.
    writeFileSync(file, `[server]\nport = 0\nmax_clients = 1\n${source('a')}${source('b')}tpyo = 1\n`);
    daemon.proc.kill('SIGHUP');
    await daemon.waitForLog(/streambridge.toml:\d+:\d+: .*unknown key "tpyo"/);
    await daemon.waitForLog(/SIGHUP: the configuration was not reloaded/);

    // Remove a, change b's interval (restarted), a port change is only logged.
    writeFileSync(file, `[server]\nport = 1\n${source('b', '30ms')}`);
    daemon.proc.kill('SIGHUP');
    await daemon.waitForLog(/sources kept \[\], started \[b\], stopped \[a, b\]/);
    await daemon.waitForLog(/a change of \[server\] bind\/port takes effect after a restart/);
    const status = await (await fetch(`http://127.0.0.1:${port}/status`)).json();
    assert.deepEqual(status.sources.map((s) => s.name), ['b']);
    // The client was never dropped.
    assert.equal(c.ws.readyState, 1);
    const seqs = c.events().map((e) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y));
  } finally {
    await daemon.stop();
  }
});
