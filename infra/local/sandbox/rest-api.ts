import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readForm, sendJson } from './http-io';
import { isSid } from './ids';
import { JsonFile } from './json-file';
import type { MessageDispatcher } from './message-dispatcher';
import type { DateSentBound, MessageStore, StoredMessage } from './message-store';
import { isE164 } from './phone-numbers';
import { characterCount } from './sms-segments';
import type { SandboxLog } from './types';

/** The prefix of every REST path the sandbox serves. */
export const REST_PREFIX = '/2010-04-01';

const API_VERSION = '2010-04-01';
const MAX_BODY_CHARS = 1600;

/** A refusal in Twilio's REST error shape. */
class TwilioApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    /** Response headers the refusal needs (a 405's `Allow`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The methods the sandbox serves on each REST resource: a 405 names them in its `Allow` header. */
const RESOURCE_METHODS: Readonly<Record<string, string>> = {
  account: 'GET',
  messages: 'GET, POST',
  message: 'GET',
  numbers: 'GET',
  number: 'POST',
};

export interface RestApiDeps {
  accountSid: string;
  authToken: string;
  serviceNumbers: readonly string[];
  store: MessageStore;
  dispatcher: MessageDispatcher;
  log: SandboxLog;
  /**
   * Where each service number's webhook settings (IncomingPhoneNumbers) are kept across restarts, as the
   * phones' inboxes and calls are (`<dataDir>/numbers.json`); absent: memory only.
   */
  numbersFile?: string;
}

/**
 * The part of Twilio's 2010-04-01 REST API the project uses: the Account, Messages and IncomingPhoneNumbers
 * (list by PhoneNumber, update the webhook fields by sid) resources, with HTTP
 * Basic auth, Twilio's validation codes and its JSON shapes, so the real twilio SDK can talk to it unchanged.
 */
export class RestApi {
  /** Each service number's webhook settings (IncomingPhoneNumbers), kept in `numbersFile` when there is one. */
  private readonly numbers: Map<string, IncomingNumber>;
  private readonly numbersFile: JsonFile<IncomingNumber[]> | undefined;

  constructor(private readonly deps: RestApiDeps) {
    const kept = deps.numbersFile === undefined ? undefined : keptSettings(JsonFile.read(deps.numbersFile));
    this.numbers = new Map(
      deps.serviceNumbers.map((phone) => {
        const sid = 'PN' + createHash('sha256').update(phone).digest('hex').slice(0, 32);
        return [sid, { sid, phone, settings: kept?.get(phone) ?? {} }];
      }),
    );
    this.numbersFile =
      deps.numbersFile === undefined
        ? undefined
        : new JsonFile(deps.numbersFile, () => [...this.numbers.values()]);
  }

  /** Writes a pending change of the numbers' settings now (the sandbox calls it on close). */
  flush(): void {
    this.numbersFile?.flush();
  }

  /** Serves a request whose path starts with /2010-04-01. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    try {
      this.authenticate(req);
      await this.route(req, res, url);
    } catch (err) {
      if (!(err instanceof TwilioApiError)) throw err;
      this.deps.log('sandbox.rest.rejected', { status: err.status, code: err.code });
      sendTwilioError(res, err);
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const target = parseRestPath(url.pathname);
    if (!target || target.accountSid !== this.deps.accountSid) throw notFound(url.pathname);
    const method = req.method ?? 'GET';
    if (target.resource === 'account' && method === 'GET') {
      sendJson(res, 200, this.account());
    } else if (target.resource === 'messages' && method === 'POST') {
      sendJson(res, 201, this.create(await readForm(req)));
    } else if (target.resource === 'messages' && method === 'GET') {
      sendJson(res, 200, this.list(url));
    } else if (target.resource === 'message' && method === 'GET') {
      sendJson(res, 200, this.fetch(target.messageSid ?? '', url.pathname));
    } else if (target.resource === 'numbers' && method === 'GET') {
      sendJson(res, 200, this.listNumbers(url));
    } else if (target.resource === 'number' && method === 'POST') {
      sendJson(res, 200, this.updateNumber(target.messageSid ?? '', await readForm(req), url.pathname));
    } else {
      // Twilio's own code and shape (the SDK reads them), with the Allow header RFC 9110 §15.5.6 asks of a 405.
      throw new TwilioApiError(405, 20004, 'Method not allowed', {
        Allow: RESOURCE_METHODS[target.resource],
      });
    }
  }

  private authenticate(req: IncomingMessage): void {
    const encoded = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (encoded === undefined) {
      throw new TwilioApiError(401, 20003, 'Authentication Error - No credentials provided');
    }
    const expected = `${this.deps.accountSid}:${this.deps.authToken}`;
    if (!sameSecret(Buffer.from(encoded, 'base64').toString('utf8'), expected)) {
      throw new TwilioApiError(401, 20003, 'Authenticate');
    }
  }

  private create(form: Map<string, string>): Record<string, unknown> {
    const to = form.get('To') ?? '';
    const body = form.get('Body') ?? '';
    const statusCallback = form.get('StatusCallback') || undefined;
    const messagingServiceSid = form.get('MessagingServiceSid') || undefined;
    if (to === '') throw new TwilioApiError(400, 21604, "A 'To' phone number is required.");
    if (!isE164(to)) throw new TwilioApiError(400, 21211, "Invalid 'To' Phone Number");
    const from = this.sender(form.get('From') || undefined, messagingServiceSid, to);
    if (from === to) throw new TwilioApiError(400, 21266, "'To' and 'From' number cannot be the same");
    if (body === '') throw new TwilioApiError(400, 21602, 'Message body is required.');
    if (characterCount(body) > MAX_BODY_CHARS) {
      throw new TwilioApiError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    }
    if (statusCallback !== undefined && !isHttpUrl(statusCallback)) {
      throw new TwilioApiError(400, 21609, 'Invalid StatusCallback url');
    }
    // Twilio's default opt-out handling: the phone texted STOP to this number, and has not texted START since.
    if (this.deps.store.isOptedOut(from, to)) {
      throw new TwilioApiError(400, 21610, 'Attempt to send to unsubscribed recipient');
    }
    const direction = 'outbound-api';
    return messageResource(
      this.deps.dispatcher.send({ from, to, body, direction, statusCallback, messagingServiceSid }),
    );
  }

  /** The From number: as given (it must be ours), or picked from the pool for a Messaging Service. */
  private sender(from: string | undefined, messagingServiceSid: string | undefined, to: string): string {
    if (messagingServiceSid !== undefined && !isSid(messagingServiceSid, 'MG')) {
      throw new TwilioApiError(400, 21701, 'The Messaging Service Sid is invalid.');
    }
    if (from === undefined && messagingServiceSid === undefined) {
      throw new TwilioApiError(400, 21603, "A 'From' phone number is required.");
    }
    if (from === undefined) return stickySender(this.deps.serviceNumbers, to);
    if (!this.deps.serviceNumbers.includes(from)) {
      throw new TwilioApiError(
        400,
        21606,
        "The 'From' phone number provided is not a valid message-capable Twilio phone number " +
          'for this destination.',
      );
    }
    return from;
  }

  private fetch(sid: string, path: string): Record<string, unknown> {
    const message = this.deps.store.get(sid);
    if (!message || message.accountSid !== this.deps.accountSid) throw notFound(path);
    return messageResource(message);
  }

  /**
   * One page of the matches, newest first, as Twilio pages its lists: `PageSize` (default 50, at most 1,000),
   * and a `next_page_uri` carrying the same filters, `Page` and a `PageToken` (`PA` + the last sid of the page),
   * so a page follows on from the message it ended at even while newer messages arrive. A `Page` without a
   * token counts from the newest. The SDK's `list()` and the app's lookup follow `next_page_uri`. Filters as
   * Twilio documents them: `To`, `From` (exact), and `DateSent`, `DateSent<`, `DateSent>` (a GMT date
   * `YYYY-MM-DD` or a date-time `YYYY-MM-DDThh:mm:ssZ`; `<` on or before, `>` on or after; a message not sent
   * yet has no `date_sent` and matches no DateSent filter). A date it cannot read is a 400.
   * Source: https://www.twilio.com/docs/usage/twilios-response#pagination
   */
  private list(url: URL): Record<string, unknown> {
    const pageSize = Math.min(Math.max(Number(url.searchParams.get('PageSize')) || 50, 1), 1000);
    const to = url.searchParams.get('To') ?? undefined;
    const from = url.searchParams.get('From') ?? undefined;
    const dateSent = dateSentBounds(url.searchParams);
    const matches = this.deps.store.list({ to, from, dateSent });
    const page = Math.max(Math.trunc(Number(url.searchParams.get('Page')) || 0), 0);
    const token = url.searchParams.get('PageToken');
    // A token names the last message of the page before; one no longer in the list ends the listing.
    const after = token === null ? -1 : matches.findIndex((m) => `PA${m.sid}` === token);
    const start = token === null ? page * pageSize : after < 0 ? matches.length : after + 1;
    const found = matches.slice(start, start + pageSize);
    const filters = new URLSearchParams(
      [...url.searchParams].filter(([key]) => !['Page', 'PageSize', 'PageToken'].includes(key)),
    );
    const uri = `${REST_PREFIX}/Accounts/${this.deps.accountSid}/Messages.json`;
    const pageUri = (n: number, pageToken?: string) => {
      const query = new URLSearchParams(filters);
      query.set('PageSize', String(pageSize));
      query.set('Page', String(n));
      if (pageToken) query.set('PageToken', pageToken);
      return `${uri}?${query.toString()}`;
    };
    const last = found.at(-1);
    return {
      messages: found.map(messageResource),
      start,
      end: Math.max(start + found.length - 1, start),
      page,
      page_size: pageSize,
      uri: pageUri(page, token ?? undefined),
      first_page_uri: pageUri(0),
      next_page_uri:
        last && start + found.length < matches.length ? pageUri(page + 1, `PA${last.sid}`) : null,
      previous_page_uri: page > 0 ? pageUri(page - 1) : null,
    };
  }

  /** IncomingPhoneNumbers.json, optionally filtered by an exact PhoneNumber; one page. */
  private listNumbers(url: URL): Record<string, unknown> {
    const filter = url.searchParams.get('PhoneNumber') ?? undefined;
    const found = [...this.numbers.values()].filter((n) => filter === undefined || n.phone === filter);
    const uri = `${REST_PREFIX}/Accounts/${this.deps.accountSid}/IncomingPhoneNumbers.json`;
    return {
      incoming_phone_numbers: found.map((n) => this.numberResource(n)),
      start: 0,
      end: Math.max(found.length - 1, 0),
      page: 0,
      page_size: 50,
      uri,
      first_page_uri: uri,
      next_page_uri: null,
      previous_page_uri: null,
    };
  }

  /** POST IncomingPhoneNumbers/{sid}.json: sets the webhook fields given (URLs must be http(s)). */
  private updateNumber(sid: string, form: Map<string, string>, path: string): Record<string, unknown> {
    const number = this.numbers.get(sid);
    if (!number) throw notFound(path);
    const next = { ...number.settings };
    for (const field of NUMBER_FIELDS) {
      const value = form.get(field);
      if (value === undefined) continue;
      if (field.endsWith('Url') || field === 'StatusCallback') {
        if (value !== '' && !isHttpUrl(value)) throw new TwilioApiError(400, 21502, `Invalid ${field}`);
      } else if (value !== 'GET' && value !== 'POST') {
        throw new TwilioApiError(400, 21502, `Invalid ${field}`);
      }
      next[field] = value;
    }
    number.settings = next;
    this.numbersFile?.changed();
    this.deps.log('sandbox.number.updated', { sid });
    return this.numberResource(number);
  }

  private numberResource(n: IncomingNumber): Record<string, unknown> {
    const f = n.settings;
    return {
      sid: n.sid,
      account_sid: this.deps.accountSid,
      phone_number: n.phone,
      friendly_name: n.phone,
      sms_url: f.SmsUrl ?? '',
      sms_method: f.SmsMethod ?? 'POST',
      voice_url: f.VoiceUrl ?? '',
      voice_method: f.VoiceMethod ?? 'POST',
      status_callback: f.StatusCallback ?? '',
      status_callback_method: f.StatusCallbackMethod ?? 'POST',
      capabilities: { sms: true, voice: true, mms: false, fax: false },
      uri: `${REST_PREFIX}/Accounts/${this.deps.accountSid}/IncomingPhoneNumbers/${n.sid}.json`,
    };
  }

  private account(): Record<string, unknown> {
    const sid = this.deps.accountSid;
    return {
      sid,
      owner_account_sid: sid,
      friendly_name: 'Twilio sandbox',
      status: 'active',
      type: 'Full',
      date_created: rfc2822(new Date(0)),
      date_updated: rfc2822(new Date(0)),
      uri: `${REST_PREFIX}/Accounts/${sid}.json`,
      subresource_uris: { messages: `${REST_PREFIX}/Accounts/${sid}/Messages.json` },
    };
  }
}

/** A message in the JSON shape of Twilio's Message resource. */
export function messageResource(message: StoredMessage): Record<string, unknown> {
  const uri = `${REST_PREFIX}/Accounts/${message.accountSid}/Messages/${message.sid}.json`;
  return {
    account_sid: message.accountSid,
    api_version: API_VERSION,
    body: message.body,
    date_created: rfc2822(message.dateCreated),
    date_sent: message.dateSent ? rfc2822(message.dateSent) : null,
    date_updated: rfc2822(message.dateUpdated),
    direction: message.direction,
    error_code: message.errorCode ?? null,
    error_message: message.errorMessage ?? null,
    from: message.from,
    messaging_service_sid: message.messagingServiceSid ?? null,
    num_media: String(message.numMedia ?? 0),
    num_segments: String(message.numSegments),
    price: null,
    price_unit: 'USD',
    sid: message.sid,
    status: message.status,
    subresource_uris: { media: uri.replace(/\.json$/, '/Media.json') },
    to: message.to,
    uri,
  };
}

/** Twilio's date format: RFC 2822 with a numeric zone, e.g. "Thu, 24 Aug 2023 05:01:45 +0000". */
export function rfc2822(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

function sendTwilioError(res: ServerResponse, err: TwilioApiError): void {
  const headers: Record<string, string> = {
    ...(err.status === 401 ? { 'WWW-Authenticate': 'Basic realm="Twilio API"' } : {}),
    ...err.headers,
  };
  sendJson(
    res,
    err.status,
    {
      code: err.code,
      message: err.message,
      more_info: `https://www.twilio.com/docs/errors/${err.code}`,
      status: err.status,
    },
    headers,
  );
}

/** The webhook fields of an IncomingPhoneNumber the sandbox keeps (Twilio's form parameter names). */
/** The webhook fields of an IncomingPhoneNumber the sandbox takes (Twilio's form names). */
export const NUMBER_FIELDS = [
  'SmsUrl',
  'SmsMethod',
  'VoiceUrl',
  'VoiceMethod',
  'StatusCallback',
  'StatusCallbackMethod',
] as const;

/**
 * The settings kept in a numbers file, by phone: only the known fields with string values (a file from another
 * version or edited by hand loses what it cannot be, never the start). A number no longer served is dropped.
 */
function keptSettings(value: unknown): Map<string, IncomingNumber['settings']> {
  const kept = new Map<string, IncomingNumber['settings']>();
  if (!Array.isArray(value)) return kept;
  for (const item of value as Array<{ phone?: unknown; settings?: unknown }>) {
    if (!item || typeof item.phone !== 'string' || !item.settings || typeof item.settings !== 'object')
      continue;
    const settings: IncomingNumber['settings'] = {};
    for (const field of NUMBER_FIELDS) {
      const v = (item.settings as Record<string, unknown>)[field];
      if (typeof v === 'string') settings[field] = v;
    }
    kept.set(item.phone, settings);
  }
  return kept;
}

interface IncomingNumber {
  sid: string;
  phone: string;
  settings: Partial<Record<(typeof NUMBER_FIELDS)[number], string>>;
}

/**
 * Which resource a REST path names: /Accounts/{sid}.json, …/Messages.json, …/Messages/{sid}.json,
 * …/IncomingPhoneNumbers.json or …/IncomingPhoneNumbers/{sid}.json (its sid in `messageSid`).
 */
function parseRestPath(path: string):
  | {
      accountSid: string;
      resource: 'account' | 'messages' | 'message' | 'numbers' | 'number';
      messageSid?: string;
    }
  | undefined {
  const numbers = /^\/2010-04-01\/Accounts\/([^/]+?)\/IncomingPhoneNumbers(?:\/([^/]+))?\.json$/.exec(path);
  if (numbers) {
    const [, accountSid, sid] = numbers;
    return sid === undefined
      ? { accountSid, resource: 'numbers' }
      : { accountSid, resource: 'number', messageSid: sid };
  }
  const match = /^\/2010-04-01\/Accounts\/([^/]+?)(\.json|\/Messages\.json|\/Messages\/([^/]+)\.json)$/.exec(
    path,
  );
  if (!match) return undefined;
  const [, accountSid, tail, messageSid] = match;
  if (tail === '.json') return { accountSid, resource: 'account' };
  return messageSid === undefined
    ? { accountSid, resource: 'messages' }
    : { accountSid, resource: 'message', messageSid };
}

/** The list's DateSent filters (`DateSent`, `DateSent<`, `DateSent>`; `DateSent<=` arrives as `DateSent<`). */
function dateSentBounds(params: URLSearchParams): DateSentBound[] {
  const bounds: DateSentBound[] = [];
  for (const [key, op] of [
    ['DateSent', '='],
    ['DateSent<', '<'],
    ['DateSent>', '>'],
  ] as const) {
    const value = params.get(key);
    if (value === null) continue;
    const day = /^\d{4}-\d{2}-\d{2}$/.test(value);
    const time = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/.test(value);
    const at = day || time ? Date.parse(day ? `${value}T00:00:00Z` : value) : NaN;
    if (Number.isNaN(at)) throw new TwilioApiError(400, 20001, `Invalid ${key} date: ${value}`);
    bounds.push({ op, at: day ? at : Math.floor(at / 1000) * 1000, span: day ? 86_400_000 : 1000 });
  }
  return bounds;
}

function notFound(path: string): TwilioApiError {
  return new TwilioApiError(404, 20404, `The requested resource ${path} was not found`);
}

/** Compares through fixed-length digests so neither length nor content leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Twilio's sticky sender: a Messaging Service keeps texting a given phone from the same pool number. */
function stickySender(pool: readonly string[], to: string): string {
  const hash = createHash('sha256').update(to).digest().readUInt32BE(0);
  return pool[hash % pool.length];
}
