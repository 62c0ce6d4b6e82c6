import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { FALLTHROUGH_STATUS, startGateway, waitFor, type Harness } from './support/harness';
import { TestClient } from './support/ws-client';
import { okHandlers, wsManifest } from './support/ws-manifest';

let h: Harness;
let api: ApiGatewayManagementApiClient;

/** The client exactly as a handler would build it against the local endpoint. */
const sdkClient = (endpoint: string): ApiGatewayManagementApiClient =>
  new ApiGatewayManagementApiClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

beforeEach(async () => {
  h = await startGateway(
    wsManifest,
    okHandlers({
      // Like the real ws-ping handler: answer through @connections from inside a MESSAGE handler.
      default: async (event) => {
        const { connectionId } = event.requestContext;
        await api.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: '{"type":"pong"}' }));
      },
    }),
  );
  api = sdkClient(h.connectionsUrl);
});

afterEach(async () => {
  api.destroy();
  await h.stop();
});

async function connected(): Promise<{ client: TestClient; id: string }> {
  const client = await TestClient.open(`${h.wsUrl}?token=good`, { 'User-Agent': 'sdk-test/1' });
  const id = h.eventsOf('connect').at(-1).requestContext.connectionId as string;
  return { client, id };
}

async function errorOf(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('the command succeeded');
}

describe('@connections through the real SDK client', () => {
  test('PostToConnection delivers the data as a text frame', async () => {
    const { client, id } = await connected();

    const out = await api.send(
      new PostToConnectionCommand({ ConnectionId: id, Data: '{"type":"message","text":"hé"}' }),
    );

    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(await client.frame(1)).toEqual({ data: '{"type":"message","text":"hé"}', isBinary: false });
  });

  test('a handler can answer its own connection from inside a MESSAGE invocation', async () => {
    const { client } = await connected();

    client.send('{"action":"ping"}');

    expect((await client.frame(1)).data).toBe('{"type":"pong"}');
    expect(h.errors).toEqual([]);
  });

  test('GetConnection describes the connection', async () => {
    const { client, id } = await connected();
    client.send('{"action":"ack","id":"1"}');
    await waitFor(() => h.eventsOf('ack').length === 1, 'the ack');

    const out = await api.send(new GetConnectionCommand({ ConnectionId: id }));

    const connectedAt = h.eventsOf('connect')[0].requestContext.connectedAt;
    expect(out.ConnectedAt).toEqual(new Date(connectedAt));
    expect(out.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: 'sdk-test/1' });
    expect(out.LastActiveAt!.getTime()).toBeGreaterThanOrEqual(connectedAt);
    expect(out.LastActiveAt!.getTime()).toBe(h.eventsOf('ack')[0].requestContext.requestTimeEpoch);
  });

  test('DeleteConnection closes the socket, $disconnect follows, and the id is gone', async () => {
    const { client, id } = await connected();

    const out = await api.send(new DeleteConnectionCommand({ ConnectionId: id }));

    expect(out.$metadata.httpStatusCode).toBe(204);
    expect((await client.closed).code).toBe(1000);
    const event = await waitFor(() => h.eventsOf('disconnect')[0], '$disconnect');
    expect(event.requestContext).toMatchObject({ connectionId: id, disconnectStatusCode: 1000 });
    const err = await errorOf(api.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'late' })));
    expect(err.name).toBe('GoneException');
  });

  test.each([
    ['PostToConnection', () => new PostToConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAAA=', Data: 'x' })],
    ['GetConnection', () => new GetConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAAA=' })],
    ['DeleteConnection', () => new DeleteConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAAA=' })],
  ])('%s on an unknown id throws GoneException (410)', async (_name, command) => {
    const err = await errorOf(api.send(command() as PostToConnectionCommand));

    expect(err.name).toBe('GoneException');
    expect(err.$metadata?.httpStatusCode).toBe(410);
  });

  test('a connection the client closed is gone', async () => {
    const { client, id } = await connected();
    client.ws.close();
    await waitFor(() => h.eventsOf('disconnect').length === 1, '$disconnect');

    const err = await errorOf(api.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'x' })));

    expect(err.name).toBe('GoneException');
  });

  test('data over 32 KB (one frame on AWS) throws PayloadTooLargeException and sends nothing', async () => {
    const { client, id } = await connected();

    const err = await errorOf(
      api.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'x'.repeat(32 * 1024 + 1) })),
    );

    expect(err.name).toBe('PayloadTooLargeException');
    expect(err.$metadata?.httpStatusCode).toBe(413);
    expect(client.frames).toHaveLength(0);
    expect(h.gateway.connectionCount).toBe(1);
  });

  test('data of exactly 32 KB is delivered as one text frame', async () => {
    const { client, id } = await connected();

    await api.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'x'.repeat(32 * 1024) }));

    expect((await client.frame(1)).data).toHaveLength(32 * 1024);
  });

  test('an endpoint with the stage in its path, as on AWS, works too', async () => {
    const { client, id } = await connected();
    const staged = sdkClient(`${h.connectionsUrl}/local`);

    await staged.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'via stage' }));

    expect((await client.frame(1)).data).toBe('via stage');
    staged.destroy();
  });
});

describe('@connections is served only on its own loopback listener', () => {
  test('the listener is bound to 127.0.0.1 on another port than the public one', () => {
    const url = new URL(h.connectionsUrl);

    expect(url.hostname).toBe('127.0.0.1');
    expect(Number(url.port)).not.toBe(h.port);
  });

  test.each([
    ['POST', '/@connections/AAAAAAAAAAAAAAA='],
    ['GET', '/@connections/AAAAAAAAAAAAAAA='],
    ['DELETE', '/@connections/AAAAAAAAAAAAAAA='],
    ['POST', '/local/@connections/AAAAAAAAAAAAAAA='],
  ])('handleHttp leaves %s %s to the public server (not its path)', async (method, path) => {
    const res = await fetch(`${h.baseUrl}${path}`, { method, body: method === 'POST' ? 'x' : undefined });

    expect(res.status).toBe(FALLTHROUGH_STATUS);
  });

  test('a live connection cannot be pushed to through the public port', async () => {
    const { client, id } = await connected();

    const res = await fetch(`${h.baseUrl}/@connections/${encodeURIComponent(id)}`, {
      method: 'POST',
      body: '{"type":"message","text":"forged"}',
    });

    expect(res.status).toBe(FALLTHROUGH_STATUS);
    client.send('{"action":"ping"}');
    expect((await client.frame(1)).data).toBe('{"type":"pong"}');
    expect(client.frames).toHaveLength(1);
  });

  test('any other path on the @connections listener gets 404', async () => {
    const res = await fetch(`${h.connectionsUrl}/ws`);

    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: 'Not Found' });
  });
});
