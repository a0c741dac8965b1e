// A real MQTT broker for the tests: Debian's `mosquitto` on a free loopback port with a
// generated config (anonymous, or users from a password file; plain or TLS; persistence so a
// restart keeps sessions), `mosquitto_sub` as a subscriber that records every message, and
// `mosquitto_pub` for raw messages.
import { spawn, execFile, execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, tempDir } from './daemon.mjs';

const settle = (ms) => new Promise((r) => setTimeout(r, ms));
// /usr/sbin is not on every user's PATH.
const MOSQUITTO = existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto';

async function listening(port, ms = 10000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await settle(50);
  }
  throw new Error(`mosquitto did not listen on ${port}`);
}

// users: {name: password}; tls: {caFile, certFile, keyFile} (from makeCertificates).
export async function startMosquitto({ users = null, tls = null, extra = [] } = {}) {
  const dir = tempDir();
  const port = await freePort();
  // Started as root, mosquitto would switch to its own user, who cannot read our temp dir.
  const lines = [`user ${os.userInfo().username}`, `listener ${port} 127.0.0.1`, 'persistence true', `persistence_location ${dir}/`, 'autosave_interval 1',
    'max_queued_messages 100000', `log_dest file ${path.join(dir, 'mosquitto.log')}`];
  lines.push(...extra);
  if (users) {
    const file = path.join(dir, 'passwd');
    writeFileSync(file, '');
    for (const [name, password] of Object.entries(users)) execFileSync('mosquitto_passwd', ['-b', file, name, password]);
    lines.push('allow_anonymous false', `password_file ${file}`);
  } else {
    lines.push('allow_anonymous true');
  }
  if (tls) lines.push(`cafile ${tls.caFile}`, `certfile ${tls.certFile}`, `keyfile ${tls.keyFile}`);
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(conf, `${lines.join('\n')}\n`);
  let proc;
  const broker = {
    port,
    dir,
    async start() {
      proc = spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' });
      await listening(port);
    },
    // SIGTERM: a graceful stop, in which mosquitto saves its state (persistence) before exiting.
    // A frozen broker gets it on waking, with whatever reached its socket meanwhile still unread.
    async stop(signal = 'SIGTERM') {
      if (!proc || proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill(signal);
      proc.kill('SIGCONT');
      await exited;
    },
    // SIGSTOP: the broker reads and acks nothing, so publishers' messages pile up in flight.
    freeze() { proc.kill('SIGSTOP'); },
  };
  await broker.start();
  return broker;
}

// mosquitto_sub on `topic`: messages as {topic, payload, retained}. `id`: a persistent
// session (-c) that survives reconnects (mosquitto_sub reconnects by itself).
export function subscribe(broker, topic, { id, user, password, caFile, retainedOnly = false, qos = 1 } = {}) {
  const args = ['-h', caFile ? 'localhost' : '127.0.0.1', '-p', String(broker.port), '-t', topic, '-v', '-q', String(qos),
    '-F', '%r %t %p'];
  if (id) args.push('-c', '-i', id);
  if (user) args.push('-u', user, '-P', password);
  if (caFile) args.push('--cafile', caFile);
  if (retainedOnly) args.push('--retained-only', '-W', '2');
  const proc = spawn('mosquitto_sub', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const messages = [];
  let partial = '';
  proc.stdout.on('data', (chunk) => {
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop();
    for (const line of parts) {
      const [retained, t, ...rest] = line.split(' ');
      messages.push({ retained: retained === '1', topic: t, payload: rest.join(' ') });
    }
  });
  const exited = new Promise((r) => proc.on('exit', r));
  const sub = {
    messages,
    json: (filter = () => true) => messages.filter(filter).map((m) => JSON.parse(m.payload)),
    async until(predicate, ms = 15000, what = 'messages') {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        if (predicate(messages)) return;
        await settle(25);
      }
      throw new Error(`timeout waiting for ${what}: got ${messages.length} messages`);
    },
    async close() { proc.kill(); await exited; },
    exited,
    // Resolves once the subscription is in place: a probe published on `probeTopic` (under
    // `topic`) came back. The probes are then taken out of `messages`.
    async ready(probeTopic, ms = 15000) {
      const deadline = Date.now() + ms;
      const isProbe = (m) => m.topic === probeTopic;
      while (!messages.some(isProbe)) {
        if (Date.now() > deadline) throw new Error(`mosquitto_sub on ${topic}: no probe back within ${ms} ms`);
        await publishRaw(broker, probeTopic, 'probe');
        await settle(100);
      }
      for (let i = messages.length - 1; i >= 0; i -= 1) if (isProbe(messages[i])) messages.splice(i, 1);
    },
  };
  return sub;
}

// mosquitto_pub of `payload` (a string or Buffer; null: an empty message) on `topic`, at QoS 1.
// The payload goes through a file (-f): a megabyte on the command line is too much for it.
export async function publishRaw(broker, topic, payload, { dir = broker.dir } = {}) {
  const args = ['-h', '127.0.0.1', '-p', String(broker.port), '-q', '1', '-t', topic];
  if (payload === null) {
    args.push('-n');
  } else {
    const file = path.join(dir, `payload-${process.pid}-${Math.random().toString(36).slice(2)}`);
    writeFileSync(file, payload);
    args.push('-f', file);
  }
  await new Promise((resolve, reject) => {
    execFile('mosquitto_pub', args, { timeout: 10000 }, (error, stdout, stderr) =>
      (error ? reject(new Error(`mosquitto_pub ${topic}: ${error.message} ${stderr}`)) : resolve()));
  });
}
