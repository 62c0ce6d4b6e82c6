import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { DEFAULT_SANDBOX_NUMBERS, SANDBOX_ACCOUNT_SID } from '../../../shared/config';
import { TwilioSandbox } from '../../../infra/local/sandbox';

/** One REST `Messages.json` create, as the app's Twilio client sent it. */
export interface RestCall {
  /** 1-based, in arrival order. */
  n: number;
  to: string;
  from: string;
  body: string;
  at: number;
}

/**
 * What the simulated provider does with one create:
 * - `pass`: the sandbox takes it (the phone gets the SMS) and answers 201.
 * - `fail`: answers `status` in Twilio's error shape; nothing is sent.
 * - `hang`: holds the request. With `accept`, the sandbox takes it (the SMS lands) at once, or once
 *   `acceptWhen` resolves, but the answer is held; without, nothing is sent. After `answerAfterMs` the held
 *   answer goes out if the caller is still there (the 201, or a 503 when not accepted); without it, the
 *   request is held until the caller hangs up.
 */
export type RestPlan =
  | { kind: 'pass' }
  | { kind: 'fail'; status: number }
  | { kind: 'hang'; accept: boolean; acceptWhen?: Promise<unknown>; answerAfterMs?: number };

const pass: RestPlan = { kind: 'pass' };

/**
 * A Twilio-compatible sandbox on its own HTTP server in the test process, for a stack started with
 * SANDBOX_URL pointing here: the phones' inboxes outlive the stack, and a test decides per REST create
 * whether the "provider" answers, fails or hangs.
 */
export class OutsideSandbox {
  readonly calls: RestCall[] = [];
  /** Decides each REST create; the default passes everything. */
  plan: (call: RestCall) => RestPlan = () => pass;
  private sandbox?: TwilioSandbox;
  private readonly held = new Set<ServerResponse>();
  private readonly waiters: Array<{ n: number; resolve: (c: RestCall) => void }> = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly authToken: string,
  ) {}

  static async start(authToken: string): Promise<OutsideSandbox> {
    const ref: { current?: OutsideSandbox } = {};
    const server = createServer((req, res) => {
      ref.current!.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    ref.current = new OutsideSandbox(server, url, authToken);
    return ref.current;
  }

  /** Points the sandbox at a stack: signatures over `publicUrl`, webhooks delivered to `deliverTo`. */
  attach(
    publicUrl: string,
    deliverTo: string,
    serviceNumbers = DEFAULT_SANDBOX_NUMBERS,
    statusDelayMs = 20,
  ): void {
    this.sandbox = new TwilioSandbox({
      accountSid: SANDBOX_ACCOUNT_SID,
      authToken: this.authToken,
      serviceNumbers,
      publicUrl,
      deliverTo,
      statusDelayMs,
    });
  }

  /** Resolves when the n-th REST create (1-based) has arrived. */
  waitForCall(n: number): Promise<RestCall> {
    if (this.calls.length >= n) return Promise.resolve(this.calls[n - 1]);
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    await this.sandbox?.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.sandbox) {
      res.writeHead(503).end();
      return;
    }
    const isCreate = req.method === 'POST' && /\/Messages\.json$/.test((req.url ?? '').split('?')[0]);
    if (!isCreate) {
      if (!(await this.sandbox.handle(req, res))) res.writeHead(404).end();
      return;
    }
    const raw = await readAll(req);
    const form = new URLSearchParams(raw);
    const call: RestCall = {
      n: this.calls.length + 1,
      to: form.get('To') ?? '',
      from: form.get('From') ?? '',
      body: form.get('Body') ?? '',
      at: Date.now(),
    };
    this.calls.push(call);
    for (const w of this.waiters.filter((w) => w.n <= call.n)) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve(call);
    }
    const plan = this.plan(call);
    if (plan.kind === 'pass') {
      await this.sandbox.handle(replay(req, raw), res);
    } else if (plan.kind === 'fail') {
      twilioError(res, plan.status);
    } else {
      await this.hang(req, res, raw, plan);
    }
  }

  private async hang(
    req: IncomingMessage,
    res: ServerResponse,
    raw: string,
    plan: { accept: boolean; acceptWhen?: Promise<unknown>; answerAfterMs?: number },
  ): Promise<void> {
    this.held.add(res);
    const gone = new Promise<void>((resolve) => res.once('close', () => resolve()));
    if (plan.acceptWhen) await plan.acceptWhen;
    const answer = plan.accept ? await this.run(req, raw) : undefined;
    const timer =
      plan.answerAfterMs === undefined
        ? undefined
        : new Promise<void>((resolve) => setTimeout(resolve, plan.answerAfterMs).unref());
    await Promise.race(timer ? [gone, timer] : [gone]);
    this.held.delete(res);
    if (res.destroyed || res.writableEnded) return;
    if (answer) res.writeHead(answer.status, answer.headers).end(answer.body);
    else twilioError(res, 503);
  }

  /** Lets the sandbox take a create and captures its answer instead of sending it. */
  private async run(
    req: IncomingMessage,
    raw: string,
  ): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    const captured = { status: 500, headers: {} as Record<string, string>, body: '' };
    const stub = {
      headersSent: false,
      writeHead(status: number, headers?: Record<string, string | number>) {
        captured.status = status;
        for (const [k, v] of Object.entries(headers ?? {})) captured.headers[k] = String(v);
        this.headersSent = true;
        return this;
      },
      end(body?: string) {
        captured.body = body ?? '';
        return this;
      },
      destroy() {
        return this;
      },
    };
    await this.sandbox!.handle(replay(req, raw), stub as unknown as ServerResponse);
    return captured;
  }
}

async function readAll(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A request the sandbox can read again: same method, URL and headers, the body already read. */
function replay(req: IncomingMessage, raw: string): IncomingMessage {
  return Object.assign(Readable.from([Buffer.from(raw)]), {
    method: req.method,
    url: req.url,
    headers: req.headers,
  }) as unknown as IncomingMessage;
}

function twilioError(res: ServerResponse, status: number): void {
  const body = JSON.stringify({
    code: status === 429 ? 20429 : 20500,
    message: status === 429 ? 'Too Many Requests' : 'Service Unavailable',
    more_info: 'https://www.twilio.com/docs/errors/20500',
    status,
  });
  res.writeHead(status, { 'content-type': 'application/json' }).end(body);
}
