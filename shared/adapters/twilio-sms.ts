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

export interface TwilioOptions {
  /** AC + 32 hex digits. */
  accountSid: string;
  authToken: string;
  /** Send the REST calls here (the local sandbox, e.g. http://127.0.0.1:3000) instead of api.twilio.com. */
  baseUrl?: string;
  /** Per-request timeout in milliseconds. Default {@link TWILIO_REQUEST_TIMEOUT_MS}. */
  timeoutMs?: number;
}

/** Outbound SMS through Twilio's Messages API (or the sandbox's copy of it). */
export class TwilioSmsProvider implements SmsTransport {
  readonly name: string;
  private readonly endpoint: string;
  private readonly authorization: string;
  private readonly timeoutMs: number;

  constructor(opts: TwilioOptions) {
    this.name = opts.baseUrl ? 'sandbox' : 'twilio';
    const base = new URL(opts.baseUrl ?? TWILIO_API_BASE);
    this.endpoint = new URL(
      `/2010-04-01/Accounts/${encodeURIComponent(opts.accountSid)}/Messages.json`,
      base.origin,
    ).toString();
    this.authorization = `Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64')}`;
    this.timeoutMs = opts.timeoutMs ?? TWILIO_REQUEST_TIMEOUT_MS;
  }

  /**
   * Creates one Message. Resolves with its SID (SM + 32 hex digits).
   * @throws SmsSendError: retryable for 429, 5xx, timeouts, network failures and unreadable answers;
   *   permanent for other 4xx, with Twilio's error code (e.g. 21610, the recipient opted out) as providerCode.
   */
  async send(request: ProviderSms): Promise<{ sid: string }> {
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
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (err) {
      throw new SmsSendError(`twilio request failed: ${(err as Error).name ?? 'error'}`, true);
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
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
