import type { Config } from '../../config';
import type { ContactView, MessageRecord, PresenceMode, UserProfile } from '../types';
import type { CodeStore, RateLimits } from './codes';
import type { ContactBook } from './contacts';
import type { Idempotency } from './idempotency';
import type { Invitation, InvitationStore } from './invitations';
import type { LoginStatusStore } from './login-status';
import type { MessageLog } from './message-log';
import type { UserDirectory } from './users';

/**
 * The core's ports, one per module of the patent's user data server (user directory, login status, message
 * log, codes, rate limits, idempotency) plus the servers around it (IM, SMS, the ack timer). The core depends
 * on these interfaces only; adapters (DynamoDB, in-memory, API Gateway, Twilio, SNS, SQS) implement them, and
 * the runtime wires one set per container.
 */
export type { BudgetCounter, CodeStore, OtpAttempt, OtpRecord, RateLimits } from './codes';
export type { ContactAddResult, ContactBook, ContactRemoval } from './contacts';
export type { ClaimState, Idempotency } from './idempotency';
export type { Invitation, InvitationStatus, InvitationStore } from './invitations';
export type { LoginStatusStore } from './login-status';
export type { MessageLog } from './message-log';
export type { PhoneRecord, ReadOptions, UserDirectory } from './users';

/** The stores the core reads and writes, each behind its own port. An adapter provides all of them. */
export interface Stores {
  users: UserDirectory;
  logins: LoginStatusStore;
  messages: MessageLog;
  codes: CodeStore;
  rates: RateLimits;
  once: Idempotency;
  contacts: ContactBook;
  invitations: InvitationStore;
}

/**
 * What the core tells a client over IM, in its own words. The IM adapter renders each as the wire frame of
 * docs/protocol.md (`message`, `receipt`, `presence`, `error`, `pong`, `call`). `receipt` carries the message as it now
 * stands, with the clientId it was sent with (only a client's sendMessage asks for receipts); `alive` answers a
 * keep-alive.
 */
export type ImEvent =
  | { kind: 'message'; message: MessageRecord }
  | { kind: 'receipt'; message: MessageRecord & { clientId: string } }
  | { kind: 'presence'; mode: PresenceMode; imNumber?: string }
  | { kind: 'contacts'; version: number; contacts?: ContactView[]; next?: string }
  | { kind: 'contact'; op: 'added' | 'removed'; version: number; contact: ContactView }
  | { kind: 'profile'; profile: UserProfile }
  | { kind: 'history'; with: string; messages: MessageRecord[]; next?: string }
  | { kind: 'invitation'; invitation: Invitation }
  | { kind: 'call'; from: string; fromName: string }
  | {
      kind: 'error';
      code: string;
      message: string;
      /** The clientId of the sendMessage it answers. */
      clientId?: string;
      /** The id of the ack it answers. */
      id?: string;
      /** A rate_limited refusal's wait until the limit frees, ms (whole seconds). */
      retryAfterMs?: number;
    }
  | { kind: 'alive' };

export type PushResult = 'ok' | 'gone';

/** The IM server: pushes one event to one live connection. 'gone' when it no longer exists; throws otherwise. */
export interface ImChannel {
  push(connectionId: string, event: ImEvent): Promise<PushResult>;
}

/**
 * One SMS to send. `reportRef` (a message id) asks for the provider's delivery reports on this send; the runtime
 * turns it into whatever the provider needs (Twilio: a status callback URL).
 */
export interface SmsRequest {
  from: string;
  to: string;
  body: string;
  reportRef?: string;
  /**
   * Epoch ms (the deps clock): the provider must not start this create at or after it, and abandons it unanswered
   * then (an `unanswered` SmsSendError). Set on a message's SMS leg (core/delivery/sms-fence.ts).
   */
  notAfter?: number;
}

/**
 * An SMS send that failed. `retryable` is true for throttling, timeouts and 5xx. `unanswered`: the request went
 * out and no answer came back (a timeout, a dropped connection), so the provider may have taken it, and may even
 * still be taking it: a lookup right away could miss it.
 */
export class SmsSendError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly providerCode?: string | number,
    readonly unanswered = false,
  ) {
    super(message);
    this.name = 'SmsSendError';
  }
}

/** The SMS server: sends one SMS through the provider. Throws SmsSendError on failure. */
export interface SmsProvider {
  readonly name: string;
  send(request: SmsRequest): Promise<{ sid: string }>;
  /**
   * Asks the provider whether it already took this SMS (same to and body, from any number) at or after `since` (epoch
   * ms): its sid, or null when it did not. Throws when the provider cannot tell. Absent for providers that
   * cannot answer (SNS).
   */
  find?(request: SmsRequest, since: number): Promise<{ sid: string } | null>;
}

/**
 * The durable timer behind confirmed delivery: runs a delivery check after a delay (ms). `messageId` is the check's
 * key, opaque to the timer: a message id, or a text's route check (`route:…`, delivery/check-key.ts).
 */
export interface AckScheduler {
  schedule(messageId: string, delayMs: number): Promise<void>;
}

/** Time, injectable: `now()` is epoch ms; `sleep(ms)` waits (tests make it instant). */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface Ids {
  /** A random imNumber candidate; collisions are retried. */
  imNumber(): string;
  /** A 6-digit one-time code. */
  otpCode(): string;
}

/** Structured logs carry ids and outcomes only: never phone numbers, codes, tokens or message bodies. */
/**
 * Structured logs: an event name (LogEvent) and fields of ids and outcomes, never personal data. A field `err`
 * may hold a thrown value: the adapter logs it described and scrubbed of phones, codes, tokens and texts
 * (shared/adapters/error-description.ts: name, code, message, stack frames, cause chain, AWS SDK status), never
 * wholesale; a test's recorder may keep it as it is.
 */
export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

export interface Secrets {
  jwtSecret: string;
  twilioAuthToken?: string;
  /**
   * During a Twilio token rotation only: the token Twilio may still sign webhooks with until the new one is
   * promoted (the secret's `previousAuthToken`). Webhook signatures are accepted with either; REST calls use
   * `twilioAuthToken`.
   */
  twilioPreviousAuthToken?: string;
  twilioAccountSid: string;
}

/** Everything the core needs, injected once per container. */
export interface Deps extends Stores {
  config: Config;
  im: ImChannel;
  sms: SmsProvider;
  ack: AckScheduler;
  clock: Clock;
  ids: Ids;
  log: Logger;
  secrets: Secrets;
  /**
   * Epoch ms (`clock`): the deadline of every SMS send made while serving one request that someone waits on (a
   * Twilio webhook, an HTTP or WebSocket API call), set by the runtime's wrapper from the request's budget
   * (im-sms/send.ts: WEBHOOK_SMS_BUDGET_MS, API_SMS_BUDGET_MS). No try, backoff or provider lookup of
   * sendSmsWithRetry starts at or after it, and one under way is abandoned then. Absent: no request deadline (the
   * delivery checks, whose sends have their own fence).
   */
  smsDeadline?: number;
}
