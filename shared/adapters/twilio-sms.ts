// Deep imports: the whole `twilio` package bundles to ~3.7 MB; the Messages resource alone is ~45 KB. Its base
// client (BaseTwilio) is left out too, because it loads the SDK's axios-based HTTP client (~220 KB) that a
// fetch-based one replaces.
import Domain from 'twilio/lib/base/Domain';
import Version from 'twilio/lib/base/Version';
import { MessageListInstance } from 'twilio/lib/rest/api/v2010/account/message';
import { SmsSendError } from '../core/ports';
import type { ProviderSms, SmsTransport } from './sms-transport';

interface TwilioHttpRequest {
  method: string;
  uri: string;
  username?: string;
  password?: string;
  headers?: Record<string, string>;
  params?: Record<string, unknown>;
  data?: Record<string, unknown>;
  timeout?: number;
}

/**
 * An httpClient for the twilio SDK built on fetch. With `baseUrl` it sends the SDK's calls there instead of
 * api.twilio.com: that is how the local sandbox is reached with the real SDK.
 */
export class FetchTwilioHttpClient {
  constructor(
    private readonly baseUrl?: string,
    private readonly timeoutMs = 5_000,
  ) {}

  async request(
    opts: TwilioHttpRequest,
  ): Promise<{ statusCode: number; body: string; headers: Record<string, string> }> {
    const target = new URL(opts.uri);
    if (this.baseUrl) {
      const base = new URL(this.baseUrl);
      target.protocol = base.protocol;
      target.host = base.host;
    }
    for (const [k, v] of Object.entries(opts.params ?? {})) target.searchParams.append(k, String(v));
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.username && opts.password) {
      headers.Authorization = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`;
    }
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.data ?? {})) {
      for (const item of Array.isArray(v) ? v : [v]) if (item !== undefined) form.append(k, String(item));
    }
    const response = await fetch(target, {
      method: opts.method.toUpperCase(),
      headers,
      body: opts.data ? form.toString() : undefined,
      signal: AbortSignal.timeout(opts.timeout ?? this.timeoutMs),
    });
    return {
      statusCode: response.status,
      body: await response.text(),
      headers: headersOf(response),
    };
  }
}

export interface TwilioOptions {
  accountSid: string;
  authToken: string;
  /** Send the SDK's REST calls here (the local sandbox) instead of api.twilio.com. */
  baseUrl?: string;
}

/** Outbound SMS through Twilio's Messages API, with the real SDK. */
export class TwilioSmsProvider implements SmsTransport {
  readonly name: string;
  private readonly messages: ReturnType<typeof MessageListInstance>;

  constructor(opts: TwilioOptions) {
    this.name = opts.baseUrl ? 'sandbox' : 'twilio';
    const http = new FetchTwilioHttpClient(opts.baseUrl);
    // What the SDK's resources need of a client: request() with credentials and Twilio's headers added.
    const client = {
      request: (req: TwilioHttpRequest) =>
        http.request({
          ...req,
          method: req.method.toLowerCase(),
          username: opts.accountSid,
          password: opts.authToken,
          headers: {
            'User-Agent': 'imsms (twilio-node resources)',
            'Accept-Charset': 'utf-8',
            Accept: 'application/json',
            ...(req.data ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
            ...(req.headers ?? {}),
          },
        }),
    };
    const version = new Version(new Domain(client as never, 'https://api.twilio.com'), '2010-04-01');
    // The Messages list needs only the Version's request plumbing, not the whole V2010 domain object.
    this.messages = MessageListInstance(version as never, opts.accountSid);
  }

  async send(request: ProviderSms): Promise<{ sid: string }> {
    try {
      const message = await this.messages.create({
        to: request.to,
        from: request.from,
        body: request.body,
        ...(request.statusCallbackUrl ? { statusCallback: request.statusCallbackUrl } : {}),
      });
      return { sid: message.sid };
    } catch (err) {
      throw toSendError(err);
    }
  }
}

/** Twilio's 4xx are permanent (bad number, opted out: 21610); 429, 5xx and network failures are worth a retry. */
function toSendError(err: unknown): SmsSendError {
  const e = err as { status?: number; code?: number; name?: string; message?: string };
  if (typeof e.status === 'number') {
    const retryable = e.status === 429 || e.status >= 500;
    return new SmsSendError(`twilio answered ${e.status}`, retryable, e.code ?? e.status);
  }
  return new SmsSendError(`twilio request failed: ${e.name ?? 'error'}`, true);
}

function headersOf(response: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  return headers;
}
