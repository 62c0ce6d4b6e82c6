import http from 'node:http';
import { AuthorizerEventSchema, WebSocketEventSchema } from './support/event-schemas';
import { startGateway, waitFor, type Harness } from './support/harness';
import { TestClient } from './support/ws-client';
import { GOOD_CONTEXT, okHandlers, wsManifest } from './support/ws-manifest';

let h: Harness;

beforeEach(async () => {
  h = await startGateway(
    wsManifest,
    okHandlers({
      connect: async (event) => {
        const q = event.queryStringParameters ?? {};
        if (q.reject) return { statusCode: Number(q.reject) };
        if (q.explode) throw new Error('connect bug');
        if (q.protocol) return { statusCode: 200, headers: { 'Sec-WebSocket-Protocol': q.protocol } };
        return { statusCode: 200 };
      },
    }),
  );
});

afterEach(() => h.stop());

describe('WebSocket authorizer', () => {
  test('the authorizer gets a REQUEST event shaped like a real WebSocket authorizer event', async () => {
    const client = await TestClient.open(`${h.wsUrl}?token=good&x=1&x=2`, { 'User-Agent': 'ws-test/1' });

    const [event] = h.eventsOf('authorizer');
    expect(AuthorizerEventSchema.safeParse(event).error).toBeUndefined();
    expect(event).toMatchObject({
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:local:000000000000:local/local/$connect',
      queryStringParameters: { token: 'good', x: '2' },
      multiValueQueryStringParameters: { token: ['good'], x: ['1', '2'] },
      stageVariables: {},
    });
    expect(event.requestContext).toMatchObject({
      routeKey: '$connect',
      eventType: 'CONNECT',
      messageDirection: 'IN',
      stage: 'local',
      apiId: 'local',
      domainName: '127.0.0.1',
      identity: { sourceIp: '127.0.0.1', userAgent: 'ws-test/1' },
    });
    expect(event.headers['User-Agent']).toBe('ws-test/1');
    expect(event.multiValueHeaders['Sec-WebSocket-Version']).toEqual(['13']);
    client.ws.close();
  });

  test('no token: the authorizer throws Unauthorized and the upgrade gets 401', async () => {
    const refusal = await TestClient.refused(h.wsUrl);

    expect(refusal.status).toBe(401);
    expect(JSON.parse(refusal.body)).toEqual({ message: 'Unauthorized' });
    expect(h.eventsOf('connect')).toHaveLength(0);
    expect(h.gateway.connectionCount).toBe(0);
  });

  test('a Deny policy gets 403', async () => {
    const refusal = await TestClient.refused(`${h.wsUrl}?token=deny`);

    expect(refusal.status).toBe(403);
    expect(JSON.parse(refusal.body)).toEqual({ message: 'Forbidden' });
    expect(h.eventsOf('connect')).toHaveLength(0);
  });

  test('an Allow for another resource is an implicit deny (403)', async () => {
    const refusal = await TestClient.refused(`${h.wsUrl}?token=other-api`);

    expect(refusal.status).toBe(403);
  });

  test('an Allow with a wildcard resource that matches lets the connection in', async () => {
    const client = await TestClient.open(`${h.wsUrl}?token=wildcard`);

    expect(h.eventsOf('connect')[0].requestContext.authorizer.principalId).toBe('u-2');
    client.ws.close();
  });

  test('an authorizer that crashes gives 500 and reports the error', async () => {
    const refusal = await TestClient.refused(`${h.wsUrl}?token=crash`);

    expect(refusal.status).toBe(500);
    expect(h.errors.map((e) => e.where)).toEqual(['authorizer']);
  });

  test('a context value that is an object breaks the integration (500), as on AWS', async () => {
    const refusal = await TestClient.refused(`${h.wsUrl}?token=nested-context`);

    expect(refusal.status).toBe(500);
    expect(h.eventsOf('connect')).toHaveLength(0);
  });
});

describe('$connect', () => {
  test('$connect gets the handshake headers, the query and the authorizer context', async () => {
    const client = await TestClient.open(`${h.wsUrl}?token=good`);

    const [event] = h.eventsOf('connect');
    expect(WebSocketEventSchema.safeParse(event).error).toBeUndefined();
    expect(event.queryStringParameters).toEqual({ token: 'good' });
    expect(event.multiValueQueryStringParameters).toEqual({ token: ['good'] });
    expect(event.headers).toMatchObject({
      Host: `127.0.0.1:${h.port}`,
      'X-Forwarded-For': '127.0.0.1',
      'X-Forwarded-Proto': 'http',
    });
    expect(event.headers['X-Amzn-Trace-Id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(event.requestContext.authorizer).toEqual({
      ...GOOD_CONTEXT,
      principalId: 'u-1',
      integrationLatency: expect.any(Number),
    });
    expect(event.requestContext.connectionId).toMatch(/^[A-Za-z0-9_-]{15}=$/);
    expect(event.requestContext.connectionId).toBe(h.eventsOf('authorizer')[0].requestContext.connectionId);
    expect(h.gateway.connectionCount).toBe(1);
    client.ws.close();
  });

  test('each connection gets its own id', async () => {
    const a = await TestClient.open(`${h.wsUrl}?token=good`);
    const b = await TestClient.open(`${h.wsUrl}?token=good`);

    const [first, second] = h.eventsOf('connect');
    expect(first.requestContext.connectionId).not.toBe(second.requestContext.connectionId);
    expect(h.gateway.connectionCount).toBe(2);
    a.ws.close();
    b.ws.close();
  });

  test.each([400, 403, 429])('$connect answering %i refuses the upgrade with that status', async (status) => {
    const refusal = await TestClient.refused(`${h.wsUrl}?token=good&reject=${status}`);

    expect(refusal.status).toBe(status);
    expect(h.gateway.connectionCount).toBe(0);
  });

  test('a $connect handler that throws refuses the upgrade with 502', async () => {
    const refusal = await TestClient.refused(`${h.wsUrl}?token=good&explode=1`);

    expect(refusal.status).toBe(502);
    expect(h.errors.map((e) => e.where)).toEqual(['connect']);
  });

  test('a subprotocol is agreed only when $connect returns it in Sec-WebSocket-Protocol', async () => {
    const agreed = await TestClient.open(`${h.wsUrl}?token=good&protocol=imsms.v1`, {}, ['imsms.v1']);

    expect(agreed.ws.protocol).toBe('imsms.v1');
    expect(h.eventsOf('connect')[0].headers['Sec-WebSocket-Protocol']).toBe('imsms.v1');
    agreed.ws.close();
  });

  test('a subprotocol $connect does not return is not agreed, so a client that needs one fails', async () => {
    await expect(TestClient.open(`${h.wsUrl}?token=good`, {}, ['imsms.v1'])).rejects.toThrow(
      'no subprotocol',
    );
  });

  test('a malformed handshake gets 400 before any handler runs', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: h.port,
        path: '/ws?token=good',
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Key': 'short',
          'Sec-WebSocket-Version': '13',
        },
      });
      req.on('response', (res) => resolve(res.statusCode ?? 0));
      req.on('upgrade', () => reject(new Error('upgraded')));
      req.on('error', reject);
      req.end();
    });

    expect(status).toBe(400);
    expect(h.invocations).toHaveLength(0);
  });

  test('a refused $connect never produces a $disconnect', async () => {
    await TestClient.refused(`${h.wsUrl}?token=good&reject=403`);
    const ok = await TestClient.open(`${h.wsUrl}?token=good`);
    ok.ws.close();

    await waitFor(() => h.eventsOf('disconnect').length === 1, 'the accepted connection to end');
    const [event] = h.eventsOf('disconnect');
    expect(event.requestContext.connectionId).toBe(h.eventsOf('connect')[1].requestContext.connectionId);
  });
});

describe('upgrade paths', () => {
  test('an upgrade on another path gets 404 when nothing else listens for upgrades', async () => {
    const refusal = await TestClient.refused(`ws://127.0.0.1:${h.port}/elsewhere?token=good`);

    expect(refusal.status).toBe(404);
    expect(h.invocations).toHaveLength(0);
  });

  test('an upgrade on another path is left to another upgrade listener', async () => {
    let seen = '';
    h.server.on('upgrade', (req, socket) => {
      if (req.url?.startsWith('/console')) {
        seen = req.url;
        socket.end('HTTP/1.1 418 Teapot\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      }
    });

    const refusal = await TestClient.refused(`ws://127.0.0.1:${h.port}/console/live`);

    expect(refusal.status).toBe(418);
    expect(seen).toBe('/console/live');
  });
});
