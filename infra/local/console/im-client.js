// One IM client's WebSocket: connect, ping every 60 s, reconnect with backoff after an unexpected close.
// UI-free: the card listens to its events.
/* global EventTarget, CustomEvent */
import { wsUrl } from './api.js';

export const PING_INTERVAL_MS = 60_000;
const BACKOFF_MIN_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;

/**
 * Events (CustomEvent detail):
 *   state  { state: 'idle'|'connecting'|'open'|'reconnecting', retryAt?, attempt?, code?, reason? }
 *   frame  { frame }        a parsed server frame
 *   sent   { frame }        a frame this client sent
 *   bad    { raw }          a frame that was not JSON
 */
export class ImConnection extends EventTarget {
  constructor(token) {
    super();
    this.token = token;
    this.ws = null;
    this.wanted = false;
    this.state = 'idle';
    this.attempt = 0;
    this.everOpened = false;
    this.failuresSinceOpen = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.retryAt = null;
  }

  get isOpen() {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  connect() {
    this.wanted = true;
    clearTimeout(this.retryTimer);
    if (this.ws && (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING))
      return;
    this.open();
  }

  /** Closes on purpose: no reconnect. */
  disconnect() {
    this.wanted = false;
    clearTimeout(this.retryTimer);
    this.stopPing();
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000, 'client disconnect');
    this.setState('idle');
  }

  /** Sends a frame; false when the socket is not open. */
  send(frame) {
    if (!this.isOpen) return false;
    this.ws.send(JSON.stringify(frame));
    this.emit('sent', { frame });
    return true;
  }

  open() {
    this.setState('connecting', { attempt: this.attempt });
    let ws;
    try {
      ws = new WebSocket(wsUrl(this.token));
    } catch (err) {
      this.scheduleRetry(0, String(err));
      return;
    }
    this.ws = ws;
    ws.addEventListener('open', () => {
      if (this.ws !== ws) return;
      this.attempt = 0;
      this.everOpened = true;
      this.failuresSinceOpen = 0;
      this.startPing();
      this.setState('open');
    });
    ws.addEventListener('message', (ev) => {
      if (this.ws !== ws) return;
      let frame;
      try {
        frame = JSON.parse(typeof ev.data === 'string' ? ev.data : '');
      } catch {
        this.emit('bad', { raw: String(ev.data) });
        return;
      }
      if (frame && typeof frame === 'object') this.emit('frame', { frame });
      else this.emit('bad', { raw: String(ev.data) });
    });
    ws.addEventListener('close', (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.stopPing();
      if (!this.wanted) {
        this.setState('idle', { code: ev.code, reason: ev.reason });
        return;
      }
      this.scheduleRetry(ev.code, ev.reason);
    });
  }

  scheduleRetry(code, reason) {
    this.failuresSinceOpen += 1;
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt);
    const delay = Math.round(base / 2 + Math.random() * (base / 2));
    this.attempt += 1;
    this.retryAt = Date.now() + delay;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this.wanted) this.open();
    }, delay);
    this.setState('reconnecting', { retryAt: this.retryAt, attempt: this.attempt, code, reason });
  }

  /** Reconnects now instead of waiting for the backoff. */
  retryNow() {
    if (!this.wanted || this.state !== 'reconnecting') return;
    clearTimeout(this.retryTimer);
    this.open();
  }

  startPing() {
    this.stopPing();
    this.pingTimer = setInterval(() => this.send({ action: 'ping' }), PING_INTERVAL_MS);
  }

  stopPing() {
    clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  setState(state, extra = {}) {
    this.state = state;
    this.emit('state', { state, ...extra });
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
