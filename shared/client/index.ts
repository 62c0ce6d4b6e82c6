/**
 * The reference client of the WebSocket API (docs/protocol.md, "Reference client"): typed actions, every server
 * frame parsed with its zod schema, answers as promises, auto-ack. Browser- and Node-safe: it imports no Node
 * module and takes any WebSocket implementation (the browser's, or the `ws` package's), so the console
 * (bundled as /console/client.js) and the e2e tests drive the server through this one module.
 *
 * One `ImClient` is one connection. Reconnecting is the caller's policy (the console's im-client.js backs off
 * and opens a new one); a closed client rejects whatever it was waiting for with `ImError` code `closed`.
 */
import {
  ackFrame,
  addContactFrame,
  contactRefOf,
  getContactsFrame,
  historyFrame,
  inviteFrame,
  parseFrame,
  pingFrame,
  removeContactFrame,
  sendMessageFrame,
  setPresenceFrame,
  updateProfileFrame,
} from '../runtime/frames';
import * as z from 'zod/mini';
import {
  parseServerFrame,
  type ContactFrame,
  type ContactsFrame,
  type HistoryFrame,
  type InvitationFrame,
  type CallFrame,
  type MessageFrame,
  type OwnPresenceFrame,
  type PongFrame,
  type ProfileFrame,
  type ReceiptFrame,
  type ServerFrame,
} from './server-frames';

export * from './server-frames';

/** Every frame a client sends, as the server's own schemas (shared/runtime/frames.ts) define them. */
export type SendMessageAction = z.infer<typeof sendMessageFrame>;
export type AckAction = z.infer<typeof ackFrame>;
export type SetPresenceAction = z.infer<typeof setPresenceFrame>;
export type PingAction = z.infer<typeof pingFrame>;
export type GetContactsAction = z.infer<typeof getContactsFrame>;
export type AddContactAction = z.infer<typeof addContactFrame>;
export type RemoveContactAction = z.infer<typeof removeContactFrame>;
export type UpdateProfileAction = z.infer<typeof updateProfileFrame>;
export type HistoryAction = z.infer<typeof historyFrame>;
export type InviteAction = z.infer<typeof inviteFrame>;
export type ClientFrame =
  | SendMessageAction
  | AckAction
  | SetPresenceAction
  | PingAction
  | GetContactsAction
  | AddContactAction
  | RemoveContactAction
  | UpdateProfileAction
  | HistoryAction
  | InviteAction;

/** The schema of each action, to check a frame before it goes (the server checks it with the same one). */
const ACTION_SCHEMAS: Record<ClientFrame['action'], z.ZodMiniType<unknown>> = {
  sendMessage: sendMessageFrame,
  ack: ackFrame,
  setPresence: setPresenceFrame,
  ping: pingFrame,
  getContacts: getContactsFrame,
  addContact: addContactFrame,
  removeContact: removeContactFrame,
  updateProfile: updateProfileFrame,
  history: historyFrame,
  invite: inviteFrame,
};

/**
 * Why a call failed. `code` is the server's error code (`unknown_recipient`, `invitation_pending`,
 * `client_id_reused`, …, see docs/protocol.md) when an `error` frame answered it, with that frame in `frame`; or one of the client's own:
 * the server's validation code (`invalid_text`, `bad_frame`, …) when the frame was refused before it was sent,
 * `not_open` (the socket is not open), `closed` (it closed before the answer), `timeout` (no answer in time),
 * `connect_failed` (the socket never opened).
 */
export class ImError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly frame?: ServerFrame,
  ) {
    super(message);
    this.name = 'ImError';
  }
}

/** The part of a WebSocket this client uses: the browser's `WebSocket` and the `ws` package's both have it. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(
    type: 'open' | 'message' | 'close' | 'error',
    listener: (event: SocketEvent) => void,
  ): void;
}

/** What this client reads of a socket event: `data` of a message, `code` and `reason` of a close, an error's text. */
export interface SocketEvent {
  type?: string;
  data?: unknown;
  code?: number;
  reason?: string;
  message?: string;
}

/** A WebSocket constructor: `globalThis.WebSocket` in a browser (and Node 22+), or `require('ws')`. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** WebSocket.OPEN and CLOSED, the same in every implementation (RFC 6455 API). */
const OPEN = 1;
const CLOSED = 3;

/** What a client emits, by event name, with what each listener gets. */
export interface ImClientEvents {
  /** Every server frame of a known type, parsed and checked (also emitted under its own `type` below). */
  frame: ServerFrame;
  message: MessageFrame;
  receipt: ReceiptFrame;
  error: Extract<ServerFrame, { type: 'error' }>;
  pong: PongFrame;
  presence: Extract<ServerFrame, { type: 'presence' }>;
  contacts: ContactsFrame;
  contact: ContactFrame;
  profile: ProfileFrame;
  history: HistoryFrame;
  invitation: InvitationFrame;
  /** Someone is calling this user's phone through the IVR (docs/ivr.md). */
  call: CallFrame;
  /** A JSON object frame whose `type` this client does not know (a newer server): passed on unchecked. */
  unknown: { type: string } & Record<string, unknown>;
  /** A frame that is not JSON, or a known type in a wrong shape; `error` says what is wrong. */
  invalid: { raw: string; error: string };
  /** A frame this client sent. */
  sent: ClientFrame;
  /** The socket closed (from either side); every pending call was rejected with `closed`. */
  close: { code: number; reason: string };
}

export interface ImClientOptions {
  /**
   * Ack every pushed `message` at once (default true), or decide per message. False plays a client that shows
   * messages but never acks (a half-open socket): after ACK_TIMEOUT_MS the server texts them.
   */
  autoAck?: boolean | ((message: MessageFrame) => boolean);
  /** How long a call waits for its answer before it rejects with `timeout`, in ms (default 15,000). */
  timeoutMs?: number;
}

export interface ConnectOptions extends ImClientOptions {
  /** The WebSocket implementation; default `globalThis.WebSocket`. */
  WebSocket?: WebSocketConstructor;
}

/**
 * The URL of the WebSocket API for a token: `base` is the server's HTTP(S) or WS(S) origin (a path on it is
 * kept), e.g. `http://localhost:3000` → `ws://localhost:3000/ws?token=…`. On AWS pass the stage's wss:// URL,
 * which takes the token the same way.
 */
export function wsUrl(base: string, token: string): string {
  const url = new URL(base);
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  if (!url.pathname.endsWith('/ws')) url.pathname = `${url.pathname.replace(/\/$/, '')}/ws`;
  url.search = `?token=${encodeURIComponent(token)}`;
  return url.toString();
}

/**
 * A request/answer frame that was sent (or waits to be) and whose answer has not come. `kind` is what its answer
 * looks like ({@link answerKindOf}). A `live` slot is a call waiting for its answer; an `abandoned` one timed out
 * (its caller got `timeout`), and a `forgotten` one was written by `send` or is the client's own barrier `ping`:
 * nobody waits for their answers, which are taken off the line and dropped when they come, so that they are
 * never taken for the answer to a later call.
 */
interface Slot {
  frame: ClientFrame;
  kind: string;
  state: 'live' | 'abandoned' | 'forgotten';
  resolve?: (frame: ServerFrame) => void;
  reject?: (err: ImError) => void;
  timer?: ReturnType<typeof setTimeout>;
}

/** A sendMessage waiting for its first receipt, by clientId. */
interface Sending {
  resolve: (frame: ServerFrame) => void;
  reject: (err: ImError) => void;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * What the answer to a request/answer frame looks like, as a key {@link answerKindOfFrame} gives the frame that
 * answers it; undefined for the frames that are not answered in order: `sendMessage` (its receipts and errors
 * name its clientId) and `ack` (answered only when refused, by an error naming its id).
 */
export function answerKindOf(frame: ClientFrame): string | undefined {
  switch (frame.action) {
    case 'ping':
      return 'pong';
    case 'setPresence':
      return 'presence';
    case 'getContacts':
      return 'contacts';
    case 'addContact':
      return 'contact:added';
    case 'removeContact':
      return 'contact:removed';
    case 'updateProfile':
      return 'profile';
    case 'history':
      return `history:${frame.with}`;
    case 'invite':
      return 'invitation:pending';
    default:
      return undefined;
  }
}

/**
 * The key of a server frame that can answer a request/answer frame (see {@link answerKindOf}); undefined for
 * frames that answer none: pushes (`message`, `receipt`, a contact's `presence`, an invitation's outcome, `call`)
 * and `error`, which is routed by its `clientId`, its `id`, or its place in the order.
 */
export function answerKindOfFrame(frame: ServerFrame): string | undefined {
  switch (frame.type) {
    case 'pong':
      return 'pong';
    case 'presence':
      return 'imNumber' in frame ? undefined : 'presence';
    case 'contacts':
      return 'contacts';
    case 'contact':
      return `contact:${frame.op}`;
    case 'profile':
      return 'profile';
    case 'history':
      return `history:${frame.with}`;
    case 'invitation':
      return frame.status === 'pending' ? 'invitation:pending' : undefined;
    default:
      return undefined;
  }
}

/** A call waiting in line to be sent. */
interface Queued {
  frame: ClientFrame;
  kind: string;
  resolve: (frame: ServerFrame) => void;
  reject: (err: ImError) => void;
}

/**
 * How a helper that sends many frames (`getAllContacts`) keeps to the server's frame limits
 * (`WS_FRAMES_PER_CONNECTION` per `WS_RATE_WINDOW_SECONDS`, docs/protocol.md "Limits"): it sends at most `burst`
 * frames at once and then `framesPerSecond`; a frame refused with `rate_limited` is sent again after the error's
 * `retryAfterMs` (1,000 ms when it has none), at most `retries` times per frame and only when that wait is at
 * most `maxWaitMs`; past either bound the call rejects with that `rate_limited` error.
 */
export interface PacingOptions {
  /** Frames sent without waiting (default 10). */
  burst?: number;
  /** Frames per second after the burst (default 8: with the burst, 90 frames in any 10 s, under the default 100). */
  framesPerSecond?: number;
  /** Times one frame is sent again after `rate_limited` (default 5). */
  retries?: number;
  /** The longest wait for a `rate_limited` frame's retry, ms (default 60,000). */
  maxWaitMs?: number;
}

type Listener<K extends keyof ImClientEvents> = (payload: ImClientEvents[K]) => void;

let clientIds = 0;
/** A fresh clientId: random where crypto.randomUUID exists (browsers, Node 19+), else time and a counter. */
function newClientId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return c?.randomUUID ? c.randomUUID() : `c${Date.now().toString(36)}${(++clientIds).toString(36)}`;
}

/**
 * One connection to the WebSocket API.
 *
 * - `on(type, fn)` listens to server frames by `type` (parsed and checked), or to `frame`, `unknown`, `invalid`,
 *   `sent`, `close`.
 * - The request/answer actions (`getContacts`, `addContact`, `removeContact`, `updateProfile`, `history`,
 *   `invite`, `setPresence`, `ping`) resolve with their answer frame and reject with `ImError` (the server's
 *   error code). The protocol gives these answers no request id, and their `error` frames name no request, so
 *   they go one at a time, in call order: the next is sent when the previous one is answered (or timed out).
 *   The server answers them in order (docs/protocol.md, "Order"), so the answers are paired by their place:
 *   a call that timed out keeps its place, and its answer, when it comes late, is dropped rather than taken for
 *   the next call's (when the next call's answer would look the same, a `ping` goes between them first, so
 *   that a lost answer cannot shift the pairing either). A request/answer frame written with `send` keeps a
 *   place the same way, and its answer is only an event.
 * - `sendMessage` is keyed by `clientId` instead and does not wait in that line: it resolves with the first
 *   receipt for its clientId (`accepted`, or where a resend's original stands) and rejects with the `error`
 *   frame that names it. Later receipts come as `receipt` events.
 * - `ack` sends and forgets: the error that refuses one (`unknown_message`) names its `id` and is only an
 *   `error` event, never a call's rejection. Pushed messages are acked by themselves unless `autoAck` says
 *   otherwise.
 */
export class ImClient {
  /** Whether (and which) pushed messages are acked on arrival; may be changed at any time. */
  autoAck: boolean | ((message: MessageFrame) => boolean);
  /** How long a call waits for its answer before it rejects with `timeout`, ms; may be changed at any time. */
  timeoutMs: number;
  private readonly listeners = new Map<keyof ImClientEvents, Set<(payload: never) => void>>();
  /** Calls not sent yet, in call order. */
  private readonly line: Queued[] = [];
  /** Request/answer frames sent and not answered yet, in the order sent (their answers come in that order). */
  private readonly inflight: Slot[] = [];
  /** sendMessage calls waiting for their first receipt, by clientId (a resend while one waits adds a second). */
  private readonly sending = new Map<string, Sending[]>();
  private closed = false;

  /**
   * Wraps a socket, open or still connecting (frames sent before it opens are refused with `not_open`; use
   * `ImClient.connect` to wait for it).
   */
  constructor(
    readonly socket: WebSocketLike,
    options: ImClientOptions = {},
  ) {
    this.autoAck = options.autoAck ?? true;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    socket.addEventListener('message', (event) =>
      this.receive(typeof event.data === 'string' ? event.data : String(event.data)),
    );
    socket.addEventListener('close', (event) => this.onClose(event.code ?? 1006, event.reason ?? ''));
  }

  /**
   * Opens a connection and resolves once it is open.
   * @param url the WebSocket URL with its token (see `wsUrl`).
   * @throws ImError `connect_failed` when the socket closes or fails before it opens (a refused token is a 401
   *   before the upgrade: browsers show it only as a failed connection), or when no WebSocket is available.
   */
  static connect(url: string, options: ConnectOptions = {}): Promise<ImClient> {
    const Ctor =
      options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ?? undefined;
    if (!Ctor) {
      return Promise.reject(
        new ImError('connect_failed', 'no WebSocket implementation: pass options.WebSocket'),
      );
    }
    return new Promise((resolve, reject) => {
      let socket: WebSocketLike;
      try {
        socket = new Ctor(url);
      } catch (err) {
        reject(new ImError('connect_failed', `could not open the socket: ${String(err)}`));
        return;
      }
      const client = new ImClient(socket, options);
      let settled = false;
      socket.addEventListener('open', () => {
        settled = true;
        resolve(client);
      });
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        reject(new ImError('connect_failed', `the connection did not open: ${why}`));
      };
      socket.addEventListener('error', (event) => fail(event.message || 'socket error'));
      socket.addEventListener('close', (event) => fail(`closed with ${event.code ?? 1006}`));
    });
  }

  /** True while the socket is open. */
  get isOpen(): boolean {
    return this.socket.readyState === OPEN;
  }

  /** Listens to an event (see ImClientEvents). Returns a function that stops listening. */
  on<K extends keyof ImClientEvents>(type: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  /**
   * Resolves with the next server frame that `matches` (frames already received do not count).
   * @throws ImError `timeout` after `timeoutMs` (default the client's), `closed` if the socket closes first.
   */
  waitFor<F extends ServerFrame = ServerFrame>(
    matches: (frame: ServerFrame) => boolean,
    timeoutMs = this.timeoutMs,
  ): Promise<F> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new ImError('closed', 'the connection is closed'));
      const stop = () => {
        clearTimeout(timer);
        offFrame();
        offClose();
      };
      const timer = setTimeout(() => {
        stop();
        reject(new ImError('timeout', `no matching frame within ${timeoutMs} ms`));
      }, timeoutMs);
      const offFrame = this.on('frame', (frame) => {
        if (!matches(frame)) return;
        stop();
        resolve(frame as F);
      });
      const offClose = this.on('close', () => {
        stop();
        reject(new ImError('closed', 'the connection closed'));
      });
    });
  }

  /**
   * Sends one frame as it is, after checking it with the server's schema; nothing waits for an answer. A
   * request/answer frame (a `ping`, a `getContacts`, …) keeps its place among the calls' answers, so its answer
   * (or error) is only an event and never settles a call.
   * @throws ImError with the server's validation code (e.g. `invalid_text`) if the schema refuses it, or
   *   `not_open` when the socket is not open.
   */
  send(frame: ClientFrame): void {
    this.write(frame);
    const kind = answerKindOf(frame);
    if (kind !== undefined) this.inflight.push({ frame, kind, state: 'forgotten' });
  }

  /**
   * Confirms a pushed message (its `id`); the server answers nothing unless the id is not one of yours. That
   * answer, an `error` naming the `id` (e.g. `unknown_message`), comes as an `error` event only: it may come after
   * the answers to frames sent later, and never settles a call.
   */
  ack(id: string): void {
    this.send({ action: 'ack', id });
  }

  /**
   * Routes a message (`text`: 1–4,000 characters, not only spaces). `clientId` defaults to a fresh one; reuse a
   * clientId only to resend the same message (same `to` and `text`) safely. Resolves with the first receipt for it
   * (`accepted`, or where the original stands). Every call waiting on one clientId is settled by the first answer
   * naming it, since they are all about one message (a resend after a timeout may get the original's late
   * `accepted`, which says the same).
   * @throws ImError the server's code (`unknown_recipient`, `invalid_recipient`, `rate_limited`,
   * `client_id_reused`: another message under a clientId already used, not sent, …) or a local one.
   */
  sendMessage(input: { to: string; text: string; clientId?: string }): Promise<ReceiptFrame> {
    const frame: SendMessageAction = {
      action: 'sendMessage',
      to: input.to,
      text: input.text,
      clientId: input.clientId ?? newClientId(),
    };
    return new Promise<ServerFrame>((resolve, reject) => {
      try {
        this.send(frame);
      } catch (err) {
        return reject(err);
      }
      const pending: Sending = { resolve, reject };
      const waiting = this.sending.get(frame.clientId) ?? [];
      pending.timer = setTimeout(() => {
        // Only this call gives up: another one waiting on the same clientId still waits.
        const left = (this.sending.get(frame.clientId) ?? []).filter((p) => p !== pending);
        if (left.length) this.sending.set(frame.clientId, left);
        else this.sending.delete(frame.clientId);
        reject(new ImError('timeout', `no receipt within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.sending.set(frame.clientId, [...waiting, pending]);
    }) as Promise<ReceiptFrame>;
  }

  /** Keeps the connection counted as live (CONNECTION_TTL_SECONDS); resolves with the `pong`. */
  ping(): Promise<PongFrame> {
    return this.request({ action: 'ping' });
  }

  /** Manual offline mode on (`offline`: messages come by SMS) or off. Resolves with the mode now in force. */
  setPresence(status: 'online' | 'offline'): Promise<OwnPresenceFrame> {
    return this.request({ action: 'setPresence', status });
  }

  /**
   * One page of the caller's contacts with each IM contact's presence. `since` (the `version` of the copy held):
   * an unchanged list answers `{unchanged:true}` and no `contacts`: keep the copy (first page only). `cursor`:
   * the `nextCursor` of the page before; the answer has a `nextCursor` while more follow. `limit`: at most this
   * many contacts a page (1–500; a page may hold fewer, as many as fit one frame). A number is `since`, as before
   * paging. To read the whole list, use {@link ImClient.getAllContacts}.
   * @throws ImError `invalid_cursor`, `invalid_limit`, or a local check's code.
   */
  getContacts(
    query: number | { since?: number; cursor?: string; limit?: number } = {},
  ): Promise<ContactsFrame> {
    const q = typeof query === 'number' ? { since: query } : query;
    return this.request({
      action: 'getContacts',
      ...(q.since === undefined ? {} : { since: q.since }),
      ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
      ...(q.limit === undefined ? {} : { limit: q.limit }),
    });
  }

  /**
   * The whole contact list: the first page (with `since`, if given), then every `nextCursor` in turn. Resolves with
   * one `contacts` frame holding every page's contacts in order and no `nextCursor`, or with the `unchanged`
   * answer when `since` is current. Each page carries the list's version as read with it: when a later page's
   * differs from the first's, the list changed while it was read (another device added or removed a contact),
   * and it is read again from the first page, at most `attempts` times in all (default 3). If it is still moving
   * after that, the last read is returned with its first page's version, which is older than the list's, so the
   * next call with `since` reads the list again rather than answering `unchanged`.
   *
   * It keeps to the server's frame limits ({@link PacingOptions}, in `options.pacing`): pages go at most 10 at
   * once, then 8 a second, and a page refused with `rate_limited` is asked again after the error's `retryAfterMs`.
   * @throws ImError as getContacts; `rate_limited` when a page is still refused after `pacing.retries` waits, or
   *   would wait longer than `pacing.maxWaitMs`; `too_many_pages` when the server keeps sending cursors past
   *   `maxPages` (default 2,000: a list holds at most 1,000 contacts, and every page at least one).
   */
  async getAllContacts(
    since?: number,
    options: { limit?: number; attempts?: number; maxPages?: number; pacing?: PacingOptions } = {},
  ): Promise<ContactsFrame> {
    const attempts = Math.max(1, options.attempts ?? 3);
    const maxPages = options.maxPages ?? 2000;
    const page = pacer(options.pacing ?? {}, (query: Parameters<ImClient['getContacts']>[0]) =>
      this.getContacts(query),
    );
    let read: ContactsFrame | undefined;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const first = await page({ since, limit: options.limit });
      if (first.unchanged || !first.contacts) return first;
      const contacts = [...first.contacts];
      let cursor = first.nextCursor;
      let steady = true;
      for (let pages = 1; cursor !== undefined; pages++) {
        if (pages >= maxPages) throw new ImError('too_many_pages', `more than ${maxPages} contacts pages`);
        const next = await page({ cursor, limit: options.limit });
        contacts.push(...(next.contacts ?? []));
        if (next.version !== first.version) steady = false;
        cursor = next.nextCursor;
      }
      read = { type: 'contacts', version: first.version, contacts };
      if (steady) return read;
    }
    return read!;
  }

  /**
   * Adds an IM contact (`{imNumber}`) or a non-IM contact (`{phone, name}`; phone international). Resolves with
   * `{type:'contact', op:'added', version, contact}`.
   * @throws ImError `contact_exists`, `unknown_recipient`, `invalid_contact` (yourself), `too_many_contacts`, …
   */
  addContact(ref: { imNumber: string } | { phone: string; name: string }): Promise<ContactFrame> {
    return this.request({ action: 'addContact', ...ref }, () => contactRefOf(ref, true));
  }

  /** Removes a contact by `imNumber` or `phone`. @throws ImError `unknown_contact` when it is not one. */
  removeContact(ref: { imNumber: string } | { phone: string }): Promise<ContactFrame> {
    return this.request({ action: 'removeContact', ...ref }, () => contactRefOf(ref, false));
  }

  /**
   * Sets what of the caller's profile is given (mood at most 140 characters, avatarUrl `https:`; `""` removes
   * one). Resolves with the whole profile now.
   */
  updateProfile(profile: Omit<UpdateProfileAction, 'action'>): Promise<ProfileFrame> {
    return this.request({ action: 'updateProfile', ...profile });
  }

  /**
   * One page of the conversation with an IM contact, newest first; pass the answer's `next` as `before` for the
   * older page. `limit` 1–100 (default 50). @throws ImError `unknown_contact` for a stranger, `invalid_limit`, …
   */
  history(query: Omit<HistoryAction, 'action'>): Promise<HistoryFrame> {
    return this.request({ action: 'history', ...query });
  }

  /**
   * Invites a non-IM contact by SMS. Resolves with the `pending` invitation; its answer comes later as an
   * `invitation` event. @throws ImError `existing_user`, `invitation_pending`, `opted_out`, … (docs/protocol.md)
   */
  invite(input: { phone: string; name: string }): Promise<InvitationFrame> {
    return this.request({ action: 'invite', phone: input.phone, name: input.name });
  }

  /** Closes the socket (code 1000) and resolves once it is closed. */
  close(code = 1000, reason = 'client closes'): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed || this.socket.readyState === CLOSED) return resolve();
      this.on('close', () => resolve());
      this.socket.close(code, reason);
    });
  }

  /** Queues a request/answer call; see the class comment for why they go one at a time. */
  private request<F extends ServerFrame>(frame: ClientFrame, extraCheck?: () => void): Promise<F> {
    return new Promise<ServerFrame>((resolve, reject) => {
      try {
        checkFrame(frame);
        extraCheck?.();
      } catch (err) {
        return reject(err instanceof ImError ? err : toImError(err));
      }
      if (this.closed || !this.isOpen) return reject(new ImError('not_open', 'the connection is not open'));
      this.line.push({ frame, kind: answerKindOf(frame)!, resolve, reject });
      this.next();
    }) as Promise<F>;
  }

  /** Checks a frame and writes it to the socket. */
  private write(frame: ClientFrame): void {
    checkFrame(frame);
    if (!this.isOpen) throw new ImError('not_open', 'the connection is not open');
    this.socket.send(JSON.stringify(frame));
    this.emit('sent', frame);
  }

  /**
   * Sends the next call in line once no call waits for its answer. When an earlier frame whose answer would look
   * the same is still unanswered (a call that timed out, a frame written by `send`), a `ping` goes first: if that
   * earlier answer was lost, the pong shows it (answers come in order), so the pairing cannot shift by one.
   */
  private next(): void {
    if (this.closed || this.inflight.some((slot) => slot.state === 'live')) return;
    const queued = this.line.shift();
    if (!queued) return;
    try {
      if (queued.kind !== 'pong' && this.inflight.some((slot) => slot.kind === queued.kind)) {
        const barrier: ClientFrame = { action: 'ping' };
        this.write(barrier);
        this.inflight.push({ frame: barrier, kind: 'pong', state: 'forgotten' });
      }
      this.write(queued.frame);
    } catch (err) {
      queued.reject(toImError(err));
      this.next();
      return;
    }
    const slot: Slot = { ...queued, state: 'live' };
    slot.timer = setTimeout(() => {
      if (slot.state !== 'live') return;
      // It keeps its place: its answer, if it comes, is dropped, not taken for the next call's.
      slot.state = 'abandoned';
      slot.reject!(new ImError('timeout', `no answer to ${slot.frame.action} within ${this.timeoutMs} ms`));
      this.next();
    }, this.timeoutMs);
    this.inflight.push(slot);
  }

  private receive(raw: string): void {
    const parsed = parseServerFrame(raw);
    if (parsed.kind === 'invalid') return this.emit('invalid', { raw: parsed.raw, error: parsed.error });
    if (parsed.kind === 'unknown') return this.emit('unknown', parsed.frame);
    const frame = parsed.frame;
    if (frame.type === 'message' && this.shouldAck(frame) && this.isOpen) this.ack(frame.id);
    this.settle(frame);
    this.emit('frame', frame);
    this.emit(frame.type, frame as never);
  }

  private shouldAck(frame: MessageFrame): boolean {
    return typeof this.autoAck === 'function' ? this.autoAck(frame) : this.autoAck;
  }

  /**
   * Resolves or rejects the call this frame answers, if any. A receipt, or an error naming a clientId, is a
   * sendMessage's; an error naming an `id` answers an ack, which no call waits for. Any other error answers the
   * oldest frame still unanswered; another frame answers the oldest one whose answer looks like it, and the
   * unanswered frames before that one, nobody's calls, lost their answers and are dropped.
   */
  private settle(frame: ServerFrame): void {
    if (frame.type === 'receipt' || (frame.type === 'error' && frame.clientId)) {
      const clientId = frame.clientId!;
      for (const pending of this.sending.get(clientId) ?? []) {
        clearTimeout(pending.timer);
        if (frame.type === 'receipt') pending.resolve(frame);
        else pending.reject(new ImError(frame.code, frame.message, frame));
      }
      this.sending.delete(clientId);
      return;
    }
    if (frame.type === 'error' && frame.id !== undefined) return; // an ack's: an event only
    let at: number;
    if (frame.type === 'error') {
      at = this.inflight.length ? 0 : -1;
    } else {
      const kind = answerKindOfFrame(frame);
      if (kind === undefined) return;
      at = -1;
      for (let i = 0; i < this.inflight.length; i++) {
        if (this.inflight[i].kind === kind) {
          at = i;
          break;
        }
        if (this.inflight[i].state === 'live') break; // a push that looks like an answer: the call waits on
      }
    }
    if (at < 0) return;
    const [slot] = this.inflight.splice(0, at + 1).slice(-1);
    clearTimeout(slot.timer);
    if (slot.state === 'live') {
      slot.state = 'abandoned'; // settled: its timer must not fire
      if (frame.type === 'error') slot.reject!(new ImError(frame.code, frame.message, frame));
      else slot.resolve!(frame);
    }
    this.next();
  }

  private onClose(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    const gone = new ImError('closed', `the connection closed (${code}) before the answer`);
    const waiting = [
      ...this.inflight.splice(0).filter((slot) => slot.state === 'live'),
      ...this.line.splice(0),
      ...[...this.sending.values()].flat(),
    ];
    for (const pending of waiting) {
      clearTimeout((pending as Slot).timer);
      pending.reject!(gone);
    }
    this.sending.clear();
    this.emit('close', { code, reason });
  }

  private emit<K extends keyof ImClientEvents>(type: K, payload: ImClientEvents[K]): void {
    for (const listener of [...(this.listeners.get(type) ?? [])]) {
      (listener as Listener<K>)(payload);
    }
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Wraps a call that sends one frame so that a series of them keeps to the server's frame limits: a token bucket
 * of `burst` frames refilled at `framesPerSecond`, and a retry after each `rate_limited` refusal, after the wait
 * the error frame gives (`retryAfterMs`, or 1 s), bounded by `retries` and `maxWaitMs` ({@link PacingOptions}).
 * Any other error, and a refusal past the bounds, is thrown as it came.
 */
export function pacer<A extends unknown[], R>(
  options: PacingOptions,
  call: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  const burst = Math.max(1, options.burst ?? 10);
  const perSecond = Math.max(0.001, options.framesPerSecond ?? 8);
  const retries = Math.max(0, options.retries ?? 5);
  const maxWaitMs = options.maxWaitMs ?? 60_000;
  let tokens = burst;
  let filledAt = Date.now();
  const take = async () => {
    const now = Date.now();
    tokens = Math.min(burst, tokens + ((now - filledAt) * perSecond) / 1000);
    filledAt = now;
    if (tokens < 1) {
      await sleep(Math.ceil(((1 - tokens) * 1000) / perSecond));
      tokens = 1;
      filledAt = Date.now();
    }
    tokens -= 1;
  };
  return async (...args: A) => {
    for (let retry = 0; ; retry++) {
      await take();
      try {
        return await call(...args);
      } catch (err) {
        if (!(err instanceof ImError) || err.code !== 'rate_limited' || retry >= retries) throw err;
        const frame = err.frame as { retryAfterMs?: unknown } | undefined;
        const wait = typeof frame?.retryAfterMs === 'number' ? frame.retryAfterMs : 1000;
        if (wait > maxWaitMs) throw err;
        await sleep(wait);
      }
    }
  };
}

/** Checks a frame with its action's schema; the error carries the code the server would answer. */
function checkFrame(frame: ClientFrame): void {
  const schema = ACTION_SCHEMAS[frame.action];
  if (!schema)
    throw new ImError(
      'unknown_action',
      `action "${String(frame.action).slice(0, 40)}" is not an action of this API`,
    );
  try {
    parseFrame(schema, JSON.stringify(frame));
  } catch (err) {
    throw toImError(err);
  }
}

function toImError(err: unknown): ImError {
  if (err instanceof ImError) return err;
  const e = err as { code?: unknown; message?: unknown };
  return new ImError(
    typeof e?.code === 'string' ? e.code : 'bad_frame',
    typeof e?.message === 'string' ? e.message : String(err),
  );
}
