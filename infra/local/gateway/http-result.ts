import type { ServerResponse } from 'node:http';

/** An HTTP response as API Gateway builds it from a function's result. */
export interface MappedResponse {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

/** A result API Gateway cannot map; it answers 500 and so do we, so the bug shows before deploying. */
export class InvalidResultError extends Error {
  constructor(message: string) {
    super(`Malformed Lambda proxy response: ${message}`);
    this.name = 'InvalidResultError';
  }
}

/**
 * Maps a handler's result as HTTP APIs do for payload format 2.0. A result with a statusCode is taken as the
 * response; anything else is a 200 JSON body: a string as it is, any other value JSON-encoded.
 */
export function mapHttpResult(result: unknown): MappedResponse {
  if (isRecord(result) && 'statusCode' in result) return mapProxyResult(result);
  const body = typeof result === 'string' ? result : (JSON.stringify(result) ?? 'null');
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    cookies: [],
    body: Buffer.from(body, 'utf8'),
  };
}

function mapProxyResult(result: Record<string, unknown>): MappedResponse {
  const { statusCode, body, isBase64Encoded } = result;
  if (
    typeof statusCode !== 'number' ||
    !Number.isInteger(statusCode) ||
    statusCode < 100 ||
    statusCode > 599
  ) {
    throw new InvalidResultError('statusCode must be an integer from 100 to 599');
  }
  if (body !== undefined && body !== null && typeof body !== 'string') {
    throw new InvalidResultError('body must be a string');
  }
  const headers = mapHeaders(result.headers);
  // Seen on HTTP APIs when a function sets no content type of its own.
  headers['content-type'] ??= 'text/plain; charset=utf-8';
  return {
    statusCode,
    headers,
    cookies: mapCookies(result.cookies),
    body: Buffer.from(body ?? '', isBase64Encoded === true ? 'base64' : 'utf8'),
  };
}

function mapHeaders(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) throw new InvalidResultError('headers must be an object');
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      throw new InvalidResultError(`header ${name} must be a string, number or boolean`);
    }
    out[name.toLowerCase()] = String(value);
  }
  return out;
}

function mapCookies(raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || raw.some((c) => typeof c !== 'string')) {
    throw new InvalidResultError('cookies must be an array of strings');
  }
  return raw as string[];
}

/** Writes a mapped response, adding the request id header HTTP APIs add to every response. */
export function writeMappedResponse(res: ServerResponse, mapped: MappedResponse, requestId: string): void {
  const headers: Record<string, string | string[]> = { ...mapped.headers };
  // The length is ours to compute; a handler's stale value would corrupt the connection.
  delete headers['content-length'];
  delete headers['transfer-encoding'];
  if (mapped.cookies.length > 0) headers['set-cookie'] = mapped.cookies;
  headers['apigw-requestid'] = requestId;
  headers['content-length'] = String(mapped.body.length);
  res.writeHead(mapped.statusCode, headers);
  res.end(mapped.body);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
