import { messageIdFor } from '../../shared/core/ids';
import { answer, eventually, http, type E2eUser } from '../support/e2e-client';
import { chatOf, connect, signUp, startChaosStack, statuses, type ChaosStack } from './support/chaos-stack';
import type { RestPlan } from './support/outside-sandbox';
import { crashes, findLeaks, marker } from './support/privacy';

/**
 * The SMS provider failing, through the local stack: the app's Twilio REST client talks to a sandbox whose answers the
 * test scripts per recipient. (Timeouts take the SDK client's 5 s each, so they are in provider-timeouts.chaos.ts.)
 */

let cs: ChaosStack;
let alice: E2eUser;
beforeAll(async () => {
  cs = await startChaosStack({ outsideSandbox: true, env: { ACK_TIMEOUT_MS: '800' } });
  alice = await signUp(cs.base, cs.phones, cs.secrets, '+14155550701', 'alice');
});
afterAll(() => cs.stop());

let n = 710;
const newUser = () => signUp(cs.base, cs.phones, cs.secrets, `+1415555${String(++n).padStart(4, '0')}`);
const text = (t: string) => cs.secrets.text(`${t} ${marker()}`);
const fail = (status: number): RestPlan => ({ kind: 'fail', status });

/** The provider answers creates for `phone` as scripted, in order; then it works again. */
function script(phone: string, plans: RestPlan[]): { calls: () => number } {
  let calls = 0;
  cs.sandbox!.plan = (call) => {
    if (call.to !== phone) return { kind: 'pass' };
    calls++;
    return plans.shift() ?? { kind: 'pass' };
  };
  return { calls: () => calls };
}
afterEach(() => {
  cs.sandbox!.plan = () => ({ kind: 'pass' });
});

describe('the provider answers 5xx or 429', () => {
  it.each([
    ['503, 503', [fail(503), fail(503)]],
    ['429', [fail(429)]],
  ])('after %s the retry goes through: one SMS, receipts up to delivered_sms', async (_label, plans) => {
    const bob = await newUser();
    const a = await connect(cs, alice);
    const provider = script(bob.phone, [...plans]);
    const clientId = `ok-${n}`;

    a.send({ action: 'sendMessage', to: bob.imNumber, text: text('retried'), clientId });
    await a.waitFor((f) => f.clientId === clientId && f.status === 'delivered_sms');

    expect(provider.calls()).toBe(plans.length + 1);
    expect((await chatOf(cs.phones, bob.phone)).length).toBe(1);
    expect(statuses(a, clientId)).toEqual(['accepted', 'sent_sms', 'delivered_sms']);
  });

  it('after 3 failures the sender gets failed (provider_error) and the message is kept', async () => {
    const bob = await newUser();
    const a = await connect(cs, alice);
    const provider = script(bob.phone, [fail(503), fail(503), fail(503)]);
    const body = text('kept');

    a.send({ action: 'sendMessage', to: bob.imNumber, text: body, clientId: 'kept-1' });
    const failed = await a.waitFor((f) => f.clientId === 'kept-1' && f.status === 'failed');

    expect(failed).toMatchObject({ reason: 'provider_error', path: ['sms'] });
    expect(provider.calls()).toBe(3);
    expect(await chatOf(cs.phones, bob.phone)).toEqual([]);
    expect(await cs.store.messages.getMessage(messageIdFor('im', alice.imNumber, 'kept-1'))).toMatchObject({
      status: 'failed',
      reason: 'provider_error',
      text: body,
    });
    // Resending the same clientId tells where it stands, and sends nothing again.
    a.send({ action: 'sendMessage', to: bob.imNumber, text: body, clientId: 'kept-1' });
    await eventually(() => (statuses(a, 'kept-1').length === 3 ? true : undefined));
    expect(statuses(a, 'kept-1')).toEqual(['accepted', 'failed', 'failed']);
    expect(provider.calls()).toBe(3);
  });

  it('a permanent refusal (400) is not retried: failed at once', async () => {
    const bob = await newUser();
    const a = await connect(cs, alice);
    const provider = script(bob.phone, [fail(400)]);

    a.send({ action: 'sendMessage', to: bob.imNumber, text: text('refused'), clientId: 'perm-1' });
    const failed = await a.waitFor((f) => f.clientId === 'perm-1' && f.status === 'failed');

    expect(failed.reason).toBe('provider_error');
    expect(provider.calls()).toBe(1);
  });

  it('the SMS fallback after an ack timeout fails the same way, with the path im → sms', async () => {
    const bob = await newUser();
    const [a, b] = [await connect(cs, alice), await connect(cs, bob)];
    b.autoAck = false;
    const provider = script(bob.phone, [fail(503), fail(503), fail(503)]);

    a.send({ action: 'sendMessage', to: bob.imNumber, text: text('fallback'), clientId: 'fb-1' });
    const failed = await a.waitFor((f) => f.clientId === 'fb-1' && f.status === 'failed');

    expect(failed).toMatchObject({ reason: 'provider_error', path: ['im', 'sms'] });
    expect(b.of('message')).toHaveLength(1);
    expect(provider.calls()).toBe(3);
  });

  it('a code that cannot be sent is a 503 sms_failed, in the error shape', async () => {
    const phone = cs.secrets.phone('+14155550799');
    script(phone, [fail(503), fail(503), fail(503)]);

    const res = await http(cs.base, 'POST', '/auth/start', { phone });

    expect(res.status).toBe(503);
    expect(res.json).toEqual({ error: { code: 'sms_failed', message: expect.any(String) } });
  });
});

describe('the provider never answers a create (it hangs) and its Messages list finds nothing', () => {
  // The create may still be under way at the provider, where a list cannot see it yet: not one more copy.
  const hang: RestPlan = { kind: 'hang', accept: false };

  it('an invitation is sent once, answered sms_failed ("may not have been sent"), and kept pending', async () => {
    const a = await connect(cs, alice);
    const phone = cs.secrets.phone('+16505550791');
    const provider = script(phone, [hang, hang, hang]);

    const first = await answer(a.api.invite({ phone, name: 'Hal' }));

    expect(first).toMatchObject({ type: 'error', code: 'sms_failed' });
    expect(first.message).toContain('may not have been sent');
    expect(provider.calls()).toBe(1);
    // Kept pending: the phone may have the text and may answer it; it is not invited twice meanwhile.
    expect(await answer(a.api.invite({ phone, name: 'Hal' }))).toMatchObject({
      type: 'error',
      code: 'invitation_pending',
    });
    expect(provider.calls()).toBe(1);
  });

  it('a sign-in code is sent once, then 503 sms_failed', async () => {
    const phone = cs.secrets.phone('+14155550798');
    const provider = script(phone, [hang, hang, hang]);

    const res = await http(cs.base, 'POST', '/auth/start', { phone });

    expect(res.status).toBe(503);
    expect(res.json).toEqual({ error: { code: 'sms_failed', message: expect.any(String) } });
    expect(provider.calls()).toBe(1);
  });
});

describe('the run', () => {
  it('logged no phone number, code or message text, and no handler crashed', () => {
    expect(cs.logs.length).toBeGreaterThan(50);
    expect(findLeaks(cs.logs, cs.secrets)).toEqual([]);
    expect(crashes(cs.logs)).toEqual([]);
  });
});
