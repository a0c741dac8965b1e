// The three bridges under test and how each is started against a fresh bench_upstream: the
// streambridge daemon (a benchmark config in a temporary folder), the Node reference
// (tests/bench/reference/bridge.mjs) and the ceiling (bench_ceiling). Each start reports the
// local port, spawn -> listening and spawn -> authenticated upstream.
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Proc } from './proc.mjs';

export const TARGETS = ['streambridge', 'reference', 'ceiling'];

const here = path.dirname(new URL(import.meta.url).pathname);

// port = 0: any free port, read back from the log. client_queue above any bounded run, so a
// subscriber that falls behind shows as latency and only a real overflow as a gap. The level
// is info because the port line is an info line (per-event work logs nothing at info).
function daemonConfig(upstreamPort, eio) {
  return `[server]
bind = "127.0.0.1"
port = 0
client_queue = 200000
max_clients = 2000
max_messages_per_second = 1000

[log]
level = "info"

[[source]]
name = "bench"
type = "streamelements"
transport = "realtime"
url = "ws://127.0.0.1:${upstreamPort}"
auth_method = "apikey"
token = "x"
eio = "${eio}"
`;
}

export async function startUpstream(build) {
  const upstream = new Proc('bench_upstream', path.join(build, 'tests/bench_upstream'), []);
  const { port } = await upstream.json('port', 10000);
  upstream.port = port;
  return upstream;
}

// Starts `name` against `upstream`; resolves once it listens and its source is authenticated.
// `extraConfig`: more TOML for the daemon (an [[mqtt]] output).
export async function startTarget(name, { build, upstream, eio = 4, extraConfig = '' }) {
  let proc;
  let portFrom;
  let cleanup = () => {};
  if (name === 'streambridge') {
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-bench-'));
    const config = path.join(dir, 'bench.toml');
    writeFileSync(config, daemonConfig(upstream.port, eio) + extraConfig);
    cleanup = () => rmSync(dir, { recursive: true, force: true });
    proc = new Proc(name, path.join(build, 'daemon/streambridged'), ['--config', config]);
    portFrom = (line) => {
      const m = line.match(/local API listening on http:\/\/127\.0\.0\.1:(\d+)/);
      return m ? { port: Number(m[1]) } : undefined;
    };
  } else {
    proc = name === 'reference'
      ? new Proc(name, process.execPath, [path.join(here, '../reference/bridge.mjs'), `ws://127.0.0.1:${upstream.port}`])
      : new Proc(name, path.join(build, 'tests/bench_ceiling'),
        ['--upstream', `ws://127.0.0.1:${upstream.port}/socket.io/?EIO=4&transport=websocket`]);
    portFrom = (line) => {
      const m = line.match(/^\{"port":(\d+)\}$/);
      return m ? { port: Number(m[1]) } : undefined;
    };
  }
  const listening = await proc.waitFor(portFrom, 20000, 'listening line');
  const authenticated = await upstream.json('authenticated', 20000);
  return {
    name,
    proc,
    pid: proc.pid,
    port: listening.port,
    listeningMs: listening.at - proc.startedAt,
    authenticatedMs: authenticated.at - proc.startedAt,
    async stop() {
      await proc.stop();
      cleanup();
    },
  };
}
