import { WebSocketEventSchema } from './support/event-schemas';
import { gate, sleep, startGateway, waitFor, type Harness } from './support/harness';
import { TestClient } from './support/ws-client';
import { GOOD_CONTEXT, okHandlers, wsManifest } from './support/ws-manifest';

type Event = any; // eslint-disable-line @typescript-eslint/no-explicit-any

let h: Harness;
/** What the ack handler does with each event; tests replace it. */
let onAck: (event: Event) => Promise<void>;

beforeEach(async () => {
  onAck = async () => undefined;
  h = await startGateway(wsManifest, okHandlers({ ack: async (event) => onAck(event) }));
});

afterEach(() => h.stop());

const open = (): Promise<TestClient> => TestClient.open(`${h.wsUrl}?token=good`);

/** Sends one text message as fragments of at most `size` bytes (a UTF-8 sequence may be split), as RFC 6455 allows. */
function sendInFrames(client: TestClient, text: string, size: number): void {
  const bytes = Buffer.from(text, 'utf8');
  for (let at = 0; at < bytes.length; at += size) {
    client.ws.send(bytes.subarray(at, at + size), { binary: false, fin: at + size >= bytes.length });
  }
}

describe('MESSAGE events and route selection', () => {
  test('a frame whose action names a route goes there, shaped like a real MESSAGE event', async () => {
    const client = await open();
    const frame = '{"action":"sendMessage","to":"1001","text":"hi","clientId":"c-1"}';

    client.send(frame);

    const event = await waitFor(() => h.eventsOf('send-message')[0], 'sendMessage');
    expect(WebSocketEventSchema.safeParse(event).error).toBeUndefined();
    expect(event).toMatchObject({ body: frame, isBase64Encoded: false });
    expect(event).not.toHaveProperty('headers');
    expect(event.requestContext).toMatchObject({
      routeKey: 'sendMessage',
      eventType: 'MESSAGE',
      messageDirection: 'IN',
      stage: 'local',
      connectionId: h.eventsOf('connect')[0].requestContext.connectionId,
      connectedAt: h.eventsOf('connect')[0].requestContext.connectedAt,
      authorizer: { ...GOOD_CONTEXT, principalId: 'u-1' },
    });
    expect(event.requestContext.messageId).toMatch(/^[A-Za-z0-9_-]{15}=$/);
  });

  test.each([
    ['an unknown action', '{"action":"teleport"}'],
    ['invalid JSON', 'not json {'],
    ['a non-string action', '{"action":42}'],
    ['JSON that is not an object', '"sendMessage"'],
    ['a reserved route key as action', '{"action":"$disconnect"}'],
  ])('%s goes to $default', async (_what, frame) => {
    const client = await open();

    client.send(frame);

    const event = await waitFor(() => h.eventsOf('default')[0], '$default');
    expect(WebSocketEventSchema.safeParse(event).error).toBeUndefined();
    expect(event.requestContext.routeKey).toBe('$default');
    expect(event.body).toBe(frame);
    expect(h.eventsOf('send-message')).toHaveLength(0);
    expect(h.eventsOf('disconnect')).toHaveLength(0);
  });

  test('message ids differ between frames', async () => {
    const client = await open();

    client.send('{"action":"ack","id":"1"}');
    client.send('{"action":"ack","id":"2"}');

    const [a, b] = await waitFor(() => h.eventsOf('ack').length === 2 && h.eventsOf('ack'), 'two acks');
    expect(a.requestContext.messageId).not.toBe(b.requestContext.messageId);
  });
});

describe('ordering', () => {
  test('one connection’s frames reach handlers one at a time, in arrival order', async () => {
    const trace: string[] = [];
    onAck = async (event) => {
      const { id } = JSON.parse(event.body);
      trace.push(`start ${id}`);
      await sleep(30 - Number(id) * 5); // later frames finish faster if run concurrently
      trace.push(`end ${id}`);
    };
    const client = await open();

    for (const id of ['1', '2', '3', '4']) client.send(JSON.stringify({ action: 'ack', id }));

    await waitFor(() => trace.length === 8, 'four acks');
    expect(trace).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3', 'start 4', 'end 4']);
  });

  test('a slow handler on one connection does not hold up another connection', async () => {
    const held = gate();
    const done: string[] = [];
    onAck = async (event) => {
      const { id } = JSON.parse(event.body);
      if (id === 'slow') await held.promise;
      done.push(id);
    };
    const a = await open();
    const b = await open();

    a.send('{"action":"ack","id":"slow"}');
    await waitFor(() => h.eventsOf('ack').length === 1, 'the slow ack to start');
    b.send('{"action":"ack","id":"fast"}');

    await waitFor(() => done.includes('fast'), 'the other connection');
    expect(done).toEqual(['fast']);
    held.open();
    await waitFor(() => done.length === 2, 'the slow ack');
  });
});

describe('handler failures and limits', () => {
  test('a failing handler keeps the socket open; the client gets API Gateway’s error frame', async () => {
    onAck = async (event) => {
      if (JSON.parse(event.body).id === 'bad') throw new Error('ack bug');
    };
    const client = await open();

    client.send('{"action":"ack","id":"bad"}');
    const frame = await client.frame(1);
    client.send('{"action":"ack","id":"good"}');

    await waitFor(() => h.eventsOf('ack').length === 2, 'the second ack');
    const failed = h.eventsOf('ack')[0];
    expect(JSON.parse(frame.data)).toEqual({
      message: 'Internal server error',
      connectionId: failed.requestContext.connectionId,
      requestId: failed.requestContext.requestId,
    });
    expect(h.errors.map((e) => e.where)).toEqual(['ack']);
    expect(h.eventsOf('disconnect')).toHaveLength(0);
    expect(h.gateway.connectionCount).toBe(1);
  });

  test('a message over 128 KB, in frames of 32 KB, closes the socket with 1009; $disconnect reports 1009', async () => {
    const client = await open();

    sendInFrames(client, JSON.stringify({ action: 'ack', pad: 'x'.repeat(128 * 1024) }), 32 * 1024);

    expect((await client.closed).code).toBe(1009);
    const event = await waitFor(() => h.eventsOf('disconnect')[0], '$disconnect');
    expect(WebSocketEventSchema.safeParse(event).error).toBeUndefined();
    expect(event.requestContext.disconnectStatusCode).toBe(1009);
    expect(h.eventsOf('ack')).toHaveLength(0);
  });

  test('a message of exactly 128 KB, in frames of 32 KB, is accepted as one MESSAGE event', async () => {
    const client = await open();
    const frame = JSON.stringify({ action: 'ack', pad: '' });
    const padded = frame.replace('""', `"${'x'.repeat(128 * 1024 - frame.length)}"`);

    sendInFrames(client, padded, 32 * 1024);

    const event = await waitFor(() => h.eventsOf('ack')[0], 'the ack');
    expect(event.body).toBe(padded);
    expect(h.eventsOf('ack')).toHaveLength(1);
  });

  test('one frame over 32 KB closes the socket with 1009, though the message is under 128 KB', async () => {
    const client = await open();

    client.send(JSON.stringify({ action: 'ack', pad: 'x'.repeat(32 * 1024) }));

    expect((await client.closed).code).toBe(1009);
    const event = await waitFor(() => h.eventsOf('disconnect')[0], '$disconnect');
    expect(event.requestContext).toMatchObject({
      disconnectStatusCode: 1009,
      disconnectReason: 'Message too big',
    });
    expect(h.eventsOf('ack')).toHaveLength(0);
  });

  test('a continuation frame over 32 KB closes the socket too', async () => {
    const client = await open();
    const text = JSON.stringify({ action: 'ack', pad: 'x'.repeat(40 * 1024) });

    client.ws.send(text.slice(0, 100), { fin: false });
    client.ws.send(text.slice(100), { fin: true });

    expect((await client.closed).code).toBe(1009);
    await waitFor(() => h.eventsOf('disconnect')[0], '$disconnect');
    expect(h.eventsOf('ack')).toHaveLength(0);
  });

  test('a frame of exactly 32 KB is accepted, and the socket stays open', async () => {
    const client = await open();
    const frame = JSON.stringify({ action: 'ack', pad: '' });
    const padded = frame.replace('""', `"${'x'.repeat(32 * 1024 - frame.length)}"`);

    client.send(padded);

    const event = await waitFor(() => h.eventsOf('ack')[0], 'the ack');
    expect(event.body).toHaveLength(32 * 1024);
    expect(h.gateway.connectionCount).toBe(1);
  });

  test('a message split inside a UTF-8 sequence is put back together', async () => {
    const client = await open();
    const text = JSON.stringify({ action: 'ack', pad: '😀é'.repeat(5000) });

    sendInFrames(client, text, 1001);

    const event = await waitFor(() => h.eventsOf('ack')[0], 'the ack');
    expect(event.body).toBe(text);
  });

  test('a binary frame closes the socket with 1003, as API Gateway rejects binary frames', async () => {
    const client = await open();

    client.send(Buffer.from('{"action":"ack"}'), true);

    expect((await client.closed).code).toBe(1003);
    const event = await waitFor(() => h.eventsOf('disconnect')[0], '$disconnect');
    expect(event.requestContext.disconnectStatusCode).toBe(1003);
    expect(h.eventsOf('ack')).toHaveLength(0);
    expect(h.eventsOf('default')).toHaveLength(0);
  });

  test('without a $default route an unmatched frame gets API Gateway’s Forbidden frame', async () => {
    await h.stop();
    const manifest = wsManifest.filter((s) => s.name !== 'default');
    h = await startGateway(manifest, okHandlers());
    const client = await open();

    client.send('{"action":"nope"}');

    const frame = JSON.parse((await client.frame(1)).data);
    expect(frame).toMatchObject({ message: 'Forbidden', connectionId: expect.any(String) });
    expect(h.invocations.map((i) => i.fn)).toEqual(['authorizer', 'connect']);
  });
});

describe('$disconnect', () => {
  test.each([
    ['without a status code', undefined, 1005, 'Client-side close frame status not set'],
    ['with 1000', 1000, 1000, 'Connection Closed Normally'],
    ['with 4001 and a reason', 4001, 4001, 'bye'],
  ])('a client close %s is reported once, with the authorizer context', async (_what, code, want, reason) => {
    const client = await open();
    client.send('{"action":"ack","id":"1"}');

    client.ws.close(code, code === 4001 ? 'bye' : undefined);

    const event = await waitFor(() => h.eventsOf('disconnect')[0], '$disconnect');
    await sleep(50);
    expect(h.eventsOf('disconnect')).toHaveLength(1);
    expect(WebSocketEventSchema.safeParse(event).error).toBeUndefined();
    expect(event.requestContext).toMatchObject({
      routeKey: '$disconnect',
      eventType: 'DISCONNECT',
      disconnectStatusCode: want,
      disconnectReason: reason,
      connectionId: h.eventsOf('connect')[0].requestContext.connectionId,
      authorizer: { ...GOOD_CONTEXT, principalId: 'u-1' },
    });
    expect(event.headers).toEqual({
      Host: `127.0.0.1:${h.port}`,
      'x-api-key': '',
      'X-Forwarded-For': '',
      'x-restapi': '',
    });
    expect(h.gateway.connectionCount).toBe(0);
  });

  test('$disconnect comes after every queued frame of the connection', async () => {
    const held = gate();
    onAck = async () => held.promise;
    const client = await open();
    client.send('{"action":"ack","id":"1"}');
    await waitFor(() => h.eventsOf('ack').length === 1, 'the ack to start');

    client.ws.terminate();
    await sleep(50);
    const before = h.eventsOf('disconnect').length;
    held.open();

    await waitFor(() => h.eventsOf('disconnect').length === 1, '$disconnect');
    expect(before).toBe(0);
    expect(h.invocations.map((i) => i.fn)).toEqual(['authorizer', 'connect', 'ack', 'disconnect']);
    // A socket dropped without a close frame is an abnormal closure.
    expect(h.eventsOf('disconnect')[0].requestContext.disconnectStatusCode).toBe(1006);
  });
});
