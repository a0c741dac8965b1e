// Child processes for the benchmark driver: spawn, wait for a line or a JSON answer with a
// bounded timeout, send a command on stdin, stop. Also the /proc readings (CPU time, RSS)
// the figures are made of. Every child is killed when the driver exits, whatever happens.
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import readline from 'node:readline';

const children = new Set();
const killAll = () => {
  for (const child of children) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
};
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { killAll(); process.exit(130); });

export class Proc {
  constructor(name, command, args, options = {}) {
    this.name = name;
    this.startedAt = performance.now();
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
    this.pid = this.child.pid;
    children.add(this.child);
    this.unread = [];   // lines no waiter has taken yet
    this.tail = [];     // the last lines, for error messages
    this.waiters = [];
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        children.delete(this.child);
        this.exitStatus = code ?? signal;
        for (const w of this.waiters.splice(0)) w.fail(new Error(`${this.name} exited (${this.exitStatus}) ${this.context()}`));
        resolve();
      });
    });
    this.child.stdin.on('error', () => {});  // a child that died is reported by its waiters
    for (const stream of [this.child.stdout, this.child.stderr]) {
      readline.createInterface({ input: stream }).on('line', (line) => this.onLine(line));
    }
  }

  onLine(line) {
    const entry = { line, at: performance.now() };
    this.tail.push(line);
    if (this.tail.length > 20) this.tail.shift();
    const i = this.waiters.findIndex((w) => w.match(entry));
    if (i >= 0) this.waiters.splice(i, 1)[0].done();
    else this.unread.push(entry);
  }

  context() { return `; its last lines:\n  ${this.tail.join('\n  ')}`; }

  // The first line (already read or to come) for which `test(line)` gives a value; that value,
  // with `at` (ms since the driver started) when it is an object.
  waitFor(test, timeoutMs, what) {
    for (let i = 0; i < this.unread.length; ++i) {
      const entry = this.unread[i];
      const value = test(entry.line);
      if (value === undefined) continue;
      this.unread.splice(i, 1);
      if (typeof value === 'object') value.at = entry.at;
      return Promise.resolve(value);
    }
    if (this.exitStatus !== undefined) return Promise.reject(new Error(`${this.name} exited (${this.exitStatus}) ${this.context()}`));
    return new Promise((resolve, reject) => {
      let value;
      const waiter = {
        match: (entry) => {
          value = test(entry.line);
          if (value !== undefined && typeof value === 'object') value.at = entry.at;
          return value !== undefined;
        },
        done: () => { clearTimeout(timer); resolve(value); },
        fail: (error) => { clearTimeout(timer); reject(error); },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`${this.name}: no ${what} within ${timeoutMs} ms${this.context()}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  // The next JSON line that has `key`.
  json(key, timeoutMs) {
    return this.waitFor((line) => {
      if (!line.startsWith('{')) return undefined;
      try {
        const o = JSON.parse(line);
        return key in o ? o : undefined;
      } catch { return undefined; }
    }, timeoutMs, `"${key}" answer`);
  }

  send(line) { this.child.stdin.write(`${line}\n`); }

  async stop() {
    if (this.exitStatus !== undefined) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(timer);
  }
}

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

// utime + stime of a process, in seconds.
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;  // fields 14 and 15 of stat(5)
}

// VmRSS and VmHWM (peak RSS) of a process, in MiB.
export function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key) => Number((status.match(new RegExp(`^${key}:\\s+(\\d+)`, 'm')) ?? [])[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024 };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
