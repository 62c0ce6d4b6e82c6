import { SmsSendError } from '../core/ports';
import type { ProviderSms, SmsTransport } from './sms-transport';

/**
 * Outbound SMS through Twilio's documented Messages REST resource, on Node's fetch:
 * `POST https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP Basic auth (Account SID
 * and Auth Token), form-encoded `To`, `From`, `Body` and optional `StatusCallback`; Twilio answers 201 with the
 * Message resource as JSON, or an error `{ code, message, more_info, status }`.
 * Source: https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
 *
 * A client of our own instead of the twilio SDK: the SDK's Messages resource can only be had without the whole
 * package (several MB) through private paths (twilio/lib/base/*), which any minor release may move. The
 * resource itself is a stable public API, and one call of it is all this needs.
 */

/** The REST API's default host; `baseUrl` replaces it (the local sandbox implements the same resource). */
export const TWILIO_API_BASE = 'https://api.twilio.com';

/** How long one create may take before it is abandoned and reported as retryable, in milliseconds. */
export const TWILIO_REQUEST_TIMEOUT_MS = 5_000;

/**
 * How long one lookup (a Messages list page) may take, in milliseconds. Shorter than a create's: a lookup that
 * fails only defers the SMS to its resume (nothing is sent unproven), and the delivery-check batch must fit its
 * Lambda timeout with a lookup after each try (shared/runtime/ack-batch.ts).
 */
export const TWILIO_LOOKUP_TIMEOUT_MS = 2_000;

export interface TwilioOptions {
  /** AC + 32 hex digits. */
  accountSid: string;
  authToken: string;
  /** Send the REST calls here (the local sandbox, e.g. http://127.0.0.1:3000) instead of api.twilio.com. */
  baseUrl?: string;
  /** Per-request timeout in milliseconds. Default {@link TWILIO_REQUEST_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Per-lookup timeout in milliseconds. Default {@link TWILIO_LOOKUP_TIMEOUT_MS}. */
  lookupTimeoutMs?: number;
  /** The clock a request's `notAfter` is read against (epoch ms): the core's. Default `Date.now`. */
  now?: () => number;
}

/** Outbound SMS through Twilio's Messages API (or the sandbox's copy of it). */
export class TwilioSmsProvider implements SmsTransport {
  readonly name: string;
  private readonly endpoint: string;
  private readonly authorization: string;
  private readonly timeoutMs: number;
  private readonly lookupTimeoutMs: number;
  private readonly now: () => number;

  constructor(opts: TwilioOptions) {
    this.name = opts.baseUrl ? 'sandbox' : 'twilio';
    const base = new URL(opts.baseUrl ?? TWILIO_API_BASE);
    this.endpoint = new URL(
      `/2010-04-01/Accounts/${encodeURIComponent(opts.accountSid)}/Messages.json`,
      base.origin,
    ).toString();
    this.authorization = `Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64')}`;
    this.timeoutMs = opts.timeoutMs ?? TWILIO_REQUEST_TIMEOUT_MS;
    this.lookupTimeoutMs = opts.lookupTimeoutMs ?? TWILIO_LOOKUP_TIMEOUT_MS;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Creates one Message. Resolves with its SID (SM + 32 hex digits).
   * With `notAfter` (epoch ms, by `now`), nothing is sent at or after it, and the request is abandoned then if
   * unanswered (whichever comes first of that and the timeout), so a resume asking Twilio later cannot miss it.
   * @throws SmsSendError: retryable for 429, 5xx, timeouts, network failures and unreadable answers;
   *   permanent for other 4xx, with Twilio's error code (e.g. 21610, the recipient opted out) as providerCode;
   *   retryable, not `unanswered` and with providerCode `past_deadline` when `notAfter` has passed (nothing sent).
   */
  async send(request: ProviderSms): Promise<{ sid: string }> {
    const left = request.notAfter === undefined ? Infinity : request.notAfter - this.now();
    if (left <= 0) throw new SmsSendError('twilio create not sent: past its deadline', true, 'past_deadline');
    const form = new URLSearchParams({ To: request.to, From: request.from, Body: request.body });
    if (request.statusCallbackUrl) form.set('StatusCallback', request.statusCallbackUrl);
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers: {
          Authorization: this.authorization,
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
          'User-Agent': 'imsms',
        },
        body: form.toString(),
        signal: AbortSignal.timeout(Math.min(this.timeoutMs, left)),
      });
      text = await response.text();
    } catch (err) {
      // Refused: the request never reached Twilio. Anything else (a timeout above all) may have been taken.
      const refused = (err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
      const name = (err as Error).name ?? 'error';
      // The network error stays as the cause, so the failure's log line says which (refused, reset, timeout).
      throw Object.assign(new SmsSendError(`twilio request failed: ${name}`, true, undefined, !refused), {
        cause: err,
      });
    }
    const json = parseJson(text);
    if (!response.ok) {
      const status = response.status;
      const code = typeof json?.code === 'number' || typeof json?.code === 'string' ? json.code : undefined;
      throw new SmsSendError(`twilio answered ${status}`, status === 429 || status >= 500, code ?? status);
    }
    if (typeof json?.sid !== 'string') {
      throw new SmsSendError(`twilio answered ${response.status} without a message sid`, true);
    }
    return { sid: json.sid };
  }

  /**
   * Whether Twilio already took this SMS: lists the Messages to this `To` (Twilio's documented list filter;
   * newest first), from any number, and returns the newest outbound one with exactly this body created at or after
   * `since` (epoch ms, less {@link LOOKUP_SKEW_MS} for clock skew and `date_created`'s whole seconds), or null.
   * No DateSent filter: a message Twilio took but has not sent yet has no `date_sent`, and it is exactly the
   * one a timed-out create leaves behind.
   * Source: https://www.twilio.com/docs/messaging/api/message-resource#read-multiple-message-resources
   * With `notAfter` (epoch ms, by `now`: a request's deadline), no page is asked for at or after it, and one still
   * unanswered then is abandoned.
   * @throws SmsSendError (retryable) when the list cannot be read: then nobody knows, and nothing may be sent.
   */
  async find(request: ProviderSms, since: number): Promise<{ sid: string } | null> {
    // By To only: the service number a try goes from can change between tries (the recipient's thread is chosen
    // again, and another sender's message may rebind it), and the body names the sender and the text already.
    const query = new URLSearchParams({ To: request.to, PageSize: '100' });
    let url: string | null = `${this.endpoint}?${query.toString()}`;
    const from = since - LOOKUP_SKEW_MS;
    for (let page = 0; url && page < LOOKUP_MAX_PAGES; page++) {
      const json = await this.getJson(url, request.notAfter);
      const messages = Array.isArray(json.messages) ? (json.messages as ListedMessage[]) : undefined;
      if (!messages) throw new SmsSendError('twilio list answered without messages', true);
      let older = 0;
      for (const m of messages) {
        const created = typeof m.date_created === 'string' ? Date.parse(m.date_created) : NaN;
        if (!(created >= from)) {
          older++;
          continue;
        }
        const outbound = typeof m.direction === 'string' && m.direction.startsWith('outbound');
        if (outbound && m.body === request.body && typeof m.sid === 'string') return { sid: m.sid };
      }
      // Newest first: a page of nothing but older messages ends the search.
      if (messages.length > 0 && older === messages.length) return null;
      url =
        typeof json.next_page_uri === 'string' ? new URL(json.next_page_uri, this.endpoint).toString() : null;
    }
    if (url) throw new SmsSendError('twilio list: too many messages to search', true);
    return null;
  }

  private async getJson(url: string, notAfter?: number): Promise<Record<string, unknown>> {
    const left = notAfter === undefined ? Infinity : notAfter - this.now();
    if (left <= 0) throw new SmsSendError('twilio list not asked: past its deadline', true, 'past_deadline');
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        headers: { Authorization: this.authorization, Accept: 'application/json', 'User-Agent': 'imsms' },
        signal: AbortSignal.timeout(Math.min(this.lookupTimeoutMs, left)),
      });
      text = await response.text();
    } catch (err) {
      throw Object.assign(new SmsSendError(`twilio list failed: ${(err as Error).name ?? 'error'}`, true), {
        cause: err,
      });
    }
    const json = parseJson(text);
    if (!response.ok || !json) throw new SmsSendError(`twilio list answered ${response.status}`, true);
    return json;
  }
}

/** How far back of `since` a message's `date_created` may be and still match: clock skew, and its whole seconds. */
export const LOOKUP_SKEW_MS = 2_000;
/** The most list pages one lookup reads (Twilio pages are 50 by default; this asks for 100 each). */
const LOOKUP_MAX_PAGES = 3;

/** A Message resource as the list returns it, the fields a lookup reads. */
interface ListedMessage {
  sid?: unknown;
  body?: unknown;
  direction?: unknown;
  date_created?: unknown;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
