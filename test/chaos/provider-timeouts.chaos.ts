import { TWILIO_REQUEST_TIMEOUT_MS } from '../../shared/adapters/twilio-sms';
import { messageIdFor } from '../../shared/core/ids';
import { SMS_RESEND_AFTER_MIN_MS } from '../../shared/core/delivery/sms-fence';
import { eventually, type E2eUser } from '../support/e2e-client';
import { chatOf, connect, signUp, startChaosStack, statuses, type ChaosStack } from './support/chaos-stack';
import { writeResults } from './support/results';
import { crashes, findLeaks, marker } from './support/privacy';

/**
 * The SMS provider timing out, through the local stack: the Twilio client (shared/adapters/twilio-sms.ts) gives up
 * after 5 s. A create that got no answer may still be under way at the provider, so it is not retried at once: the
 * message's delivery check resumes it after SMS_RESEND_AFTER_MS (32.5 s here, the least it may be), asking the provider's Messages list
 * first, and sends only if the provider has nothing. The sandbox holds the create: either it never takes the SMS
 * (the provider is unreachable), or it takes it and only the answer is late (the provider is slow).
 */

/** The Twilio client's request timeout. */
const CLIENT_TIMEOUT_MS = TWILIO_REQUEST_TIMEOUT_MS;
/** The grace period before a resume: the shortest the configuration takes (shared/core/delivery/sms-fence.ts). */
const RESEND_AFTER_MS = SMS_RESEND_AFTER_MIN_MS;
const results: Array<Record<string, unknown>> = [];

let cs: ChaosStack;
let alice: E2eUser;
beforeAll(async () => {
  cs = await startChaosStack({
    outsideSandbox: true,
    env: { ACK_TIMEOUT_MS: '2000', SMS_RESEND_AFTER_MS: String(RESEND_AFTER_MS) },
  });
  alice = await signUp(cs.base, cs.phones, cs.secrets, '+14155551101', 'alice');
});
afterAll(async () => {
  await cs.stop();
  writeResults('provider-timeouts', { date: new Date().toISOString(), scenarios: results });
});
afterEach(() => {
  cs.sandbox!.plan = () => ({ kind: 'pass' });
});

let n = 1110;
const newUser = () => signUp(cs.base, cs.phones, cs.secrets, `+1415555${String(++n).padStart(4, '0')}`);
const text = (t: string) => cs.secrets.text(`${t} ${marker()}`);

/** Creates for `phone` hang as given (the n-th create gets hangs[n]); others, and later ones, pass. */
function hangFor(phone: string, accepts: boolean[], answerAfterMs?: number) {
  const calls: number[] = [];
  cs.sandbox!.plan = (call) => {
    if (call.to !== phone) return { kind: 'pass' };
    calls.push(call.at);
    const accept = accepts[calls.length - 1];
    return accept === undefined ? { kind: 'pass' } : { kind: 'hang', accept, answerAfterMs };
  };
  return calls;
}

describe('the provider does not answer in time', () => {
  it('unreachable once: the create times out, the resume asks, then sends: one SMS', async () => {
    const bob = await newUser();
    const a = await connect(cs, alice);
    const calls = hangFor(bob.phone, [false]);
    const started = Date.now();

    a.send({ action: 'sendMessage', to: bob.imNumber, text: text('timeout once'), clientId: 't-1' });
    await a.waitFor((f) => f.clientId === 't-1' && f.status === 'delivered_sms', 60_000);

    const sms = await chatOf(cs.phones, bob.phone);
    results.push({
      scenario: 'timeout once',
      providerCalls: calls.length,
      sms: sms.length,
      ms: Date.now() - started,
    });
    expect(calls.length).toBe(2);
    // Not before the grace period, counted from when the message was stored (just before the first create).
    expect(calls[1] - calls[0]).toBeGreaterThanOrEqual(RESEND_AFTER_MS - 1000);
    expect(sms).toHaveLength(1);
    expect(statuses(a, 't-1')).toEqual(['accepted', 'sent_sms', 'delivered_sms']);
  });

  it('unreachable throughout: after the try and 3 resumes timed out, a last look finds nothing: failed (provider_error), the message is kept', async () => {
    const bob = await newUser();
    const a = await connect(cs, alice);
    const calls = hangFor(bob.phone, [false, false, false, false]);
    const body = text('timeout always');
    const started = Date.now();

    a.send({ action: 'sendMessage', to: bob.imNumber, text: body, clientId: 't-2' });
    const failed = await a.waitFor((f) => f.clientId === 't-2' && f.status === 'failed', 150_000);

    results.push({
      scenario: 'timeout always',
      providerCalls: calls.length,
      sms: 0,
      ms: Date.now() - started,
    });
    expect(failed).toMatchObject({ reason: 'provider_error', path: ['sms'] });
    expect(calls.length).toBe(4);
    expect(await chatOf(cs.phones, bob.phone)).toEqual([]);
    expect(await cs.store.messages.getMessage(messageIdFor('im', alice.imNumber, 't-2'))).toMatchObject({
      status: 'failed',
      text: body,
    });
  });

  // The provider took the SMS (and reported it delivered through the status callback) but its answer to the
  // create came after the client's 5 s timeout. Twilio has no idempotency key for Messages, so a blind retry
  // sends it again; the resume now asks the provider's list first (and a status callback for it means the
  // provider has it). (Found by this suite.)
  it('a provider that took the SMS but answered after the timeout does not get it twice', async () => {
    const bob = await newUser();
    const a = await connect(cs, alice);
    const calls = hangFor(bob.phone, [true], CLIENT_TIMEOUT_MS + 2000);
    const started = Date.now();

    a.send({ action: 'sendMessage', to: bob.imNumber, text: text('slow provider'), clientId: 't-3' });
    await eventually(
      () =>
        calls.length >= 2 || Date.now() - started > CLIENT_TIMEOUT_MS + RESEND_AFTER_MS + 3000
          ? true
          : undefined,
      CLIENT_TIMEOUT_MS + RESEND_AFTER_MS + 5000,
    );
    // Its status callbacks (delivered) may come before the resume, which then finds it past sending_sms.
    await eventually(async () => {
      const m = await cs.store.messages.getMessage(messageIdFor('im', alice.imNumber, 't-3'));
      return m && ['sent_sms', 'delivered_sms'].includes(m.status) ? true : undefined;
    }, 20_000);

    const sms = await chatOf(cs.phones, bob.phone);
    results.push({
      scenario: 'accepted, answered late',
      providerCalls: calls.length,
      sms: sms.length,
      receipts: statuses(a, 't-3'),
    });
    expect(sms).toHaveLength(1);
  });
});

describe('the run', () => {
  it('logged no phone number, code or message text, and no handler crashed', () => {
    expect(cs.logs.length).toBeGreaterThan(50);
    expect(findLeaks(cs.logs, cs.secrets)).toEqual([]);
    expect(crashes(cs.logs)).toEqual([]);
  });
});
