// One HTTP request over a raw TCP socket, written byte for byte (any Host, none at all,
// HTTP/1.0, any Origin and Sec-Fetch-* a browser would send), and its answer parsed.
import net from 'node:net';
import { withTimeout } from '../../integration/lib/daemon.mjs';

export function rawRequest(port, { method = 'GET', path = '/', host = `127.0.0.1:${port}`, headers = {}, body, version = '1.1', upgrade = false } = {}) {
  const lines = [`${method} ${path} HTTP/${version}`];
  if (host !== null) lines.push(`Host: ${host}`);
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) lines.push(`${k}: ${v}`);
  if (upgrade) {
    lines.push('Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13');
  } else {
    lines.push('Connection: close');
  }
  if (body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  const text = `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`;

  return withTimeout(new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buffer = Buffer.alloc(0);
    let head = null;
    const done = (result) => { socket.destroy(); resolve(result); };
    const tryParse = (ended) => {
      if (!head) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) { if (ended) reject(new Error(`connection closed before an answer: ${JSON.stringify(buffer.toString())}`)); return; }
        const [statusLine, ...headerLines] = buffer.subarray(0, end).toString('latin1').split('\r\n');
        const headersOut = {};
        for (const line of headerLines) {
          const colon = line.indexOf(':');
          const name = line.slice(0, colon).trim().toLowerCase();
          const value = line.slice(colon + 1).trim();
          headersOut[name] = headersOut[name] === undefined ? value : `${headersOut[name]}, ${value}`;
        }
        head = { status: Number(statusLine.split(' ')[1]), statusLine, headers: headersOut, bodyStart: end + 4 };
      }
      const bodyBytes = buffer.subarray(head.bodyStart);
      const answer = () => ({ status: head.status, statusLine: head.statusLine, headers: head.headers, body: bodyBytes.toString() });
      const type = head.headers['content-type'] ?? '';
      // A stream or a switched protocol: the head is the answer.
      if (head.status === 101 || type.includes('text/event-stream') || method === 'HEAD' || head.status === 204 || head.status === 304) return done(answer());
      const length = head.headers['content-length'];
      if (length !== undefined) { if (bodyBytes.length >= Number(length)) done(answer()); return; }
      if (/chunked/i.test(head.headers['transfer-encoding'] ?? '')) { if (bodyBytes.toString().endsWith('0\r\n\r\n')) done(answer()); return; }
      if (ended) done(answer());
    };
    socket.on('data', (chunk) => { buffer = Buffer.concat([buffer, chunk]); tryParse(false); });
    socket.on('end', () => tryParse(true));
    socket.on('error', reject);
    socket.write(text);
  }), 10000, `${method} ${path} (Host ${host})`);
}

// The Sec-Fetch-* headers Chromium sends for a kind of request.
export const fetchMeta = {
  script: (site) => ({ 'Sec-Fetch-Site': site, 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Dest': 'script' }),
  image: (site) => ({ 'Sec-Fetch-Site': site, 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Dest': 'image' }),
  cors: (site) => ({ 'Sec-Fetch-Site': site, 'Sec-Fetch-Mode': 'cors', 'Sec-Fetch-Dest': 'empty' }),
  navigate: (site) => ({ 'Sec-Fetch-Site': site, 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document', 'Sec-Fetch-User': '?1' }),
  frame: (site) => ({ 'Sec-Fetch-Site': site, 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'iframe' }),
};
