// The realtime client shared by the participant's board and the facilitator's dashboard.
//
// - hello with the token and `since` (the last seq seen), then welcome, replay, live events;
// - reconnects with exponential backoff and jitter, at once when the browser comes back online;
// - every command goes through an outbox (kept in localStorage when a key is given) and is
//   re-sent with the same cid until the server acks it: the server deduplicates by cid;
// - keeps the offset between the server's clock and ours for countdowns.

const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 15000;
const PING_EVERY_MS = 20000;
const SILENCE_LIMIT_MS = 35000;
const RESEND_AFTER_MS = 15000;
const RETRY_LATER_MS = 5000;
const MAX_IN_FLIGHT = 8;

export const CLOSE_DELETED = 4404;
const CLOSE_POLICY = 1008;
// Refusals that only mean "not now" (a rate limit, a server that cannot store): the entry
// stays in the outbox and goes again later, whatever the screen's error handler says.
const NOT_NOW = new Set(["rate_limited", "unavailable"]);
export const notNow = (code) => NOT_NOW.has(code);

function newCid() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** localStorage that never throws (private mode, full quota, disabled storage). */
export const storage = {
  get(key) {
    try { const raw = localStorage.getItem(key); return raw ? JSON.parse(raw) : null; } catch { return null; }
  },
  set(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); return true; } catch { return false; }
  },
  remove(key) {
    try { localStorage.removeItem(key); } catch { /* nothing to do */ }
  },
};

function socketUrl() {
  return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws`;
}

/**
 * handlers (all optional):
 *   welcome(msg, since)  – since = the seq this connection asked to resume from (0 = from scratch)
 *   event(msg, replayed) – a logged event (has seq) or an unlogged one (notes.snapshot, presence)
 *   ack(msg, entry)      – the outbox entry is done
 *   error(msg, entry)    – entry is null for errors without a cid; return "hold" to keep the
 *                          entry until resume(), "later" to re-send it after a pause
 *   synced()             – the replay after the welcome is complete (a ping sent after the
 *                          welcome is answered only after the server has sent the replay)
 *   status(state)        – "connecting" | "open" | "offline" | "stopped"
 *   closed(code)         – the server ended the session for good (4404 deleted, 1008 bad token)
 */
export class LiveClient {
  constructor({ token, outboxKey = null, url = socketUrl(), handlers = {} }) {
    this.token = token;
    this.outboxKey = outboxKey;
    this.url = url;
    this.handlers = handlers;
    this.outbox = this.stored();
    this.done = new Set(); // cids this tab has seen through: another tab's copy must not revive them
    this.inFlight = new Map(); // cid -> time sent on the current connection
    this.since = 0;
    this.welcomeSeq = 0;
    this.offset = 0;
    this.ws = null;
    this.ready = false;
    this.state = "idle";
    this.attempt = 0;
    this.lastHeard = 0;
    this.retryTimer = 0;
    this.tickTimer = 0;
    this.onOnline = () => this.reconnectNow();
    this.onOffline = () => this.drop();
    this.onVisible = () => { if (document.visibilityState === "visible" && !this.ws) this.reconnectNow(); };
  }

  start() {
    addEventListener("online", this.onOnline);
    addEventListener("offline", this.onOffline);
    document.addEventListener("visibilitychange", this.onVisible);
    this.tickTimer = setInterval(() => this.tick(), 1000);
    this.connect();
  }

  stop() {
    this.setState("stopped");
    removeEventListener("online", this.onOnline);
    removeEventListener("offline", this.onOffline);
    document.removeEventListener("visibilitychange", this.onVisible);
    clearTimeout(this.retryTimer);
    clearInterval(this.tickTimer);
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000);
  }

  get connected() { return this.ready && this.state === "open"; }

  /** The server's clock in ms since the epoch. */
  now() { return Date.now() + this.offset; }

  /** Queue a command; it is sent now if connected, otherwise when the connection returns. */
  send(type, fields = {}) {
    const entry = { ...fields, type, cid: newCid(), at: Date.now() };
    this.outbox.push(entry);
    this.save();
    this.flush();
    return entry;
  }

  /** Re-send entries held back (for example after posting is opened again). */
  resume(filter = () => true) {
    for (const entry of this.outbox) if (entry.hold && filter(entry)) delete entry.hold;
    this.save();
    this.flush();
  }

  discard(cid) {
    this.done.add(cid);
    this.outbox = this.outbox.filter((entry) => entry.cid !== cid);
    this.inFlight.delete(cid);
    this.save();
  }

  /** Forget what we have seen and rebuild from the start of the log. */
  resync() {
    this.since = 0;
    this.reconnectNow(true);
  }

  /** Close the socket now, e.g. when the browser reports it is offline; retries follow. */
  drop() {
    const ws = this.ws;
    if (!ws) return;
    this.detach();
    ws.close(1000);
    this.setState("offline");
    this.scheduleRetry();
  }

  reconnectNow(force = false) {
    if (this.state === "stopped") return;
    if (this.ws && !force) return;
    if (this.ws) { const ws = this.ws; this.detach(); ws.close(1000); }
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    this.connect();
  }

  // ---- internals ----

  stored() {
    const entries = this.outboxKey ? storage.get(this.outboxKey) : null;
    return Array.isArray(entries) ? entries : [];
  }

  /** Take over what another tab of the same person queued under the key (at least `age` ms
   *  ago: an open tab sends its own in time): it may be closed. */
  adopt(age = 0) {
    const known = new Set(this.outbox.map((e) => e.cid));
    this.outbox.push(...this.stored().filter((e) => !known.has(e.cid) && !this.done.has(e.cid)
      && Date.now() - (e.at || 0) >= age));
  }

  /** Another tab of the same person shares the key: keep the entries it queued meanwhile. */
  save() {
    if (!this.outboxKey) return;
    const mine = new Set(this.outbox.map((e) => e.cid));
    const theirs = this.stored().filter((e) => !mine.has(e.cid) && !this.done.has(e.cid));
    storage.set(this.outboxKey, [...this.outbox, ...theirs]);
  }

  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.handlers.status?.(state);
  }

  connect() {
    if (this.state === "stopped") return;
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.setState("offline");
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    this.ready = false;
    if (this.state === "idle") this.setState("connecting");
    ws.onopen = () => {
      if (ws !== this.ws) return;
      this.lastHeard = Date.now();
      this.helloSentAt = Date.now();
      ws.send(JSON.stringify({ type: "hello", token: this.token, since: this.since }));
    };
    ws.onmessage = (event) => this.receive(ws, event.data);
    ws.onclose = (event) => this.closed(ws, event.code);
  }

  detach() {
    this.ws = null;
    this.ready = false;
    this.inFlight.clear();
  }

  scheduleRetry() {
    clearTimeout(this.retryTimer);
    if (this.state === "stopped") return;
    const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** this.attempt);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => { if (!this.ws) this.connect(); }, delay);
  }

  closed(ws, code) {
    if (ws !== this.ws) return;
    this.detach();
    if (code === CLOSE_DELETED || code === CLOSE_POLICY) {
      this.stop();
      this.handlers.closed?.(code);
      return;
    }
    this.setState("offline");
    this.scheduleRetry();
  }

  receive(ws, raw) {
    if (ws !== this.ws) return;
    let msg;
    try { msg = JSON.parse(raw); } catch { return; }
    if (!msg || typeof msg !== "object") return;
    this.lastHeard = Date.now();
    switch (msg.type) {
      case "welcome": {
        // The server's log ends before what we have seen (its database was restored from an
        // older backup): events up to our seq would be skipped as seen. Rebuild from its start.
        if (msg.seq < this.since) { this.resync(); break; }
        const since = this.since;
        // The server stamped its clock somewhere between our hello and now: take the middle.
        this.offset = msg.server_time - (this.helloSentAt + Date.now()) / 2;
        this.welcomeSeq = msg.seq;
        this.ready = true;
        this.attempt = 0;
        this.syncing = true;
        this.handlers.welcome?.(msg, since);
        if (this.ws === ws) ws.send(JSON.stringify({ type: "ping" }));
        this.setState("open");
        this.adopt();
        this.flush();
        break;
      }
      case "ack": {
        const entry = this.take(msg.cid);
        this.handlers.ack?.(msg, entry);
        this.flush();
        break;
      }
      case "error": {
        const entry = this.outbox.find((e) => e.cid === msg.cid) || null;
        const verdict = this.handlers.error?.(msg, entry);
        if (entry) {
          this.inFlight.delete(entry.cid);
          if (verdict === "hold") entry.hold = true;
          else if (verdict === "later" || notNow(msg.code)) entry.notBefore = Date.now() + RETRY_LATER_MS;
          else this.take(entry.cid);
          this.save();
        } else if (notNow(msg.code)) {
          // A frame was refused before its cid was read: send what is in flight again soon.
          for (const cid of this.inFlight.keys()) {
            const waiting = this.outbox.find((e) => e.cid === cid);
            if (waiting) waiting.notBefore = Date.now() + RETRY_LATER_MS;
          }
          this.inFlight.clear();
        }
        break;
      }
      case "pong":
        if (this.syncing) { this.syncing = false; this.handlers.synced?.(); }
        break;
      default: {
        if (typeof msg.seq === "number") {
          if (msg.seq <= this.since) return; // seen already
          this.since = msg.seq;
        }
        this.handlers.event?.(msg, typeof msg.seq === "number" && msg.seq <= this.welcomeSeq);
      }
    }
  }

  take(cid) {
    this.done.add(cid);
    const entry = this.outbox.find((e) => e.cid === cid) || null;
    if (entry) {
      this.outbox = this.outbox.filter((e) => e !== entry);
      this.save();
    }
    this.inFlight.delete(cid);
    return entry;
  }

  flush() {
    if (!this.connected || !this.ws) return;
    const now = Date.now();
    let changed = false;
    for (const entry of this.outbox) {
      if (this.inFlight.size >= MAX_IN_FLIGHT) break;
      if (entry.hold || this.inFlight.has(entry.cid) || (entry.notBefore && entry.notBefore > now)) continue;
      const { hold, notBefore, sent, seen, at, ...command } = entry; // the screen's own notes
      this.ws.send(JSON.stringify(command));
      this.inFlight.set(entry.cid, now);
      if (!entry.sent) { entry.sent = true; changed = true; }
    }
    if (changed) this.save();
  }

  tick() {
    if (!this.connected) return;
    const now = Date.now();
    if (now - this.lastHeard > SILENCE_LIMIT_MS) { this.drop(); return; }
    if (now - this.lastHeard > PING_EVERY_MS && now - (this.lastPing || 0) > PING_EVERY_MS) {
      this.lastPing = now;
      this.ws.send(JSON.stringify({ type: "ping" }));
    }
    for (const [cid, sentAt] of this.inFlight) {
      if (now - sentAt > RESEND_AFTER_MS) this.inFlight.delete(cid);
    }
    this.adopt(RESEND_AFTER_MS);
    this.flush();
  }
}
