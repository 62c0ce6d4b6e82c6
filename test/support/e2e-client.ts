import WebSocket from 'ws';
import { ImClient as ReferenceClient, ImError, wsUrl, type ServerFrame } from '../../shared/client';

/** Helpers that drive the local stack the way an outside client does: fetch, a real WebSocket, the sandbox API. */

export async function http(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON (TwiML, HTML)
  }
  return { status: res.status, text, json: json as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface Inboxed {
  sid: string;
  from: string;
  to: string;
  body: string;
  sentAt: string;
}

export async function inbox(base: string, phone: string): Promise<Inboxed[]> {
  const res = await http(base, 'GET', `/sandbox/phones/${encodeURIComponent(phone)}/messages`);
  return res.json.messages;
}

/** Polls until `check` returns a value (not undefined), or fails after `ms`. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface E2eUser {
  token: string;
  imNumber: string;
  name: string;
  phone: string;
}

let ips = 0;

/** Signs up over HTTP, reading the code from the phone's sandbox inbox. */
export async function signUp(base: string, phone: string, name?: string): Promise<E2eUser> {
  const before = (await inbox(base, phone)).length;
  const start = await http(
    base,
    'POST',
    '/auth/start',
    { phone },
    { 'x-forwarded-for': `198.18.0.${++ips}` },
  );
  if (start.status !== 202) throw new Error(`auth/start ${start.status}`);
  const sms = await eventually(async () => (await inbox(base, phone))[before]);
  const code = /\b(\d{6})\b/.exec(sms.body)![1];
  const verify = await http(base, 'POST', '/auth/verify', { phone, code, name });
  if (verify.status !== 200) throw new Error(`auth/verify ${verify.status} ${verify.text}`);
  return { token: verify.json.token, ...verify.json.user };
}

export type Frame = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * A real WebSocket client for tests: the project's reference client (shared/client, in `api`) on a `ws` socket,
 * plus a record of every frame received, so a test can look back as well as wait. Frames are parsed by the
 * reference client's schemas; a frame of an unknown type is recorded as it came, a malformed one in `invalid`.
 * Pushed messages are acked unless `autoAck` is turned off. `send` writes a frame as it is, unchecked, for the
 * tests that send bad frames on purpose; everything else goes through `api`'s typed calls.
 */
export class ImClient {
  readonly frames: Frame[] = [];
  /** Frames that were not JSON or did not match their schema, with why. */
  readonly invalid: { raw: string; error: string }[] = [];
  readonly api: ReferenceClient;
  private constructor(readonly ws: WebSocket) {
    this.api = new ReferenceClient(ws);
    this.api.on('frame', (frame) => this.frames.push(frame));
    this.api.on('unknown', (frame) => this.frames.push(frame));
    this.api.on('invalid', (bad) => this.invalid.push(bad));
  }

  get autoAck(): boolean {
    return this.api.autoAck !== false;
  }
  set autoAck(on: boolean) {
    this.api.autoAck = on;
  }

  /** Opens a socket for `token` (none: no token at all). Rejects with `HTTP <status>` when the upgrade is refused. */
  static connect(base: string, token: string | undefined): Promise<ImClient> {
    const url = token === undefined ? `${base.replace(/^http/, 'ws')}/ws` : wsUrl(base, token);
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const client = new ImClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** Writes a frame as it is, unchecked (the reference client's typed calls check theirs first). */
  send(frame: Frame): void {
    this.ws.send(JSON.stringify(frame));
  }

  of(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type);
  }

  /** The first recorded frame, received before or after the call, that matches; fails after `ms`. */
  waitFor(predicate: (f: Frame) => boolean, ms = 10_000): Promise<Frame> {
    return eventually(() => this.frames.find(predicate), ms);
  }

  close(): Promise<void> {
    return this.api.close();
  }
}

/**
 * The answer to one of the reference client's calls as a plain frame: the answer frame, or the `error` frame that
 * refused it (so a test can assert on either the same way). Any other failure (timeout, closed) still throws.
 */
export async function answer(call: Promise<ServerFrame>): Promise<Frame> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof ImError && err.frame) return err.frame;
    throw err;
  }
}
