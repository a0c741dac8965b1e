// Helpers for the fault suite (tests/faults): the daemon's memory and CPU time from /proc,
// bounded polling of HTTP state, delivery checks (seqs once, in order, or in an exact gap), a
// hand-made WebSocket client over node:net that can stop reading, an SSE reader, a
// StreamElements stand-in on socket.io 2.5 (Engine.IO 3), and expired / wrong-name certificates.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import http from 'node:http';
import crypto from 'node:crypto';
import assert from 'node:assert/strict';
import { withTimeout } from './daemon.mjs';
import { startSocketIo } from './upstream.mjs';

// Resident memory of a process, in MiB (VmRSS of /proc/PID/status).
export function rssMiB(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)\s+kB/);
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) / 1024;
}

// User + system CPU time of a process, in seconds (/proc/PID/stat, USER_HZ = 100 on Linux).
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

// A daemon built with AddressSanitizer (scripts/test.sh --sanitize) has shadow memory and keeps
// freed blocks in quarantine: memory bounds get headroom for it, and the quarantine is capped
// (asanEnv(), harmless for a normal build) so a bound still catches a leak or an unbounded queue.
export function isSanitized(pid) {
  try { return /libasan/.test(readFileSync(`/proc/${pid}/maps`, 'utf8')); } catch { return false; }
}
export const asanEnv = () => ({ ASAN_OPTIONS: [process.env.ASAN_OPTIONS, 'quarantine_size_mb=16'].filter(Boolean).join(':') });
export const rssLimit = (pid, mib) => (isSanitized(pid) ? mib * 2 + 64 : mib);

// Samples a process's RSS every `every` ms until stop(); max() is the highest seen.
export function rssMonitor(pid, every = 100) {
  let max = 0;
  const samples = [];
  const sample = () => {
    try {
      const v = rssMiB(pid);
      samples.push(v);
      max = Math.max(max, v);
    } catch { /* the process is gone: the test's own checks say so */ }
  };
  sample();
  const timer = setInterval(sample, every);
  return { max: () => max, samples, stop() { clearInterval(timer); sample(); return max; } };
}

// Polls `check` (sync or async) until it returns a truthy value; bounded by `ms`.
export function waitFor(check, ms, what, every = 50) {
  let stop = false;
  const loop = async () => {
    for (;;) {
      const v = await check();
      if (v) return v;
      if (stop) return undefined;
      await new Promise((r) => setTimeout(r, every));
    }
  };
  return withTimeout(loop(), ms, what).finally(() => { stop = true; });
}

// A short pause, only where a negative is asserted ("nothing bad within the next N ms").
export const settle = (ms) => new Promise((r) => setTimeout(r, ms));

// GET over a fresh connection (no keep-alive pool): {status, body, headers}.
export function httpGet(port, path, { headers = {}, timeout = 5000 } = {}) {
  return withTimeout(new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
  }), timeout, `GET ${path}`);
}

export async function getJson(port, path) {
  const r = await httpGet(port, path);
  if (r.status !== 200) throw new Error(`GET ${path}: HTTP ${r.status}: ${r.body}`);
  return JSON.parse(r.body);
}

// The value of a metric without labels (or the first sample of a labelled one).
export async function metric(port, name) {
  const { body } = await httpGet(port, '/metrics');
  const line = body.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  if (!line) throw new Error(`metric ${name} not in /metrics`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

// One source's entry of GET /status.
export async function sourceStatus(port, name) {
  const status = await getJson(port, '/status');
  const s = status.sources.find((x) => x.name === name);
  if (!s) throw new Error(`no source "${name}" in /status: ${JSON.stringify(status)}`);
  return s;
}

// Every event once and in order: strictly increasing seqs (so no duplicate, no reordering).
export function assertStrictlyIncreasing(events, label) {
  for (let i = 1; i < events.length; i++) {
    if (!(events[i].seq > events[i - 1].seq)) {
      assert.fail(`${label}: seq ${events[i].seq} after ${events[i - 1].seq} at index ${i}`);
    }
  }
}

// No hole either: consecutive seqs of one source's events seen by an unfiltered client.
export function assertContiguous(seqs, label) {
  for (let i = 1; i < seqs.length; i++) {
    if (seqs[i] !== seqs[i - 1] + 1) assert.fail(`${label}: seq ${seqs[i]} after ${seqs[i - 1]} at index ${i}`);
  }
}

// A masked client text frame (RFC 6455 5.2), as a browser would send it.
export function maskedTextFrame(text) {
  const payload = Buffer.from(text);
  const mask = crypto.randomBytes(4);
  let head;
  if (payload.length < 126) {
    head = Buffer.from([0x81, 0x80 | payload.length]);
  } else if (payload.length < 65536) {
    head = Buffer.alloc(4);
    head[0] = 0x81; head[1] = 0x80 | 126; head.writeUInt16BE(payload.length, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = 0x81; head[1] = 0x80 | 127; head.writeBigUInt64BE(BigInt(payload.length), 2);
  }
  const body = Buffer.alloc(payload.length);
  for (let i = 0; i < payload.length; i++) body[i] = payload[i] ^ mask[i % 4];
  return Buffer.concat([head, mask, body]);
}

// A WebSocket client made by hand over node:net: the upgrade is read, then the socket is
// paused (with `read: false`), so the client only writes and never reads again.
export function rawWebSocket(port, path = '/ws', { read = false } = {}) {
  return withTimeout(new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const key = crypto.randomBytes(16).toString('base64');
    let head = Buffer.alloc(0);
    socket.once('error', reject);
    socket.on('connect', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
        + `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    const onData = (d) => {
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const status = head.subarray(0, head.indexOf('\r\n')).toString();
      if (!/^HTTP\/1\.1 101/.test(status)) { socket.destroy(); reject(new Error(`upgrade refused: ${status}`)); return; }
      if (!read) socket.pause();
      const closed = new Promise((r) => socket.on('close', r));
      socket.on('error', () => {});
      resolve({ socket, closed, send: (obj) => socket.write(maskedTextFrame(typeof obj === 'string' ? obj : JSON.stringify(obj))) });
    };
    socket.on('data', onData);
  }), 10000, `raw WebSocket upgrade of ${path}`);
}

// A StreamElements realtime stand-in on socket.io 2.5: answers any `authenticate` with
// `authenticated`, then calls onAuthenticated(socket). `sockets` are the live sessions.
export async function startStreamElements({ onAuthenticated = () => {}, ...options } = {}) {
  const up = await startSocketIo({ version: 2, ...options });
  const state = { connections: 0, authenticated: 0, sockets: new Set() };
  const tcp = new Set();
  up.server.on('connection', (s) => { tcp.add(s); s.on('close', () => tcp.delete(s)); });
  up.io.on('connection', (socket) => {
    state.connections += 1;
    state.sockets.add(socket);
    socket.on('disconnect', () => state.sockets.delete(socket));
    socket.on('authenticate', () => {
      state.authenticated += 1;
      socket.emit('authenticated', { channelId: 'fau1t5', clientId: 'c1', message: 'ok', project: 'realtime' });
      onAuthenticated(socket);
    });
  });
  // dropAll(): every TCP connection destroyed at once (no close frame); the server keeps listening.
  return { ...up, state, dropAll() { for (const s of tcp) s.destroy(); } };
}

// A [[source]] of type streamelements (realtime, Engine.IO 3, API key) for `url`.
export function seSource(name, url, extra = '') {
  return `[[source]]\nname = "${name}"\ntype = "streamelements"\nurl = "${url}"\nauth_method = "apikey"\ntoken = "x"\neio = "3"\n${extra}\n`;
}

export const demoSource = (name, interval = '20ms') => `[[source]]\nname = "${name}"\ntype = "demo"\ninterval = "${interval}"\n`;

// A StreamElements tip activity with its own ids (activity and tip) and amount `n`, so that
// neither the id rule nor the fingerprint rule of dedup takes two of them for one event.
export function seTip(n, tag = 0) {
  const hex = (v) => v.toString(16).padStart(24, '0');
  const id = hex(0xfa000000000 + tag * 0x100000 + n);
  return {
    type: 'tip',
    provider: 'twitch',
    channel: '5d1b97ed15d716160eb048ec',
    createdAt: new Date().toISOString(),
    data: { amount: n, currency: 'USD', username: `tipper${tag}`, tipId: hex(0xfb000000000 + tag * 0x100000 + n), message: `tip ${n}` },
    _id: id,
    activityId: id,
  };
}

// Reads server (unmasked) WebSocket frames from `socket` until a close frame; resolves to
// {code, reason, frames, bytes}. Resumes a paused socket.
export function readUntilClose(socket, ms = 15000) {
  return withTimeout(new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let frames = 0;
    let bytes = 0;
    const onData = (d) => {
      bytes += d.length;
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      for (;;) {
        if (buf.length < 2) return;
        const opcode = buf[0] & 0x0f;
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
        else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
        if (buf.length < off + len) return;
        const payload = buf.subarray(off, off + len);
        buf = buf.subarray(off + len);
        frames += 1;
        if (opcode === 8) {
          socket.off('data', onData);
          resolve({ code: payload.length >= 2 ? payload.readUInt16BE(0) : null, reason: payload.subarray(2).toString(), frames, bytes });
          return;
        }
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`connection closed without a close frame after ${frames} frames, ${bytes} bytes`)));
    socket.resume();
  }), ms, 'a close frame');
}

// A GET /events reader: collects the raw text and splits it into blocks (one per dispatched
// SSE message). `close()` ends it.
export function sseReader(port, path = '/events') {
  let text = '';
  let res;
  const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (r) => {
    res = r;
    r.setEncoding('utf8');
    r.on('data', (d) => { text += d; });
  });
  req.on('error', () => {});
  // Complete blocks only: everything before the last blank line.
  const blocks = () => {
    const end = text.lastIndexOf('\n\n');
    return end < 0 ? [] : text.slice(0, end).split('\n\n').filter((b) => b.length > 0);
  };
  return { text: () => text, blocks, status: () => res?.statusCode, close() { req.destroy(); } };
}

// Every seq from `first` to `last` is covered exactly once, by an event or by one gap naming
// it (gaps with the right `missed`), in order. `messages` are a client's {op, d} in arrival order.
export function assertSeqsCovered(messages, first, last, label) {
  let next = first;
  for (const m of messages) {
    if (m.op === 'event') {
      if (m.d.seq > last) break;
      if (m.d.seq !== next) assert.fail(`${label}: event seq ${m.d.seq} where ${next} was due (a silent hole or a duplicate)`);
      next += 1;
    } else if (m.op === 'gap' && m.d.reason !== 'restart') {
      const { from, to, missed } = m.d;
      if (from !== next) assert.fail(`${label}: gap ${JSON.stringify(m.d)} where seq ${next} was due`);
      assert.equal(missed, to - from + 1, `${label}: gap ${JSON.stringify(m.d)} counts its seqs`);
      next = to + 1;
    }
  }
  assert.equal(next, last + 1, `${label}: covered up to ${next - 1} of ${last}`);
}

// More certificates signed by the test CA of upstream.mjs's makeCertificates(): one that
// expired in 2020 (for localhost/127.0.0.1), one for other names (wrong.example, 10.9.9.9).
export function makeFaultCertificates(certs) {
  const f = (name) => path.join(certs.dir, name);
  const openssl = (...args) => execFileSync('openssl', args, { stdio: 'pipe', cwd: certs.dir });
  writeFileSync(f('index.txt'), '');
  writeFileSync(f('serial'), '1000\n');
  const caConfig = (san) => `[ca]\ndefault_ca = test\n[test]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\n`
    + `default_md = sha256\npolicy = any\ncopy_extensions = none\nx509_extensions = ext\nunique_subject = no\n[any]\ncommonName = supplied\n`
    + `[ext]\nsubjectAltName = ${san}\n`;
  const make = (name, cn, san, dates) => {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`);
    writeFileSync(f(`${name}.cnf`), caConfig(san));
    openssl('ca', '-batch', '-config', f(`${name}.cnf`), '-cert', f('ca.pem'), '-keyfile', f('ca.key'), '-in', f(`${name}.csr`),
      '-out', f(`${name}.pem`), '-notext', ...dates);
    return { key: readFileSync(f(`${name}.key`)), cert: readFileSync(f(`${name}.pem`)), file: f(`${name}.pem`) };
  };
  const expired = make('expired', 'localhost', 'DNS:localhost,IP:127.0.0.1', ['-startdate', '20200101000000Z', '-enddate', '20200102000000Z']);
  const wrongHost = make('wronghost', 'wrong.example', 'DNS:wrong.example,IP:10.9.9.9', ['-days', '2']);
  return { expired, wrongHost };
}
