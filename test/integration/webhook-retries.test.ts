import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { handler as authStart } from '../../functions/http-auth-start';
import { handler as inboundSms } from '../../functions/twilio-sms';
import { dynamoStores } from '../../shared/adapters/dynamo';
import { REPLIES } from '../../shared/core/im-sms/receive';
import { twilioPost } from '../support/events';
import { AUTH_TOKEN, PUBLIC_URL, SERVICE_NUMBERS, startHarness, type Harness } from '../support/harness';
import { connectDevice, post, signUp } from '../support/users';

/**
 * Issue 14 item 2: a webhook whose work fails after its idempotency claim is answered 500, and Twilio's retry of
 * the same MessageSid must do the work then, not be dropped as a duplicate. The handlers run on the real
 * DynamoDB adapters, whose client talks to dynalite through a fault proxy that fails chosen writes.
 */

/** A proxy in front of dynalite that answers 500 to every request `failing` matches, and passes the rest. */
class FaultProxy {
  failing: ((target: string, body: string) => boolean) | null = null;
  failed = 0;
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(upstream: string): Promise<FaultProxy> {
    const target = new URL(upstream);
    const ref: { proxy?: FaultProxy } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const proxy = ref.proxy!;
        if (proxy.failing?.(String(req.headers['x-amz-target'] ?? ''), body.toString('utf8'))) {
          proxy.failed++;
          res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
          res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError' }));
          return;
        }
        const up = request(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: req.url,
            headers: req.headers,
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 500, answer.headers);
            answer.pipe(res);
          },
        );
        up.end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    ref.proxy = new FaultProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return ref.proxy;
  }

  close(): Promise<void> {
    return new Promise((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }
}

let h: Harness;
let proxy: FaultProxy;
let client: DynamoDBClient;
beforeAll(async () => {
  h = await startHarness();
  proxy = await FaultProxy.start(h.deps.config.dynamodbEndpoint!);
  client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: proxy.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
  });
  // The handlers' stores now reach the table through the proxy.
  const { users, logins, messages, codes, rates, once } = dynamoStores(client, h.deps.config.tableName);
  Object.assign(h.deps, { users, logins, messages, codes, rates, once });
});
afterEach(() => {
  proxy.failing = null;
});
afterAll(async () => {
  client.destroy();
  await proxy.close();
  await h.stop();
});

let n = 800;
const newPhone = () => `+1646555${String(++n).padStart(4, '0')}`;

/** A phone texts a service number: Twilio's webhook, signed as Twilio signs it, with a chosen MessageSid. */
async function text(from: string, body: string, sid: string) {
  const params = {
    MessageSid: sid,
    AccountSid: h.deps.config.twilioAccountSid,
    From: from,
    To: SERVICE_NUMBERS[0],
    Body: body,
    NumMedia: '0',
  };
  const res = await inboundSms(twilioPost(PUBLIC_URL, AUTH_TOKEN, '/twilio/sms', params));
  // The webhook answers once the text is stored; its routing runs right after, as a check due at once.
  await h.routed();
  return { status: res.statusCode, twiml: res.body ?? '' };
}

const isUpdateOf = (pk: string, attribute: string) => (target: string, body: string) =>
  target.endsWith('.UpdateItem') && body.includes(`"${pk}"`) && body.includes(attribute);

describe('a keyword webhook that fails after its claim', () => {
  it('a STOP whose opt-out write failed (500) opts the phone out when Twilio retries the same MessageSid', async () => {
    const bob = await signUp(h, newPhone());
    const sid = 'SM' + 'a1'.repeat(16);
    proxy.failing = isUpdateOf(`PHONE#${bob.phone}`, 'optedOut');

    const first = await text(bob.phone, 'STOP', sid);
    expect(first.status).toBe(500);
    expect(proxy.failed).toBeGreaterThan(0);
    proxy.failing = null;

    const retry = await text(bob.phone, 'STOP', sid);
    expect(retry.status).toBe(200);
    expect(retry.twiml).toContain(REPLIES.stop);
    expect(await h.store.users.getPhone(bob.phone)).toMatchObject({ optedOut: true });
    expect((await h.store.users.getUser(bob.imNumber))!.optedOut).toBe(true);
    // And so no code can be sent to it.
    const codes = h.sms.inbox(bob.phone).length;
    const start = await post(authStart, '/auth/start', { phone: bob.phone });
    expect(start.status).toBe(403);
    expect(start.body.error.code).toBe('opted_out');
    expect(h.sms.inbox(bob.phone)).toHaveLength(codes);

    // Done now: one more delivery of the same sid is a duplicate, answered with nothing.
    const again = await text(bob.phone, 'STOP', sid);
    expect(again).toEqual({ status: 200, twiml: '<?xml version="1.0" encoding="UTF-8"?><Response/>' });
  });

  it('a STOP whose profile write failed after the phone row landed finishes the profile on the retry', async () => {
    const bob = await signUp(h, newPhone());
    const sid = 'SM' + 'a2'.repeat(16);
    proxy.failing = isUpdateOf(`USER#${bob.imNumber}`, 'optedOut');

    expect((await text(bob.phone, 'STOP', sid)).status).toBe(500);
    expect(await h.store.users.getPhone(bob.phone)).toMatchObject({ optedOut: true });
    expect((await h.store.users.getUser(bob.imNumber))!.optedOut).toBe(false);
    proxy.failing = null;

    expect((await text(bob.phone, 'STOP', sid)).status).toBe(200);
    expect((await h.store.users.getUser(bob.imNumber))!.optedOut).toBe(true);
  });

  it('a START whose write failed resubscribes the phone on the retry', async () => {
    const phone = newPhone();
    expect((await text(phone, 'STOP', 'SM' + 'a3'.repeat(16))).status).toBe(200);
    const sid = 'SM' + 'a4'.repeat(16);
    proxy.failing = isUpdateOf(`PHONE#${phone}`, 'optedOut');
    expect((await text(phone, 'START', sid)).status).toBe(500);
    proxy.failing = null;
    const retry = await text(phone, 'START', sid);
    expect(retry.twiml).toContain(REPLIES.start);
    expect(await h.store.users.getPhone(phone)).toMatchObject({ optedOut: false });
  });
});

describe('a routed text that fails after its message was stored', () => {
  it('binds the thread on the retry, so the next text without a prefix reaches the same contact', async () => {
    const alice = await signUp(h, newPhone());
    const bob = await signUp(h, newPhone());
    await connectDevice(bob, 'retry-b1');
    const sid = 'SM' + 'b1'.repeat(16);
    proxy.failing = isUpdateOf(`USER#${alice.imNumber}`, 'threads');

    expect((await text(alice.phone, `@${bob.imNumber} first`, sid)).status).toBe(500);
    proxy.failing = null;
    expect((await text(alice.phone, `@${bob.imNumber} first`, sid)).status).toBe(200);
    expect((await h.store.users.getUser(alice.imNumber))!.threads[SERVICE_NUMBERS[0]]).toMatchObject({
      peer: bob.imNumber,
    });

    await text(alice.phone, 'no prefix', 'SM' + 'b2'.repeat(16));
    const texts = h.connections.framesOf<Record<string, unknown>>('retry-b1', 'message').map((m) => m.text);
    expect(texts).toEqual(['first', 'no prefix']);
  });
});
