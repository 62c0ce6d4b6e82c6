// One IM client's WebSocket: connect, ping every 60 s, reconnect with backoff after an unexpected close.
// Each socket is driven by the project's reference client (client.js, bundled from shared/client): frames are
// parsed with the protocol's schemas, and the request/answer actions are promises. UI-free: the card listens.
/* global EventTarget, CustomEvent */
import { wsUrl } from './api.js';
import { ImClient, ImError } from './client.js';

export const PING_INTERVAL_MS = 60_000;
const BACKOFF_MIN_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;

/**
 * Events (CustomEvent detail):
 *   state  { state: 'idle'|'connecting'|'open'|'reconnecting', retryAt?, attempt?, code?, reason? }
 *   frame  { frame }        a server frame, checked against its schema (or of a type the client does not know)
 *   sent   { frame }        a frame this client sent
 *   bad    { raw, error }   a frame that was not JSON or did not match its schema
 */
export class ImConnection extends EventTarget {
  constructor(token) {
    super();
    this.token = token;
    this.ws = null;
    /** The reference client on the current socket (null between sockets). */
    this.client = null;
    /** Error frames that answered a call (see {@link answered}). */
    this.answeredErrors = new WeakSet();
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
    this.client = null;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000, 'client disconnect');
    this.setState('idle');
  }

  /** Sends a frame; false when the socket is not open or the protocol's schema refuses the frame. */
  send(frame) {
    if (!this.isOpen || !this.client) return false;
    try {
      this.client.send(frame);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Runs one of the reference client's calls (getContacts, getAllContacts, addContact, removeContact,
   * updateProfile, history, invite, setPresence, ping) on the open socket. Resolves with the answer frame;
   * rejects with an ImError whose `code` is the server's error code, or `not_connected` when there is no open
   * socket.
   */
  call(name, ...args) {
    if (!this.isOpen || !this.client) {
      return Promise.reject(new ImError('not_connected', 'not connected: try again once online'));
    }
    const answer = this.client[name](...args);
    // An error that answers this call is its caller's to show; the frame listeners see the same frame first.
    answer.catch((err) => err?.frame && this.answeredErrors.add(err.frame));
    return answer;
  }

  /**
   * Whether an error frame was the answer to a call (its caller shows it, beside its form). Known a task after
   * the frame event: the call's rejection is handled after the listeners have run.
   */
  answered(frame) {
    return this.answeredErrors.has(frame);
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
    // The console acks by itself (it can pause acks, and skips duplicates), so the client does not.
    const client = new ImClient(ws, { autoAck: false });
    this.client = client;
    client.on('frame', (frame) => this.ws === ws && this.emit('frame', { frame }));
    client.on('unknown', (frame) => this.ws === ws && this.emit('frame', { frame }));
    client.on('invalid', ({ raw, error }) => this.ws === ws && this.emit('bad', { raw, error }));
    client.on('sent', (frame) => this.ws === ws && this.emit('sent', { frame }));
    ws.addEventListener('open', () => {
      if (this.ws !== ws) return;
      this.attempt = 0;
      this.everOpened = true;
      this.failuresSinceOpen = 0;
      this.startPing();
      this.setState('open');
    });
    ws.addEventListener('close', (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.client = null;
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
