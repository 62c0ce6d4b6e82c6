import { functions } from '../../infra/functions';
import type { AnyHandler, GatewayOptions } from '../../infra/local/gateway';
import { LOCAL_PRIORITY } from '../../infra/local/stack';
import { gate, sleep, startGateway, waitFor, type Harness } from './support/harness';
import { TestClient } from './support/ws-client';
import { okHandlers, wsManifest } from './support/ws-manifest';

type Event = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The local stack's settings (infra/local/stack.ts) for the fake manifest, with a limit small enough to reach. */
const SCHEDULING: Partial<GatewayOptions> = {
  unorderedRoutes: ['ack'],
  scheduling: {
    maxConcurrent: 2,
    priorityOf: (spec) => ({ ack: 5, 'send-message': 0 })[spec.name] ?? 1,
  },
};

let h: Harness;
afterEach(() => h.stop());

/** Handlers whose sends wait for the test (one gate per clientId) and whose acks are recorded as they end. */
function heldSends() {
  const gates = new Map<string, ReturnType<typeof gate>>();
  const started: string[] = [];
  const finished: string[] = [];
  const gateOf = (id: string) => gates.get(id) ?? gates.set(id, gate()).get(id)!;
  const handlers: Record<string, AnyHandler> = okHandlers({
    'send-message': async (event: Event) => {
      const { clientId } = JSON.parse(event.body);
      started.push(clientId);
      await gateOf(clientId).promise;
      finished.push(clientId);
      return { statusCode: 200 };
    },
    ack: async (event: Event) => {
      finished.push(`ack ${JSON.parse(event.body).id}`);
      return { statusCode: 200 };
    },
  });
  return { handlers, started, finished, release: (id: string) => gateOf(id).open() };
}

const open = (): Promise<TestClient> => TestClient.open(`${h.wsUrl}?token=good`);
const send = (c: TestClient, clientId: string) =>
  c.send(JSON.stringify({ action: 'sendMessage', to: '1001', text: 'hi', clientId }));

describe('scheduling under load (the local stack’s settings)', () => {
  test('an ack runs at once, beside the same connection’s send that is still running', async () => {
    const s = heldSends();
    h = await startGateway(wsManifest, s.handlers, SCHEDULING);
    const client = await open();

    send(client, 'a');
    await waitFor(() => s.started.includes('a'), 'the send to start');
    client.send('{"action":"ack","id":"m1"}');

    await waitFor(() => s.finished.includes('ack m1'), 'the ack, while the send is held');
    expect(s.finished).toEqual(['ack m1']);
    s.release('a');
    await waitFor(() => s.finished.includes('a'), 'the send');
  });

  test('without it, the same ack waits for the send (one connection’s frames in arrival order)', async () => {
    const s = heldSends();
    h = await startGateway(wsManifest, s.handlers);
    const client = await open();

    send(client, 'a');
    await waitFor(() => s.started.includes('a'), 'the send to start');
    client.send('{"action":"ack","id":"m1"}');
    await sleep(200);

    expect(s.finished).toEqual([]);
    s.release('a');
    await waitFor(() => s.finished.length === 2, 'the send, then the ack');
    expect(s.finished).toEqual(['a', 'ack m1']);
  });

  test('at most maxConcurrent run at once; the waiting ones start by priority, then in arrival order', async () => {
    const s = heldSends();
    h = await startGateway(wsManifest, s.handlers, SCHEDULING);
    const clients = await Promise.all([open(), open(), open(), open()]);

    send(clients[0], 's0');
    await waitFor(() => s.started.includes('s0'), 'the first send');
    send(clients[1], 's1');
    await waitFor(() => s.started.includes('s1'), 'the second send');
    send(clients[2], 's2');
    await sleep(50);
    send(clients[3], 's3');
    await sleep(50);
    clients[3].send('{"action":"ack","id":"m1"}');
    await waitFor(() => h.gateway.waitingInvocations === 3, 'two sends and an ack waiting');
    expect(s.started).toEqual(['s0', 's1']);
    expect(s.finished).toEqual([]);

    // One slot frees: the ack, last to come but first in priority, takes it; then the sends in arrival order.
    s.release('s1');
    await waitFor(() => s.started.length === 3, 'the first waiting send');
    expect(s.finished).toEqual(['s1', 'ack m1']);
    expect(s.started).toEqual(['s0', 's1', 's2']);
    s.release('s0');
    await waitFor(() => s.started.length === 4, 'the second waiting send');
    s.release('s2');
    s.release('s3');
    await waitFor(() => s.finished.length === 5, 'everything to end');
    expect(h.gateway.waitingInvocations).toBe(0);
  });

  test('every function the local stack ranks is in the manifest (a rename would drop it to the default)', () => {
    const names = new Set(functions.map((f) => f.name));
    expect(Object.keys(LOCAL_PRIORITY).filter((name) => !names.has(name))).toEqual([]);
  });

  test('a client flooding acks holds one invocation at a time: another client’s send still starts', async () => {
    const held = gate();
    let acksStarted = 0;
    const s = heldSends();
    h = await startGateway(
      wsManifest,
      {
        ...s.handlers,
        ack: async () => {
          acksStarted++;
          await held.promise;
          return { statusCode: 200 };
        },
      },
      SCHEDULING,
    );
    const flooder = await open();
    const other = await open();

    for (let i = 0; i < 5; i++) flooder.send(JSON.stringify({ action: 'ack', id: `m${i}` }));
    await waitFor(() => acksStarted === 1, 'the first ack');
    send(other, 'b');

    await waitFor(() => s.started.includes('b'), 'the other client’s send, beside the held ack');
    expect(acksStarted).toBe(1);
    held.open();
    s.release('b');
    await waitFor(() => acksStarted === 5, 'the other acks, one after another');
  });

  test('at stop, a frame still waiting for its turn is not run; one that started finishes', async () => {
    const s = heldSends();
    h = await startGateway(wsManifest, s.handlers, {
      ...SCHEDULING,
      scheduling: { ...SCHEDULING.scheduling!, maxConcurrent: 1 },
    });
    const [a, b] = await Promise.all([open(), open()]);
    send(a, 'started');
    await waitFor(() => s.started.includes('started'), 'the first send');
    send(b, 'waiting');
    await waitFor(() => h.gateway.waitingInvocations === 1, 'the second send to wait');

    const closed = h.gateway.close();
    await sleep(100);
    s.release('started');
    await closed;

    expect(s.started).toEqual(['started']);
    expect(s.finished).toEqual(['started']);
    expect(h.logs.filter((l) => l.fields.status === 'not_run').map((l) => l.fields.routeKey)).toEqual([
      'sendMessage',
    ]);
  });

  test('$disconnect still comes last: after an ack that runs beside the queue', async () => {
    const held = gate();
    const trace: string[] = [];
    h = await startGateway(
      wsManifest,
      okHandlers({
        ack: async () => {
          trace.push('ack start');
          await held.promise;
          trace.push('ack end');
          return { statusCode: 200 };
        },
        disconnect: async () => {
          trace.push('disconnect');
          return { statusCode: 200 };
        },
      }),
      SCHEDULING,
    );
    const client = await open();

    client.send('{"action":"ack","id":"m1"}');
    await waitFor(() => trace.includes('ack start'), 'the ack to start');
    client.ws.close(1000);
    await client.closed;
    await sleep(200);
    expect(trace).toEqual(['ack start']);

    held.open();
    await waitFor(() => trace.includes('disconnect'), '$disconnect');
    expect(trace).toEqual(['ack start', 'ack end', 'disconnect']);
  });
});
