// The reference bridge: what streambridge replaces, the usual Node script. socket.io-client
// (Engine.IO 4) connects to the StreamElements-like upstream and authenticates; every `event`
// gets a seq, is mapped to the normalized shape (the fields the daemon fills for a tip) and
// sent to every `ws` client as {"op":"event","d":{...}}. No queue limits, no gaps: Node
// buffers for slow clients, which is how such scripts behave.
//   node bridge.mjs ws://127.0.0.1:UPSTREAM_PORT
// Prints {"port":N} once listening and {"upstream":"authenticated"} once the source is up.
import { io } from 'socket.io-client';
import { WebSocketServer } from 'ws';

const upstream = process.argv[2];
if (!upstream) {
  console.error('usage: node bridge.mjs ws://127.0.0.1:PORT');
  process.exit(2);
}

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/ws', backlog: 4096 });
wss.on('listening', () => console.log(JSON.stringify({ port: wss.address().port })));
wss.on('connection', (client) => client.send(JSON.stringify({ op: 'hello', d: { bridge: 'reference' } })));

let seq = 0;
function normalize(a) {
  const data = a.data ?? {};
  return {
    v: 1,
    seq: ++seq,
    id: a._id ?? a.activityId ?? `sb-${seq}`,
    source: 'bench',
    service: 'streamelements',
    platform: a.provider ?? null,
    kind: a.type,
    test: false,
    at: a.createdAt,
    receivedAt: new Date().toISOString(),
    user: { id: null, login: data.username, displayName: data.displayName ?? data.username, avatar: data.avatar },
    amount: data.amount,
    currency: data.currency,
    message: data.message,
    data: { upstreamType: a.type, tipId: data.tipId },
  };
}

const socket = io(upstream, { transports: ['websocket'], reconnectionDelay: 1000 });
socket.on('connect', () => socket.emit('authenticate', { method: 'apikey', token: 'x' }));
socket.on('authenticated', () => console.log(JSON.stringify({ upstream: 'authenticated' })));
socket.on('event', (activity) => {
  const message = JSON.stringify({ op: 'event', d: normalize(activity) });
  for (const client of wss.clients) if (client.readyState === 1) client.send(message);
});

process.on('SIGTERM', () => process.exit(0));
