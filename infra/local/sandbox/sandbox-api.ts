import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { CallRunner } from './call-runner';
import { HttpError, readJsonObject, sendJson } from './http-io';
import { UNDELIVERABLE_SUFFIX, type MessageStore } from './message-store';
import { issueRule, validationMessage } from '../../../shared/runtime/validation-message';
import { isE164 } from './phone-numbers';
import { characterCount } from './sms-segments';
import { MAX_MEDIA, type InboundSms } from './inbound-sms';

export interface SandboxApiDeps {
  accountSid: string;
  serviceNumbers: readonly string[];
  store: MessageStore;
  inbound: InboundSms;
  calls: CallRunner;
}

type Handler = (req: IncomingMessage, res: ServerResponse, params: string[], url: URL) => Promise<void>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

const MAX_BODY_CHARS = 1600;

/**
 * The simulated phones' side of the sandbox, under /sandbox: phones text and call service numbers, and tests
 * read what each phone received. Errors use the project's `{"error":{"code","message"}}` shape.
 */
export class SandboxApi {
  private readonly routes: Route[] = [
    { method: 'GET', pattern: /^\/sandbox\/?$/, handler: async (_req, res) => this.describe(res) },
    { method: 'POST', pattern: /^\/sandbox\/sms$/, handler: (req, res) => this.text(req, res) },
    {
      method: 'GET',
      pattern: /^\/sandbox\/phones\/([^/]+)\/messages$/,
      handler: async (_req, res, [phone], url) => this.inbox(res, phone, url),
    },
    {
      method: 'DELETE',
      pattern: /^\/sandbox\/phones\/([^/]+)\/messages$/,
      handler: async (_req, res, [phone]) => this.clear(res, phone),
    },
    {
      method: 'PUT',
      pattern: /^\/sandbox\/phones\/([^/]+)$/,
      handler: (req, res, [phone]) => this.reachability(req, res, phone),
    },
    {
      method: 'PUT',
      pattern: /^\/sandbox\/phones\/([^/]+)\/calls$/,
      handler: (req, res, [phone]) => this.answering(req, res, phone),
    },
    { method: 'POST', pattern: /^\/sandbox\/calls$/, handler: (req, res) => this.call(req, res) },
    {
      method: 'GET',
      pattern: /^\/sandbox\/calls\/([^/]+)$/,
      handler: async (_req, res, [sid]) => this.callState(res, sid),
    },
    {
      method: 'POST',
      pattern: /^\/sandbox\/calls\/([^/]+)\/digits$/,
      handler: (req, res, [sid]) => this.digits(req, res, sid),
    },
  ];

  private readonly textSchema: ReturnType<typeof phoneTextSchema>;
  private readonly callSchema: ReturnType<typeof phoneCallSchema>;

  constructor(private readonly deps: SandboxApiDeps) {
    this.textSchema = phoneTextSchema(deps.serviceNumbers);
    this.callSchema = phoneCallSchema(deps.serviceNumbers);
  }

  /** Serves a request under /sandbox. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const candidates = this.routes.filter((route) => route.pattern.test(url.pathname));
    if (candidates.length === 0) throw new HttpError(404, 'not_found', 'no such sandbox endpoint');
    const route = candidates.find((r) => r.method === req.method);
    if (!route) {
      // As every path of the local stack: 405 with the methods the path takes, in `Allow` and in the message.
      const allow = [...new Set(candidates.map((r) => r.method))].join(', ');
      throw new HttpError(405, 'method_not_allowed', `${url.pathname} takes ${allow}`, { Allow: allow });
    }
    const params = (route.pattern.exec(url.pathname) ?? []).slice(1).map(decodeSegment);
    await route.handler(req, res, params, url);
  }

  private describe(res: ServerResponse): void {
    sendJson(res, 200, {
      serviceNumbers: this.deps.serviceNumbers,
      accountSid: this.deps.accountSid,
      phones: this.deps.store.phones(),
      undeliverableSuffix: UNDELIVERABLE_SUFFIX,
    });
  }

  private async text(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const input = validate(this.textSchema, await readJsonObject(req));
    sendJson(res, 201, await this.deps.inbound.receive(input));
  }

  private inbox(res: ServerResponse, phone: string, url: URL): void {
    const since = url.searchParams.get('since') ?? undefined;
    const messages = this.deps.store.inbox(requirePhone(phone), since);
    if (messages === undefined) {
      throw new HttpError(400, 'invalid_since', 'since must be a message SID in this inbox or an ISO time');
    }
    sendJson(res, 200, { messages });
  }

  private clear(res: ServerResponse, phone: string): void {
    sendJson(res, 200, { cleared: this.deps.store.clear(requirePhone(phone)) });
  }

  private async reachability(req: IncomingMessage, res: ServerResponse, phone: string): Promise<void> {
    const number = requirePhone(phone);
    const { reachable } = validate(z.object({ reachable: z.boolean() }), await readJsonObject(req));
    this.deps.store.setReachable(number, reachable);
    sendJson(res, 200, { phone: number, reachable: this.deps.store.isReachable(number) });
  }

  /** How a phone takes the calls dialled to it: answers, lets them ring out, or is busy. Texts still reach it. */
  private async answering(req: IncomingMessage, res: ServerResponse, phone: string): Promise<void> {
    const number = requirePhone(phone);
    const { answer } = validate(answerSchema, await readJsonObject(req));
    this.deps.calls.setAnswering(number, answer);
    sendJson(res, 200, { phone: number, answer });
  }

  private async call(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { from, to } = validate(this.callSchema, await readJsonObject(req));
    sendJson(res, 201, await this.deps.calls.start(from, to));
  }

  private callState(res: ServerResponse, sid: string): void {
    const state = this.deps.calls.get(sid);
    if (!state) throw new HttpError(404, 'not_found', 'no such call');
    sendJson(res, 200, state);
  }

  private async digits(req: IncomingMessage, res: ServerResponse, sid: string): Promise<void> {
    if (!this.deps.calls.get(sid)) throw new HttpError(404, 'not_found', 'no such call');
    const { digits } = validate(digitsSchema, await readJsonObject(req));
    sendJson(res, 200, await this.deps.calls.pressDigits(sid, digits));
  }
}

const phoneSchema = z.string().refine(isE164, 'must be an E.164 phone number, like +14155550100');

function serviceNumberSchema(serviceNumbers: readonly string[]) {
  return z.string().refine((n) => serviceNumbers.includes(n), 'must be one of the sandbox service numbers');
}

/** A media item's content type, as a phone's MMS names it: `type/subtype`, e.g. `image/jpeg`. */
const contentTypeSchema = z
  .string()
  .regex(/^[a-z]+\/[a-z0-9.+-]{1,64}$/, 'must be a content type, like image/jpeg');

/**
 * `POST /sandbox/sms`: a phone texts a service number. With `media` (1 to 10 content types) it is an MMS: its
 * body may then be empty, as a picture sent alone is.
 */
function phoneTextSchema(serviceNumbers: readonly string[]) {
  return z
    .object({
      from: phoneSchema,
      to: serviceNumberSchema(serviceNumbers),
      body: z
        .string()
        .refine((b) => characterCount(b) <= MAX_BODY_CHARS, `must be at most ${MAX_BODY_CHARS} characters`),
      media: z.array(contentTypeSchema).min(1).max(MAX_MEDIA).optional(),
      messageSid: z
        .string()
        .regex(/^(SM|MM)[0-9a-fA-F]{32}$/, 'must be a Twilio message SID')
        .optional(),
    })
    .superRefine((text, ctx) => {
      if (text.body === '' && !text.media)
        ctx.addIssue({ code: 'custom', path: ['body'], message: 'must not be empty (unless media is sent)' });
    });
}

/** `POST /sandbox/calls`: a phone calls a service number. */
function phoneCallSchema(serviceNumbers: readonly string[]) {
  return z.object({ from: phoneSchema, to: serviceNumberSchema(serviceNumbers) });
}

const answerSchema = z.object({ answer: z.enum(['answer', 'no-answer', 'busy']) });

const digitsSchema = z.object({
  digits: z.string().regex(/^[0-9*#]{0,64}$/, 'must be keypad keys 0-9, * and #'),
});

/** Parses with a zod schema; the first issue becomes a 400 naming the field, worded as every validation message is. */
function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value, { error: issueRule });
  if (parsed.success) return parsed.data;
  throw new HttpError(400, 'invalid_request', validationMessage(parsed.error.issues[0], 'body'));
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'invalid_request', 'malformed percent-encoding in the path');
  }
}

function requirePhone(phone: string): string {
  if (!isE164(phone)) throw new HttpError(400, 'invalid_phone', 'the phone must be E.164, URL-encoded');
  return phone;
}
