import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEvent, SQSEvent } from 'aws-lambda';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import type { WsEvent } from '../../shared/runtime/ws';

/** API Gateway event builders for invoking handlers directly in integration tests. */

let seq = 0;
const requestId = () => `req-${++seq}`;

export function httpEvent(
  method: string,
  path: string,
  body: string | undefined,
  opts: { headers?: Record<string, string>; query?: string; sourceIp?: string } = {},
): APIGatewayProxyEventV2 {
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: opts.query ?? '',
    headers: { host: 'im.example.test', ...(opts.headers ?? {}) },
    queryStringParameters: opts.query ? Object.fromEntries(new URLSearchParams(opts.query)) : undefined,
    requestContext: {
      accountId: '000000000000',
      apiId: 'test',
      domainName: 'im.example.test',
      domainPrefix: 'im',
      http: {
        method,
        path,
        protocol: 'HTTP/1.1',
        sourceIp: opts.sourceIp ?? '198.51.100.7',
        userAgent: 'jest',
      },
      requestId: requestId(),
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    body,
    isBase64Encoded: false,
  };
}

export const jsonPost = (path: string, body: unknown, sourceIp?: string) =>
  httpEvent('POST', path, typeof body === 'string' ? body : JSON.stringify(body), {
    headers: { 'content-type': 'application/json' },
    sourceIp,
  });

/** A Twilio webhook POST, signed over publicUrl + path (+ query) exactly as Twilio signs. */
export function twilioPost(
  publicUrl: string,
  authToken: string,
  path: string,
  params: Record<string, string>,
  opts: { query?: string; signature?: string | null } = {},
): APIGatewayProxyEventV2 {
  const url = `${publicUrl}${path}${opts.query ? `?${opts.query}` : ''}`;
  const signature =
    opts.signature === undefined ? getExpectedTwilioSignature(authToken, url, params) : opts.signature;
  return httpEvent('POST', path, new URLSearchParams(params).toString(), {
    query: opts.query,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature !== null ? { 'x-twilio-signature': signature } : {}),
    },
  });
}

export function wsEvent(
  routeKey: string,
  connectionId: string,
  caller: { imNumber: string; name: string } | null,
  body?: unknown,
): WsEvent {
  const now = Date.now();
  return {
    requestContext: {
      routeKey,
      messageId: routeKey.startsWith('$') ? undefined : `msg-${++seq}`,
      eventType: routeKey === '$connect' ? 'CONNECT' : routeKey === '$disconnect' ? 'DISCONNECT' : 'MESSAGE',
      extendedRequestId: requestId(),
      requestTime: new Date(now).toUTCString(),
      messageDirection: 'IN',
      stage: 'test',
      connectedAt: now,
      requestTimeEpoch: now,
      requestId: requestId(),
      domainName: 'ws.example.test',
      connectionId,
      apiId: 'wsapi',
      authorizer: caller ? { principalId: caller.imNumber, ...caller } : null,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
  } as WsEvent;
}

export function authorizerEvent(token: string | undefined): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: 'arn:aws:execute-api:us-east-1:000000000000:wsapi/test/$connect',
    resource: '$connect',
    path: '/',
    httpMethod: 'GET',
    headers: {},
    multiValueHeaders: {},
    pathParameters: {},
    queryStringParameters: token === undefined ? {} : { token },
    multiValueQueryStringParameters: token === undefined ? {} : { token: [token] },
    stageVariables: {},
    requestContext: {} as APIGatewayRequestAuthorizerEvent['requestContext'],
  };
}

export function sqsEvent(bodies: unknown[]): SQSEvent {
  return {
    Records: bodies.map((b, i) => ({
      messageId: `sqs-${++seq}-${i}`,
      receiptHandle: 'rh',
      body: JSON.stringify(b),
      attributes: {} as SQSEvent['Records'][number]['attributes'],
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:ack',
      awsRegion: 'us-east-1',
    })),
  };
}
