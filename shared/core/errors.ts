/**
 * Typed domain errors. Each carries a stable machine code (the `code` clients see), a human message, and a kind
 * that says what went wrong in the core's own terms. They carry no transport status: each transport maps kinds
 * in one place (shared/runtime/error-mappers.ts: HTTP status, WebSocket `error` frame, Twilio webhook answer).
 */
export type ErrorKind =
  /** The input is malformed or names something that is not there. */
  | 'invalid'
  /** The caller is not who they must be (no or wrong credentials, a wrong or spent code). */
  | 'unauthorized'
  /** The caller may not do this (an opted-out phone, a country not served). */
  | 'forbidden'
  /** It clashes with existing state (a taken name). */
  | 'conflict'
  /** Too many tries or requests in a window. */
  | 'rate_limited'
  /** A dependency could not do it now; trying again later may work. */
  | 'unavailable';

export class DomainError extends Error {
  /**
   * For a `rate_limited` refusal: whole seconds (at least 1) until the limit frees, when known. The HTTP API
   * sends it as `Retry-After` (RFC 9110 §10.2.3, RFC 6585 §4).
   */
  retryAfterSeconds?: number;

  constructor(
    readonly code: string,
    message: string,
    readonly kind: ErrorKind = 'invalid',
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const badInput = (message: string, code = 'bad_request') => new DomainError(code, message, 'invalid');
export const unauthorized = (message: string, code = 'unauthorized') =>
  new DomainError(code, message, 'unauthorized');
export const forbidden = (message: string, code = 'forbidden') => new DomainError(code, message, 'forbidden');
export const conflict = (message: string, code = 'conflict') => new DomainError(code, message, 'conflict');
/**
 * A `rate_limited` refusal. `retryAfterMs`: how long until the limit frees (ms), when known; kept as whole
 * seconds, rounded up, at least 1 (the HTTP API's `Retry-After`).
 */
export const tooMany = (message: string, code = 'too_many_requests', retryAfterMs?: number) => {
  const err = new DomainError(code, message, 'rate_limited');
  if (retryAfterMs !== undefined) err.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return err;
};

/**
 * A wait as a refusal's message says it, agreeing with the `Retry-After` that {@link tooMany} sets for the same
 * `ms`: the same whole seconds (rounded up, at least 1) under a minute (`45 s`), else those seconds in whole
 * minutes, rounded up (`31 min` for 1,801 s), so the message never names a time before Retry-After's.
 */
export const waitText = (ms: number): string => {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return seconds < 60 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`;
};

/** Milliseconds from `now` to the end of the fixed window of `windowMs` that holds it (RateLimits' windows). */
export const untilWindowEnds = (now: number, windowMs: number): number =>
  Math.floor(now / windowMs) * windowMs + windowMs - now;
export const unavailable = (message: string, code = 'unavailable') =>
  new DomainError(code, message, 'unavailable');

export const isDomainError = (err: unknown): err is DomainError => err instanceof DomainError;
