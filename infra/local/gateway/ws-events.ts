import type { IncomingMessage } from 'node:http';
import type { AuthorizerContext } from './authorizer';
import { domainNameOf, sourceIpOf, splitTarget } from './http-event';
import { formatRequestTime, newGatewayId, newTraceId } from './ids';

/** What API Gateway learns about a connection from its upgrade request and keeps for its whole life. */
export interface Handshake {
  connectionId: string;
  connectedAt: number;
  /** The Host header as sent; API Gateway echoes its own host in the same places. */
  host: string;
  domainName: string;
  identity: { sourceIp: string; userAgent?: string };
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  query?: { single: Record<string, string>; multi: Record<string, string[]> };
}

/** Where the WebSocket API is deployed, as the events name it. */
export interface WsStageInfo {
  apiId: string;
  stage: string;
  accountId: string;
}

/** WebSocket events' requestContext (@types/aws-lambda's lacks identity, authorizer and close data). */
export interface WebSocketRequestContext {
  routeKey: string;
  eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT';
  messageId?: string;
  extendedRequestId: string;
  requestTime: string;
  messageDirection: 'IN';
  stage: string;
  connectedAt: number;
  requestTimeEpoch: number;
  identity: { sourceIp: string; userAgent?: string };
  requestId: string;
  domainName: string;
  connectionId: string;
  apiId: string;
  authorizer?: Record<string, string | number | boolean>;
  disconnectStatusCode?: number;
  disconnectReason?: string;
}

/** A $connect, MESSAGE or $disconnect event as a Lambda proxy integration of a WebSocket API receives it. */
export interface WebSocketEvent {
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
  requestContext: WebSocketRequestContext;
  body?: string;
  isBase64Encoded: boolean;
}

/** The REQUEST authorizer event of a WebSocket API's $connect route. */
export interface WebSocketAuthorizerEvent {
  type: 'REQUEST';
  methodArn: string;
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  queryStringParameters: Record<string, string>;
  multiValueQueryStringParameters: Record<string, string[]>;
  stageVariables: Record<string, string>;
  requestContext: WebSocketRequestContext;
  isBase64Encoded: boolean;
}

/**
 * Reads the upgrade request once. Header names keep the client's case (WebSocket events are not lower-cased
 * like HTTP API 2.0 ones), and API Gateway's forwarding and trace headers are added as it adds them.
 */
export function readHandshake(req: IncomingMessage, now: number): Handshake {
  const identity = { sourceIp: sourceIpOf(req), ...userAgentOf(req) };
  const multiValueHeaders = groupHeaders(req.rawHeaders);
  addIfAbsent(multiValueHeaders, 'X-Amzn-Trace-Id', newTraceId(now));
  addIfAbsent(multiValueHeaders, 'X-Forwarded-For', identity.sourceIp);
  addIfAbsent(multiValueHeaders, 'X-Forwarded-Port', String(req.socket.localPort ?? ''));
  addIfAbsent(multiValueHeaders, 'X-Forwarded-Proto', 'http');
  const headers = Object.fromEntries(Object.entries(multiValueHeaders).map(([k, v]) => [k, v.join(',')]));
  return {
    connectionId: newGatewayId(),
    connectedAt: now,
    host: req.headers.host ?? 'localhost',
    domainName: domainNameOf(req),
    identity,
    headers,
    multiValueHeaders,
    query: readQuery(splitTarget(req.url).rawQueryString),
  };
}

/** The methodArn an authorizer sees for $connect (region 'local', a fixed fake account). */
export function connectMethodArn(stage: WsStageInfo): string {
  return `arn:aws:execute-api:local:${stage.accountId}:${stage.apiId}/${stage.stage}/$connect`;
}

export function buildAuthorizerEvent(
  h: Handshake,
  stage: WsStageInfo,
  now: number,
): WebSocketAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: connectMethodArn(stage),
    headers: h.headers,
    multiValueHeaders: h.multiValueHeaders,
    queryStringParameters: h.query?.single ?? {},
    multiValueQueryStringParameters: h.query?.multi ?? {},
    stageVariables: {},
    requestContext: baseContext(h, stage, '$connect', 'CONNECT', now),
    isBase64Encoded: false,
  };
}

export function buildConnectEvent(
  h: Handshake,
  stage: WsStageInfo,
  authorizer: AuthorizerContext | undefined,
  now: number,
): WebSocketEvent {
  return {
    headers: h.headers,
    multiValueHeaders: h.multiValueHeaders,
    ...(h.query
      ? { queryStringParameters: h.query.single, multiValueQueryStringParameters: h.query.multi }
      : {}),
    requestContext: { ...baseContext(h, stage, '$connect', 'CONNECT', now), ...authorizerField(authorizer) },
    isBase64Encoded: false,
  };
}

/** MESSAGE events carry no headers, as on AWS; only the frame and the connection's context. */
export function buildMessageEvent(
  h: Handshake,
  stage: WsStageInfo,
  message: { routeKey: string; body: string; authorizer?: AuthorizerContext },
  now: number,
): WebSocketEvent {
  return {
    requestContext: {
      ...baseContext(h, stage, message.routeKey, 'MESSAGE', now),
      messageId: newGatewayId(),
      ...authorizerField(message.authorizer),
    },
    body: message.body,
    isBase64Encoded: false,
  };
}

/** $disconnect carries the odd fixed header set AWS sends, not the handshake's headers. */
export function buildDisconnectEvent(
  h: Handshake,
  stage: WsStageInfo,
  close: { code: number; reason: string; authorizer?: AuthorizerContext },
  now: number,
): WebSocketEvent {
  const multiValueHeaders = { Host: [h.host], 'x-api-key': [''], 'X-Forwarded-For': [''], 'x-restapi': [''] };
  return {
    headers: { Host: h.host, 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' },
    multiValueHeaders,
    requestContext: {
      ...baseContext(h, stage, '$disconnect', 'DISCONNECT', now),
      disconnectStatusCode: close.code,
      disconnectReason: close.reason,
      ...authorizerField(close.authorizer),
    },
    isBase64Encoded: false,
  };
}

function baseContext(
  h: Handshake,
  stage: WsStageInfo,
  routeKey: string,
  eventType: WebSocketRequestContext['eventType'],
  now: number,
): WebSocketRequestContext {
  // AWS reports one id as both requestId and extendedRequestId on WebSocket events.
  const requestId = newGatewayId();
  return {
    routeKey,
    eventType,
    extendedRequestId: requestId,
    requestTime: formatRequestTime(now),
    messageDirection: 'IN',
    stage: stage.stage,
    connectedAt: h.connectedAt,
    requestTimeEpoch: now,
    identity: h.identity,
    requestId,
    domainName: h.domainName,
    connectionId: h.connectionId,
    apiId: stage.apiId,
  };
}

function authorizerField(authorizer: AuthorizerContext | undefined): { authorizer?: AuthorizerContext } {
  return authorizer ? { authorizer: { ...authorizer } } : {};
}

function userAgentOf(req: IncomingMessage): { userAgent?: string } {
  const ua = req.headers['user-agent'];
  return ua === undefined ? {} : { userAgent: ua };
}

/** Groups raw headers case-insensitively, keeping the first spelling the client used. */
function groupHeaders(raw: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const spelling = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const key = spelling.get(name.toLowerCase()) ?? name;
    spelling.set(name.toLowerCase(), key);
    (out[key] ??= []).push(raw[i + 1] as string);
  }
  return out;
}

function addIfAbsent(headers: Record<string, string[]>, name: string, value: string): void {
  const lower = name.toLowerCase();
  if (!Object.keys(headers).some((k) => k.toLowerCase() === lower)) headers[name] = [value];
}

/** REST-style query maps, as WebSocket $connect events use: the last value wins in the single-value map. */
function readQuery(rawQueryString: string): Handshake['query'] {
  const params = [...new URLSearchParams(rawQueryString)];
  if (params.length === 0) return undefined;
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [key, value] of params) {
    single[key] = value;
    (multi[key] ??= []).push(value);
  }
  return { single, multi };
}
