import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DomainError, isDomainError, type ErrorKind } from '../core/errors';
import { LogEvent } from '../core/log-events';
import type { ImEvent, Logger } from '../core/ports';
import { describeError } from '../adapters/logger';
import { json } from './respond';

export { describeError };

/**
 * The one place each transport turns errors into answers. The core throws typed DomainErrors (a code, a message,
 * a kind); nothing else leaves a handler with detail: any other error is `internal`, logged with describeError
 * (its name, a scrubbed message, the stack's frames, the cause; never personal data).
 */

/** The HTTP status of each kind of domain error. */
const HTTP_STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
};

const INTERNAL = { code: 'internal', message: 'internal error' } as const;

/**
 * HTTP API: a DomainError becomes its status and `{"error":{"code","message"}}`, and a 429 also carries
 * `Retry-After` (seconds) when the refusal knows when its limit frees; anything else is a bare 500.
 */
export function httpErrorResponse(
  err: unknown,
  log: Logger | undefined,
  where: string,
): APIGatewayProxyStructuredResultV2 {
  if (isDomainError(err)) {
    const answer = json(HTTP_STATUS[err.kind], { error: { code: err.code, message: err.message } });
    // Every 429 says when to come back (RFC 6585 §4, RFC 9110 §10.2.3): the seconds until the limit frees.
    if (err.kind === 'rate_limited' && err.retryAfterSeconds !== undefined) {
      answer.headers = { ...answer.headers, 'retry-after': String(err.retryAfterSeconds) };
    }
    return answer;
  }
  log?.error(LogEvent.HandlerFailed, { where, ...describeError(err) });
  return json(500, { error: INTERNAL });
}

/**
 * WebSocket API: the `error` event to push on the caller's connection, and the route's status code (the HTTP
 * status of the kind; 500 for an unexpected error). `answers` names the frame it answers, so the client can match
 * it: a sendMessage's `clientId`, an ack's `id` (an ack's answer may overtake the answers to frames sent after it).
 * A rate_limited refusal that knows when its limit frees carries `retryAfterMs` (whole seconds, in ms).
 */
export function wsErrorAnswer(
  err: unknown,
  log: Logger,
  where: string,
  connectionId: string,
  answers: { clientId?: string; id?: string } = {},
): { event: ImEvent; statusCode: number } {
  const known = isDomainError(err);
  if (!known) log.error(LogEvent.HandlerFailed, { where, connectionId, ...describeError(err) });
  const { code, message } = known ? err : INTERNAL;
  const retryAfterSeconds = known && err.kind === 'rate_limited' ? err.retryAfterSeconds : undefined;
  return {
    event: {
      kind: 'error',
      code,
      message,
      ...(answers.clientId ? { clientId: answers.clientId } : {}),
      ...(answers.id ? { id: answers.id } : {}),
      ...(retryAfterSeconds !== undefined ? { retryAfterMs: retryAfterSeconds * 1000 } : {}),
    },
    statusCode: known ? HTTP_STATUS[(err as DomainError).kind] : 500,
  };
}

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

/** A TwiML answer: `text/xml` with the given status. */
export const twiml = (statusCode: number, body: string = EMPTY_TWIML): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'text/xml; charset=utf-8' },
  body,
});

/**
 * Twilio webhooks: any error is a 500 with an empty TwiML <Response/>, so Twilio retries (the MessageSid claim
 * keeps a retry from doubling anything). Domain errors never reach here: the core answers an SMS with a reply.
 */
export function twilioErrorResponse(
  err: unknown,
  log: Logger,
  where: string,
): APIGatewayProxyStructuredResultV2 {
  log.error(LogEvent.HandlerFailed, { where, ...describeError(err) });
  return twiml(500);
}
