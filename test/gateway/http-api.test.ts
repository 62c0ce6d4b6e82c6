import http from 'node:http';
import { HttpEventSchema } from './support/event-schemas';
import { FALLTHROUGH_STATUS, spec, startGateway, type Harness } from './support/harness';

const manifest = [
  spec('start', { kind: 'http', method: 'POST', path: '/auth/start' }),
  spec('fetch', { kind: 'http', method: 'GET', path: '/things' }),
  spec('webhook', { kind: 'http', method: 'POST', path: '/twilio/sms' }),
  spec('shaped', { kind: 'http', method: 'POST', path: '/shaped' }),
  spec('plain', { kind: 'http', method: 'POST', path: '/plain' }),
  spec('boom', { kind: 'http', method: 'POST', path: '/boom' }),
  spec('malformed', { kind: 'http', method: 'POST', path: '/malformed' }),
];

let h: Harness;
let nextResult: unknown;

beforeEach(async () => {
  nextResult = { statusCode: 202, body: '' };
  h = await startGateway(manifest, {
    start: async () => nextResult,
    fetch: async () => nextResult,
    webhook: async () => nextResult,
    shaped: async () => ({
      statusCode: 201,
      headers: { 'Content-Type': 'text/html', 'x-count': 3 },
      cookies: ['a=1; Path=/', 'b=2; HttpOnly'],
      body: '<p>made</p>',
    }),
    plain: async (event: { body?: string }) => (event.body === 'string' ? 'just text' : { ok: true, n: 1 }),
    boom: async () => {
      throw new Error('handler bug');
    },
    malformed: async () => ({ statusCode: 200, body: { not: 'a string' } }),
  });
});

afterEach(() => h.stop());

describe('HTTP API events (payload format 2.0)', () => {
  test('a manifest route gets an event shaped like a real HTTP API event', async () => {
    const res = await rawRequest(h.port, 'POST', '/auth/start?a=1&a=2&b=x%20y', {
      headers: [
        ['Content-Type', 'application/json'],
        ['X-Dup', 'one'],
        ['X-Dup', 'two'],
        ['Cookie', 'c1=v1; c2=v2'],
        ['User-Agent', 'gateway-test/1'],
      ],
      body: '{"phone":"+15005550100"}',
    });

    expect(res.status).toBe(202);
    const [event] = h.eventsOf('start');
    expect(HttpEventSchema.safeParse(event).error).toBeUndefined();
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /auth/start',
      rawPath: '/auth/start',
      rawQueryString: 'a=1&a=2&b=x%20y',
      cookies: ['c1=v1', 'c2=v2'],
      queryStringParameters: { a: '1,2', b: 'x y' },
      body: '{"phone":"+15005550100"}',
      isBase64Encoded: false,
    });
    expect(event.headers).toMatchObject({
      'content-type': 'application/json',
      'x-dup': 'one,two',
      'user-agent': 'gateway-test/1',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
    });
    expect(event.headers.cookie).toBeUndefined();
    expect(Object.keys(event.headers).every((k) => k === k.toLowerCase())).toBe(true);
    expect(event.requestContext).toMatchObject({
      apiId: 'local',
      domainName: '127.0.0.1',
      domainPrefix: '127',
      routeKey: 'POST /auth/start',
      stage: '$default',
      http: {
        method: 'POST',
        path: '/auth/start',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'gateway-test/1',
      },
    });
    expect(event.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(Math.abs(event.requestContext.timeEpoch - Date.now())).toBeLessThan(5000);
    expect(res.headers['apigw-requestid']).toBe(event.requestContext.requestId);
  });

  test('a request without body or query omits body, cookies and queryStringParameters', async () => {
    await fetch(`${h.baseUrl}/things`);

    const [event] = h.eventsOf('fetch');
    expect(HttpEventSchema.safeParse(event).error).toBeUndefined();
    expect(event).not.toHaveProperty('body');
    expect(event).not.toHaveProperty('cookies');
    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event.isBase64Encoded).toBe(false);
    expect(event.rawQueryString).toBe('');
  });

  test('a form post arrives base64-encoded, as HTTP APIs pass non-text content types', async () => {
    const form = 'From=%2B15005550100&Body=hi+there';

    await fetch(`${h.baseUrl}/twilio/sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });

    const [event] = h.eventsOf('webhook');
    expect(HttpEventSchema.safeParse(event).error).toBeUndefined();
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body, 'base64').toString('utf8')).toBe(form);
  });

  test('request ids differ between requests', async () => {
    await fetch(`${h.baseUrl}/things`);
    await fetch(`${h.baseUrl}/things`);

    const [a, b] = h.eventsOf('fetch');
    expect(a.requestContext.requestId).toMatch(/^[A-Za-z0-9_-]{15}=$/);
    expect(a.requestContext.requestId).not.toBe(b.requestContext.requestId);
  });
});

describe('HTTP API result mapping', () => {
  test('statusCode, headers, cookies and body are applied', async () => {
    const res = await rawRequest(h.port, 'POST', '/shaped');

    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toBe('text/html');
    expect(res.headers['x-count']).toBe('3');
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; HttpOnly']);
    expect(res.body.toString()).toBe('<p>made</p>');
  });

  test('a base64 body is decoded to bytes', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    nextResult = {
      statusCode: 200,
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes.toString('base64'),
      isBase64Encoded: true,
    };

    const res = await rawRequest(h.port, 'POST', '/auth/start');

    expect(res.body.equals(bytes)).toBe(true);
  });

  test('a result with a statusCode but no content type gets text/plain', async () => {
    nextResult = { statusCode: 200, body: 'hello' };

    const res = await rawRequest(h.port, 'POST', '/auth/start');

    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.body.toString()).toBe('hello');
  });

  test('an object without statusCode becomes a 200 JSON body', async () => {
    const res = await fetch(`${h.baseUrl}/plain`, { method: 'POST', body: 'object' });

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe('{"ok":true,"n":1}');
  });

  test('a string result is the body as it is', async () => {
    const res = await fetch(`${h.baseUrl}/plain`, { method: 'POST', body: 'string' });

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe('just text');
  });
});

describe('HTTP API errors', () => {
  test('a known path with another method is 405 with Allow, in the documented error shape, and invokes nothing', async () => {
    const res = await fetch(`${h.baseUrl}/auth/start`);

    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(await res.json()).toEqual({
      error: { code: 'method_not_allowed', message: '/auth/start takes POST' },
    });
    expect(h.invocations).toHaveLength(0);
  });

  test('a path that is not in the manifest is left to the next handler', async () => {
    const res = await fetch(`${h.baseUrl}/healthz`);

    expect(res.status).toBe(FALLTHROUGH_STATUS);
    expect(h.invocations).toHaveLength(0);
  });

  test('a handler that throws gives 500 Internal Server Error and reports the error', async () => {
    const res = await fetch(`${h.baseUrl}/boom`, { method: 'POST' });

    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: 'internal', message: 'internal error' } });
    expect(h.errors).toHaveLength(1);
    expect(h.errors[0]!.where).toBe('boom');
    expect((h.errors[0]!.err as Error).message).toBe('handler bug');
  });

  test('a result API Gateway cannot map gives 500', async () => {
    const res = await fetch(`${h.baseUrl}/malformed`, { method: 'POST' });

    expect(res.status).toBe(500);
    expect(h.errors.map((e) => e.where)).toEqual(['malformed: result']);
  });

  test('a body over 10 MB is refused with 413 before the handler runs', async () => {
    const res = await rawRequest(h.port, 'POST', '/auth/start', {
      body: Buffer.alloc(10 * 1024 * 1024 + 1, 'a'),
    });

    expect(res.status).toBe(413);
    expect(JSON.parse(res.body.toString())).toEqual({
      error: { code: 'payload_too_large', message: 'the request body is over 10 MB' },
    });
    expect(h.invocations).toHaveLength(0);
  });

  test('a chunked upload that grows past 10 MB is refused with 413', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: h.port, method: 'POST', path: '/auth/start' },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      const chunk = Buffer.alloc(1024 * 1024, 'a');
      for (let i = 0; i < 11; i++) req.write(chunk);
      req.end();
    });

    expect(status).toBe(413);
    expect(h.invocations).toHaveLength(0);
  });

  test('a body of exactly 10 MB is accepted', async () => {
    const res = await rawRequest(h.port, 'POST', '/auth/start', {
      headers: [['content-type', 'text/plain']],
      body: Buffer.alloc(10 * 1024 * 1024, 'a'),
    });

    expect(res.status).toBe(202);
    expect(h.eventsOf('start')[0].body).toHaveLength(10 * 1024 * 1024);
  });
});

/** A request with full control over repeated headers; resolves as soon as the response is complete. */
function rawRequest(
  port: number,
  method: string,
  path: string,
  opts: { headers?: [string, string][]; body?: string | Buffer } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  // Raw header arrays keep repeats apart, but then Node adds neither Host nor body framing of its own.
  const headers = [
    ['Host', `127.0.0.1:${port}`],
    ['Content-Length', String(Buffer.byteLength(opts.body ?? ''))],
    ...(opts.headers ?? []),
  ].flat();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
