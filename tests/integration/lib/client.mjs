// A real WebSocket client (npm `ws`) that records every message and lets a test wait until
// what it received satisfies a condition.
import WebSocket from 'ws';
import { withTimeout } from './daemon.mjs';

export function connect(url, options = {}) {
  const ws = new WebSocket(url, options);
  const messages = [];
  const watchers = new Set();
  const check = () => {
    for (const w of [...watchers]) {
      const result = w.predicate(messages);
      if (result) { watchers.delete(w); w.resolve(result); }
    }
  };
  ws.on('message', (data) => { messages.push(JSON.parse(data.toString())); check(); });
  const closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const opened = new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
  const until = (predicate, ms = 15000, what = 'messages') => {
    const result = predicate(messages);
    if (result) return Promise.resolve(result);
    return withTimeout(new Promise((resolve) => watchers.add({ predicate, resolve })), ms, what);
  };
  const events = () => messages.filter((m) => m.op === 'event').map((m) => m.d);
  const untilEvents = (n, ms) => until(() => events().length >= n && events(), ms, `${n} events`);
  return { ws, messages, opened, closed, until, events, untilEvents };
}
