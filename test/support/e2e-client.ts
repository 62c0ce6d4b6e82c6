import WebSocket from 'ws';

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

/** A real WebSocket client that records frames and, unless told not to, acks every message. */
export class ImClient {
  readonly frames: Frame[] = [];
  autoAck = true;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      this.frames.push(frame);
      if (frame.type === 'message' && this.autoAck) this.send({ action: 'ack', id: frame.id });
    });
  }

  static connect(base: string, token: string | undefined): Promise<ImClient> {
    const url = `${base.replace(/^http/, 'ws')}/ws${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const client = new ImClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(frame: Frame): void {
    this.ws.send(JSON.stringify(frame));
  }

  of(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type);
  }

  waitFor(predicate: (f: Frame) => boolean, ms = 10_000): Promise<Frame> {
    return eventually(() => this.frames.find(predicate), ms);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}
