// A fake Twitch: EventSub WebSocket (npm `ws`), Helix (/helix/users, /helix/eventsub/subscriptions)
// and OAuth (/oauth2/device, /oauth2/token) on one plain HTTP port, with the message shapes of
// Twitch's EventSub reference. Tests drive it: notify(), reconnect(), close(code), send(raw).
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { WebSocketServer } from 'ws';

export const BROADCASTER = { id: '1337', login: 'cooler_user', display_name: 'Cooler_User' };
export const ALL_SCOPES = ['bits:read', 'channel:read:redemptions', 'channel:read:subscriptions', 'moderator:read:followers',
  'user:read:chat'];

const meta = (type, extra = {}) => ({ message_id: randomUUID(), message_type: type, message_timestamp: new Date().toISOString(), ...extra });

// `tokens`: access tokens Helix accepts; `refresh`: refresh token -> {access_token, refresh_token}
// or an HTTP status to answer with. `keepalive`: the welcome's keepalive_timeout_seconds.
// `onSubscribe(body, n)`: null to accept, or [status, body, headers] to answer instead.
// `device`: the answers of /oauth2/token to a device_code grant, in turn (the last repeats).
export async function startTwitch({ tokens = ['good'], refresh = {}, keepalive = 10, onSubscribe = () => null,
  device = [], welcome = true } = {}) {
  const state = {
    connections: 0, sockets: [], subscriptions: [], subscribeCalls: 0, refreshes: [], tokenPolls: [], deviceRequests: [],
    helixAuth: [], sessions: new Map(),
  };
  const accepted = new Set(tokens);
  const json = (res, status, body, headers = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const url = new URL(req.url, 'http://x');
      if (url.pathname.startsWith('/helix/')) {
        const auth = req.headers.authorization ?? '';
        state.helixAuth.push({ path: url.pathname, auth, clientId: req.headers['client-id'] });
        if (!accepted.has(auth.replace(/^Bearer /, ''))) return json(res, 401, { error: 'Unauthorized', status: 401, message: 'Invalid OAuth token' });
        if (url.pathname === '/helix/users') return json(res, 200, { data: [{ ...BROADCASTER, type: '', broadcaster_type: 'affiliate' }] });
        if (url.pathname === '/helix/eventsub/subscriptions' && req.method === 'POST') {
          state.subscribeCalls += 1;
          const sub = JSON.parse(body);
          const answer = onSubscribe(sub, state.subscribeCalls);
          if (answer) return json(res, answer[0], answer[1], answer[2] ?? {});
          state.subscriptions.push({ ...sub, at: Date.now() });
          return json(res, 202, {
            data: [{ id: randomUUID(), status: 'enabled', type: sub.type, version: sub.version, condition: sub.condition,
              created_at: new Date().toISOString(), transport: sub.transport, cost: 1 }],
            total: state.subscriptions.length, total_cost: state.subscriptions.length, max_total_cost: 10000,
          });
        }
        return json(res, 404, { message: 'not here' });
      }
      if (url.pathname === '/oauth2/token') {
        const form = new URLSearchParams(body);
        if (form.get('grant_type') === 'refresh_token') {
          state.refreshes.push(form.get('refresh_token'));
          const next = refresh[form.get('refresh_token')];
          if (!next || typeof next === 'number') return json(res, next ?? 400, { status: next ?? 400, message: 'Invalid refresh token' });
          accepted.add(next.access_token);
          return json(res, 200, { ...next, expires_in: 14400, scope: ALL_SCOPES, token_type: 'bearer' });
        }
        state.tokenPolls.push({ at: Date.now(), form: Object.fromEntries(form) });
        const answer = device[Math.min(state.tokenPolls.length - 1, device.length - 1)] ?? { status: 400, message: 'authorization_pending' };
        if (answer.access_token) return json(res, 200, { ...answer, expires_in: 14400, scope: ALL_SCOPES, token_type: 'bearer' });
        return json(res, answer.status, answer);
      }
      if (url.pathname === '/oauth2/device') {
        state.deviceRequests.push(Object.fromEntries(new URLSearchParams(body)));
        return json(res, 200, { device_code: 'dev-code-1', expires_in: 1800, interval: 1, user_code: 'ABCDEFGH',
          verification_uri: 'https://www.twitch.tv/activate?public=true&device-code=ABCDEFGH' });
      }
      json(res, 404, { message: 'not here' });
    });
  });
  const wss = new WebSocketServer({ server });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  const base = `http://127.0.0.1:${port}`;

  const sendWelcome = (ws, id, reconnect = false) => ws.send(JSON.stringify({
    metadata: meta('session_welcome'),
    payload: { session: { id, status: 'connected', connected_at: new Date().toISOString(),
      keepalive_timeout_seconds: reconnect ? null : keepalive, reconnect_url: null, recovery_url: null } },
  }));
  wss.on('connection', (ws, req) => {
    state.connections += 1;
    const id = `session-${state.connections}`;
    const entry = { ws, id, url: req.url, closedByClient: null, open: true };
    state.sockets.push(entry);
    state.sessions.set(id, entry);
    ws.on('close', (code) => { entry.open = false; if (entry.closedByClient === null) entry.closedByClient = code; });
    ws.on('message', (m) => { entry.received = (entry.received ?? []).concat(m.toString()); });
    if (welcome) sendWelcome(ws, id, req.url.includes('reconnect'));
  });

  const latest = () => [...state.sockets].reverse().find((s) => s.open);
  const fake = {
    state,
    port,
    base,
    eventsubUrl: `ws://127.0.0.1:${port}/ws`,
    apiUrl: `${base}/helix`,
    authUrl: `${base}/oauth2`,
    latest,
    accept(token) { accepted.add(token); },
    revoke(token) { accepted.delete(token); },
    // One notification on `socket` (default: the newest open one); returns its message_id.
    notify(type, event, { socket = latest(), messageId = randomUUID(), version = '1' } = {}) {
      socket.ws.send(JSON.stringify({
        metadata: meta('notification', { message_id: messageId, subscription_type: type, subscription_version: version }),
        payload: { subscription: { id: randomUUID(), status: 'enabled', type, version, cost: 0,
          condition: { broadcaster_user_id: BROADCASTER.id }, transport: { method: 'websocket', session_id: socket.id },
          created_at: new Date().toISOString() }, event },
      }));
      return messageId;
    },
    keepalive(socket = latest()) { socket.ws.send(JSON.stringify({ metadata: meta('session_keepalive'), payload: {} })); },
    reconnect(socket = latest()) {
      socket.ws.send(JSON.stringify({
        metadata: meta('session_reconnect'),
        payload: { session: { id: socket.id, status: 'reconnecting', keepalive_timeout_seconds: null,
          reconnect_url: `ws://127.0.0.1:${port}/ws?reconnect=1`, connected_at: new Date().toISOString() } },
      }));
    },
    revocation(type, status, socket = latest()) {
      socket.ws.send(JSON.stringify({
        metadata: meta('revocation', { subscription_type: type, subscription_version: '1' }),
        payload: { subscription: { id: randomUUID(), status, type, version: '1', cost: 0,
          condition: { broadcaster_user_id: BROADCASTER.id }, transport: { method: 'websocket', session_id: socket.id },
          created_at: new Date().toISOString() } },
      }));
    },
    send(text, socket = latest()) { socket.ws.send(text); },
    close(code, socket = latest()) { socket.closedByClient = false; socket.ws.close(code, 'fake twitch'); },
    async stop() {
      for (const c of wss.clients) c.terminate();
      await new Promise((resolve) => wss.close(() => resolve()));
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

export function twitchSource(fake, tokenFile, extra = '', name = 'twitch') {
  return `[[source]]\nname = "${name}"\ntype = "twitch"\nclient_id = "cid123"\ntoken_file = "${tokenFile}"\n` +
    `eventsub_url = "${fake.eventsubUrl}"\napi_url = "${fake.apiUrl}"\nauth_url = "${fake.authUrl}"\n${extra}\n`;
}

// Twitch event payloads as the EventSub reference shows them, for one user.
export const twitchEvents = {
  follow: (u) => ({ user_id: u.id, user_login: u.login, user_name: u.name ?? u.login, broadcaster_user_id: BROADCASTER.id,
    broadcaster_user_login: BROADCASTER.login, broadcaster_user_name: BROADCASTER.display_name, followed_at: new Date().toISOString() }),
  cheer: (u, bits) => ({ is_anonymous: false, user_id: u.id, user_login: u.login, user_name: u.name ?? u.login,
    broadcaster_user_id: BROADCASTER.id, broadcaster_user_login: BROADCASTER.login, broadcaster_user_name: BROADCASTER.display_name,
    message: `Cheer${bits}`, bits }),
};
