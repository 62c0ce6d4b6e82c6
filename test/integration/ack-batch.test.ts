import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import { handler as ackTimeout } from '../../functions/ack-timeout';
import { createLambdaContext } from '../../infra/local/gateway/lambda-context';
import { TwilioSmsProvider } from '../../shared/adapters/twilio-sms';
import type { Deps } from '../../shared/core/ports';
import type { MessageRecord } from '../../shared/core/types';
import { runAckChecks } from '../../shared/runtime/ack-batch';
import { injectDeps } from '../../shared/runtime/deps';
import { withDeliveryReports } from '../../shared/runtime/sms-reports';
import { sqsEvent } from '../support/events';
import { AUTH_TOKEN, PUBLIC_URL, startHarness, type Harness } from '../support/harness';
import { signUp } from '../support/users';

/**
 * Issue 14, item 9: a delivery-check batch with a provider that never answers, through the real Twilio transport
 * (its own request timeout) against a local server that takes each request and never replies, and the real
 * DynamoDB adapter on dynalite. The batch must answer before the invocation's deadline, name the checks it did
 * not finish, and a later run must complete them without sending anything twice.
 */

/** Accepts requests and never answers them. */
async function hangingServer() {
  const held: IncomingMessage[] = [];
  const bodies: string[] = [];
  const server: Server = createServer((req) => {
    held.push(req);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => bodies.push(Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    bodies,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** A Lambda context whose remaining time ends at `deadline` (epoch ms), as Lambda's does. */
function contextUntil(deadline: number): Context {
  return { ...createLambdaContext('ack-timeout'), getRemainingTimeInMillis: () => deadline - Date.now() };
}

describe('the delivery-check batch with a provider that never answers', () => {
  let h: Harness;
  let hang: Awaited<ReturnType<typeof hangingServer>>;
  beforeAll(async () => {
    h = await startHarness();
    hang = await hangingServer();
  });
  afterAll(async () => {
    await hang.close();
    await h.stop();
  });

  it('answers before the deadline with the unfinished checks, and a later run completes them once', async () => {
    const alice = await signUp(h, '+17185550301');
    const bob = await signUp(h, '+17185550302');
    const now = Date.now();
    const ids = Array.from({ length: 10 }, (_, i) => `batch-${i}`);
    for (const id of ids) {
      const message: MessageRecord = {
        id,
        from: alice.imNumber,
        fromName: alice.name,
        to: bob.imNumber,
        text: `text ${id}`,
        via: 'im',
        path: ['im'],
        status: 'accepted',
        sentAt: now,
        updatedAt: now,
      };
      expect(await h.deps.messages.putMessage(message)).toBe('created');
    }
    const hung: Deps = {
      ...h.deps,
      sms: withDeliveryReports(
        new TwilioSmsProvider({
          accountSid: h.deps.secrets.twilioAccountSid,
          authToken: AUTH_TOKEN,
          baseUrl: hang.url,
          timeoutMs: 225,
          lookupTimeoutMs: 225,
        }),
        PUBLIC_URL,
      ),
    };
    const event = sqsEvent(ids.map((messageId) => ({ messageId })));
    const recordOf = new Map(event.Records.map((r, i) => [r.messageId, ids[i]]));

    // Each check takes ≥ 225 ms (a try the hung provider does not answer, left to the message's resume: no lookup
    // at once) and gets 1 s of budget; 2 at a time, starting only while 1 s still fits before the 2.1 s of usable
    // time: some checks cannot start.
    const deadline = Date.now() + 2_600;
    const limits = { concurrency: 2, recordBudgetMs: 1_000, reserveMs: 500 };
    const first = await runAckChecks(
      hung,
      event.Records,
      contextUntil(deadline).getRemainingTimeInMillis,
      limits,
    );
    expect(Date.now()).toBeLessThanOrEqual(deadline);

    const unfinished = first.batchItemFailures.map((f) => recordOf.get(f.itemIdentifier)!);
    expect(unfinished.length).toBeGreaterThanOrEqual(1);
    expect(unfinished.length).toBeLessThan(ids.length);
    const started = ids.filter((id) => !unfinished.includes(id));
    // Every check it reported done tried the hung provider once, could not learn whether it took the SMS, and so
    // sent nothing more: the message stays sending_sms for its resume, which asks first.
    for (const id of started) {
      expect(await h.deps.messages.getMessage(id)).toMatchObject({ status: 'sending_sms' });
    }
    expect(h.sms.inbox(bob.phone).filter((m) => m.statusCallbackUrl)).toEqual([]);
    // The ones it did not finish are as they were (never claimed), or were claimed and cut at the deadline.
    for (const id of unfinished) {
      expect(['accepted', 'sending_sms', 'failed']).toContain((await h.deps.messages.getMessage(id))!.status);
    }

    // SQS redelivers the unfinished records after the visibility timeout (longer than the resend grace, so a
    // claim cut at the deadline is resumed), with the provider answering again; then the whole batch once more,
    // as at-least-once delivery may.
    h.advance(h.deps.config.smsResendAfterMs);
    injectDeps(h.deps);
    const later = await ackTimeout(
      {
        Records: event.Records.filter((r) =>
          first.batchItemFailures.some((f) => f.itemIdentifier === r.messageId),
        ),
      },
      createLambdaContext('ack-timeout', 30_000),
    );
    expect(later.batchItemFailures).toEqual([]);
    const again = await ackTimeout(event, createLambdaContext('ack-timeout', 30_000));
    expect(again.batchItemFailures).toEqual([]);

    const sentFor = (id: string) =>
      h.sms.inbox(bob.phone).filter((m) => m.body.includes(`text ${id}`)).length;
    // The provider (answering again) never had any of them: each goes once now, or ended failed.
    for (const id of ids) {
      const m = (await h.deps.messages.getMessage(id))!;
      // A claim cut at the deadline may have ended failed in the background before the redelivery.
      if (m.status === 'failed') expect(sentFor(id)).toBe(0);
      else {
        expect(m.status).toBe('sent_sms');
        expect(sentFor(id)).toBe(1);
      }
    }
    expect(h.sms.inbox(bob.phone).length).toBeGreaterThan(0);
  });

  it('starts nothing when even one check no longer fits, and names every record', async () => {
    const event = sqsEvent([{ messageId: 'none-1' }, { messageId: 'none-2' }]);
    const result = await ackTimeout(event, contextUntil(Date.now() + 5_000));
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      event.Records.map((r) => r.messageId),
    );
  });
});
