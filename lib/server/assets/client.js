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
// streambridge.streamElementsShim(client) makes existing StreamElements custom widget code run
// unchanged: it dispatches `onEventReceived` on window with `detail.listener` / `detail.event`
// in StreamElements' shapes, and `onWidgetLoad` once.
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

  // ---- StreamElements widget shim ------------------------------------------------------------
  const seType = {
    follow: 'follower', subscription: 'subscriber', resubscription: 'subscriber', gift_subscription: 'subscriber',
    gift_bundle: 'subscriber', cheer: 'cheer', tip: 'tip', raid: 'raid', host: 'host', merch: 'merch',
  };
  const eventType = {
    follow: 'follow', subscription: 'subscriber', resubscription: 'subscriber', gift_subscription: 'subscriber',
    gift_bundle: 'communityGiftPurchase', gift_purchase: 'communityGiftPurchase', cheer: 'cheer', tip: 'tip',
    raid: 'raid', host: 'host', merch: 'merch', superchat: 'superchat',
  };

  function seShapes(e) {
    const u = e.user || {};
    const data = e.data || {};
    const name = u.login || u.displayName || '';
    const id = e.id;
    if (e.kind === 'chat_message') {
      return [{
        listener: 'message',
        event: {
          service: e.platform || 'twitch',
          data: {
            time: Date.parse(e.at), tags: data.tags || {}, nick: name, userId: u.id || '', displayName: u.displayName || name,
            displayColor: data.displayColor || '', badges: data.badges || [], channel: data.channel || '',
            text: e.message || '', isAction: !!data.isAction, emotes: data.emotes || [], msgId: id,
          },
          renderedText: e.message || '',
        },
      }];
    }
    if (e.kind === 'chat_delete') return [{ listener: 'delete-message', event: { msgId: data.messageId || id } }];
    const out = [];
    if (eventType[e.kind] || e.kind === 'redemption') {
      const type = e.kind === 'redemption' ? (data.type === 'channel_points' ? 'channelPointsRedemption' : 'redemption') : eventType[e.kind];
      out.push({
        listener: 'event',
        event: {
          type,
          provider: e.platform || 'twitch',
          createdAt: e.at,
          isMock: e.test,
          data: {
            amount: e.amount ?? e.months ?? e.count ?? e.viewers ?? 0,
            username: name,
            displayName: u.displayName || name,
            providerId: u.id || undefined,
            message: e.message,
            currency: e.currency,
            tier: e.tier,
            redemption: e.item,
            avatar: u.avatar,
            gifted: e.kind === 'gift_subscription' || undefined,
            sender: data.sender,
          },
          _id: id,
          activityId: id,
        },
      });
    }
    if (seType[e.kind]) {
      const latest = `${seType[e.kind]}-latest`;
      const amount = e.kind === 'raid' || e.kind === 'host' ? e.viewers
        : e.kind === 'gift_bundle' ? e.count
          : (e.kind.includes('subscription') ? (e.months ?? 1) : e.amount);
      out.push({
        listener: latest,
        event: {
          name,
          amount: amount ?? 0,
          message: e.message,
          tier: e.tier,
          gifted: e.kind === 'gift_subscription' || undefined,
          bulkGifted: e.kind === 'gift_bundle' || undefined,
          sender: data.sender,
          isTest: e.test,
          activityId: id,
          _id: id,
          sessionTop: false,
          type: seType[e.kind],
          originalEventName: latest,
        },
      });
    }
    return out;
  }

  function streamElementsShim(client, options = {}) {
    const target = options.target || global;
    const fire = (detail) => target.dispatchEvent(new CustomEvent('onEventReceived', { detail }));
    client.addEventListener('hello', () => {
      if (client._widgetLoaded) return;
      client._widgetLoaded = true;
      target.dispatchEvent(new CustomEvent('onWidgetLoad', {
        detail: { channel: {}, fieldData: options.fieldData || {}, session: { data: {} }, recents: [], currency: {} },
      }));
    });
    client.addEventListener('event', (e) => { for (const detail of seShapes(e.detail)) fire(detail); });
    return client;
  }

  global.streambridge = {
    connect: (options) => new Client(options),
    streamElementsShim,
    streamElementsShapes: seShapes,
    Client,
  };
})(typeof window !== 'undefined' ? window : globalThis);
