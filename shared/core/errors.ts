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
export const tooMany = (message: string, code = 'too_many_requests') =>
  new DomainError(code, message, 'rate_limited');
export const unavailable = (message: string, code = 'unavailable') =>
  new DomainError(code, message, 'unavailable');

export const isDomainError = (err: unknown): err is DomainError => err instanceof DomainError;
