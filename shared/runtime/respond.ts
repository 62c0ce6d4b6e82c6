import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** A JSON answer: the status, `application/json; charset=utf-8`, the body serialised. */
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
