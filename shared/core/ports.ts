import type { Config } from '../config';
import type {
  Connection,
  MessageRecord,
  MessageStatus,
  PresenceMode,
  Recipient,
  ServerFrame,
  ThreadBinding,
  UserProfile,
} from './types';

/**
 * The core's ports. The core depends on these interfaces only; adapters (DynamoDB, API Gateway, Twilio, SNS,
 * SQS, the sandbox) implement them, and the runtime wires one set per container.
 */

export interface OtpRecord {
  hash: string;
  expiresAt: number;
  tries: number;
}

export type OtpAttempt = { kind: 'ok'; record: OtpRecord } | { kind: 'missing' } | { kind: 'locked' };

/** The phone-keyed pointer: which user a phone belongs to, and the phone's own state before it has a user. */
export interface PhoneRecord {
  phone: string;
  imNumber?: string;
  name?: string;
  optedOut: boolean;
}

export interface Store {
  // Users and their phones
  /** Profile plus live (unexpired) connections: one Query. */
  getRecipient(imNumber: string): Promise<Recipient | null>;
  getUser(imNumber: string): Promise<UserProfile | null>;
  /** Creates the profile unless that imNumber is taken. */
  createUser(profile: UserProfile): Promise<'created' | 'taken'>;
  deleteUser(imNumber: string): Promise<void>;
  getPhone(phone: string): Promise<PhoneRecord | null>;
  /** The user a phone belongs to. The link never changes once made, so adapters may cache it. */
  userOfPhone(phone: string): Promise<string | null>;
  /** Binds a phone to a user unless it is bound already; returns the record that won. */
  linkPhone(phone: string, imNumber: string, name: string): Promise<PhoneRecord>;
  /** imNumber for a name (case-insensitive), or null. */
  findByName(name: string): Promise<string | null>;
  claimName(name: string, imNumber: string): Promise<boolean>;
  releaseName(name: string, imNumber: string): Promise<void>;
  setMode(imNumber: string, mode: PresenceMode): Promise<boolean>;
  /** Records STOP/START on the phone and, when it has a user, on the profile the router reads. */
  setOptOut(phone: string, optedOut: boolean, imNumber?: string): Promise<void>;
  setThread(imNumber: string, serviceNumber: string, binding: ThreadBinding): Promise<void>;

  // Connections (the login-status table)
  putConnection(imNumber: string, connection: Connection): Promise<void>;
  /** Refreshes a connection's expiry; false when it no longer exists. */
  touchConnection(imNumber: string, connectionId: string, expiresAt: number): Promise<boolean>;
  deleteConnection(imNumber: string, connectionId: string): Promise<void>;

  // Messages
  /** Creates the message unless its id exists (the idempotency key); 'exists' means a duplicate. */
  putMessage(message: MessageRecord): Promise<'created' | 'exists'>;
  getMessage(id: string): Promise<MessageRecord | null>;
  /**
   * Applies `changes` only if the message's status is one of `from` and the guard holds (its recipient is
   * `guard.to`; it was last updated at `guard.updatedAt`). Returns the updated message, or null when the
   * condition did not hold. This is how each transition happens exactly once without transactions.
   */
  transitionMessage(
    id: string,
    from: MessageStatus[],
    changes: Partial<MessageRecord>,
    guard?: { to?: string; updatedAt?: number },
  ): Promise<MessageRecord | null>;

  // OTP codes and rate limits
  putOtp(phone: string, record: OtpRecord, ttlSeconds: number): Promise<void>;
  /** Counts one try against the code if it is live and not locked. */
  attemptOtp(phone: string, now: number, maxTries: number): Promise<OtpAttempt>;
  /** Consumes the code once: true only for the caller that deleted it. */
  consumeOtp(phone: string, hash: string): Promise<boolean>;
  /** Counts a hit in a fixed window; false once `limit` hits are reached in it. */
  hitRateLimit(key: string, windowMs: number, limit: number, now: number): Promise<boolean>;

  // Webhook idempotency
  /** Claims a provider id (MessageSid, CallSid) once; false for a duplicate. */
  claimOnce(key: string, now: number, ttlSeconds: number): Promise<boolean>;
}

export type PushResult = 'ok' | 'gone';

/** The IM server: pushes a frame to one live connection. Throws on errors other than Gone. */
export interface ImChannel {
  push(connectionId: string, frame: ServerFrame): Promise<PushResult>;
}

export interface SmsRequest {
  from: string;
  to: string;
  body: string;
  statusCallbackUrl?: string;
}

/** An SMS send that failed. `retryable` is true for throttling, timeouts and 5xx. */
export class SmsSendError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly providerCode?: string | number,
  ) {
    super(message);
    this.name = 'SmsSendError';
  }
}

/** The SMS server: sends one SMS through the provider. */
export interface SmsProvider {
  readonly name: string;
  send(request: SmsRequest): Promise<{ sid: string }>;
}

/** The durable timer behind confirmed delivery: checks a pushed message's ack after a delay. */
export interface AckScheduler {
  schedule(messageId: string, delayMs: number): Promise<void>;
}

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
export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

export interface Secrets {
  jwtSecret: string;
  twilioAuthToken?: string;
  twilioAccountSid: string;
}

/** Everything the core needs, injected once per container. */
export interface Deps {
  config: Config;
  store: Store;
  im: ImChannel;
  sms: SmsProvider;
  ack: AckScheduler;
  clock: Clock;
  ids: Ids;
  log: Logger;
  secrets: Secrets;
}
