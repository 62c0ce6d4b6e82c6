import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forwardRequest } from '../support/forward';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { handler as ackTimeout } from '../../functions/ack-timeout';
import { createLambdaContext } from '../../infra/local/gateway/lambda-context';
import { dynamoStores } from '../../shared/adapters/dynamo';
import { TwilioSmsProvider } from '../../shared/adapters/twilio-sms';
import { SMS_RESEND_AFTER_MIN_MS, SMS_TRY_MARGIN_MS } from '../../shared/core/delivery/sms-fence';
import type { MessageRecord } from '../../shared/core/types';
import { loadConfig, SANDBOX_ACCOUNT_SID } from '../../shared/config';
import { SMS_SEND_WORST_MS } from '../../shared/runtime/ack-batch';
import { withDeliveryReports } from '../../shared/runtime/sms-reports';
import { chatOf } from '../chaos/support/chaos-stack';
import { OutsideSandbox } from '../chaos/support/outside-sandbox';
import { sqsEvent } from '../support/events';
import { AUTH_TOKEN, PUBLIC_URL, SERVICE_NUMBERS, startHarness, type Harness } from '../support/harness';
import { signUp } from '../support/users';

/**
 * The fence between a try of an SMS leg and its resume (shared/core/delivery/sms-fence.ts), through the real
 * delivery-check handler, the real DynamoDB adapter on dynalite and the real Twilio client against the sandbox's
 * Messages API. The fault: the first try is slowed between its claim and its create (its budget write held at a
 * proxy in front of DynamoDB, as throttling with the SDK's backoff does) past the grace, so the resume claims,
 * asks the provider (nothing yet: the first create has not even started) and sends. Before the fence, the first
 * try then sent too: the same fallback SMS twice (issue 16, the throttling suite at load 17).
 */

/** A proxy in front of DynamoDB that holds every request `hold` picks until `release()`, and passes the rest. */
class HoldingProxy {
  hold: (target: string, body: string) => boolean = () => false;
  private readonly held: Array<() => void> = [];
  private waiters: Array<() => void> = [];
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<HoldingProxy> {
    const upstream = new URL(target);
    const ref: { current?: HoldingProxy } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const forward = () => {
          forwardRequest(upstream, req, res, body);
        };
        const proxy = ref.current!;
        if (!proxy.hold(String(req.headers['x-amz-target'] ?? ''), body.toString())) return forward();
        proxy.held.push(forward);
        for (const w of proxy.waiters.splice(0)) w();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ref.current = new HoldingProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return ref.current;
  }

  /** Resolves once a request is held. */
  async someHeld(): Promise<void> {
    while (this.held.length === 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Passes every held request on. */
  release(): void {
    for (const forward of this.held.splice(0)) forward();
  }

  close(): Promise<void> {
    this.release();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

const ackContext = () => createLambdaContext('ack-timeout', 30_000);

let h: Harness;
let sandbox: OutsideSandbox;
let proxy: HoldingProxy;
let proxied: DynamoDBClient;
let n = 0;
const newPhone = () => `+1212556${String(++n).padStart(4, '0')}`;

beforeAll(async () => {
  h = await startHarness();
  sandbox = await OutsideSandbox.start(AUTH_TOKEN);
  // Status callbacks go nowhere (refused): no delivery report may settle the message behind the lookups' back.
  sandbox.attach(PUBLIC_URL, 'http://127.0.0.1:1', SERVICE_NUMBERS);
  proxy = await HoldingProxy.start(h.deps.config.dynamodbEndpoint!);
  proxied = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: proxy.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}, 60_000);

afterAll(async () => {
  await proxy.close();
  proxied.destroy();
  await sandbox.close();
  await h.stop();
});

describe('a try slowed past the grace, and its resume', () => {
  it('the slow first try sends nothing once its deadline has passed: one SMS, taken by the resume', async () => {
    const bob = await signUp(h, newPhone());
    // Signed up on the recording provider (its code is read there); from here on, SMS go to the sandbox's
    // Messages API through the real Twilio client, on the harness clock, and the budget writes through the proxy.
    const recording = h.deps.sms;
    h.deps.sms = withDeliveryReports(
      new TwilioSmsProvider({
        accountSid: SANDBOX_ACCOUNT_SID,
        authToken: AUTH_TOKEN,
        baseUrl: sandbox.url,
        now: h.deps.clock.now,
      }),
      PUBLIC_URL,
    );
    const stores = h.deps.rates;
    h.deps.rates = dynamoStores(proxied, h.deps.config.tableName).rates;
    try {
      const message: MessageRecord = {
        id: `m-fence-${n}`,
        from: '11111111',
        fromName: 'u11111111',
        to: bob.imNumber,
        text: 'once only',
        via: 'im',
        path: ['im'],
        status: 'accepted',
        sentAt: h.deps.clock.now(),
        updatedAt: h.deps.clock.now(),
      };
      await h.store.messages.putMessage(message);
      // The first try's budget write (after its claim, before its create) is held, as a throttled one would be.
      let first = true;
      proxy.hold = (target, body) => {
        if (!target.endsWith('UpdateItem') || !body.includes('RATE#sms:') || !first) return false;
        first = false;
        return true;
      };

      // The ack check: claims the message for SMS and starts the first try, which stalls before its create.
      const firstTry = ackTimeout(sqsEvent([{ messageId: message.id }]), ackContext());
      await proxy.someHeld();
      // The grace passes; another check of the message (one set again by a slow store, say) resumes it: it asks
      // the sandbox, which has nothing, and sends.
      h.advance(h.deps.config.smsResendAfterMs);
      await ackTimeout(sqsEvent([{ messageId: message.id }]), ackContext());
      expect(sandbox.calls.filter((c) => c.to === bob.phone)).toHaveLength(1);
      // The first try goes on, past its claim's deadline.
      proxy.release();
      await firstTry;

      expect(sandbox.calls.filter((c) => c.to === bob.phone)).toHaveLength(1);
      expect(await chatOf(sandbox.url, bob.phone)).toHaveLength(1);
      expect(await h.store.messages.getMessage(message.id)).toMatchObject({ status: 'sent_sms', resends: 1 });
      expect(h.logs.some((l) => l.includes('"sms.try_past_deadline"') && l.includes(message.id))).toBe(true);
    } finally {
      proxy.hold = () => false;
      h.deps.sms = recording;
      h.deps.rates = stores;
    }
  });
});

describe('the Twilio client keeps a try’s deadline', () => {
  const client = () =>
    new TwilioSmsProvider({
      accountSid: SANDBOX_ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      baseUrl: sandbox.url,
      // Far longer than this test may run: only the deadline can end the held create below.
      timeoutMs: 600_000,
    });

  it('starts no create at or after the deadline (nothing reaches the provider)', async () => {
    const to = newPhone();
    const before = sandbox.calls.length;
    await expect(
      client().send({ from: SERVICE_NUMBERS[0], to, body: 'late', notAfter: Date.now() - 1 }),
    ).rejects.toMatchObject({
      name: 'SmsSendError',
      retryable: true,
      unanswered: false,
      providerCode: 'past_deadline',
    });
    expect(sandbox.calls.length).toBe(before);
  });

  it('abandons a create still unanswered at the deadline, not at its much longer timeout', async () => {
    const to = newPhone();
    sandbox.plan = (call) => (call.to === to ? { kind: 'hang', accept: false } : { kind: 'pass' });
    try {
      await expect(
        client().send({ from: SERVICE_NUMBERS[0], to, body: 'held', notAfter: Date.now() + 300 }),
      ).rejects.toMatchObject({ name: 'SmsSendError', retryable: true, unanswered: true });
      expect(sandbox.calls.filter((c) => c.to === to)).toHaveLength(1);
    } finally {
      sandbox.plan = () => ({ kind: 'pass' });
    }
  });
});

describe('SMS_RESEND_AFTER_MS', () => {
  it('is refused shorter than a whole send with its retries and the fence’s margin, saying why', () => {
    expect(SMS_RESEND_AFTER_MIN_MS).toBeGreaterThanOrEqual(SMS_SEND_WORST_MS + SMS_TRY_MARGIN_MS);
    expect(() => loadConfig({ SMS_RESEND_AFTER_MS: '15000' })).toThrow(
      /^Invalid SMS_RESEND_AFTER_MS: must be an integer from 32500 to 3600000 \(got "15000"\): a resume must wait longer than a send with its retries/,
    );
    expect(loadConfig({ SMS_RESEND_AFTER_MS: String(SMS_RESEND_AFTER_MIN_MS) }).smsResendAfterMs).toBe(
      SMS_RESEND_AFTER_MIN_MS,
    );
  });
});
