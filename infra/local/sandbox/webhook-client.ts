import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
// Deep import: only the signing helper, not the whole SDK.
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import type { TaskTracker } from './task-tracker';

/**
 * Webhook parameters. A key with an array value is sent once per value (`K=a&K=b`), and signed as Twilio signs
 * a repeated key: the key with each distinct value, values sorted.
 */
export type WebhookParams = Record<string, string | readonly string[]>;

/** A webhook as Twilio would send it: the URL it is signed over (public), the method and the parameters. */
export interface WebhookRequest {
  url: string;
  method: 'GET' | 'POST';
  params: WebhookParams;
}

/** What the app answered. */
export interface WebhookResponse {
  status: number;
  contentType: string;
  body: string;
}

/** The webhook could not be delivered or answered (connection refused, timeout, oversized answer). */
export class WebhookError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookError';
  }
}

export interface WebhookClientOptions {
  authToken: string;
  publicUrl: string;
  deliverTo: string;
  tracker: TaskTracker;
  /** Twilio gives up on a webhook after 15 s. */
  timeoutMs?: number;
}

// Twilio accepts at most 64 kB of TwiML.
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * Sends signed webhooks. Each is signed over its public URL exactly as Twilio signs, but a URL under the
 * public base is delivered to `deliverTo`, so the app can listen on another address than the one it
 * advertises.
 */
export class WebhookClient {
  private readonly publicBase: string;
  private readonly deliverBase: string;

  constructor(private readonly opts: WebhookClientOptions) {
    this.publicBase = stripTrailingSlash(opts.publicUrl);
    this.deliverBase = stripTrailingSlash(opts.deliverTo);
  }

  /** The public URL of an app path such as '/twilio/sms'. */
  publicUrlFor(path: string): string {
    return this.publicBase + path;
  }

  /** Sends one webhook and resolves with the app's answer; rejects with WebhookError when there is none. */
  send(request: WebhookRequest): Promise<WebhookResponse> {
    return this.opts.tracker.run(() => this.deliver(request));
  }

  private async deliver(request: WebhookRequest): Promise<WebhookResponse> {
    const isGet = request.method === 'GET';
    const signedUrl = isGet ? withQuery(request.url, request.params) : request.url;
    const signature = getExpectedTwilioSignature(this.opts.authToken, signedUrl, isGet ? {} : request.params);
    const body = isGet ? undefined : formEncode(request.params);
    const target = this.deliveryTarget(signedUrl);
    const headers: Record<string, string> = {
      'X-Twilio-Signature': signature,
      'User-Agent': 'TwilioProxy/1.1',
      'I-Twilio-Idempotency-Token': randomUUID(),
      Accept: '*/*',
      Connection: 'close',
    };
    if (target.rewritten) {
      // A reverse proxy in front of the app would keep the public Host; apps that rebuild the URL need it.
      headers.Host = new URL(this.publicBase).host;
      headers['X-Forwarded-Proto'] = new URL(this.publicBase).protocol.replace(':', '');
    }
    if (body !== undefined) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    return exchange(target.url, request.method, headers, body, this.opts.timeoutMs ?? 15000);
  }

  /** Where a signed URL is actually delivered: under `deliverTo` when it belongs to the public base. */
  private deliveryTarget(signedUrl: string): { url: URL; rewritten: boolean } {
    const base = this.publicBase;
    if (signedUrl.startsWith(base + '/') || signedUrl.startsWith(base + '?')) {
      return { url: new URL(this.deliverBase + signedUrl.slice(base.length)), rewritten: true };
    }
    const url = new URL(signedUrl);
    if (url.origin === new URL(base).origin) {
      return { url: new URL(this.deliverBase + url.pathname + url.search), rewritten: true };
    }
    return { url, rewritten: false };
  }
}

function stripTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** `application/x-www-form-urlencoded`, a repeated key once per value, in the order given. */
export function formEncode(params: WebhookParams): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const v of typeof value === 'string' ? [value] : value) form.append(key, v);
  }
  return form.toString();
}

function withQuery(url: string, params: WebhookParams): string {
  const query = formEncode(params);
  if (query === '') return url;
  return url + (url.includes('?') ? '&' : '?') + query;
}

function exchange(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
): Promise<WebhookResponse> {
  return new Promise((resolve, reject) => {
    const transport = url.protocol === 'https:' ? https : http;
    const req = transport.request(url, { method, headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) req.destroy(new WebhookError('response too large'));
        else chunks.push(chunk);
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', (err) => reject(asWebhookError(err)));
    });
    req.on('timeout', () => req.destroy(new WebhookError('timed out')));
    req.on('error', (err) => reject(asWebhookError(err)));
    req.end(body);
  });
}

/** A loggable description of a webhook failure: no URL, no parameters. */
export function describeFailure(err: unknown): string {
  if (err instanceof WebhookError) return err.message;
  return err instanceof Error ? err.name : 'unknown error';
}

function asWebhookError(err: Error): WebhookError {
  if (err instanceof WebhookError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  return new WebhookError(code ? `connection failed (${code})` : 'connection failed');
}
