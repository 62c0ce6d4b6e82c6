import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import { TwilioSandbox, type SandboxOptions } from '../../../infra/local/sandbox';

export const ACCOUNT_SID = 'AC' + '0123456789abcdef'.repeat(2);
export const AUTH_TOKEN = 'sandbox-test-auth-token';
export const SERVICE_NUMBERS = ['+15005550100', '+15005550101'];
export const PHONE = '+14155550123';
export const OTHER_PHONE = '+8613800138000';

/** One webhook as the fake app received it, with the verdict of Twilio's own validator. */
export interface RecordedWebhook {
  method: string;
  /** Path and query as received. */
  url: string;
  /** The first value of each form key. */
  params: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  signatureValid: boolean;
}

/** What the fake app answers; by default an empty TwiML response. */
export interface AppReply {
  status?: number;
  contentType?: string;
  body: string;
}

type Responder = (hook: RecordedWebhook) => AppReply;

/**
 * A stand-in for the IM app: it records every webhook, checks X-Twilio-Signature with the real
 * validateRequest over the URL it believes is public, and answers with TwiML chosen per path by the test.
 */
export class FakeApp {
  readonly hooks: RecordedWebhook[] = [];
  private readonly responders = new Map<string, Responder>();
  /** The public base URL the app validates signatures against. */
  publicUrl = '';

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<FakeApp> {
    const app: FakeApp = new FakeApp(http.createServer((req, res) => void app.serve(req, res)));
    await listen(app.server);
    // Like the local runtime: advertised as localhost, reached on 127.0.0.1; signatures must use the former.
    app.publicUrl = app.address.replace('127.0.0.1', 'localhost');
    return app;
  }

  /** Where the app really listens. */
  get address(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Answers requests to `path` (without query) with `reply`. */
  on(path: string, reply: AppReply | Responder): void {
    this.responders.set(path, typeof reply === 'function' ? reply : () => reply);
  }

  /** Hooks received on a path (without query). */
  received(path: string): RecordedWebhook[] {
    return this.hooks.filter((hook) => hook.url.split('?')[0] === path);
  }

  /** Resolves once `count` hooks have arrived on `path`. */
  async waitFor(path: string, count: number, timeoutMs = 3000): Promise<RecordedWebhook[]> {
    await eventually(() => this.received(path).length >= count, timeoutMs);
    return this.received(path);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const keys = [...new Set(form.keys())];
    const params = Object.fromEntries(keys.map((k) => [k, form.get(k)!]));
    // The signature covers every value of a repeated key, so the check gets them all (copied into this realm:
    // twilio tests `instanceof Array`, and under jest an array from Node's URLSearchParams is foreign).
    const signed = Object.fromEntries(keys.map((k) => [k, [...form.getAll(k)]]));
    const signature = String(req.headers['x-twilio-signature'] ?? '');
    const hook: RecordedWebhook = {
      method: req.method ?? '',
      url: req.url ?? '',
      params,
      headers: req.headers,
      signatureValid: validateRequest(AUTH_TOKEN, signature, this.publicUrl + (req.url ?? ''), signed),
    };
    this.hooks.push(hook);
    const responder = this.responders.get(hook.url.split('?')[0]);
    const reply = responder ? responder(hook) : { body: '<Response/>' };
    res.writeHead(reply.status ?? 200, { 'Content-Type': reply.contentType ?? 'text/xml' });
    res.end(reply.body);
  }
}

/** A running sandbox on its own HTTP server, as the local runtime would mount it. */
export interface RunningSandbox {
  sandbox: TwilioSandbox;
  url: string;
  events: Array<{ event: string; fields: Record<string, unknown> }>;
  close(): Promise<void>;
}

/**
 * Starts a sandbox on 127.0.0.1 with a free port; other paths answer 404 to show `handle` declined them.
 * Unless told otherwise its public URL is deliverTo with "localhost" for "127.0.0.1", as FakeApp expects.
 */
export async function startSandbox(
  options: Partial<SandboxOptions> & { deliverTo: string },
): Promise<RunningSandbox> {
  const events: RunningSandbox['events'] = [];
  const sandbox = new TwilioSandbox({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    serviceNumbers: SERVICE_NUMBERS,
    publicUrl: options.deliverTo.replace('127.0.0.1', 'localhost'),
    statusDelayMs: 0,
    log: (event, fields) => events.push({ event, fields }),
    ...options,
  });
  const server = http.createServer((req, res) => {
    void sandbox.handle(req, res).then((handled) => {
      if (!handled) res.writeHead(404, { 'X-Not-Sandbox': '1' }).end();
    });
  });
  await listen(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = async () => {
    await sandbox.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { sandbox, url, events, close };
}

/** Calls a sandbox JSON endpoint and returns status and parsed body. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of any shape
): Promise<{ status: number; body: any }> {
  const response = await fetch(baseUrl + path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** The path of a phone's inbox. */
export function inboxPath(phone: string): string {
  return `/sandbox/phones/${encodeURIComponent(phone)}/messages`;
}

/** Polls until `condition` holds, failing after `timeoutMs`. */
export async function eventually(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function listen(server: http.Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
}

/** A fake app and a sandbox delivering to it, fresh for each test of the calling `describe`. */
export function withSandbox(): { app: FakeApp; net: RunningSandbox } {
  const ctx = {} as { app: FakeApp; net: RunningSandbox };
  beforeEach(async () => {
    ctx.app = await FakeApp.start();
    ctx.net = await startSandbox({ deliverTo: ctx.app.address });
  });
  afterEach(async () => {
    await ctx.net.close();
    await ctx.app.close();
  });
  return ctx;
}
