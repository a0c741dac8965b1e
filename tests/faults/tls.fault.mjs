// TLS and name faults for streamelements sources (wss to real socket.io 2.5 servers over TLS):
// an untrusted certificate, an expired one, a certificate for other names (DNS and IP), TLS
// spoken to a plain server, a TLS peer that never answers the handshake, and a host name that
// does not resolve. Each source fails with a clear reason, no Socket.IO session is opened over
// an unverified link, and the daemon stays up.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { rmSync, readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { startDaemon } from '../integration/lib/daemon.mjs';
import { connect } from '../integration/lib/client.mjs';
import { startSocketIo, makeCertificates } from '../integration/lib/upstream.mjs';
import { waitFor, getJson, seSource, makeFaultCertificates } from '../integration/lib/faults.mjs';

const certs = makeCertificates();
const more = makeFaultCertificates(certs);
after(() => rmSync(certs.dir, { recursive: true, force: true }));

async function runTlsFaults(t, only) {
  // The expired certificate really is expired, and signed by the CA the sources trust.
  const expired = new X509Certificate(more.expired.cert);
  assert.ok(Date.parse(expired.validTo) < Date.now(), `expired: valid to ${expired.validTo}`);
  assert.ok(expired.checkIssued(new X509Certificate(readFileSync(certs.caFile))), 'expired: issued by the test CA');
  const servers = {
    untrusted: await startSocketIo({ version: 2, tls: certs.rogue }),
    expired: await startSocketIo({ version: 2, tls: more.expired }),
    wronghost: await startSocketIo({ version: 2, tls: more.wrongHost }),
    plain: await startSocketIo({ version: 2 }),
    good: await startSocketIo({ version: 2, tls: certs.server }),
  };
  const sessions = {};
  for (const [name, up] of Object.entries(servers)) {
    sessions[name] = 0;
    up.io.on('connection', (socket) => {
      sessions[name] += 1;
      socket.on('authenticate', () => socket.emit('authenticated', { channelId: 't1s', clientId: 'c', message: 'ok', project: 'realtime' }));
    });
  }
  const silentSockets = new Set();
  const silent = net.createServer((s) => { silentSockets.add(s); s.on('error', () => {}); });
  await new Promise((r) => silent.listen(0, '127.0.0.1', r));
  const ca = `ca_file = "${certs.caFile}"`;
  const sources = {
    untrusted: `wss://localhost:${servers.untrusted.port}`,
    expired: `wss://localhost:${servers.expired.port}`,
    wronghost_dns: `wss://localhost:${servers.wronghost.port}`,
    wronghost_ip: `wss://127.0.0.1:${servers.wronghost.port}`,
    plain: `wss://localhost:${servers.plain.port}`,
    silent: `wss://localhost:${silent.address().port}`,
    nxdomain: 'ws://nonexistent.invalid:1',
    good: `wss://localhost:${servers.good.port}`,  // the control: same CA, works
  };
  for (const name of Object.keys(sources)) if (!only.includes(name)) delete sources[name];
  const expect = {
    untrusted: { states: ['error'], reason: /certificate of localhost:\d+ is not trusted: .*(self[- ]signed|unable to get local issuer)/i },
    expired: { states: ['error'], reason: /certificate of localhost:\d+ is not trusted: .*expired/i },
    // OpenSSL's own words when the name check is left to it: "hostname mismatch", "IP address mismatch".
    wronghost_dns: { states: ['error'], reason: /certificate of localhost:\d+ is not trusted: [^(]*(hostname mismatch|does not match|not valid for)/i },
    wronghost_ip: { states: ['error'], reason: /certificate of 127\.0\.0\.1:\d+ is not trusted: [^(]*(IP address mismatch|does not match|not valid for)/i },
    plain: { states: ['reconnecting', 'error'], reason: /TLS|SSL|wrong version|packet length|record/i },
    silent: { states: ['reconnecting', 'error'], reason: /timed out|no answer|within/i },
    nxdomain: { states: ['reconnecting', 'error'], reason: /(resolv|not found).*nonexistent\.invalid|nonexistent\.invalid.*(not found|resolv)/i },
    good: { states: ['connected'], reason: /t1s/ },
  };
  const config = `[server]\nport = 0\n${Object.entries(sources).map(([name, url]) => seSource(name, url, url.startsWith('wss') ? ca : '')).join('')}`;
  const daemon = await startDaemon(config);
  try {
    const c = connect(`ws://127.0.0.1:${daemon.port}/ws?since=0`);
    await c.opened;
    const status = await waitFor(async () => {
      const st = await getJson(daemon.port, '/status');
      return st.sources.every((s) => expect[s.name].states.includes(s.state) && s.reason) && st;
    }, 20000, 'every source in its expected state').catch(async (e) => {
      throw new Error(`${e.message}: ${JSON.stringify((await getJson(daemon.port, '/status')).sources.map((s) => [s.name, s.state, s.reason]))}`);
    });
    for (const s of status.sources) {
      t.diagnostic(`${s.name}: ${s.state}: ${s.reason}`);
      assert.match(s.reason, expect[s.name].reason, `${s.name}: ${s.reason}`);
      if (s.state === 'error' || s.state === 'reconnecting') assert.ok(s.nextRetryMs > 0, `${s.name}: a retry is planned`);
      if (s.state === 'error') assert.ok(s.nextRetryMs >= 30000, `${s.name}: a rejection is retried slowly (${s.nextRetryMs} ms)`);
    }
    // The same as status events on /ws.
    for (const name of Object.keys(sources)) {
      const ev = await c.until(() => c.events().find((e) => e.kind === 'status' && e.source === name && expect[name].states.includes(e.data.state)),
        5000, `a status event of ${name}`);
      assert.match(ev.data.reason, expect[name].reason, `${name} status event`);
    }
    // No Socket.IO session over an unverified link.
    assert.deepEqual({ ...sessions, good: 0 }, { untrusted: 0, expired: 0, wronghost: 0, plain: 0, good: 0 });
    assert.equal(sessions.good, only.includes('good') ? 1 : 0);
    assert.equal(daemon.proc.exitCode, null, 'daemon up');
  } finally {
    await daemon.stop();
    for (const up of Object.values(servers)) await up.close();
    for (const s of silentSockets) s.destroy();
    await new Promise((r) => silent.close(() => r()));
  }
}

test('TLS faults: untrusted, expired, TLS to a plain peer, a silent peer, an unresolvable name; a good control', (t) =>
  runTlsFaults(t, ['untrusted', 'expired', 'plain', 'silent', 'nxdomain', 'good']));

// FAILS with the daemon of 2026-11-23: the reason is "unspecified certificate verification
// error" for both, which does not say that the name is wrong. lib/net/tls_client.hpp checks the
// name with asio's host_name_verification callback, which fails the chain without an error code
// (OpenSSL then reports X509_V_ERR_UNSPECIFIED). Leaving the check to OpenSSL
// (X509_VERIFY_PARAM_set1_host / _set1_ip_asc on SSL_get0_param) gives "hostname mismatch" and
// "IP address mismatch".
test('TLS: a certificate for other names (DNS and IP) is refused with a reason that names the mismatch', (t) =>
  runTlsFaults(t, ['wronghost_dns', 'wronghost_ip']));
