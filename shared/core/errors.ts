/**
 * Typed domain errors. Each carries a stable machine code and the HTTP status it maps to; handlers turn them into
 * `{"error":{"code","message"}}` or an `error` frame in one place (shared/runtime/respond.ts).
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 400,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const badInput = (message: string, code = 'bad_request') => new DomainError(code, message, 400);
export const unauthorized = (message: string, code = 'unauthorized') => new DomainError(code, message, 401);
export const forbidden = (message: string, code = 'forbidden') => new DomainError(code, message, 403);
export const notFound = (message: string, code = 'not_found') => new DomainError(code, message, 404);
export const conflict = (message: string, code = 'conflict') => new DomainError(code, message, 409);
export const tooMany = (message: string, code = 'too_many_requests') => new DomainError(code, message, 429);
export const unavailable = (message: string, code = 'unavailable') => new DomainError(code, message, 503);

export const isDomainError = (err: unknown): err is DomainError => err instanceof DomainError;
