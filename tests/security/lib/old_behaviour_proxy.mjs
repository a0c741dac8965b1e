// The suite's control (SB_SECURITY_CONTROL=old, see tests/security/README.md): a proxy in
// front of the daemon that answers a browser as the daemon did before issue 27. It answers any
// Host, trusts `Origin: null` and file:// (it drops them), ignores Sec-Fetch-*, and sends no
// CORP, X-Frame-Options, CSP, CORS or other security headers. The attack cases must fail
// through it: that shows they detect what they are meant to.
import http from 'node:http';
import net from 'node:net';

const DROPPED_ANSWER_HEADERS = new Set(['cross-origin-resource-policy', 'x-frame-options', 'content-security-policy',
  'access-control-allow-origin', 'access-control-allow-headers', 'access-control-allow-methods', 'access-control-max-age',
  'x-content-type-options', 'referrer-policy']);

export async function oldBehaviourProxy(target) {
  let port;
  const rewrite = (headers) => {
    const out = {};
    for (const [name, value] of Object.entries(headers)) {
      if (name.startsWith('sec-fetch-')) continue;
      if (name === 'host') {
        out.host = `127.0.0.1:${target}`;
      } else if (name === 'origin') {
        if (value === 'null' || value.startsWith('file:')) continue;
        // The daemon's own pages, seen through the proxy's port.
        out.origin = value.replace(`//127.0.0.1:${port}`, `//127.0.0.1:${target}`).replace(`//localhost:${port}`, `//localhost:${target}`);
      } else {
        out[name] = value;
      }
    }
    return out;
  };
  const server = http.createServer((req, res) => {
    const upstream = http.request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: rewrite(req.headers) }, (answer) => {
      const headers = {};
      for (const [name, value] of Object.entries(answer.headers)) if (!DROPPED_ANSWER_HEADERS.has(name)) headers[name] = value;
      res.writeHead(answer.statusCode, headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  const tunnels = new Set();  // upgraded sockets: server.close() would wait for them
  server.on('upgrade', (req, socket, head) => {
    const upstream = net.connect(target, '127.0.0.1', () => {
      const headers = Object.entries(rewrite(req.headers)).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers}\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    for (const end of [socket, upstream]) {
      tunnels.add(end);
      end.on('close', () => { tunnels.delete(end); socket.destroy(); upstream.destroy(); });
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = server.address().port;
  return {
    port,
    close: () => new Promise((resolve) => {
      for (const socket of tunnels) socket.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
