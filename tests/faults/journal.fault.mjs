// Upstream payloads with newlines (the demo's widget-button replay and pretty-printed frames
// from a socket.io 2.5 server become `unknown` events carrying `raw`): every SSE data block and
// every journal line stays one valid JSON document. Across a daemon restart on the same journal
// (a clean stop, and a SIGKILL with a small rotating journal) a client resuming with since=0
// gets every seq once, or a gap naming exactly the missing ones, never a silent hole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startDaemon, tempDir } from '../integration/lib/daemon.mjs';
import { connect } from '../integration/lib/client.mjs';
import { waitFor, metric, sseReader, assertSeqsCovered, seSource, startStreamElements } from '../integration/lib/faults.mjs';

// Pretty-printed (multi-line) payloads, sent as raw Engine.IO frames so the newlines reach the daemon.
const pretty = (name, payload) => `2${JSON.stringify([name, payload], null, 2)}`;
const UPSTREAM = [
  pretty('event:test', { listener: 'widget-button', event: { listener: 'widget-button', field: 'line1\nline2', value: 'a\r\n\r\nb' } }),
  pretty('event', { type: 'weird', provider: 'twitch', data: { note: 'x\ny\u2028z' }, _id: 'fa17aa000000000000000001' }),
  pretty('event:test', { listener: 'something-new', event: { text: 'data: {"not":"an event"}\n\nid: 999\n' } }),
];

function parseBlocks(blocks) {
  const events = [];
  for (const block of blocks) {
    const data = [];
    for (const line of block.split('\n')) {
      assert.match(line, /^(?:id: \d+|event: [a-z]+|retry: \d+|data: .*|:.*)$/s, `an SSE line of its own, not a piece of an event: ${JSON.stringify(line.slice(0, 200))}`);
      if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length === 0) continue;
    assert.equal(data.length, 1, `one data line per message: ${block.slice(0, 300)}`);
    let parsed;
    assert.doesNotThrow(() => { parsed = JSON.parse(data[0]); }, `valid JSON: ${data[0].slice(0, 300)}`);
    events.push(parsed);
  }
  return events;
}

test('payloads with newlines: every SSE data block and every journal line is one valid JSON document', async () => {
  const dir = tempDir();
  const journal = path.join(dir, 'j.jsonl');
  const up = await startStreamElements({ onAuthenticated: (s) => { for (const f of UPSTREAM) s.conn.sendPacket('message', f); } });
  const daemon = await startDaemon(`[server]\nport = 0\njournal = "${journal}"\n`
    + `[[source]]\nname = "demo"\ntype = "demo"\ninterval = "5ms"\n${seSource('se', up.url)}`);
  try {
    const sse = sseReader(daemon.port, '/events?chat=1');
    const unknownFrom = (events, source) => events.filter((e) => e.kind === 'unknown' && e.source === source);
    await waitFor(() => {
      const evs = parseBlocks(sse.blocks()).filter((e) => e.seq);
      return unknownFrom(evs, 'demo').length >= 3 && unknownFrom(evs, 'se').length >= 2;
    }, 20000, 'unknown events from demo and se over SSE');
    sse.close();
    const events = parseBlocks(sse.blocks()).filter((e) => e.seq);
    const se = unknownFrom(events, 'se');
    assert.deepEqual(se[0].raw.event, { listener: 'widget-button', field: 'line1\nline2', value: 'a\r\n\r\nb' }, 'raw kept, newlines escaped');
    assert.ok(se.some((e) => e.raw?.event?.text === 'data: {"not":"an event"}\n\nid: 999\n'), 'SSE-looking text stays inside its data line');
    assert.ok(events.length > 50);
  } finally {
    await daemon.stop();
    await up.close();
  }
  try {
    const lines = readFileSync(journal, 'utf8').split('\n');
    assert.equal(lines.pop(), '', 'the journal ends with a newline');
    let previous = 0;
    for (const [i, line] of lines.entries()) {
      let e;
      assert.doesNotThrow(() => { e = JSON.parse(line); }, `journal line ${i + 1} is JSON: ${line.slice(0, 200)}`);
      if (e.seq !== undefined) {
        assert.ok(e.seq > previous, `journal line ${i + 1}: seq ${e.seq} after ${previous}`);
        previous = e.seq;
      }
    }
    assert.ok(previous > 50, 'the journal holds the events');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function runUntilSeq(config, seq) {
  const daemon = await startDaemon(config);
  await waitFor(async () => (await metric(daemon.port, 'streambridge_last_seq')) >= seq, 20000, `seq ${seq}`);
  return daemon;
}

test('clean restart on the same journal: /ws?since=0 gets every seq from 1 once, across the restart, no gap', async () => {
  const dir = tempDir();
  const config = `[server]\nport = 0\nhistory = 100\njournal = "${path.join(dir, 'j.jsonl')}"\n[[source]]\nname = "demo"\ntype = "demo"\ninterval = "5ms"\n`;
  try {
    const first = await runUntilSeq(config, 500);
    const c0 = connect(`ws://127.0.0.1:${first.port}/ws`);
    await c0.until(() => c0.messages.length > 0, 5000, 'hello');
    const firstEpoch = c0.messages[0].d.epoch;
    c0.ws.close();
    await first.stop();
    const lastOfFirst = Math.max(...readFileSync(path.join(dir, 'j.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).seq ?? 0));

    const second = await startDaemon(config);
    try {
      const c = connect(`ws://127.0.0.1:${second.port}/ws?since=0&chat=1`);
      await c.until(() => c.messages.length > 0, 5000, 'hello');
      assert.equal(c.messages[0].d.epoch, firstEpoch, 'the epoch continues');
      const target = lastOfFirst + 100;
      await c.until(() => c.events().some((e) => e.seq >= target), 20000, `seq ${target} (past the restart at ${lastOfFirst})`);
      assertSeqsCovered(c.messages, 1, target, 'since=0 after a clean restart');
      assert.equal(c.messages.filter((m) => m.op === 'gap').length, 0, `no gap: ${JSON.stringify(c.messages.filter((m) => m.op === 'gap'))}`);
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGKILL mid-stream and a small rotating journal: since=0 gets each seq once or in an exact gap', async () => {
  const dir = tempDir();
  const journal = path.join(dir, 'j.jsonl');
  const config = `[server]\nport = 0\nhistory = 100\njournal = "${journal}"\njournal_size = 65536\n[[source]]\nname = "demo"\ntype = "demo"\ninterval = "5ms"\n`;
  try {
    const first = await runUntilSeq(config, 600);
    await first.stop('SIGKILL');
    assert.ok(existsSync(`${journal}.1`), 'the journal rotated');

    const second = await startDaemon(config);
    try {
      const last = await metric(second.port, 'streambridge_last_seq');
      const c = connect(`ws://127.0.0.1:${second.port}/ws?since=0&chat=1`);
      await c.opened;
      const target = last + 100;
      await c.until(() => c.events().some((e) => e.seq >= target), 20000, `seq ${target}`);
      assertSeqsCovered(c.messages, 1, target, 'since=0 after SIGKILL and rotation');
      const gaps = c.messages.filter((m) => m.op === 'gap').map((m) => m.d);
      assert.ok(gaps.length >= 1 && gaps[0].from === 1 && gaps[0].reason === 'history',
        `the rotated-away start is named: ${JSON.stringify(gaps)}`);
      // A second client resuming from the middle of what is held: the same events from there
      // (the journal rotates about once a second here, so what it no longer holds is a gap).
      const mid = c.events().find((e) => e.seq > 1).seq + 10;
      const c2 = connect(`ws://127.0.0.1:${second.port}/ws?since=${mid}&chat=1`);
      await c2.until(() => c2.events().some((e) => e.seq >= target), 20000, `seq ${target} for the second client`);
      assertSeqsCovered(c2.messages, mid + 1, target, `since=${mid}`);
      const byseq = new Map(c.events().map((e) => [e.seq, e.id]));
      for (const e of c2.events().filter((x) => x.seq <= target)) assert.equal(e.id, byseq.get(e.seq), `seq ${e.seq}: the same event for both clients`);
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
