import { SmsSendError, type SmsRequest } from '../../../shared/core/ports';
import { clearForSms, type ClearedPhone } from '../../../shared/core/im-sms/outbound';
import { sendSmsWithRetry, SMS_RETRY_DELAYS_MS } from '../../../shared/core/im-sms/send';
import { WEBHOOK_SMS_BUDGET_MS } from '../../../shared/core/im-sms/deadlines';
import { startAuth } from '../../../shared/core/provisioning/sign-in';
import { acceptInvitation, invite } from '../../../shared/core/invitations/invite';
import { onDialEnded } from '../../../shared/core/ivr/call';
import { receiveSms } from '../../../shared/core/im-sms/receive';
import { coreWorld, SERVICE_NUMBERS, type CoreWorld } from '../../support/core-deps';

/**
 * The deadline of an SMS sent inside a request (docs/reliability.md, "Deadlines of SMS sent inside a request"), on
 * a fake clock: a provider whose creates take simulated time, so the tries made within the deadline are counted.
 */

let w: CoreWorld;
beforeEach(() => {
  w = coreWorld();
});

/**
 * The provider slow and failing, as Twilio under trouble: each create takes `tryMs` of the clock and then answers
 * `status` (a 5xx); a create whose `notAfter` comes first is abandoned then, unanswered. Lookups take `lookupMs`
 * (abandoned at their `notAfter`) and find nothing.
 */
function slowProvider(tryMs: number, opts: { lookupMs?: number; status?: number } = {}) {
  const creates: Array<{ at: number; notAfter?: number }> = [];
  const lookups: Array<{ at: number; notAfter?: number }> = [];
  w.deps.sms = {
    name: 'slow',
    send: async (request: SmsRequest) => {
      const at = w.clock.now();
      if (request.notAfter !== undefined && at >= request.notAfter)
        throw new SmsSendError('past its deadline', true, 'past_deadline');
      creates.push({ at, notAfter: request.notAfter });
      if (request.notAfter !== undefined && request.notAfter < at + tryMs) {
        w.clock.advance(request.notAfter - at);
        throw new SmsSendError('abandoned at its deadline', true, undefined, true);
      }
      w.clock.advance(tryMs);
      throw new SmsSendError(`answered ${opts.status ?? 503}`, true, opts.status ?? 503);
    },
    find: async (request: SmsRequest) => {
      const at = w.clock.now();
      lookups.push({ at, notAfter: request.notAfter });
      const took = opts.lookupMs ?? 0;
      if (request.notAfter !== undefined && request.notAfter < at + took) {
        w.clock.advance(request.notAfter - at);
        throw new SmsSendError('lookup abandoned at its deadline', true);
      }
      w.clock.advance(took);
      return null;
    },
  };
  return { creates, lookups };
}

const PHONE = '+14155550123';
const cleared = async (phone = PHONE): Promise<ClearedPhone> => {
  const gate = await clearForSms(w.deps, phone, 'message');
  if (!gate.ok) throw new Error('not cleared');
  return gate.to;
};
const request = async () => ({ from: SERVICE_NUMBERS[0], to: await cleared(), body: 'hello' });
const events = (name: string) => w.logs.filter((l) => l.event === name);

describe('sendSmsWithRetry with a deadline', () => {
  it('without one, a slow failing provider takes its three tries (the fault the deadline bounds)', async () => {
    const provider = slowProvider(4_500);
    const start = w.clock.now();

    await expect(sendSmsWithRetry(w.deps, await request(), 'ref')).rejects.toThrow('answered 503');

    expect(provider.creates).toHaveLength(3);
    expect(w.clock.now() - start).toBeGreaterThanOrEqual(15_000);
  });

  it('4.5 s tries answered 503: the second is abandoned at the deadline, the outcome unknown, nothing later', async () => {
    const provider = slowProvider(4_500);
    const deadline = w.clock.now() + WEBHOOK_SMS_BUDGET_MS;

    const outcome = await sendSmsWithRetry(w.deps, await request(), 'ref', { deadline });

    // The first try may have been taken (a 5xx can be), the lookup said it was not, the second got no answer.
    expect(outcome).toBe('unknown');
    expect(provider.creates).toHaveLength(2);
    expect(provider.creates.every((c) => c.notAfter === deadline)).toBe(true);
    expect(w.clock.now()).toBeLessThanOrEqual(deadline);
  });

  it('takes the request deadline from deps.smsDeadline (what a webhook or API wrapper sets)', async () => {
    const provider = slowProvider(4_500);
    w.deps.smsDeadline = w.clock.now() + WEBHOOK_SMS_BUDGET_MS;

    expect(await sendSmsWithRetry(w.deps, await request(), 'ref')).toBe('unknown');
    expect(provider.creates).toHaveLength(2);
    expect(w.clock.now()).toBeLessThanOrEqual(w.deps.smsDeadline);
  });

  it('no backoff starts that would end past the deadline: a try that may have been taken leaves it unknown', async () => {
    const provider = slowProvider(0);
    const deadline = w.clock.now() + SMS_RETRY_DELAYS_MS[0] + 100;

    expect(await sendSmsWithRetry(w.deps, await request(), 'ref', { deadline })).toBe('unknown');

    // Try 1 at once, its backoff and lookup, try 2 at 250 ms; the 1 s backoff would end past the deadline.
    expect(provider.creates).toHaveLength(2);
    expect(provider.lookups).toHaveLength(1);
    expect(events('sms.answer_deadline')).toEqual([
      expect.objectContaining({ ref: 'ref', attempt: 2, step: 'backoff', outcome: 'unknown' }),
    ]);
    expect(w.clock.now()).toBeLessThanOrEqual(deadline);
  });

  it('a lookup is bounded by the deadline, and one it cuts short leaves the outcome unknown', async () => {
    const provider = slowProvider(1_000, { lookupMs: 10_000 });
    const deadline = w.clock.now() + 3_000;

    expect(await sendSmsWithRetry(w.deps, await request(), 'ref', { deadline })).toBe('unknown');

    expect(provider.creates).toHaveLength(1);
    expect(provider.lookups).toEqual([{ at: expect.any(Number), notAfter: deadline }]);
    expect(w.clock.now()).toBe(deadline);
  });

  it('no try could start: throws a retryable past_deadline, nothing sent', async () => {
    const provider = slowProvider(100);
    const deadline = w.clock.now();

    await expect(sendSmsWithRetry(w.deps, await request(), 'ref', { deadline })).rejects.toMatchObject({
      retryable: true,
      providerCode: 'past_deadline',
    });
    expect(provider.creates).toEqual([]);
    expect(events('sms.answer_deadline')).toEqual([
      expect.objectContaining({ attempt: 0, step: 'try', outcome: 'not_sent' }),
    ]);
  });

  it('every try proven not taken: the last error, as without a deadline (nothing went)', async () => {
    // Tries fail at once and each lookup says "not taken"; the deadline comes during the third try's backoff.
    const provider = slowProvider(0);
    const deadline = w.clock.now() + SMS_RETRY_DELAYS_MS[0] + SMS_RETRY_DELAYS_MS[1] + 100;
    w.deps.sms.send = async (r) => {
      provider.creates.push({ at: w.clock.now(), notAfter: r.notAfter });
      // Refused before it was sent: takes nothing.
      throw new SmsSendError('throttled before sending', true, 'past_deadline');
    };

    await expect(sendSmsWithRetry(w.deps, await request(), 'ref', { deadline })).rejects.toThrow(
      'throttled before sending',
    );
    expect(provider.creates.length).toBeLessThanOrEqual(3);
    expect(events('sms.answer_deadline')).toEqual([expect.objectContaining({ outcome: 'not_sent' })]);
  });

  it('a resumable send (a message) always ends unknown at the deadline, for its resume to ask first', async () => {
    slowProvider(100);
    const deadline = w.clock.now();

    expect(await sendSmsWithRetry(w.deps, await request(), 'm1', { deadline, resumable: true })).toBe(
      'unknown',
    );
    expect(events('sms.left_to_resume')).toHaveLength(1);
  });

  it('an earlier deadline in the options wins over the request’s', async () => {
    const provider = slowProvider(4_500);
    w.deps.smsDeadline = w.clock.now() + 60_000;
    const deadline = w.clock.now() + 1_000;

    expect(await sendSmsWithRetry(w.deps, await request(), 'ref', { deadline })).toBe('unknown');
    expect(provider.creates).toHaveLength(1);
    expect(w.clock.now()).toBe(deadline);
  });
});

describe('every SMS sent inside a webhook ends by its deadline, with its path’s unknown-outcome answer', () => {
  beforeEach(() => {
    slowProvider(4_500);
  });
  const inWebhook = () => {
    w.deps.smsDeadline = w.clock.now() + WEBHOOK_SMS_BUDGET_MS;
    return w.deps.smsDeadline;
  };

  it('INVITE by SMS: "may not have gone out" (not "Not sent"), the invitation kept pending', async () => {
    const inviter = await w.user({ phone: '+14155550111' });
    const deadline = inWebhook();

    const result = await receiveSms(w.deps, {
      messageSid: 'SM1',
      from: inviter.phone,
      to: SERVICE_NUMBERS[0],
      body: 'INVITE +14155550122 Ivy',
    });

    expect(result.reply).toContain('Your invitation to Ivy may not have gone out');
    expect(result.reply).not.toContain('Not sent');
    expect(w.clock.now()).toBeLessThanOrEqual(deadline);
    expect(await w.deps.invitations.getInvitation('+14155550122')).toMatchObject({ status: 'pending' });
  });

  it('YES: the acceptance is stored and the welcome reply comes back; the inviter’s SMS is not retried later', async () => {
    const inviter = await w.user({ phone: '+14155550111' });
    w.deps.sms = { name: 'ok', send: async () => ({ sid: 'SM' + '1'.repeat(32) }) };
    await invite(w.deps, inviter, { phone: '+14155550133', name: 'Dana' });
    const provider = slowProvider(4_500);
    const invitation = (await w.deps.invitations.getInvitation('+14155550133'))!;
    const deadline = inWebhook();

    const reply = await acceptInvitation(w.deps, invitation);

    expect(reply).toContain('are now contacts');
    expect(w.clock.now()).toBeLessThanOrEqual(deadline);
    expect(provider.creates).toHaveLength(2);
    expect(w.ack.scheduled).toEqual([]);
  });

  it('the missed-call note: the message is left to its delivery check (which asks the provider first)', async () => {
    const caller = await w.user({ phone: '+14155550111' });
    const callee = await w.user({ phone: '+14155550144' });
    const deadline = inWebhook();

    const answer = await onDialEnded(w.deps, {
      callSid: 'CA' + 'a'.repeat(32),
      caller: caller.imNumber,
      callee: callee.imNumber,
      status: 'no-answer',
    });

    expect(answer.kind).toBe('end');
    expect(w.clock.now()).toBeLessThanOrEqual(deadline);
    const [note] = [...w.stores.table.messages.values()];
    expect(note).toMatchObject({ status: 'sending_sms' });
    expect(events('sms.outcome_unknown')).toHaveLength(1);
  });

  it('a sign-in code (an API call, 15 s budget): 503 sms_failed within it', async () => {
    w.deps.smsDeadline = w.clock.now() + 15_000;

    await expect(startAuth(w.deps, { phone: PHONE, sourceIp: '198.51.100.7' })).rejects.toMatchObject({
      code: 'sms_failed',
    });
    expect(w.clock.now()).toBeLessThanOrEqual(w.deps.smsDeadline);
  });
});
