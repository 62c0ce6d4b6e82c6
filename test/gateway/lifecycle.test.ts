import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { functions } from '../../infra/functions';
import { LocalGateway } from '../../infra/local/gateway';
import { WebSocketEventSchema } from './support/event-schemas';
import { sleep, spec, startGateway, waitFor, type Harness } from './support/harness';
import { TestClient } from './support/ws-client';
import { okHandlers, wsManifest } from './support/ws-manifest';

describe('close()', () => {
  let h: Harness;
  let finishedDisconnects: string[];

  beforeEach(async () => {
    finishedDisconnects = [];
    h = await startGateway(
      wsManifest,
      okHandlers({
        // Slow on purpose: close() must wait for each $disconnect to finish, not just to start.
        disconnect: async (event) => {
          await sleep(40);
          finishedDisconnects.push(event.requestContext.connectionId);
        },
      }),
    );
  });

  afterEach(() => h.stop());

  test('closes every socket with 1001 and awaits one $disconnect per connection', async () => {
    const clients = await Promise.all([1, 2, 3].map(() => TestClient.open(`${h.wsUrl}?token=good`)));
    expect(h.gateway.connectionCount).toBe(3);

    await h.gateway.close();

    const ids = h.eventsOf('connect').map((e) => e.requestContext.connectionId);
    expect(finishedDisconnects.sort()).toEqual([...ids].sort());
    expect(h.gateway.connectionCount).toBe(0);
    for (const event of h.eventsOf('disconnect')) {
      expect(WebSocketEventSchema.safeParse(event).error).toBeUndefined();
      expect(event.requestContext.disconnectStatusCode).toBe(1001);
    }
    for (const client of clients) expect((await client.closed).code).toBe(1001);
  });

  test('a second close() is harmless and reports nothing twice', async () => {
    await TestClient.open(`${h.wsUrl}?token=good`);

    await h.gateway.close();
    await h.gateway.close();

    expect(h.eventsOf('disconnect')).toHaveLength(1);
  });

  test('a connection that was already closing is still awaited', async () => {
    const client = await TestClient.open(`${h.wsUrl}?token=good`);
    client.ws.close();
    await waitFor(() => h.eventsOf('disconnect').length === 1, 'the $disconnect to start');

    await h.gateway.close();

    expect(finishedDisconnects).toHaveLength(1);
  });
});

describe('the real manifest', () => {
  test('loads without conflicts and serves each of its HTTP routes', async () => {
    const called: string[] = [];
    const gateway = new LocalGateway({
      functions,
      loadHandler: async (s) => async () => {
        called.push(s.name);
        return { statusCode: 204 };
      },
      onError: () => undefined,
    });
    const server = http.createServer((req, res) => {
      void gateway.handleHttp(req, res).then((handled) => handled || res.writeHead(599).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const routes = functions.flatMap((f) =>
      f.trigger.kind === 'http' ? [{ name: f.name, ...f.trigger }] : [],
    );

    for (const r of routes) {
      const res = await fetch(`http://127.0.0.1:${port}${r.path}`, { method: r.method });
      expect([r.name, res.status]).toEqual([r.name, 204]);
    }

    expect(called).toEqual(routes.map((r) => r.name));
    await gateway.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('a manifest with two functions on one route is refused at start', () => {
    const twice = [
      spec('a', { kind: 'http', method: 'POST', path: '/x' }),
      spec('b', { kind: 'http', method: 'POST', path: '/x' }),
    ];

    expect(() => new LocalGateway({ functions: twice, loadHandler: async () => async () => 1 })).toThrow(
      'Two functions serve POST /x',
    );
  });
});
