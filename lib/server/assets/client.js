// streambridge browser client (served by the daemon at /client.js).
//
//   <script src="http://127.0.0.1:7480/client.js"></script>
//   <script>
//     const sb = streambridge.connect({ kinds: ['tip', 'follow'] });
//     sb.addEventListener('event', (e) => console.log(e.detail));       // every event
//     sb.addEventListener('tip', (e) => showTip(e.detail));             // one kind
//   </script>
//
// It connects to /ws (protocol 1), reconnects with backoff, and resumes from the last seq it
// saw (kept in localStorage, so an OBS scene reload resumes too): no alert is lost or shown
// twice across a reconnect or a daemon restart with a journal. Events are also dispatched on
// `window` as `streambridge:event` and `streambridge:<kind>`.
//
// streambridge.streamElementsShim(client, {fieldData}) runs existing StreamElements custom widget
// code unchanged (onWidgetLoad, onEventReceived, onSessionUpdate, SE_API); the widget host's
// pages (/widgets/NAME/) call streambridge.widget({name, fieldData}), which does it for them.
(function (global) {
  'use strict';

  const scriptBase = (() => {
    try {
      const src = document.currentScript && document.currentScript.src;
      if (src) return new URL(src).origin;
    } catch (_) { /* not from a URL */ }
    return global.location && global.location.origin && global.location.origin !== 'null'
      ? global.location.origin : 'http://127.0.0.1:7480';
  })();

  const listParam = (v) => (Array.isArray(v) ? v.join(',') : String(v));

  class Client extends EventTarget {
    constructor(options = {}) {
      super();
      this.options = options;
      this.base = (options.url || scriptBase).replace(/\/$/, '').replace(/^http/, 'ws');
      const filter = {};
      for (const key of ['kinds', 'sources', 'platforms', 'test', 'chat']) {
        if (options[key] !== undefined && options[key] !== null && options[key] !== '') filter[key] = listParam(options[key]);
      }
      this.filter = filter;
      this.storageKey = options.storageKey || `streambridge:${JSON.stringify(filter)}`;
      const saved = this._load();
      this.epoch = saved.epoch || '';
      this.lastSeq = saved.seq || 0;
      this.connected = false;
      this.delay = 500;
      this.stopped = false;
      this.pending = new Map();
      this.nextId = 1;
      this._open();
    }

    _load() {
      if (this.options.resume === false) return {};
      try { return JSON.parse(global.localStorage.getItem(this.storageKey) || '{}'); } catch (_) { return {}; }
    }

    _save() {
      if (this.options.resume === false) return;
      try { global.localStorage.setItem(this.storageKey, JSON.stringify({ epoch: this.epoch, seq: this.lastSeq })); } catch (_) { /* storage off */ }
    }

    _url() {
      const params = new URLSearchParams(this.filter);
      if (this.options.token) params.set('token', this.options.token);
      if (this.lastSeq > 0) {
        params.set('since', String(this.lastSeq));
        if (this.epoch) params.set('epoch', this.epoch);
      }
      const query = params.toString();
      return `${this.base}/ws${query ? `?${query}` : ''}`;
    }

    _emit(type, detail) {
      this.dispatchEvent(new CustomEvent(type, { detail }));
      if (this.options.windowEvents !== false && global.dispatchEvent) {
        global.dispatchEvent(new CustomEvent(`streambridge:${type}`, { detail }));
      }
    }

    _open() {
      if (this.stopped) return;
      const ws = new WebSocket(this._url());
      this.ws = ws;
      ws.onmessage = (message) => {
        let m;
        try { m = JSON.parse(message.data); } catch (_) { return; }
        this._handle(m);
      };
      ws.onclose = (close) => {
        this.connected = false;
        for (const [, p] of this.pending) p.reject(new Error('connection closed'));
        this.pending.clear();
        this._emit('disconnected', { code: close.code, reason: close.reason });
        if (this.stopped) return;
        // A refusal that will not heal by retrying fast: back off to the maximum.
        if ([4001, 4003, 4008].includes(close.code)) this.delay = 30000;
        const wait = this.delay / 2 + Math.random() * this.delay / 2;
        this.delay = Math.min(this.delay * 2, 10000);
        this.timer = setTimeout(() => this._open(), wait);
      };
    }

    _handle(m) {
      const d = m.d || {};
      switch (m.op) {
        case 'hello':
          this.connected = true;
          this.delay = 500;
          this.hello = d;
          if (d.auth && !d.identified && this.options.token) {
            this.ws.send(JSON.stringify({ op: 'identify', d: { protocol: 1, token: this.options.token } }));
          }
          this._emit('hello', d);
          break;
        case 'event':
          // Never the same seq twice, even if a replay overlaps what we have.
          if (this.epoch === (this.hello && this.hello.epoch) && d.seq <= this.lastSeq) return;
          this.epoch = this.hello ? this.hello.epoch : this.epoch;
          this.lastSeq = d.seq;
          this._save();
          this._emit('event', d);
          this._emit(d.kind, d);
          break;
        case 'gap':
          if (d.reason === 'restart') { this.epoch = d.epoch; this.lastSeq = 0; this._save(); }
          this._emit('gap', d);
          break;
        case 'status': this._emit('status', d); break;
        case 'response': {
          const p = this.pending.get(d.id);
          if (!p) return;
          this.pending.delete(d.id);
          if (d.ok) p.resolve(d.result); else p.reject(new Error(d.error));
          break;
        }
        default: this._emit(m.op, d);
      }
    }

    // A request ({type, ...}) answered by a promise of its result.
    request(type, fields = {}) {
      return new Promise((resolve, reject) => {
        if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return reject(new Error('not connected'));
        const id = this.nextId++;
        this.pending.set(id, { resolve, reject });
        this.ws.send(JSON.stringify({ op: 'request', d: { ...fields, id, type } }));
      });
    }

    close() {
      this.stopped = true;
      clearTimeout(this.timer);
      if (this.ws) this.ws.close(1000);
    }
  }

  // ---- StreamElements widget runtime ----------------------------------------------------------
  // Existing SE custom widget code runs unchanged: onWidgetLoad (channel, currency, fieldData,
  // session data, recents), onEventReceived in SE's listener shapes, onSessionUpdate after every
  // event that changes the session data, and SE_API (store and counters kept by the daemon).
  const latestType = {
    follow: 'follower', subscription: 'subscriber', resubscription: 'subscriber', gift_subscription: 'subscriber',
    cheer: 'cheer', tip: 'tip', raid: 'raid', host: 'host', merch: 'merch',
  };
  const activityType = {
    follow: 'follow', subscription: 'subscriber', resubscription: 'subscriber', gift_subscription: 'subscriber',
    gift_purchase: 'communityGiftPurchase', cheer: 'cheer', tip: 'tip', raid: 'raid', host: 'host', merch: 'merch',
    superchat: 'superchat',
  };
  // Kinds whose events change SE's session data (onSessionUpdate follows them).
  const sessionKinds = new Set(['follow', 'subscription', 'resubscription', 'gift_subscription', 'cheer', 'tip',
    'raid', 'host', 'merch', 'session']);

  // Chat as SE's widgets read it, whatever the upstream gave: badges as {type, version, url,
  // description} (a name alone gets version "1" and an empty image, never `undefined`), and
  // Twitch-style tags (badges "moderator/1,subscriber/12", mod, subscriber, vip, color, ...).
  const kNoImage = 'data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';
  let channelName = '';  // the configured channel (se.load), for broadcaster commands
  // The broadcaster's user id, Twitch's `room-id`: the real one once a broadcaster's line brought
  // it, else the stable number made from the channel's login (the one its own lines get).
  let broadcasterId = '';
  let channelId = '';    // the channel's SE id (se.load): an activity's `channel`, as SE gives it
  let bannedWords = [];  // [widgets] banned_words (se.load), for SE_API.sanitize
  const maskWords = (text) => (bannedWords.length === 0 ? text
    : text.replace(/[\p{L}\p{N}_']+/gu, (word) => (bannedWords.includes(word.toLowerCase()) ? '*'.repeat(word.length) : word)));
  function seBadges(list) {
    if (!Array.isArray(list)) return [];
    return list.map((b) => {
      if (typeof b === 'string') return { type: b, version: '1', url: kNoImage, description: b };
      const o = b || {};
      const type = String(o.type || o.name || o.id || '');
      return { type, version: String(o.version ?? '1'), url: o.url || o.image || kNoImage, description: o.description || o.title || type };
    });
  }
  // Twitch chat always has a numeric user id, and widgets key on it (delete-messages by userId,
  // a colour from parseInt(userId)). A user the upstream gave no id (test chat, for one) gets a
  // stable number made from the login, so that it never comes as "" and a delete finds its lines.
  function seUserId(u) {
    if (u.id) return String(u.id);
    const login = String(u.login || u.displayName || '').toLowerCase();
    if (!login) return '';
    let h = 0x811c9dc5;
    for (let i = 0; i < login.length; i++) h = Math.imul(h ^ login.charCodeAt(i), 0x01000193) >>> 0;
    return String(h);
  }
  function seTags(data, badges, u, displayName, color, msgId) {
    if (data.tags && typeof data.tags === 'object' && Object.keys(data.tags).length) return data.tags;
    const has = (t) => badges.some((b) => b.type === t);
    const login = String(u.login || u.displayName || '').toLowerCase();
    const broadcaster = has('broadcaster') || (channelName !== '' && login === channelName.toLowerCase());
    if (broadcaster && u.id) broadcasterId = String(u.id);
    const roomId = broadcasterId || (channelName ? seUserId({ login: channelName }) : '');
    // As Twitch: the broadcaster is not a moderator of its own channel (mod=0, its badge says it).
    const mod = data.mod === true || data.isMod === true || has('moderator');
    const vip = data.isVip === true || has('vip');
    const subscriber = data.isSubscriber === true || has('subscriber');
    return {
      badges: badges.map((b) => `${b.type}/${b.version}`).join(','), 'badge-info': '', color,
      'display-name': displayName, emotes: '', id: msgId, mod: mod ? '1' : '0', 'room-id': roomId,
      subscriber: subscriber ? '1' : '0', 'tmi-sent-ts': String(Date.now()), turbo: '0',
      'user-id': seUserId(u), 'user-type': mod ? 'mod' : '', vip: vip ? '1' : '0',
    };
  }

  // One normalized event as the onEventReceived details SE would send, in SE's order.
  function seShapes(e) {
    const u = e.user || {};
    const data = e.data || {};
    const name = u.login || u.displayName || '';
    const displayName = u.displayName || name;
    const id = e.id;
    if (e.kind === 'chat_message') {
      const badges = seBadges(data.badges);
      const displayColor = data.displayColor || data.color || (data.tags && data.tags.color) || '';
      const msgId = data.msgId || id;
      return [{
        listener: 'message',
        event: {
          service: e.platform || 'twitch',
          data: {
            time: Date.parse(e.at), tags: seTags(data, badges, u, displayName, displayColor, msgId), nick: name,
            userId: seUserId(u), displayName, displayColor, badges, channel: data.channel || channelName,
            text: e.message || '', isAction: !!data.isAction, emotes: data.emotes || [], msgId,
          },
          renderedText: escapeHtml(e.message || ''),
        },
      }];
    }
    if (e.kind === 'chat_delete') {
      if (data.msgId) return [{ listener: 'delete-message', event: { msgId: data.msgId } }];
      return [{ listener: 'delete-messages', event: { userId: data.userId || seUserId(u) } }];
    }
    if (e.kind === 'counter') {
      return [{ listener: 'bot:counter', event: { counter: data.counter || '', value: data.value ?? e.count ?? 0 } }];
    }
    const out = [];
    const type = latestType[e.kind];
    const communityGift = e.kind === 'gift_subscription' && !!(data.communityGift || data.isCommunityGift);
    const amount = e.kind === 'raid' || e.kind === 'host' ? e.viewers
      : e.kind === 'gift_purchase' ? e.count
        : (type === 'subscriber' ? (e.months ?? 1) : e.amount);
    if (type || e.kind === 'gift_purchase') {
      const latest = 'subscriber-latest';
      const event = {
        name, displayName, amount: amount ?? 0, avatar: u.avatar || '', providerId: u.id || '',
        _id: id, activityId: id, sessionTop: false, type: type || 'subscriber',
        originalEventName: type ? `${type}-latest` : latest, isTest: !!e.test,
      };
      if (e.replay) event.replay = true;  // played again: a widget that counts can leave it out
      if (e.message) event.message = e.message;
      if (e.tier) event.tier = seTier(e.tier);
      if (e.kind === 'merch') event.items = e.item ? [{ name: e.item, quantity: e.count ?? 1 }] : [];
      if (e.kind === 'gift_subscription') {
        Object.assign(event, { gifted: true, sender: data.sender || '', communityGifted: communityGift });
        if (communityGift) Object.assign(event, { isCommunityGift: true, playedAsCommunityGift: false });
      }
      if (e.kind === 'gift_purchase') {
        // The INITIAL event of a community gift: the gifter, with the number of subs.
        Object.assign(event, { sender: name, bulkGifted: true, message: '', count: e.count ?? 0 });
        delete event._id;
        delete event.activityId;
      }
      out.push({ listener: event.originalEventName, event });
    }
    const activity = e.kind === 'redemption'
      ? (data.type === 'channel_points' ? 'channelPointsRedemption' : 'redemption') : activityType[e.kind];
    if (activity) {
      out.push({
        listener: 'event',
        event: {
          type: activity, provider: e.platform || 'twitch', channel: channelId, flagged: false, createdAt: e.at,
          isMock: !!e.test,
          data: {
            amount: amount ?? e.amount ?? 0, username: name, displayName, providerId: u.id || undefined,
            message: e.message, currency: e.currency || undefined, tier: e.tier ? seTier(e.tier) : undefined,
            redemption: e.item || undefined, avatar: u.avatar || undefined, quantity: e.count ?? 0,
            gifted: e.kind === 'gift_subscription' || undefined, sender: data.sender || (e.kind === 'gift_purchase' ? name : undefined),
          },
          _id: id, activityId: id, ...(e.replay ? { replay: true } : {}),
        },
      });
    }
    // SE's order, as in its catalogue of recorded payloads: the alert first, then its `event`
    // copy; for a gifted sub and a community gift's purchase the `event` copy comes first.
    if (e.kind === 'gift_subscription' || e.kind === 'gift_purchase') out.reverse();
    return out;
  }

  // SE's tiers are "1000", "2000", "3000" and "prime"; Velora says "1", "2", "3".
  function seTier(tier) {
    const t = String(tier ?? '').toLowerCase().replace(/^tier\s*/, '');
    return { 1: '1000', 2: '2000', 3: '3000' }[t] || t;
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  }

  function currencyInfo(code) {
    const info = { code, name: code, symbol: code };
    try {
      const part = new Intl.NumberFormat('en', { style: 'currency', currency: code }).formatToParts(0).find((p) => p.type === 'currency');
      if (part) info.symbol = part.value;
    } catch (_) { /* not a currency Intl knows */ }
    try { info.name = new Intl.DisplayNames(['en'], { type: 'currency' }).of(code) || code; } catch (_) { /* old browser */ }
    return info;
  }

  // SE sends a community gift's purchase before its recipients; upstreams do not always. A
  // recipient whose purchase has not been seen waits for it (at most holdMs), then goes on.
  class GiftOrder {
    constructor(deliver, holdMs = 2000) {
      this.deliver = deliver;
      this.holdMs = holdMs;
      this.waiting = new Map();  // gifter -> {events, timer}
      this.open = new Map();     // gifter -> recipients still expected after its purchase
    }

    push(e) {
      const data = e.data || {};
      const gifter = (data.sender || '').toLowerCase();
      if (e.kind === 'gift_purchase') {
        const key = ((e.user || {}).login || (e.user || {}).displayName || '').toLowerCase();
        this.deliver(e);
        const held = this.waiting.get(key);
        this.waiting.delete(key);
        let expected = (e.count ?? 0) - (held ? held.events.length : 0);
        if (held) { clearTimeout(held.timer); for (const r of held.events) this.deliver(r); }
        if (expected > 0) this.open.set(key, expected); else this.open.delete(key);
        return;
      }
      if (e.kind === 'gift_bundle') return;  // our own summary: SE has no such event
      if (e.kind !== 'gift_subscription' || !(data.communityGift || data.isCommunityGift) || !gifter) return this.deliver(e);
      const expected = this.open.get(gifter);
      if (expected) {
        if (expected > 1) this.open.set(gifter, expected - 1); else this.open.delete(gifter);
        return this.deliver(e);
      }
      let held = this.waiting.get(gifter);
      if (!held) {
        held = { events: [], timer: setTimeout(() => { this.waiting.delete(gifter); for (const r of held.events) this.deliver(r); }, this.holdMs) };
        this.waiting.set(gifter, held);
      }
      held.events.push(e);
    }
  }

  // The runtime on `client` (a streambridge.connect() client): window events and SE_API.
  function streamElementsShim(client, options = {}) {
    const target = options.target || global;
    const fieldData = options.fieldData || {};
    const dispatch = (type, detail) => target.dispatchEvent(new CustomEvent(type, { detail }));
    let loaded = false;
    const early = [];  // events that came before onWidgetLoad was dispatched
    const waiters = []; // SE_API calls made before the connection was up

    const call = (type, fields) => new Promise((resolve, reject) => {
      const send = () => client.request(type, fields).then(resolve, reject);
      if (client.connected && client.ws && client.ws.readyState === 1) send(); else waiters.push(send);
    });

    let sessionBusy = false;
    let sessionAgain = false;
    const sessionUpdate = () => {
      if (sessionBusy) { sessionAgain = true; return; }
      sessionBusy = true;
      call('se.session', {}).then((r) => dispatch('onSessionUpdate', { session: r.data }), () => {})
        .finally(() => { sessionBusy = false; if (sessionAgain) { sessionAgain = false; sessionUpdate(); } });
    };

    // SE's alert queue: with fieldData.widgetDuration (seconds) an alert (a *-latest event,
    // with its `event` copy) waits until the one before called SE_API.resumeQueue() or its
    // time is up. Chat, deletes, counters and store updates never wait. A resumeQueue() made
    // while anything but an alert is being dispatched (its `event` copy, a chat delete, a
    // store update) does not count: widgets call it there to skip that message, not to end
    // the alert they are showing.
    const holdMs = Math.max(0, Number(fieldData.widgetDuration) || 0) * 1000;
    const alerts = [];
    let showing = false;
    let playing = null;  // the alert held now, reported to the daemon (/status alerts.playing)
    const page = `widget:${options.name || ''}`;
    const report = () => {
      if (!client.connected) return;
      const d = playing ? { page, seq: playing.seq, kind: playing.kind } : { page, seq: null };
      client.request('alerts.playing', d).catch(() => {});
    };
    let paused = false;  // alert control: alerts wait, chat and counters do not
    let holdTimer = null;
    let inCopy = false;
    const releaseAlert = () => {
      clearTimeout(holdTimer);
      showing = false;
      playing = null;
      report();
      setTimeout(nextAlert, 0);
    };
    const dispatchAll = (e, details) => {
      for (const detail of details) {
        inCopy = !detail.listener.endsWith('-latest');
        try { dispatch('onEventReceived', detail); } finally { inCopy = false; }
      }
      if (sessionKinds.has(e.kind) && !e.test) sessionUpdate();
    };
    function nextAlert() {
      if (showing || paused || !alerts.length) return;
      showing = true;
      const [e, details] = alerts.shift();
      playing = e;
      report();
      holdTimer = setTimeout(releaseAlert, holdMs);
      dispatchAll(e, details);
    }
    const order = new GiftOrder((e) => {
      const details = seShapes(e);
      if ((holdMs > 0 || paused || showing) && details.some((d) => d.listener.endsWith('-latest'))) {
        alerts.push([e, details]);
        nextAlert();
      } else {
        dispatchAll(e, details);
      }
    });

    client.addEventListener('hello', () => {
      for (const send of waiters.splice(0)) send();
      if (playing) report();  // a new connection: the daemon forgot what this page plays
      if (loaded) return;
      const widgetLoad = (r) => {
        if (loaded) return;
        loaded = true;
        r = r || {};
        channelName = (r.channel && r.channel.username) || '';
        channelId = (r.channel && r.channel.id) || '';
        bannedWords = Array.isArray(r.bannedWords) ? r.bannedWords.map((w) => String(w).toLowerCase()).filter(Boolean) : [];
        const code = (r.currency && r.currency.code) || options.currency || 'USD';
        dispatch('onWidgetLoad', {
          channel: r.channel || { username: '', apiToken: '', id: '', providerId: '', avatar: '' },
          currency: Object.assign(currencyInfo(code), r.currency || {}),
          fieldData,
          recents: r.recents || [],
          session: r.session || { data: {}, settings: { autoReset: false, calendar: false, resetOnStart: false } },
          overlay: r.overlay || { isEditorMode: false, muted: false },
          emulated: false,
        });
        for (const e of early.splice(0)) order.push(e);
      };
      client.request('se.load', { widget: options.name || '' }).then(widgetLoad, () => widgetLoad(null));
    });
    client.addEventListener('event', (ev) => { if (loaded) order.push(ev.detail); else early.push(ev.detail); });
    client.addEventListener('kvstore', (ev) => {
      inCopy = true;
      try { dispatch('onEventReceived', { listener: 'kvstore:update', event: { data: ev.detail } }); } finally { inCopy = false; }
    });

    const status = { isEditorMode: false, muted: false };
    // Alert control (README "Alert control") in SE's own shapes: event:skip ends the alert
    // playing, alertService:toggleSound carries the muted state, pause holds the queue.
    const applyAlerts = (a, action) => {
      if (!a) return;
      if (typeof a.muted === 'boolean' && a.muted !== status.muted) {
        status.muted = a.muted;
        if (loaded) dispatch('onEventReceived', { listener: 'alertService:toggleSound', event: { muted: a.muted } });
      }
      if (typeof a.paused === 'boolean') paused = a.paused;
      if (action === 'skip' && loaded) {
        inCopy = true;
        try { dispatch('onEventReceived', { listener: 'event:skip', event: {} }); } finally { inCopy = false; }
        if (showing) releaseAlert();
      }
      if (!paused) nextAlert();
    };
    client.addEventListener('status', (ev) => applyAlerts(ev.detail && ev.detail.alerts));
    // A button field pressed (dashboard, POST /widgets/NAME/button): SE sends it as a test event.
    client.addEventListener('widget-button', (ev) => {
      if (!loaded) return;
      inCopy = true;
      try {
        dispatch('onEventReceived', { listener: 'event:test', event: { listener: 'widget-button', field: ev.detail.field, value: ev.detail.value } });
      } finally { inCopy = false; }
    });
    client.addEventListener('alerts', (ev) => applyAlerts(ev.detail, ev.detail.action));
    // The preview session started, moved or was reset (POST /test?count=true): new session data.
    client.addEventListener('session', () => { if (loaded) sessionUpdate(); });
    // SE_API.setField(key, value, true) on any page of this widget: every page of it reloads.
    client.addEventListener('widget-reload', () => { if (global.location) global.location.reload(); });
    global.SE_API = {
      store: {
        get: (key) => call('se.store.get', { key }).then((r) => r.value),
        set: (key, value) => call('se.store.set', { key, value }),
      },
      counters: { get: (counter) => call('se.counters.get', { counter }) },
      resumeQueue: () => { if (showing && !inCopy) releaseAlert(); },
      // [widgets] banned_words, masked as whole words in any case (SE masks its own list).
      sanitize: (arg) => Promise.resolve({ result: { message: maskWords(String((arg && arg.message) || '')) }, skip: false }),
      cheerFilter: (message) => Promise.resolve(String(message || '').replace(/(^|\s)[A-Za-z]+\d+(?=\s|$)/g, '$1').replace(/\s+/g, ' ').trim()),
      // Kept by the daemon for this widget (fieldData at every later load); reload: its pages reload.
      setField: (key, value, reload) => {
        fieldData[key] = value;
        const saved = call('se.field.set', { widget: options.name || '', key, value, reload: !!reload });
        saved.catch((err) => { if (global.console) global.console.warn(`SE_API.setField("${key}"): ${err.message}`); });
        return saved;
      },
      getOverlayStatus: () => Object.assign({ then: (f) => Promise.resolve({ ...status }).then(f) }, status),
    };
    return client;
  }

  // A widget page served by the daemon (/widgets/NAME/): connects once the widget's own
  // scripts have run (so their listeners see onWidgetLoad), with the page's ?token=.
  function widget(options = {}) {
    const start = () => {
      const token = new URLSearchParams(global.location.search).get('token') || undefined;
      const client = new Client({ token, resume: false, chat: 1, url: options.url });
      streamElementsShim(client, options);
    };
    if (global.document && global.document.readyState === 'loading') global.document.addEventListener('DOMContentLoaded', start);
    else setTimeout(start, 0);
  }

  global.streambridge = {
    connect: (options) => new Client(options),
    streamElementsShim,
    streamElementsShapes: seShapes,
    widget,
    Client,
  };
})(typeof window !== 'undefined' ? window : globalThis);
