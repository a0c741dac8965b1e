// The one table of the fan-out benchmark: a row per figure, a column per bridge, made from
// the results object that is also written as JSON.
import { TARGETS } from './targets.mjs';

const LABELS = { streambridge: 'streambridge', reference: 'Node reference', ceiling: 'ceiling (raw)' };
const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—');
const ms = (us) => (us / 1000).toFixed(us < 10000 ? 2 : 1);
const mib = (x) => (Number.isFinite(x) ? `${x.toFixed(1)} MiB` : '—');
// A run that was not clean: events missing when the subscribers stopped waiting (late or
// lost), gaps announced, or seqs out of order.
const mark = (r) => {
  if (r.clean) return '';
  const missing = r.lost ? `${((100 * r.lost) / (r.sent * Math.max(1, r.clients))).toFixed(0)}% missing` : '';
  const more = [missing, r.gaps && `${r.gaps} gaps`, r.holes && `${r.holes} holes`, r.orderErrors && 'out of order',
    r.closed && `${r.closed} closed`].filter(Boolean);
  return ` (${more.join(', ')})`;
};

function sustained(s) {
  if (!s) return '—';
  if (s.best !== null) return int(s.best);
  const lowest = s.tried.at(-1);
  return lowest ? `< ${int(lowest.rate)}` : '—';
}

function latency(r) {
  if (!r) return '—';
  return `${ms(r.p50us)} / ${ms(r.p99us)} / ${ms(r.maxUs)} ms${r.overCapacity ? ' over capacity' : ''}${mark(r)}`;
}

export function tableRows(results) {
  const per = (f) => Object.fromEntries(TARGETS.map((t) => {
    const r = results.targets[t];
    if (!r) return [t, '—'];
    if (r.error) return [t, 'failed'];
    try { return [t, f(r)]; } catch { return [t, '—']; }
  }));
  const rows = [];
  const row = (figure, f) => rows.push({ figure, ...per(f) });
  for (const n of [1, 10, 100, 1000])
    row(`max events/s, nothing lost, ${int(n)} subscriber${n > 1 ? 's' : ''}`, (r) => sustained(r.sustained[n]));
  row('latency p50 / p99 / max, 1k events/s, 100 subs', (r) => latency(r.latency[1000]));
  row('latency p50 / p99 / max, 10k events/s, 100 subs', (r) => latency(r.latency[10000]));
  row('CPU µs per event, 1k events/s, 100 subs', (r) => r.latency[1000].cpuUsPerEvent.toFixed(1));
  row('CPU µs per event, 10k events/s, 100 subs', (r) => r.latency[10000].cpuUsPerEvent.toFixed(1));
  row('RSS idle (source connected)', (r) => mib(r.rssIdleMiB));
  row('RSS with 1,000 subscribers', (r) => mib(r.rss1000MiB));
  row('peak RSS (VmHWM) after all loads', (r) => mib(r.rssPeakMiB));
  row('start -> listening (READY)', (r) => `${int(r.listeningMs)} ms`);
  row('start -> upstream authenticated', (r) => `${int(r.authenticatedMs)} ms`);
  row('flood, 10 subs: normal load, events/s', (r) => `${int(r.adversarial.normal.deliveredPerSec)}${mark(r.adversarial.normal)}`);
  row('flood, 10 subs: same user+amount, events/s', (r) => {
    const { normal, sameUser } = r.adversarial;
    return `${int(sameUser.deliveredPerSec)} (x${(sameUser.deliveredPerSec / normal.deliveredPerSec).toFixed(2)})${mark(sameUser)}`;
  });
  row('event message size', (r) => `${int(r.latency[1000].msgBytes)} B`);
  for (const p of results.pipeline ?? []) {
    if (!p.stage) continue;
    rows.push({ figure: `in-process pipeline: ${p.stage}`, streambridge: `${int(p.nsPerEvent)} ns/event`, reference: '—', ceiling: '—' });
  }
  return rows;
}

export function printTable(results) {
  const header = { figure: 'figure', ...Object.fromEntries(TARGETS.map((t) => [t, LABELS[t]])) };
  const rows = [header, ...results.table];
  const keys = ['figure', ...TARGETS];
  const width = Object.fromEntries(keys.map((k) => [k, Math.max(...rows.map((r) => [...String(r[k])].length))]));
  const pad = (s, k) => String(s) + ' '.repeat(width[k] - [...String(s)].length);
  const line = (r) => `| ${keys.map((k) => pad(r[k], k)).join(' | ')} |`;
  const { loadavgBefore: a, loadavgAfter: b } = results.machine;
  console.log(`\nstreambridge fan-out benchmark, ${results.mode} run, ${results.date}, commit ${results.commit?.slice(0, 10) ?? '?'}${results.dirty ? ' (dirty)' : ''}`);
  console.log(`loopback, ${results.machine.cpus} cores (load ${a[0].toFixed(2)} -> ${b[0].toFixed(2)}); a shared machine: numbers are noisy\n`);
  console.log(line(header));
  console.log(`|${keys.map((k) => '-'.repeat(width[k] + 2)).join('|')}|`);
  for (const r of results.table) console.log(line(r));
}
