// The documents keep up with the code (issue 30): every config key the loader accepts is in
// streambridge.toml(5), every /ws op and close code of the local API is in streambridge-api(7),
// README.md stays short, and each man page renders without a warning. It reads the sources
// only: no daemon is started (STREAMBRIDGED is not needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE_DIR = process.env.STREAMBRIDGE_SOURCE_DIR ??
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (rel) => readFileSync(path.join(SOURCE_DIR, rel), 'utf8');
const TOML5 = 'config/streambridge.toml.5';
const API7 = 'config/streambridge-api.7';
const MAN_PAGES = [TOML5, API7, 'daemon/streambridged.8'];

// Every C++ file under a folder of lib/, recursively.
function sources(folder) {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.(cpp|hpp)$/.test(name)) out.push(full);
    }
  };
  walk(path.join(SOURCE_DIR, 'lib', folder));
  return out.map((f) => ({ file: path.relative(SOURCE_DIR, f), text: readFileSync(f, 'utf8') }));
}

// The text of a man page as a reader sees it: roff escapes for - and ' undone, fonts dropped.
function manText(rel) {
  return read(rel)
    .replace(/\\f[BIRP]/g, '')
    .replace(/\\-/g, '-')
    .replace(/\\\(aq/g, "'")
    .replace(/\\&/g, '');
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// A tagged paragraph of its own (.TP then ".B word" or ".BR word ...") in the roff source.
const tagged = (roff, word) =>
  new RegExp(`^\\.(B|BR) (.*[ "])?${escape(word)}([ ",]|$)`, 'm').test(roff);
const mentions = (text, word) => new RegExp(`(^|[^A-Za-z0-9_.-])${escape(word)}($|[^A-Za-z0-9_-])`, 'm').test(text);

test('docs: every config key the loader accepts is in streambridge.toml(5)', () => {
  // The loader's key tables: constexpr std::array<std::string_view, N> kServerKeys = {...};
  // kAnySourceKeys is the union the loader uses to say "does not apply to a source of type X",
  // not a table of keys it accepts.
  const tables = new Map();
  for (const { file, text } of [...sources('config'), ...sources('sources')]) {
    const re = /std::array<std::string_view,\s*\d+>\s+(k\w*Keys)\s*=\s*\{([^}]*)\}/g;
    for (const m of text.matchAll(re)) {
      if (m[1] === 'kAnySourceKeys') continue;
      tables.set(`${file}: ${m[1]}`, [...m[2].matchAll(/"([^"]+)"/g)].map((k) => k[1]));
    }
  }
  assert.ok(tables.size >= 8,
    `found ${tables.size} key tables (k...Keys) in lib/config and lib/sources: has the loader changed shape? ` +
    'Update this test to read its keys.');
  const page = manText(TOML5);
  const missing = [];
  for (const [table, keys] of tables) {
    for (const key of keys) {
      // Root keys are sections: [server], [[source]].
      const found = table.endsWith('kRootKeys')
        ? page.includes(`[${key}]`) || page.includes(`[[${key}]]`)
        : mentions(page, key);
      if (!found) missing.push(`${key} (${table})`);
    }
  }
  assert.deepEqual(missing, [], `keys missing from ${TOML5}`);
});

test('docs: every /ws op and request type is in streambridge-api(7)', () => {
  const server = [...sources('server'), ...sources('widgets'), ...sources('hub')];
  const ops = new Map();  // op -> where it was found
  const add = (op, where) => { if (!ops.has(op)) ops.set(op, where); };
  for (const { file, text } of server) {
    // What the client sends: the ops local_request.cpp parses.
    if (file.endsWith('local_request.cpp'))
      for (const m of text.matchAll(/\bop == "(\w+)"/g)) add(m[1], `${file} (client op)`);
    // What the daemon sends: control messages, responses, widget broadcasts, event frames.
    for (const m of text.matchAll(/frame_control\([^,()]+,\s*"(\w+)"/g)) add(m[1], `${file} (frame_control)`);
    for (const m of text.matchAll(/field\("op",\s*"(\w+)"\)/g)) add(m[1], `${file} (field op)`);
    for (const m of text.matchAll(/broadcast\("(\w+)"/g)) add(m[1], `${file} (broadcast)`);
    for (const m of text.matchAll(/\{"op":"(\w+)"/g)) add(m[1], `${file} (frame)`);
  }
  for (const op of ['hello', 'event', 'gap', 'status', 'identify', 'subscribe', 'request', 'response'])
    assert.ok(ops.has(op), `op "${op}" not found in lib/server: has the protocol code moved? Update this test.`);
  // Request types: request.type == "..." and the widget runtime's se.* requests.
  const types = new Map();
  for (const { file, text } of server)
    for (const m of text.matchAll(/request\.type == "([\w.]+)"/g)) if (!types.has(m[1])) types.set(m[1], file);
  assert.ok(types.has('history') && types.has('ping'), 'request types not found: update this test');

  // Each op and request type is described in a paragraph of its own.
  const roff = read(API7);
  const missing = [];
  for (const [op, where] of ops) if (!tagged(roff, op)) missing.push(`op ${op} (${where})`);
  for (const [type, where] of types) if (!tagged(roff, type)) missing.push(`request ${type} (${where})`);
  assert.deepEqual(missing, [], `missing from ${API7}`);
});

test('docs: every close code of lib/server/protocol.hpp is in streambridge-api(7)', () => {
  const protocol = read('lib/server/protocol.hpp');
  const block = protocol.match(/enum class CloseCode[^{]*\{([^}]*)\}/);
  assert.ok(block, 'enum class CloseCode not found in lib/server/protocol.hpp');
  const codes = [...block[1].matchAll(/=\s*(\d{4})\b/g)].map((m) => m[1]);
  assert.ok(codes.length >= 8, `only ${codes.length} close codes found`);
  // Each code is a tagged paragraph of its own: ".TP" then ".B 4004".
  const roff = read(API7);
  const missing = codes.filter((code) => !tagged(roff, code));
  assert.deepEqual(missing, [], `close codes missing from ${API7}`);
});

test('docs: README.md is at most 450 lines', () => {
  const lines = read('README.md').split('\n');
  if (lines.at(-1) === '') lines.pop();
  assert.ok(lines.length <= 450, `README.md has ${lines.length} lines`);
});

test('docs: the man pages render without warnings', (t) => {
  const has = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
  if (!has('man') && !has('groff')) {
    t.skip('neither man nor groff is installed');
    return;
  }
  for (const page of MAN_PAGES) {
    const file = path.join(SOURCE_DIR, page);
    // As lintian checks a page (man --warnings), and groff's own warnings (-ww).
    const runs = [];
    if (has('man')) {
      runs.push(spawnSync('man', ['--warnings', '-E', 'UTF-8', '-l', '-Tutf8', '-Z', file], {
        env: { ...process.env, LC_ALL: 'C.UTF-8', MANROFFSEQ: '', MANWIDTH: '80' }, encoding: 'utf8',
      }));
    }
    if (has('groff')) runs.push(spawnSync('groff', ['-ww', '-man', '-Tutf8', file], { encoding: 'utf8' }));
    for (const run of runs) {
      assert.equal(run.status, 0, `${page}: exit ${run.status}: ${run.stderr}`);
      assert.equal(run.stderr, '', `${page} warns`);
      assert.ok(run.stdout.length > 1000, `${page}: renders to almost nothing`);
    }
  }
});
