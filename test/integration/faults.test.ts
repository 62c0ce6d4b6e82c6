import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand as DocQueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as sendMessageHandler } from '../../functions/ws-send-message';
import { twoWay } from '../support/connections-server';
import { dynamoStores } from '../../shared/adapters/dynamo';
import { TwilioSmsProvider } from '../../shared/adapters/twilio-sms';
import { SmsSendError } from '../../shared/core/ports';
import { injectDeps } from '../../shared/runtime/deps';
import { wsEvent } from '../support/events';
import { startHarness, type Harness } from '../support/harness';
import { connectDevice, signUp } from '../support/users';

/** An HTTP server whose answers a test scripts, one per request. */
async function scripted(answers: Array<{ status: number; body: unknown; headers?: Record<string, string> }>) {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push(Buffer.concat(chunks).toString('utf8'));
      const answer = answers.shift() ?? { status: 500, body: {} };
      res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.headers ?? {}) });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, seen, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
const close = (s: Server) =>
  new Promise<void>((r) => {
    s.close(() => r());
    s.closeAllConnections();
  });

const twilioMessage = (sid: string) => ({
  sid,
  status: 'queued',
  to: '+1',
  from: '+1',
  body: 'x',
  num_segments: '1',
});
const twilio5xx = { status: 503, body: { code: 20500, message: 'Service Unavailable', status: 503 } };

describe('the SMS provider: a client of Twilio’s Messages REST resource', () => {
  it('a 5xx from Twilio is a retryable SmsSendError; a 4xx is permanent', async () => {
    const fake = await scripted([
      twilio5xx,
      { status: 400, body: { code: 21211, message: 'invalid To', status: 400 } },
    ]);
    const provider = new TwilioSmsProvider({
      accountSid: 'AC' + '0'.repeat(32),
      authToken: 'token',
      baseUrl: fake.url,
    });
    const req = { from: '+15005550100', to: '+12125550100', body: 'hi' };
    await expect(provider.send(req)).rejects.toMatchObject({
      name: 'SmsSendError',
      retryable: true,
      providerCode: 20500,
    });
    await expect(provider.send(req)).rejects.toMatchObject({
      name: 'SmsSendError',
      retryable: false,
      providerCode: 21211,
    });
    await close(fake.server);
  });

  it('an opted-out recipient (21610) is permanent; 429 and an unreadable answer are retryable', async () => {
    const fake = await scripted([
      {
        status: 400,
        body: { code: 21610, message: 'Attempt to send to unsubscribed recipient', status: 400 },
      },
      { status: 429, body: { code: 20429, message: 'Too Many Requests', status: 429 } },
      { status: 502, body: 'not json' },
    ]);
    const provider = new TwilioSmsProvider({
      accountSid: 'AC' + '0'.repeat(32),
      authToken: 'token',
      baseUrl: fake.url,
    });
    const req = { from: '+15005550100', to: '+12125550100', body: 'hi' };
    await expect(provider.send(req)).rejects.toMatchObject({ retryable: false, providerCode: 21610 });
    await expect(provider.send(req)).rejects.toMatchObject({ retryable: true, providerCode: 20429 });
    await expect(provider.send(req)).rejects.toMatchObject({ retryable: true, providerCode: 502 });
    await close(fake.server);
  });

  it('a request that outlives its timeout is abandoned as retryable and unanswered; a refused one is answered', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const provider = new TwilioSmsProvider({
      accountSid: 'AC' + '0'.repeat(32),
      authToken: 'token',
      baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      timeoutMs: 200,
    });
    await expect(
      provider.send({ from: '+15005550100', to: '+12125550100', body: 'hi' }),
    ).rejects.toMatchObject({
      name: 'SmsSendError',
      retryable: true,
      unanswered: true,
      message: 'twilio request failed: TimeoutError',
    });
    const port = (silent.address() as AddressInfo).port;
    await close(silent);
    // Nothing listens: the request never left, so it cannot have been taken.
    const refused = new TwilioSmsProvider({
      accountSid: 'AC' + '0'.repeat(32),
      authToken: 'token',
      baseUrl: `http://127.0.0.1:${port}`,
    });
    await expect(
      refused.send({ from: '+15005550100', to: '+12125550100', body: 'hi' }),
    ).rejects.toMatchObject({ name: 'SmsSendError', retryable: true, unanswered: false });
  });

  it('posts to the account’s Messages.json with HTTP Basic auth', async () => {
    let seen: { url?: string; method?: string; auth?: string; type?: string } = {};
    const server = createServer((req, res) => {
      seen = {
        url: req.url,
        method: req.method,
        auth: req.headers.authorization,
        type: req.headers['content-type'],
      };
      req.resume();
      res
        .writeHead(201, { 'content-type': 'application/json' })
        .end(JSON.stringify(twilioMessage('SM' + 'b'.repeat(32))));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const sid = 'AC' + '1'.repeat(32);
    const provider = new TwilioSmsProvider({
      accountSid: sid,
      authToken: 'secret-token',
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    });
    await provider.send({ from: '+15005550100', to: '+12125550100', body: 'hi' });
    expect(seen).toEqual({
      url: `/2010-04-01/Accounts/${sid}/Messages.json`,
      method: 'POST',
      auth: `Basic ${Buffer.from(`${sid}:secret-token`).toString('base64')}`,
      type: 'application/x-www-form-urlencoded',
    });
    await close(server);
  });

  it('sends the form Twilio expects, with the status callback', async () => {
    const fake = await scripted([{ status: 201, body: twilioMessage('SM' + 'a'.repeat(32)) }]);
    const provider = new TwilioSmsProvider({
      accountSid: 'AC' + '0'.repeat(32),
      authToken: 'token',
      baseUrl: fake.url,
    });
    const out = await provider.send({
      from: '+15005550100',
      to: '+12125550100',
      body: 'hi',
      statusCallbackUrl: 'https://x.test/s?m=1',
    });
    expect(out.sid).toBe('SM' + 'a'.repeat(32));
    expect(Object.fromEntries(new URLSearchParams(fake.seen[0]))).toEqual({
      To: '+12125550100',
      From: '+15005550100',
      Body: 'hi',
      StatusCallback: 'https://x.test/s?m=1',
    });
    await close(fake.server);
  });
});

describe('routing when the provider fails', () => {
  let h: Harness;
  // sendMessage is a two-way route: its last frame to the sender comes back as the route response.
  const sendMessage = twoWay(sendMessageHandler, () => h.connections);
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  it('retries a 5xx with backoff and the message goes out', async () => {
    const alice = await signUp(h, '+17185550101');
    const bob = await signUp(h, '+17185550102');
    await connectDevice(alice, 'f-1');
    h.sms.failNext = [new SmsSendError('503', true, 503), new SmsSendError('503', true, 503)];
    await sendMessage(
      wsEvent('sendMessage', 'f-1', alice, {
        action: 'sendMessage',
        to: bob.imNumber,
        text: 'persist',
        clientId: 'f1',
      }),
    );
    expect(h.sms.inbox(bob.phone).filter((m) => m.statusCallbackUrl)).toHaveLength(1);
    expect(h.connections.framesOf('f-1', 'receipt').map((r) => (r as { status: string }).status)).toEqual([
      'accepted',
      'sent_sms',
    ]);
  });

  it('after the retries, the sender gets failed with a reason and the message is kept', async () => {
    const alice = await signUp(h, '+17185550103');
    const bob = await signUp(h, '+17185550104');
    await connectDevice(alice, 'f-2');
    h.sms.failNext = [1, 2, 3].map(() => new SmsSendError('503', true, 503));
    await sendMessage(
      wsEvent('sendMessage', 'f-2', alice, {
        action: 'sendMessage',
        to: bob.imNumber,
        text: 'kept',
        clientId: 'f2',
      }),
    );
    const receipts = h.connections.framesOf<{ status: string; reason?: string; id: string }>(
      'f-2',
      'receipt',
    );
    expect(receipts.map((r) => [r.status, r.reason])).toEqual([
      ['accepted', undefined],
      ['failed', 'provider_error'],
    ]);
    expect(await h.store.messages.getMessage(receipts[0].id)).toMatchObject({
      status: 'failed',
      reason: 'provider_error',
      text: 'kept',
    });
  });

  it('does not retry a permanent failure', async () => {
    const alice = await signUp(h, '+17185550105');
    const bob = await signUp(h, '+17185550106');
    await connectDevice(alice, 'f-3');
    h.sms.failNext = [new SmsSendError('400', false, 21211), new SmsSendError('never used', true)];
    await sendMessage(
      wsEvent('sendMessage', 'f-3', alice, {
        action: 'sendMessage',
        to: bob.imNumber,
        text: 'x',
        clientId: 'f3',
      }),
    );
    expect(h.sms.failNext).toHaveLength(1);
    expect(h.connections.framesOf<{ status: string }>('f-3', 'receipt').pop()?.status).toBe('failed');
  });
});

describe('DynamoDB throttling', () => {
  it('the real SDK retries throttled requests and the write lands once', async () => {
    const h = await startHarness();
    // A proxy in front of dynalite that throttles the first two requests, as DynamoDB does under load.
    let throttles = 2;
    const target = new URL(h.deps.config.dynamodbEndpoint!);
    const proxy = createServer((req, res) => {
      if (throttles > 0) {
        throttles--;
        req.resume();
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(
          JSON.stringify({
            __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
            message: 'slow down',
          }),
        );
        return;
      }
      const upstream = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 500, up.headers);
          up.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const client = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 5,
    });
    const store = dynamoStores(client, h.deps.config.tableName);
    const message = {
      id: 'm-throttle',
      from: '1',
      fromName: 'u1',
      to: '2',
      text: 't',
      via: 'im' as const,
      path: ['im' as const],
      status: 'accepted' as const,
      sentAt: 1,
      updatedAt: 1,
    };
    expect(await store.messages.putMessage(message)).toBe('created');
    expect(throttles).toBe(0);
    expect(await h.store.messages.getMessage('m-throttle')).toMatchObject({ status: 'accepted' });
    expect(await store.messages.putMessage(message)).toBe('exists');
    client.destroy();
    await close(proxy);
    await h.stop();
  });

  it('a throttle that outlasts the retries gives the sender an error frame and writes nothing', async () => {
    const h = await startHarness();
    const sendMessage = twoWay(sendMessageHandler, () => h.connections);
    const alice = await signUp(h, '+17185550107');
    const bob = await signUp(h, '+17185550108');
    await connectDevice(alice, 'f-4');
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ProvisionedThroughputExceededException',
      $fault: 'client',
    });
    const mock = mockClient(DynamoDBDocumentClient);
    mock.on(DocQueryCommand).rejects(throttled);
    mock.on(PutCommand).rejects(new Error('must not be called'));
    try {
      injectDeps({
        ...h.deps,
        ...dynamoStores(new DynamoDBClient({ region: 'us-east-1' }), h.deps.config.tableName),
      });
      await sendMessage(
        wsEvent('sendMessage', 'f-4', alice, {
          action: 'sendMessage',
          to: bob.imNumber,
          text: 'x',
          clientId: 'f4',
        }),
      );
    } finally {
      mock.restore();
      injectDeps(h.deps);
    }
    expect(h.connections.framesOf('f-4', 'error')).toEqual([
      { type: 'error', code: 'internal', message: 'internal error', clientId: 'f4' },
    ]);
    expect(mock.commandCalls(PutCommand)).toHaveLength(0);
    expect(h.logs.some((l) => l.includes('"error":"ProvisionedThroughputExceededException"'))).toBe(true);
    await h.stop();
  });
});
