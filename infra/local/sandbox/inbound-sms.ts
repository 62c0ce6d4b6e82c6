import { newSid } from './ids';
import type { MessageDispatcher } from './message-dispatcher';
import type { MessageStore, StoredMessage } from './message-store';
import { countryOf, isE164 } from './phone-numbers';
import { characterCount, countSegments } from './sms-segments';
import { providerOptOutOf } from '../../../shared/core/im-sms/provider-opt-out';
import { MAX_NUM_MEDIA } from '../../../shared/runtime/twilio-ids';
import { childElements, type XmlElement } from './twiml-parser';
import {
  HTTP_RETRIEVAL_FAILURE,
  rawTextOf,
  readTwimlResponse,
  resolveUrl,
  type TwilioErrorInfo,
} from './twiml-response';
import type { SandboxLog } from './types';
import type { WebhookClient } from './webhook-client';

/** A simulated phone texting a service number. */
export interface PhoneText {
  from: string;
  to: string;
  body: string;
  /**
   * The content types of the media it carries (an MMS: `image/jpeg`, …), at most {@link MAX_MEDIA}. The webhook
   * then has NumMedia and a MediaUrl{i} and MediaContentType{i} per item, as Twilio posts an MMS.
   */
  media?: readonly string[];
  /** Reuse a MessageSid, to replay a duplicate delivery the way Twilio may retry one. */
  messageSid?: string;
}

/** The most media items one MMS carries (Twilio's limit, as the app reads NumMedia). */
export const MAX_MEDIA = MAX_NUM_MEDIA;

/** A reply the app asked for with `<Message>`, as sent. */
export interface SentReply {
  sid: string;
  from: string;
  to: string;
  body: string;
}

/** What `POST /sandbox/sms` answers once the app's webhook has completed. */
export interface PhoneTextResult {
  sid: string;
  /** The webhook's HTTP status, or null when the app could not be reached. */
  webhookStatus: number | null;
  /** Set when Twilio would have logged an error for the webhook (11200, 12100, 12300). */
  webhookError?: TwilioErrorInfo;
  replies: SentReply[];
}

interface ReplyRequest {
  to?: string;
  from?: string;
  body: string;
  statusCallback?: string;
}

export interface InboundSmsDeps {
  accountSid: string;
  serviceNumbers: readonly string[];
  store: MessageStore;
  dispatcher: MessageDispatcher;
  webhooks: WebhookClient;
  log: SandboxLog;
}

const SMS_WEBHOOK_PATH = '/twilio/sms';

/**
 * The opt-out state a text sets for its pair under Twilio's default handling on a long code: true (out), false
 * (in), undefined (none). The words and the rule are the app's one reading of Twilio's documented behaviour
 * (providerOptOutOf, shared/core/im-sms/provider-opt-out.ts, with its sources), as SMS segments are
 * (sms-segments.ts): one source for a fact about the provider.
 */
export function twilioOptOutOf(body: string): boolean | undefined {
  const effect = providerOptOutOf(body);
  return effect === null ? undefined : effect === 'out';
}
const MAX_BODY_CHARS = 1600;

/**
 * Delivers a phone's text to the app as Twilio's inbound SMS webhook, signed over the public URL, and sends
 * the `<Message>` replies in the app's TwiML back to the phones they address.
 */
export class InboundSms {
  constructor(private readonly deps: InboundSmsDeps) {}

  async receive(text: PhoneText): Promise<PhoneTextResult> {
    const message = this.record(text);
    const url = this.deps.webhooks.publicUrlFor(SMS_WEBHOOK_PATH);
    const params = { ...this.webhookParams(message), ...this.mediaParams(message, text.media ?? []) };
    let response;
    try {
      response = await this.deps.webhooks.send({ url, method: 'POST', params });
    } catch {
      this.deps.log('sandbox.sms.webhook', { sid: message.sid, outcome: 'unreachable' });
      return { sid: message.sid, webhookStatus: null, webhookError: HTTP_RETRIEVAL_FAILURE, replies: [] };
    }
    const outcome = readTwimlResponse(response, 'messaging');
    this.deps.log('sandbox.sms.webhook', { sid: message.sid, http: response.status, outcome: outcome.kind });
    const result: PhoneTextResult = { sid: message.sid, webhookStatus: response.status, replies: [] };
    if (outcome.kind === 'error') result.webhookError = outcome.error;
    if (outcome.kind === 'plain') result.replies = this.reply(message, [{ body: outcome.text }], url);
    if (outcome.kind === 'twiml') result.replies = this.reply(message, replyRequests(outcome.root), url);
    return result;
  }

  /** The phone's text as Twilio stores it; it also lands in the service number's inbox. */
  private record(text: PhoneText): StoredMessage {
    const now = new Date();
    const message: StoredMessage = {
      sid: text.messageSid ?? newSid(text.media?.length ? 'MM' : 'SM'),
      accountSid: this.deps.accountSid,
      from: text.from,
      to: text.to,
      body: text.body,
      direction: 'inbound',
      status: 'received',
      numSegments: countSegments(text.body),
      ...(text.media?.length ? { numMedia: text.media.length } : {}),
      dateCreated: now,
      dateUpdated: now,
      dateSent: now,
    };
    this.deps.store.save(message);
    this.deps.store.deliver(message);
    // Before the webhook, as Twilio does: the app's reply to a STOP is already refused (21610).
    const optedOut = twilioOptOutOf(text.body);
    if (optedOut !== undefined && optedOut !== this.deps.store.isOptedOut(text.to, text.from)) {
      this.deps.store.setOptedOut(text.to, text.from, optedOut);
      this.deps.log('sandbox.sms.opt_out', { sid: message.sid, optedOut });
    }
    return message;
  }

  /** The parameters Twilio posts for an incoming SMS; location fields are left blank. */
  private webhookParams(message: StoredMessage): Record<string, string> {
    return {
      ToCountry: countryOf(message.to),
      ToState: '',
      SmsMessageSid: message.sid,
      NumMedia: String(message.numMedia ?? 0),
      ToCity: '',
      FromZip: '',
      SmsSid: message.sid,
      FromState: '',
      SmsStatus: 'received',
      FromCity: '',
      Body: message.body,
      FromCountry: countryOf(message.from),
      To: message.to,
      ToZip: '',
      NumSegments: String(message.numSegments),
      MessageSid: message.sid,
      AccountSid: message.accountSid,
      From: message.from,
      ApiVersion: '2010-04-01',
    };
  }

  /**
   * An MMS's media, as Twilio posts them: `MediaContentType{i}` and `MediaUrl{i}` for each item, the URL a media
   * resource under the message (`…/Messages/MM…/Media/ME…`). The sandbox keeps no media: the URLs serve nothing.
   */
  private mediaParams(message: StoredMessage, media: readonly string[]): Record<string, string> {
    const params: Record<string, string> = {};
    media.forEach((contentType, i) => {
      params[`MediaContentType${i}`] = contentType;
      params[`MediaUrl${i}`] =
        `https://api.twilio.com/2010-04-01/Accounts/${message.accountSid}/Messages/${message.sid}/Media/${newSid('ME')}`;
    });
    return params;
  }

  private reply(inbound: StoredMessage, requests: ReplyRequest[], documentUrl: string): SentReply[] {
    const sent: SentReply[] = [];
    for (const request of requests) {
      const rejection = this.rejectReply(request, inbound, documentUrl);
      if (rejection !== undefined) {
        this.deps.log('sandbox.sms.reply_rejected', { sid: inbound.sid, code: rejection });
        continue;
      }
      const message = this.deps.dispatcher.send({
        from: request.from ?? inbound.to,
        to: request.to ?? inbound.from,
        body: request.body,
        direction: 'outbound-reply',
        statusCallback: request.statusCallback && resolveUrl(request.statusCallback, documentUrl),
      });
      sent.push({ sid: message.sid, from: message.from, to: message.to, body: message.body });
    }
    return sent;
  }

  /** The Twilio error code a reply would fail with, or undefined when it can be sent. */
  private rejectReply(
    request: ReplyRequest,
    inbound: StoredMessage,
    documentUrl: string,
  ): number | undefined {
    if (request.to !== undefined && !isE164(request.to)) return 21211;
    if (request.from !== undefined && !this.deps.serviceNumbers.includes(request.from)) return 21606;
    if ((request.to ?? inbound.from) === (request.from ?? inbound.to)) return 21266;
    if (request.body === '') return 14103;
    if (this.deps.store.isOptedOut(request.from ?? inbound.to, request.to ?? inbound.from)) return 21610;
    if (characterCount(request.body) > MAX_BODY_CHARS) return 21617;
    const callback = request.statusCallback;
    if (callback !== undefined && !isHttpReference(callback, documentUrl)) return 21609;
    return undefined;
  }
}

/** Each `<Message>` of a messaging `<Response>`: its text, or its `<Body>` when it nests one. */
function replyRequests(root: XmlElement): ReplyRequest[] {
  return childElements(root)
    .filter((verb) => verb.name === 'Message')
    .map((verb) => {
      const bodies = childElements(verb).filter((child) => child.name === 'Body');
      const text = bodies.length > 0 ? bodies.map(rawTextOf).join('') : textWithoutMedia(verb);
      return {
        to: verb.attributes.to,
        from: verb.attributes.from,
        body: text,
        statusCallback: verb.attributes.statusCallback,
      };
    });
}

function textWithoutMedia(verb: XmlElement): string {
  return rawTextOf({
    ...verb,
    children: verb.children.filter((c) => typeof c === 'string' || c.name !== 'Media'),
  });
}

function isHttpReference(reference: string, documentUrl: string): boolean {
  try {
    return /^https?:$/.test(new URL(resolveUrl(reference, documentUrl)).protocol);
  } catch {
    return false;
  }
}
