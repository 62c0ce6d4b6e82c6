import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { isDomainError } from '../core/errors';
import type { Logger } from '../core/ports';
import { describeError } from '../adapters/logger';

/**
 * The one error mapper: a DomainError becomes its status and `{"error":{"code","message"}}`; anything else is
 * a 500 with no detail (never a stack or a serialised error in a response), logged by name only.
 */
export function errorResponse(
  err: unknown,
  log: Logger | undefined,
  where: string,
): APIGatewayProxyStructuredResultV2 {
  if (isDomainError(err)) return json(err.status, { error: { code: err.code, message: err.message } });
  log?.error('handler.failed', { where, ...describeError(err) });
  return json(500, { error: { code: 'internal', message: 'internal error' } });
}

export function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
  };
}

/** The request body as text, whatever API Gateway did with it. */
export function bodyText(event: { body?: string | null; isBase64Encoded?: boolean }): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}
