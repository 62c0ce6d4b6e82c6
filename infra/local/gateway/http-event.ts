import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { formatRequestTime, newTraceId } from './ids';

/** What the HTTP API event needs beyond the request itself. */
export interface HttpEventInput {
  req: IncomingMessage;
  body: Buffer;
  routeKey: string;
  requestId: string;
  apiId: string;
  accountId: string;
  now: number;
}

/**
 * Content types HTTP APIs pass as text. Everything else, form posts included, arrives base64-encoded with
 * isBase64Encoded true, so handlers (the Twilio webhooks among them) must decode as they will on AWS.
 */
const TEXT_TYPES = [/^text\//, /^application\/(json|javascript|xml)$/, /^application\/[\w.+-]+\+(json|xml)$/];

export function isTextContentType(contentType: string | undefined): boolean {
  const essence = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return TEXT_TYPES.some((re) => re.test(essence));
}

/** The socket's peer address as API Gateway reports it: plain IPv4 for IPv4-mapped IPv6 addresses. */
export function sourceIpOf(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
}

/** The host name of the Host header, which is what API Gateway reports as domainName for a custom domain. */
export function domainNameOf(req: IncomingMessage): string {
  const host = req.headers.host;
  if (!host) return 'localhost';
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return 'localhost';
  }
}

/** Splits a request target into its raw path and raw query string, neither decoded, as API Gateway does. */
export function splitTarget(url: string | undefined): { rawPath: string; rawQueryString: string } {
  const target = (url ?? '/').split('#')[0];
  const q = target.indexOf('?');
  return q < 0
    ? { rawPath: target, rawQueryString: '' }
    : { rawPath: target.slice(0, q), rawQueryString: target.slice(q + 1) };
}

/** Builds the payload format 2.0 event API Gateway HTTP APIs send to a Lambda integration. */
export function buildHttpEvent(input: HttpEventInput): APIGatewayProxyEventV2 {
  const { req, body, routeKey, requestId, now } = input;
  const { rawPath, rawQueryString } = splitTarget(req.url);
  const { headers, cookies } = lowerCaseHeaders(req, now);
  const domainName = domainNameOf(req);
  const query = queryParameters(rawQueryString);
  const binary = body.length > 0 && !isTextContentType(headers['content-type']);
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: input.accountId,
      apiId: input.apiId,
      domainName,
      domainPrefix: domainName.split('.')[0],
      http: {
        method: req.method ?? 'GET',
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: sourceIpOf(req),
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: formatRequestTime(now),
      timeEpoch: now,
    },
    ...(body.length > 0 ? { body: body.toString(binary ? 'base64' : 'utf8') } : {}),
    isBase64Encoded: binary,
  };
}

/**
 * Format 2.0 headers: lower-case names, repeats joined with ',', and the Cookie header moved into `cookies`.
 * API Gateway adds the forwarding and trace headers; a client's X-Forwarded-For gets the peer appended.
 */
function lowerCaseHeaders(
  req: IncomingMessage,
  now: number,
): { headers: Record<string, string>; cookies: string[] } {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    const value = req.rawHeaders[i + 1];
    if (name === 'cookie') cookies.push(...splitCookies(value));
    else headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const ip = sourceIpOf(req);
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${ip}` : ip;
  headers['x-forwarded-port'] = String(req.socket.localPort ?? '');
  headers['x-forwarded-proto'] = 'http';
  headers['x-amzn-trace-id'] ??= newTraceId(now);
  return { headers, cookies };
}

function splitCookies(header: string): string[] {
  return header
    .split(';')
    .map((c) => c.trim())
    .filter(Boolean);
}

/** Decoded query parameters, repeats joined with ','; undefined when there are none, as AWS omits them. */
function queryParameters(rawQueryString: string): Record<string, string> | undefined {
  if (!rawQueryString) return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawQueryString)) {
    out[key] = key in out ? `${out[key]},${value}` : value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
