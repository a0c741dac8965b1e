// [[mqtt]] and mqtt sources against a real mosquitto (Debian's): topics, retained status, the
// online flag and its last will; a password and a wrong one; TLS with a test CA; a broker
// restart while events flow (QoS 1: each at least once, in order; QoS 2 with the broker's
// persistence: each exactly once, in order) and the exact drop count past the bound; two
// daemons with the same upstream feeding a third through the broker, every event exactly
// once, with either killed mid-stream; garbage into an mqtt source; the packet size bound;
// and the fall-back to MQTT 3.1.1.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startDaemon, injectTest } from './lib/daemon.mjs';
import { connect } from './lib/client.mjs';
import { getJson, metric, seSource, seTip, startStreamElements, waitFor, settle } from './lib/faults.mjs';
import { makeCertificates } from './lib/upstream.mjs';
import { publishRaw, startMosquitto, subscribe } from './lib/mosquitto.mjs';

const certs = makeCertificates();
after(() => rmSync(certs.dir, { recursive: true, force: true }));

const output = async (port) => (await getJson(port, '/status')).outputs[0];
const mqttOut = (broker, extra = '') => `[[mqtt]]\nurl = "mqtt://127.0.0.1:${broker.port}"\nkeepalive = "5s"\n${extra}\n`;

test('mqtt: events on {prefix}/events/{kind} with the local API bytes, retained status, online and last will', async () => {
  const broker = await startMosquitto();
  const sub = subscribe(broker, 'streambridge/pc-a/#');
  const daemon = await startDaemon(`[server]\nport = 0\ninstance = "pc-a"\n[[source]]\nname = "demo"\ntype = "demo"\ninterval = "20ms"\n${mqttOut(broker)}`);
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws`);
    await client.opened;
    await sub.until((m) => m.filter((x) => x.topic.includes('/events/')).length >= 20, 15000, '20 events');
    const events = sub.messages.filter((m) => m.topic.includes('/events/'));
    for (const m of events) assert.equal(m.topic, `streambridge/pc-a/events/${JSON.parse(m.payload).kind}`);
    // The same bytes as the local API's.
    await client.until(() => client.events().length >= 30);
    const local = new Map(client.messages.filter((m) => m.op === 'event').map((m) => [m.d.seq, JSON.stringify(m.d)]));
    for (const m of events.slice(0, 10)) {
      const seq = JSON.parse(m.payload).seq;
      if (local.has(seq)) assert.equal(m.payload, local.get(seq));
    }
    const seqs = events.map((m) => JSON.parse(m.payload).seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in order');
    // Retained: a subscriber that comes later gets online=true and each source's status.
    const late = subscribe(broker, 'streambridge/pc-a/#', { retainedOnly: true });
    await late.exited;
    const retained = Object.fromEntries(late.messages.map((m) => [m.topic, m.payload]));
    assert.equal(retained['streambridge/pc-a/online'], 'true');
    assert.equal(JSON.parse(retained['streambridge/pc-a/status/demo']).data.state, 'connected');
    assert.equal(JSON.parse(retained[`streambridge/pc-a/status/mqtt:127.0.0.1:${broker.port}`]).data.state, 'connected');
    assert.equal((await output(daemon.port)).state, 'connected');
    assert.ok(await metric(daemon.port, `streambridge_output_published_total{output="mqtt:127.0.0.1:${broker.port}",type="mqtt"}`) > 20);
    // Killed: the broker publishes the last will.
    daemon.proc.kill('SIGKILL');
    await sub.until((m) => m.some((x) => x.topic === 'streambridge/pc-a/online' && x.payload === 'false'), 20000, 'the last will');
  } finally {
    await daemon.stop('SIGKILL').catch(() => {});
    await sub.close();
    await broker.stop();
  }
});

test('mqtt: a clean stop says online=false; a username and password; a wrong one is an error with the broker\'s reason, retried slowly', async () => {
  const broker = await startMosquitto({ users: { sb: 's3cret' } });
  const sub = subscribe(broker, 'streambridge/pc-b/#', { user: 'sb', password: 's3cret' });
  const good = await startDaemon(`[server]\nport = 0\ninstance = "pc-b"\n${mqttOut(broker, 'username = "sb"\npassword = "s3cret"')}`);
  const bad = await startDaemon(`[server]\nport = 0\ninstance = "pc-c"\n${mqttOut(broker, 'username = "sb"\npassword = "wrong"')}`);
  try {
    await waitFor(async () => (await output(good.port)).state === 'connected', 15000, 'connected with the password');
    const { seq } = await injectTest(good.port, { kind: 'tip', amount: 3 });
    await sub.until((m) => m.some((x) => x.topic === 'streambridge/pc-b/events/tip' && JSON.parse(x.payload).seq === seq));
    await waitFor(async () => (await output(bad.port)).state === 'error', 15000, 'an error for the wrong password');
    const status = (await getJson(bad.port, '/status')).outputs[0];
    assert.match(status.reason, /refused: .*(password|authori[sz]ed)/i);
    assert.ok(!bad.log().includes('wrong'), 'the password is never logged');
    const lines = bad.lines.filter((l) => /mqtt:127/.test(l) && /-> error/.test(l)).length;
    await settle(2500);
    assert.equal(bad.lines.filter((l) => /mqtt:127/.test(l) && /-> error/.test(l)).length, lines, 'no retry at network pace');
    await good.stop();
    await sub.until((m) => m.some((x) => x.topic === 'streambridge/pc-b/online' && x.payload === 'false'), 15000, 'online=false');
  } finally {
    await good.stop().catch(() => {});
    await bad.stop();
    await sub.close();
    await broker.stop();
  }
});

test('mqtt: mqtts with a test CA, the broker verified', async () => {
  const tls = { caFile: certs.caFile, certFile: `${certs.dir}/server.pem`, keyFile: `${certs.dir}/server.key` };
  const broker = await startMosquitto({ tls });
  const sub = subscribe(broker, 'streambridge/tls/#', { caFile: certs.caFile });
  const daemon = await startDaemon(`[server]\nport = 0\ninstance = "tls"\n[[mqtt]]\nurl = "mqtts://localhost:${broker.port}"\nca_file = "${certs.caFile}"\n`);
  const rogue = await startDaemon(`[server]\nport = 0\ninstance = "rogue"\n[[mqtt]]\nurl = "mqtts://localhost:${broker.port}"\n`);
  try {
    await waitFor(async () => (await output(daemon.port)).state === 'connected', 15000, 'TLS connected');
    const { seq } = await injectTest(daemon.port, { kind: 'follow' });
    await sub.until((m) => m.some((x) => x.topic === 'streambridge/tls/events/follow' && JSON.parse(x.payload).seq === seq));
    // Without the test CA the broker's certificate is not trusted: never connected.
    await waitFor(async () => (await output(rogue.port)).attempt !== 0 || (await output(rogue.port)).state === 'reconnecting', 15000, 'a failed TLS attempt').catch(() => {});
    assert.notEqual((await output(rogue.port)).state, 'connected');
  } finally {
    await daemon.stop();
    await rogue.stop();
    await sub.close();
    await broker.stop();
  }
});

// A broker restart while the demo publishes every 5 ms: the broker is frozen until messages are
// in flight (sent, not acked), then stopped gracefully (it saves its state: persistence) and
// started again a few seconds later. Returns what the daemon published and what a raw
// subscriber (a persistent session at `qos`) got, in order of arrival.
async function brokerRestart(instance, qos) {
  const broker = await startMosquitto();
  const sub = subscribe(broker, `streambridge/${instance}/events/#`, { id: `restart-sub-${instance}`, qos });
  await sub.ready(`streambridge/${instance}/events/probe`);  // it gets the daemon's first event too
  const journal = path.join(broker.dir, 'journal');  // what the daemon published, exactly
  const daemon = await startDaemon(`[server]\nport = 0\ninstance = "${instance}"\njournal = "${journal}"\n[[source]]\nname = "demo"\ntype = "demo"\ninterval = "5ms"\n${mqttOut(broker, `qos = ${qos}`)}`);
  const name = `mqtt:127.0.0.1:${broker.port}`;
  try {
    await sub.until((m) => m.length >= 20, 15000, 'events before the restart');
    broker.freeze();
    await waitFor(async () => (await metric(daemon.port, `streambridge_output_queued{output="${name}",type="mqtt"}`)) >= 30, 15000, 'messages in flight');
    await broker.stop();
    await waitFor(async () => (await output(daemon.port)).state !== 'connected', 15000, 'the daemon saw the broker go');
    await settle(2000);  // the broker is away for a while: the scenario
    await broker.start();
    await waitFor(async () => (await output(daemon.port)).state === 'connected', 20000, 'reconnected');
    const before = sub.messages.length;
    await sub.until((m) => m.length >= before + 100, 20000, 'events after the reconnect');
    await daemon.stop();  // a clean stop waits for the broker's acks
    assert.ok(!daemon.log().includes('not acked'), 'everything acked before the stop');
    const published = readFileSync(journal, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
      .filter((e) => e.seq && e.kind !== 'status').map((e) => e.seq);  // after its header line
    const unique = () => new Set(sub.json().map((e) => e.seq)).size;
    await sub.until(() => unique() >= published.length, 20000, `all ${published.length} events`).catch((e) => {
      const got = sub.json().map((x) => x.seq);
      throw new Error(`${e.message}; missing ${published.filter((x) => !got.includes(x))} (broker log in ${broker.dir})`);
    });
    await settle(300);  // a late repeat would still be caught
    return { published, messages: sub.messages.map((m) => m.payload) };
  } finally {
    await daemon.stop();
    await sub.close();
    await broker.stop();
  }
}

test('mqtt: the broker restarts while events flow (QoS 1): each arrives, in order of first arrival; a repeat is the same event, id and seq', async () => {
  const { published, messages } = await brokerRestart('r1', 1);
  const got = messages.map((p) => JSON.parse(p));
  const firstBytes = new Map();
  const first = [];
  let repeats = 0;
  for (const [i, e] of got.entries()) {
    if (!firstBytes.has(e.seq)) {
      firstBytes.set(e.seq, messages[i]);
      first.push(e.seq);
    } else {
      repeats += 1;
      assert.equal(messages[i], firstBytes.get(e.seq), `repeat of seq ${e.seq}: the same bytes (id and seq) as the first`);
    }
  }
  assert.deepEqual(first, published, 'every event, in order of first arrival, across the restart');
  assert.ok(repeats <= 20, `repeats: ${repeats} (at most those in flight: the broker's Receive Maximum, 20)`);
  console.log(`QoS 1: ${published.length} events across a broker restart, ${repeats} repeated`);
});

test('mqtt: the broker restarts while events flow (QoS 2, broker persistence): a raw subscriber gets each event exactly once, in order', async () => {
  const { published, messages } = await brokerRestart('r2', 2);
  const got = messages.map((p) => JSON.parse(p).seq);
  assert.deepEqual(got, published, 'every event once, in order, across the restart');
  console.log(`QoS 2: ${published.length} events across a broker restart, each once`);
});

test('mqtt: past the bound while the broker is away, the oldest are dropped and counted exactly', async () => {
  const broker = await startMosquitto();
  const sub = subscribe(broker, 'streambridge/q/events/#', { id: 'drop-sub' });
  const daemon = await startDaemon(`[server]\nport = 0\ninstance = "q"\n${mqttOut(broker, 'queue = 5')}`);
  try {
    await waitFor(async () => (await output(daemon.port)).state === 'connected', 15000, 'connected');
    // One event through while connected: the subscriber's session and subscription are in place.
    const probe = await injectTest(daemon.port, { kind: 'follow' });
    await sub.until((m) => m.length >= 1, 15000, 'the probe event');
    await broker.stop();
    await waitFor(async () => (await output(daemon.port)).state !== 'connected', 15000, 'the broker gone');
    const seqs = [];
    for (let i = 0; i < 20; i += 1) seqs.push((await injectTest(daemon.port, { kind: 'tip', amount: i + 1 })).seq);
    // 20 tips and the link's own (retained) status: 21 waiting for a queue of 5.
    const name = `mqtt:127.0.0.1:${broker.port}`;
    assert.equal(await metric(daemon.port, `streambridge_output_dropped_total{output="${name}",type="mqtt"}`), 16);
    assert.equal((await output(daemon.port)).counters.dropped, 16);
    await broker.start();
    await sub.until((m) => m.length >= 5, 20000, 'the newest tips');
    await settle(500);
    const got = sub.json().map((e) => e.seq).filter((seq) => seq !== probe.seq);
    assert.deepEqual(got, seqs.slice(-got.length), 'the newest, in order');
    assert.ok(got.length >= 4 && got.length <= 5);
  } finally {
    await daemon.stop();
    await sub.close();
    await broker.stop();
  }
});

test('mqtt: two daemons with the same upstream feed a third through the broker: every tip once, either killed mid-stream', async () => {
  const broker = await startMosquitto();
  const upstreams = [];
  const sockets = [[], []];
  for (const i of [0, 1]) upstreams.push(await startStreamElements({ onAuthenticated: (s) => sockets[i].push(s) }));
  const pc = (i) => startDaemon(`[server]\nport = 0\ninstance = "pc-${i}"\n${seSource('se', `ws://127.0.0.1:${upstreams[i].port}`)}${mqttOut(broker)}`);
  const a = await pc(0);
  const b = await pc(1);
  const c = await startDaemon(`[server]\nport = 0\ninstance = "pc-c"\n[[source]]\nname = "other-pcs"\ntype = "mqtt"\nurl = "mqtt://127.0.0.1:${broker.port}"\ntopics = ["streambridge/+/events/#"]\n`);
  try {
    const client = connect(`ws://127.0.0.1:${c.port}/ws`);
    await client.opened;
    await waitFor(() => sockets[0].length && sockets[1].length, 15000, 'both daemons on their upstream');
    await waitFor(async () => (await sourceState(c.port)) === 'connected', 15000, 'the third on the broker');
    // A first tip through both: every link (upstreams, broker, the third's subscription) is up.
    for (const i of [0, 1]) for (const s of sockets[i]) s.emit('event', seTip(1000));
    await client.until(() => client.events().some((e) => e.kind === 'tip'), 15000, 'the first tip');
    const N = 60;
    for (let n = 1; n <= N; n += 1) {
      for (const i of [0, 1]) for (const s of sockets[i]) s.emit('event', seTip(n));
      if (n === 20) a.proc.kill('SIGKILL');  // one PC goes down: the other carries on
      await settle(10);
    }
    const tipsAfter = () => client.events().filter((e) => e.kind === 'tip' && e.amount !== 1000);
    await client.until(() => tipsAfter().length >= N, 20000, `${N} tips`);
    await settle(500);
    const tips = tipsAfter();
    assert.equal(tips.length, N, 'each tip exactly once');
    assert.equal(new Set(tips.map((t) => t.id)).size, N);
    assert.ok(tips.every((t) => t.source === 'other-pcs'));
  } finally {
    await a.stop('SIGKILL').catch(() => {});
    await b.stop();
    await c.stop();
    for (const u of upstreams) await u.close();
    await broker.stop();
  }
});

// Another instance's event, from this daemon's own JSON: a new id and amount, so that dedup
// takes it for a new event.
function foreignEvent(template, n) {
  return JSON.stringify({ ...template, id: `foreign-${n}`, amount: 1000 + n, data: { ...template.data, _id: `foreign-${n}` } });
}

const peakRssKb = (pid) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+)/)[1]);

test('mqtt: garbage into an mqtt source is counted as malformed and logged escaped; the source goes on', async () => {
  const broker = await startMosquitto();
  // This daemon publishes under streambridge/pc-g too: its own prefix must never come back in.
  const daemon = await startDaemon(`[server]\nport = 0\ninstance = "pc-g"\n${mqttOut(broker)}[[source]]\nname = "in"\ntype = "mqtt"\nurl = "mqtt://127.0.0.1:${broker.port}"\ntopics = ["garbage/#", "streambridge/+/events/follow"]\n`);
  const inState = async () => (await getJson(daemon.port, '/status')).sources.find((x) => x.name === 'in');
  try {
    const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
    await client.opened;
    await waitFor(async () => (await inState()).state === 'connected', 15000, 'the mqtt source connected');
    const { seq } = await injectTest(daemon.port, { kind: 'tip', amount: 1 });
    const template = await client.until(() => client.events().find((e) => e.seq === seq), 15000, 'a template event');
    // A first good event: the subscription is in place.
    const arrived = (id) => client.events().find((e) => e.id === id && e.source === 'in');
    await waitFor(async () => {
      await publishRaw(broker, 'garbage/probe', foreignEvent(template, 0));
      return client.until(() => arrived('foreign-0'), 1000, 'probe').then(() => true, () => false);
    }, 15000, 'the probe event through the source');

    const garbage = [
      ['garbage/text', 'not json at all\nforged 2026-01-01 error line \x1b[31mred'],
      ['garbage/shape', JSON.stringify({ v: 1, kind: 'tip' })],
      ['garbage/array', '[1,2,3]'],
      ['garbage/utf8', Buffer.concat([Buffer.from('{"user":"'), Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from(`",${foreignEvent(template, 90).slice(1)}`)])],
      ['garbage/huge', JSON.stringify({ v: 1, kind: 'tip', blob: 'x'.repeat(900 * 1024) })],
      ['garbage/empty', null],
      ['garbage/deep', '['.repeat(100000)],
    ];
    for (const [topic, payload] of garbage) await publishRaw(broker, topic, payload);
    // Its own prefix: a real event, but this daemon's own: ignored, never taken in.
    await publishRaw(broker, 'streambridge/pc-g/events/follow', foreignEvent(template, 91));
    await publishRaw(broker, 'garbage/after', foreignEvent(template, 1));
    const good = await client.until(() => arrived('foreign-1'), 15000, 'the good event after the garbage');
    assert.equal(good.amount, 1001);

    await waitFor(async () => (await inState()).counters.malformed === garbage.length, 5000, `${garbage.length} malformed`);
    const s = await inState();
    assert.equal(s.state, 'connected', 'the source never dropped its connection');
    assert.equal(s.counters.malformed, garbage.length);
    assert.equal(s.counters.ignored, 1, 'its own prefix, ignored');
    assert.equal(await metric(daemon.port, 'streambridge_upstream_messages_dropped_total{source="in",reason="malformed"}'), garbage.length);
    assert.ok(!client.events().some((e) => ['foreign-90', 'foreign-91'].includes(e.id)));
    // Logged, escaped: no forged line, no terminal escape, no invalid UTF-8 in the log.
    const skipped = daemon.lines.filter((l) => l.includes('skipped a message on'));
    if (process.env.SB_TEST_VERBOSE) console.log(skipped.join('\n'));
    assert.equal(skipped.length, 5, 'the first 5 at warn, the rest at debug');
    assert.ok(skipped.some((l) => l.includes('"garbage/text"') && l.includes('not json at all\\nforged') && l.includes('\\x1b[31m')));
    assert.ok(skipped.some((l) => l.includes('"garbage/utf8"') && l.includes('\\xff\\xfe')));
    assert.ok(!daemon.lines.some((l) => l.startsWith('forged')));
    assert.ok(!daemon.log().includes('\x1b') && !daemon.log().includes('\ufffd'));
    assert.equal(daemon.proc.exitCode, null, 'still running');
  } finally {
    await daemon.stop();
    await broker.stop();
  }
});

// A daemon with an mqtt source `in` on `topics` and a local client, the subscription checked
// with a first event through it; returns the pieces and a template event for foreignEvent.
async function withMqttSource(brokerPort, topics, probeTopic, publish) {
  const daemon = await startDaemon(`[server]\nport = 0\ninstance = "pc-m"\n[[source]]\nname = "in"\ntype = "mqtt"\nurl = "mqtt://127.0.0.1:${brokerPort}"\ntopics = ${JSON.stringify(topics)}\n`);
  const client = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
  await client.opened;
  const inState = async () => (await getJson(daemon.port, '/status')).sources.find((x) => x.name === 'in');
  await waitFor(async () => (await inState()).state === 'connected', 15000, 'the mqtt source connected');
  const { seq } = await injectTest(daemon.port, { kind: 'tip', amount: 1 });
  const template = await client.until(() => client.events().find((e) => e.seq === seq), 15000, 'a template event');
  const arrived = (id) => client.events().find((e) => e.id === id && e.source === 'in');
  await waitFor(async () => {
    await publish(probeTopic, foreignEvent(template, 0));
    return client.until(() => arrived('foreign-0'), 1000, 'probe').then(() => true, () => false);
  }, 15000, 'the probe event through the source');
  return { daemon, client, inState, template, arrived };
}

// An event that would be valid but for its size: 8 MB.
const hugeEvent = (template, n) => foreignEvent({ ...template, message: 'x'.repeat(8 * 1024 * 1024) }, n);

test('mqtt: a message over the 1 MiB Maximum Packet Size never reaches an mqtt source (the broker drops it); memory stays bounded', async () => {
  const broker = await startMosquitto();
  const { daemon, client, inState, template, arrived } = await withMqttSource(broker.port, ['big/#'], 'big/probe',
    (topic, payload) => publishRaw(broker, topic, payload));
  try {
    const peak = peakRssKb(daemon.proc.pid);
    await publishRaw(broker, 'big/huge', hugeEvent(template, 80));
    await publishRaw(broker, 'big/after', foreignEvent(template, 1));
    await client.until(() => arrived('foreign-1'), 15000, 'the good event after the huge one');
    const log = readFileSync(`${broker.dir}/mosquitto.log`, 'utf8');
    assert.match(log, /Dropping too large outgoing PUBLISH for streambridge-in-in \(\d{7,} bytes\)/, 'the broker kept to our bound');
    assert.ok(!arrived('foreign-80'));
    assert.equal((await inState()).counters.malformed, 0, 'never received');
    const grown = peakRssKb(daemon.proc.pid) - peak;
    assert.ok(grown < 4096, `peak memory grew by ${grown} KB (the message is 8 MB)`);
  } finally {
    await daemon.stop();
    await broker.stop();
  }
});

// A broker that ignores our Maximum Packet Size: it accepts any login and sends what it is
// told. `v311Only`: like brokers older than MQTT 5, it refuses a v5 CONNECT with a 3.1.1
// CONNACK "unacceptable protocol version" and closes.
async function startHostileBroker({ v311Only = false } = {}) {
  const sockets = [];
  const levels = [];
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', (connect) => {
      let i = 1;
      while (connect[i] & 128) i += 1;  // the remaining length
      const level = connect[i + 1 + 2 + 4];  // after the protocol name "MQTT"
      levels.push(level);
      if (v311Only && level === 5) {
        socket.end(Buffer.from([0x20, 0x02, 0x00, 0x01]));
        return;
      }
      socket.write(Buffer.from(level === 5 ? [0x20, 0x03, 0x00, 0x00, 0x00] : [0x20, 0x02, 0x00, 0x00]));  // CONNACK: accepted
      sockets.push({ socket, level });
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const varint = (n) => { const b = []; do { let d = n % 128; n = Math.floor(n / 128); if (n > 0) d |= 128; b.push(d); } while (n > 0); return Buffer.from(b); };
  return {
    port: server.address().port,
    levels,
    // PUBLISH, QoS 0 (MQTT 5: with an empty property list)
    publish(topic, payload) {
      const t = Buffer.from(topic);
      for (const { socket, level } of sockets) {
        const body = Buffer.concat([Buffer.from([t.length >> 8, t.length & 255]), t, Buffer.from(level === 5 ? [0] : []), Buffer.from(payload)]);
        socket.write(Buffer.concat([Buffer.from([0x30]), varint(body.length), body]));
      }
      return Promise.resolve();
    },
    close() { for (const { socket } of sockets) socket.destroy(); return new Promise((r) => server.close(r)); },
  };
}

test('mqtt: a broker that ignores the bound: libmosquitto reads the packet whole, the source refuses it as malformed and goes on', async () => {
  const broker = await startHostileBroker();
  const { daemon, client, inState, template, arrived } = await withMqttSource(broker.port, ['big/#'], 'big/probe',
    (topic, payload) => broker.publish(topic, payload));
  try {
    await broker.publish('big/huge', hugeEvent(template, 81));
    await broker.publish('big/after', foreignEvent(template, 1));
    await client.until(() => arrived('foreign-1'), 15000, 'the good event after the huge one');
    assert.ok(!arrived('foreign-81'));
    const s = await inState();
    assert.equal(s.counters.malformed, 1);
    assert.equal(s.state, 'connected');
    await daemon.waitForLog(/skipped a message on "big\/huge" \(\d{7,} bytes\): not a streambridge event: over the bound of 1048576 bytes/);
  } finally {
    await daemon.stop();
    await broker.close();
  }
});

test('mqtt: a broker that only speaks MQTT 3.1.1: the connection falls back to it, with a warning, and events flow', async () => {
  const broker = await startHostileBroker({ v311Only: true });
  const { daemon, client, arrived, template } = await withMqttSource(broker.port, ['old/#'], 'old/probe',
    (topic, payload) => broker.publish(topic, payload));
  try {
    assert.deepEqual(broker.levels.slice(0, 2), [5, 4], 'MQTT 5 first, then 3.1.1');
    await daemon.waitForLog(/the broker does not speak MQTT 5: falling back to 3\.1\.1/);
    await broker.publish('old/next', foreignEvent(template, 1));
    await client.until(() => arrived('foreign-1'), 15000, 'an event over 3.1.1');
  } finally {
    await daemon.stop();
    await broker.close();
  }
});

async function sourceState(port) {
  const status = await getJson(port, '/status');
  return status.sources[0]?.state;
}
