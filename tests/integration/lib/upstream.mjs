// Real Socket.IO servers from npm standing in for the upstream services: socket.io 2.5
// (Engine.IO 3, like StreamElements realtime) and socket.io 4.8 (Engine.IO 4, like Velora),
// over plain HTTP or TLS. Plus a TCP proxy that can freeze a link (half-open connection).
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Server as ServerV4 } from 'socket.io';
import ioV2 from 'socket.io-v2';
import { SOURCE_DIR, tempDir } from './daemon.mjs';

// Starts a socket.io server. `version`: 2 or 4. `tls`: {key, cert} or null.
export async function startSocketIo({ version, tls = null, port = 0, path: ioPath = '/socket.io/',
  pingInterval = 25000, pingTimeout = 20000, allowEIO3 = false, httpHandler = null } = {}) {
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }) : http.createServer();
  // Registered before socket.io attaches, which passes it every request outside its path.
  if (httpHandler) server.on('request', httpHandler);
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  let io;
  if (version === 2) {
    io = ioV2(server, { path: ioPath, pingInterval, pingTimeout, transports: ['websocket'] });
  } else {
    io = new ServerV4(server, { path: ioPath, pingInterval, pingTimeout, transports: ['websocket'], allowEIO3 });
  }
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const actualPort = server.address().port;
  const scheme = tls ? 'wss' : 'ws';
  return {
    io,
    server,
    port: actualPort,
    url: `${scheme}://127.0.0.1:${actualPort}`,
    urlLocalhost: `${scheme}://localhost:${actualPort}`,
    // Stops the server and drops every connection at once (a crash, as the client sees it).
    async close() {
      io.close();
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// A CA and a server certificate for localhost/127.0.0.1 made with the openssl CLI, plus a
// self-signed certificate nobody trusts.
export function makeCertificates() {
  const dir = tempDir();
  const f = (name) => path.join(dir, name);
  const openssl = (...args) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'),
    '-days', '2', '-subj', '/CN=streambridge test CA');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'),
    '-subj', '/CN=localhost');
  writeFileSync(f('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial',
    '-out', f('server.pem'), '-days', '2', '-extfile', f('ext.cnf'));
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('rogue.key'), '-out', f('rogue.pem'),
    '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1');
  return {
    dir,
    caFile: f('ca.pem'),
    server: { key: readFileSync(f('server.key')), cert: readFileSync(f('server.pem')) },
    rogue: { key: readFileSync(f('rogue.key')), cert: readFileSync(f('rogue.pem')) },
  };
}

// A TCP proxy in front of a server: `freeze()` keeps both connections open but forwards
// nothing any more, the way a dead NAT or a suspended laptop looks to a client.
export async function startProxy(targetPort) {
  const pairs = new Set();
  let frozen = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair = { client, upstream };
    pairs.add(pair);
    client.on('data', (d) => { if (!frozen) upstream.write(d); });
    upstream.on('data', (d) => { if (!frozen) client.write(d); });
    const end = () => { pairs.delete(pair); client.destroy(); upstream.destroy(); };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    freeze() { frozen = true; },
    thaw() { frozen = false; },
    connections: () => pairs.size,
    async close() {
      for (const { client, upstream } of pairs) { client.destroy(); upstream.destroy(); }
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// The recorded upstream payloads (lib/sources/fixtures/<service>/<socket event>/<name>.json).
export function fixtures(service, socketEvent) {
  const dir = path.join(SOURCE_DIR, 'lib/sources/fixtures', service, socketEvent.replace(/:/g, '_'));
  return readdirSync(dir).filter((n) => n.endsWith('.json')).sort()
    .map((n) => ({ name: n.replace(/\.json$/, ''), payload: JSON.parse(readFileSync(path.join(dir, n), 'utf8')) }));
}

// A JWT with the given exp (seconds); the signature is not checked by the daemon.
export function makeJwt(exp, extra = {}) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ channel: '5f0c1c7a', role: 'owner', ...extra, exp })}.c2ln`;
}

