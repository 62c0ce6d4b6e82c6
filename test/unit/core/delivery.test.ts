import { SmsSendError } from '../../../shared/core/ports';
import { acknowledge } from '../../../shared/core/delivery/ack';
import { MAX_FAILED_LOOKUPS, MAX_RESENDS, onAckTimeout } from '../../../shared/core/delivery/ack-timeout';
import { INITIAL_WAIT_MS } from '../../../shared/core/delivery/ack-wait';
import { HANDSHAKE_WINDOW_MS } from '../../../shared/core/delivery/push';
import { sendInstantMessage } from '../../../shared/core/delivery/send-im';
import { onSmsReport } from '../../../shared/core/delivery/sms-report';
import { LogEvent } from '../../../shared/core/log-events';
import { coreWorld, SERVICE_NUMBERS, type CoreWorld } from '../../support/core-deps';

/**
 * The delivery state machine on in-memory ports: judgement, push, receipts, the ack timeout and its SMS
 * fallback, delivery reports, resumes. The same paths run through the real handlers against dynalite in
 * test/integration/routing.test.ts.
 */
let w: CoreWorld;
beforeEach(() => {
  w = coreWorld();
});

const A1 = 'conn-alice';
const B1 = 'conn-bob';

async function pair(opts: { bobOnline?: boolean; bob?: Parameters<CoreWorld['user']>[0] } = {}) {
  const alice = await w.user({ connectionId: A1 });
  const bob = await w.user({ ...(opts.bobOnline === false ? {} : { connectionId: B1 }), ...opts.bob });
  const sender = { imNumber: alice.imNumber, name: alice.name, connectionId: A1 };
  return { alice, bob, sender };
}

const receipts = (conn = A1) => w.im.eventsOf(conn, 'receipt').map((r) => r.message.status);
const only = async () => {
  const [m] = [...w.stores.table.messages.values()];
  return m;
};

describe('judgement and the IM leg', () => {
  it('pushes to an online recipient, and the ack makes it delivered', async () => {
    const { bob, sender } = await pair();
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c1' });
    const [pushed] = w.im.eventsOf(B1, 'message');
    expect(pushed.message).toMatchObject({ from: sender.imNumber, to: bob.imNumber, text: 'hi', via: 'im' });
    expect(receipts()).toEqual(['accepted']);
    await acknowledge(w.deps, bob.imNumber, pushed.message.id);
    expect(receipts()).toEqual(['accepted', 'delivered']);
    expect(await only()).toMatchObject({ status: 'delivered', path: ['im'] });
    expect(w.sms.sent).toEqual([]);
  });

  it('goes by SMS to a recipient in manual offline mode, with the sender line and a delivery report ref', async () => {
    const { bob, sender, alice } = await pair({ bob: { mode: 'offline' } });
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c1' });
    expect(w.im.eventsOf(B1, 'message')).toEqual([]);
    const m = await only();
    expect(w.sms.inbox(bob.phone)).toEqual([
      expect.objectContaining({
        from: SERVICE_NUMBERS[0],
        body: `${alice.name} @${alice.imNumber}: hi`,
        reportRef: m.id,
      }),
    ]);
    expect(receipts()).toEqual(['accepted', 'sent_sms']);
    expect(m).toMatchObject({ status: 'sent_sms', path: ['sms'], sms: { segments: 1, encoding: 'GSM-7' } });
  });

  it('goes by SMS when every connection has expired (a lost disconnect)', async () => {
    const { bob, sender } = await pair();
    w.clock.advance(600_001);
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c1' });
    expect(w.sms.inbox(bob.phone)).toHaveLength(1);
  });

  it('falls back to SMS at once when every push finds the connection gone, and forgets it', async () => {
    const { bob, sender } = await pair();
    w.im.gone.add(B1);
    // Past its handshake: a younger Gone connection is kept (push-handshake.test.ts).
    w.clock.advance(HANDSHAKE_WINDOW_MS);
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c1' });
    expect(await only()).toMatchObject({ status: 'sent_sms', path: ['im', 'sms'] });
    expect((await w.stores.logins.getRecipient(bob.imNumber))!.connections).toEqual([]);
  });

  it('falls back to SMS at once when the only push fails, and logs the failure', async () => {
    const { bob, sender } = await pair();
    w.im.failing.add(B1);
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c1' });
    expect(await only()).toMatchObject({ status: 'sent_sms', path: ['im', 'sms'] });
    expect(w.logs.some((l) => l.event === LogEvent.ImPushFailed)).toBe(true);
  });
});

describe('the ack timeout', () => {
  it('sends an unacknowledged push as SMS, once however often the check fires', async () => {
    const { bob, sender } = await pair();
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c1' });
    const [{ messageId, delayMs }] = w.ack.scheduled;
    // A connection that has acked nothing yet: the initial wait (ack-wait.test.ts has the rule).
    expect(delayMs).toBe(INITIAL_WAIT_MS);
    await w.fireAckChecks();
    w.ack.scheduled.push({ messageId, delayMs: 0 });
    await w.fireAckChecks();
    expect(w.sms.inbox(bob.phone)).toHaveLength(1);
    expect(receipts()).toEqual(['accepted', 'sent_sms']);
    expect(await only()).toMatchObject({ status: 'sent_sms', path: ['im', 'sms'] });
  });

  it('a check whose eventual read misses the stored message reads it again strongly, and still falls back', async () => {
    const { bob, sender } = await pair();
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c1' });
    const get = w.deps.messages.getMessage.bind(w.deps.messages);
    const reads: Array<boolean | undefined> = [];
    // A replica that has not seen the write yet: the eventual read finds nothing.
    w.deps.messages.getMessage = async (id, opts) => {
      reads.push(opts?.consistent);
      return opts?.consistent === false ? null : get(id, opts);
    };
    await w.fireAckChecks();
    expect(reads.slice(0, 2)).toEqual([false, undefined]);
    expect(w.sms.inbox(bob.phone)).toHaveLength(1);
    expect(receipts()).toEqual(['accepted', 'sent_sms']);
  });

  it('sets the check again when the message was stored after its check came due (an overloaded store)', async () => {
    const { bob, sender } = await pair();
    const put = w.deps.messages.putMessage.bind(w.deps.messages);
    // The write takes longer than the ack wait: the check fires before the row exists and finds nothing.
    let slowBy = 0;
    w.deps.messages.putMessage = async (m) => {
      if (slowBy > 0) {
        w.clock.advance(slowBy);
        for (const id of w.ack.due()) await onAckTimeout(w.deps, id);
      }
      return put(m);
    };
    slowBy = w.deps.config.ackTimeoutMs;
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'late', clientId: 'c1' });
    const m = await only();
    expect(m.status).toBe('accepted');
    expect(w.ack.scheduled).toEqual([{ messageId: m.id, delayMs: m.ackWaitMs }]);
    expect(w.logs.filter((l) => l.event === LogEvent.AckCheckRescheduled)).toHaveLength(1);
    // That check is the one that falls back.
    await w.fireAckChecks();
    expect(w.sms.inbox(bob.phone)).toHaveLength(1);
    expect(receipts()).toEqual(['accepted', 'sent_sms']);
    // A write well inside the wait sets no second check.
    slowBy = 0;
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'quick', clientId: 'c2' });
    expect(w.ack.scheduled).toHaveLength(1);
    expect(w.logs.filter((l) => l.event === LogEvent.AckCheckRescheduled)).toHaveLength(1);
  });

  it('ignores an ack that comes after the fallback', async () => {
    const { bob, sender } = await pair();
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c1' });
    await w.fireAckChecks();
    await acknowledge(w.deps, bob.imNumber, (await only()).id);
    expect((await only()).status).toBe('sent_sms');
    expect(w.logs.some((l) => l.event === LogEvent.MessageAckIgnored)).toBe(true);
  });

  it('refuses an ack of a message sent to someone else', async () => {
    const { bob, sender, alice } = await pair();
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c1' });
    await expect(acknowledge(w.deps, alice.imNumber, (await only()).id)).rejects.toMatchObject({
      code: 'unknown_message',
    });
    expect((await only()).status).toBe('accepted');
  });

  it('resumes an SMS send a crash interrupted, after the grace period, and gives up after MAX_RESENDS', async () => {
    const { bob, sender } = await pair({ bob: { mode: 'offline' } });
    w.sms.failNext = [new SmsSendError('down', false)];
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c1' });
    const m = await only();
    expect(m).toMatchObject({ status: 'failed', reason: 'provider_error' });
    // A crash mid-send leaves `sending_sms`: simulate it on a second message.
    const stuck = { ...m, id: 'm-stuck', status: 'sending_sms' as const, reason: undefined, resends: 0 };
    await w.stores.messages.putMessage(stuck);
    w.ack.scheduled.push({ messageId: stuck.id, delayMs: 0 });
    await w.fireAckChecks();
    expect(w.ack.scheduled).toEqual([{ messageId: stuck.id, delayMs: w.deps.config.smsResendAfterMs }]);
    w.clock.advance(w.deps.config.smsResendAfterMs);
    await w.fireAckChecks();
    expect(await w.stores.messages.getMessage(stuck.id)).toMatchObject({ status: 'sent_sms', resends: 1 });
    // No try left: a last look at the provider, sending nothing. It has none: failed.
    const spent = { ...stuck, id: 'm-spent', text: 'never sent', resends: MAX_RESENDS, updatedAt: 0 };
    await w.stores.messages.putMessage(spent);
    w.ack.scheduled.push({ messageId: spent.id, delayMs: 0 });
    const sent = w.sms.sent.length;
    await w.fireAckChecks();
    expect(await w.stores.messages.getMessage(spent.id)).toMatchObject({
      status: 'failed',
      reason: 'provider_error',
      resends: MAX_RESENDS,
    });
    // It has one (the last try's answer was lost): sent_sms with that sid, and nothing sent again.
    const lost = { ...stuck, id: 'm-lost', text: 'taken late', resends: MAX_RESENDS, updatedAt: 0 };
    await w.stores.messages.putMessage(lost);
    await w.deps.sms.send({
      from: SERVICE_NUMBERS[0],
      to: bob.phone,
      body: `${m.fromName} @${m.from}: taken late`,
    });
    w.ack.scheduled.push({ messageId: lost.id, delayMs: 0 });
    await w.fireAckChecks();
    expect(await w.stores.messages.getMessage(lost.id)).toMatchObject({
      status: 'sent_sms',
      sms: { sid: w.sms.sent[sent].sid },
    });
    expect(w.sms.sent).toHaveLength(sent + 1);
  });
});

describe('the SMS leg', () => {
  it("charges a message to its sender's SMS budget once: its resume after an unanswered try is not charged again", async () => {
    // One SMS a day from alice to bob's phone: the first try spends it.
    w = coreWorld({ SMS_DAILY_PER_PHONE: '1' });
    const { bob, sender } = await pair({ bob: { mode: 'offline' } });
    // The first try gets no answer (a timeout) and was not taken: the message is left to its resume.
    w.sms.failNext = [new SmsSendError('timed out', true, undefined, true)];
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c1' });
    expect(await only()).toMatchObject({ status: 'sending_sms' });
    expect(w.sms.sent).toEqual([]);
    w.clock.advance(w.deps.config.smsResendAfterMs);
    await w.fireAckChecks();
    // The resume asked the provider, found nothing, and sent: the one SMS of the day, charged once.
    expect(w.sms.inbox(bob.phone)).toHaveLength(1);
    expect(await only()).toMatchObject({ status: 'sent_sms', resends: 1 });
    expect(w.logs.filter((l) => l.event === LogEvent.SmsBudgetExceeded)).toEqual([]);
    // The budget was spent by that one message: the next is refused.
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'again', clientId: 'c2' });
    const second = [...w.stores.table.messages.values()].find((m) => m.text === 'again');
    expect(second).toMatchObject({ status: 'failed', reason: 'sms_budget' });
  });

  it('retries a retryable provider failure with backoff', async () => {
    const { bob, sender } = await pair({ bobOnline: false });
    w.sms.failNext = [new SmsSendError('503', true), new SmsSendError('503', true)];
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c1' });
    expect(w.sms.inbox(bob.phone)).toHaveLength(1);
    expect(receipts()).toEqual(['accepted', 'sent_sms']);
  });

  it('a provider timeout after the provider took the SMS: the lookup finds it, and nothing goes twice', async () => {
    const { bob, sender } = await pair({ bobOnline: false });
    w.sms.takenOnFailure = true;
    w.sms.failNext = [new SmsSendError('twilio request failed: TimeoutError', true)];
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c1' });
    const [sms] = w.sms.inbox(bob.phone);
    expect(w.sms.inbox(bob.phone)).toHaveLength(1);
    expect(w.sms.finds).toBe(1);
    expect(receipts()).toEqual(['accepted', 'sent_sms']);
    expect(await only()).toMatchObject({ status: 'sent_sms', sms: { sid: sms.sid } });
    expect(w.logs.filter((l) => l.event === LogEvent.SmsFoundAtProvider)).toHaveLength(1);
  });

  it('a timeout the provider did not take: asked, then retried once', async () => {
    const { bob, sender } = await pair({ bobOnline: false });
    w.sms.failNext = [new SmsSendError('twilio request failed: TimeoutError', true)];
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c1' });
    expect(w.sms.inbox(bob.phone)).toHaveLength(1);
    expect(w.sms.finds).toBe(1);
    expect(receipts()).toEqual(['accepted', 'sent_sms']);
  });

  it('when the provider cannot be asked, nothing more is sent; the check resumes later and asks first', async () => {
    const { bob, sender } = await pair({ bobOnline: false });
    w.sms.takenOnFailure = true;
    w.sms.failNext = [new SmsSendError('twilio request failed: TimeoutError', true)];
    w.sms.failNextFind = [new SmsSendError('twilio list failed: TimeoutError', true)];
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c1' });
    const m = await only();
    expect(w.sms.inbox(bob.phone)).toHaveLength(1);
    expect(m.status).toBe('sending_sms');
    expect(receipts()).toEqual(['accepted']);
    expect(w.ack.scheduled).toContainEqual({ messageId: m.id, delayMs: w.deps.config.smsResendAfterMs });
    w.clock.advance(w.deps.config.smsResendAfterMs);
    await w.fireAckChecks();
    expect(w.sms.inbox(bob.phone)).toHaveLength(1);
    expect(await only()).toMatchObject({ status: 'sent_sms', resends: 1, sms: { sid: w.sms.sent[0].sid } });
    expect(receipts()).toEqual(['accepted', 'sent_sms']);
  });

  it('a try that got no answer is left to the delivery check, whose lookup after the grace period finds it', async () => {
    const { bob, sender } = await pair({ bobOnline: false });
    // The create times out and the provider takes it late (a lookup at once could have missed it).
    w.sms.takenOnFailure = true;
    w.sms.failNext = [new SmsSendError('twilio request failed: TimeoutError', true, undefined, true)];
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c1' });
    const m = await only();
    expect(m).toMatchObject({ status: 'sending_sms' });
    expect(w.sms.finds).toBe(0);
    expect(w.logs.filter((l) => l.event === LogEvent.SmsLeftToResume)).toHaveLength(1);
    expect(w.ack.scheduled).toContainEqual({ messageId: m.id, delayMs: w.deps.config.smsResendAfterMs });
    w.clock.advance(w.deps.config.smsResendAfterMs);
    await w.fireAckChecks();
    expect(w.sms.finds).toBe(1);
    expect(w.sms.inbox(bob.phone)).toHaveLength(1);
    expect(await only()).toMatchObject({ status: 'sent_sms', resends: 1, sms: { sid: w.sms.sent[0].sid } });
    expect(receipts()).toEqual(['accepted', 'sent_sms']);
  });

  it('a resume whose lookup fails sends nothing and is no resend; failed lookups have their own bound', async () => {
    const { bob, sender } = await pair({ bobOnline: false });
    // The first try times out (not taken) and the lookup after it fails: the outcome is unknown.
    w.sms.failNext = [new SmsSendError('twilio request failed: TimeoutError', true)];
    const listDown = () => new SmsSendError('twilio list failed: TimeoutError', true);
    w.sms.failNextFind = [listDown()];
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c1' });
    const id = (await only()).id;
    expect(await only()).toMatchObject({ status: 'sending_sms' });
    // The route's own check and the one the unknown outcome set: one stands for both here.
    w.ack.scheduled.splice(0, w.ack.scheduled.length, { messageId: id, delayMs: 0 });
    // More resumes than MAX_RESENDS, each finding the provider's list down: none sends, none counts as a resend.
    for (let i = 1; i <= MAX_RESENDS + 1; i++) {
      w.sms.failNextFind = [listDown()];
      w.clock.advance(w.deps.config.smsResendAfterMs);
      await w.fireAckChecks();
      expect(await only()).toMatchObject({ status: 'sending_sms', resends: 0, failedLookups: i });
      expect(w.ack.scheduled).toEqual([{ messageId: id, delayMs: w.deps.config.smsResendAfterMs }]);
    }
    expect(w.sms.sent).toEqual([]);
    expect(w.logs.filter((l) => l.event === LogEvent.MessageSmsResumeDeferred)).toHaveLength(MAX_RESENDS + 1);
    // The list answers again: not taken, so this resume sends, and it is the first resend.
    w.clock.advance(w.deps.config.smsResendAfterMs);
    await w.fireAckChecks();
    expect(w.sms.inbox(bob.phone)).toHaveLength(1);
    expect(await only()).toMatchObject({ status: 'sent_sms', resends: 1, failedLookups: MAX_RESENDS + 1 });
    expect(receipts()).toEqual(['accepted', 'sent_sms']);
    // A provider that can never be asked: the message fails after MAX_FAILED_LOOKUPS, having sent nothing.
    const stuck = { ...(await only()), id: 'm-unasked', status: 'sending_sms' as const, sms: undefined };
    await w.stores.messages.putMessage({ ...stuck, resends: 0, failedLookups: 0, updatedAt: w.clock.now() });
    w.sms.sent.splice(0);
    w.ack.scheduled.splice(0, w.ack.scheduled.length, { messageId: stuck.id, delayMs: 0 });
    for (let i = 1; i <= MAX_FAILED_LOOKUPS; i++) {
      w.sms.failNextFind = [listDown()];
      w.clock.advance(w.deps.config.smsResendAfterMs);
      await w.fireAckChecks();
    }
    expect(await w.stores.messages.getMessage(stuck.id)).toMatchObject({
      status: 'sending_sms',
      failedLookups: MAX_FAILED_LOOKUPS,
    });
    w.clock.advance(w.deps.config.smsResendAfterMs);
    await w.fireAckChecks();
    expect(await w.stores.messages.getMessage(stuck.id)).toMatchObject({
      status: 'failed',
      reason: 'provider_error',
      resends: 0,
    });
    expect(w.sms.sent).toEqual([]);
  });

  it('a resume asks the provider first: an SMS a crashed send got through is not sent again', async () => {
    const { bob, sender } = await pair({ bobOnline: false });
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c1' });
    const sent = await only();
    // The crash right after the provider took it: the message still says sending_sms, without a sid.
    const stuck = { ...sent, status: 'sending_sms' as const, sms: undefined, updatedAt: w.clock.now() };
    await w.stores.messages.transitionMessage(sent.id, ['sent_sms'], stuck);
    w.ack.scheduled.splice(0);
    w.ack.scheduled.push({ messageId: sent.id, delayMs: 0 });
    w.clock.advance(w.deps.config.smsResendAfterMs);
    await w.fireAckChecks();
    expect(w.sms.inbox(bob.phone)).toHaveLength(1);
    expect(await only()).toMatchObject({ status: 'sent_sms', resends: 1, sms: { sid: w.sms.sent[0].sid } });
  });

  it('fails an opted-out recipient with a reason, sending nothing', async () => {
    const { bob, sender } = await pair({ bobOnline: false, bob: { optedOut: true } });
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c1' });
    expect(w.sms.sent).toEqual([]);
    expect(await only()).toMatchObject({ status: 'failed', reason: 'opted_out' });
    expect(w.im.eventsOf(A1, 'receipt').at(-1)!.message.reason).toBe('opted_out');
  });

  it('fails a recipient in a country not served', async () => {
    const { bob, sender } = await pair({ bobOnline: false, bob: { phone: '+447700900123' } });
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c1' });
    expect(w.sms.sent).toEqual([]);
    expect(await only()).toMatchObject({ status: 'failed', reason: 'country_not_allowed' });
  });

  it('keeps each contact on its own service number thread', async () => {
    const bob = await w.user();
    const alice = await w.user({ connectionId: A1 });
    const carol = await w.user({ connectionId: 'conn-carol' });
    await sendInstantMessage(
      w.deps,
      { ...alice, connectionId: A1 },
      { to: bob.imNumber, text: '1', clientId: 'a' },
    );
    await sendInstantMessage(
      w.deps,
      { ...carol, connectionId: 'conn-carol' },
      { to: bob.imNumber, text: '2', clientId: 'b' },
    );
    await sendInstantMessage(
      w.deps,
      { ...alice, connectionId: A1 },
      { to: bob.imNumber, text: '3', clientId: 'c' },
    );
    expect(w.sms.inbox(bob.phone).map((s) => s.from)).toEqual([
      SERVICE_NUMBERS[0],
      SERVICE_NUMBERS[1],
      SERVICE_NUMBERS[0],
    ]);
    expect((await w.stores.users.getUser(bob.imNumber))!.threads).toEqual({
      [SERVICE_NUMBERS[0]]: { peer: alice.imNumber, at: w.clock.now() },
      [SERVICE_NUMBERS[1]]: { peer: carol.imNumber, at: w.clock.now() },
    });
  });
});

describe('delivery reports', () => {
  it('moves a sent SMS to delivered_sms or failed, forward only', async () => {
    const { bob, sender } = await pair({ bobOnline: false });
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c1' });
    const id = (await only()).id;
    await onSmsReport(w.deps, { messageId: id, outcome: 'delivered', providerStatus: 'delivered' });
    await onSmsReport(w.deps, {
      messageId: id,
      outcome: 'failed',
      providerStatus: 'undelivered',
      errorCode: '30003',
    });
    expect(await only()).toMatchObject({ status: 'delivered_sms' });
    expect(receipts()).toEqual(['accepted', 'sent_sms', 'delivered_sms']);
  });

  it('names the provider status and error code in the failure reason', async () => {
    const { bob, sender } = await pair({ bobOnline: false });
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c1' });
    const id = (await only()).id;
    await onSmsReport(w.deps, {
      messageId: id,
      outcome: 'failed',
      providerStatus: 'undelivered',
      errorCode: '30003',
    });
    expect(await only()).toMatchObject({ status: 'failed', reason: 'sms_undelivered_30003' });
    expect(w.logs).toContainEqual(
      expect.objectContaining({ event: LogEvent.SmsStatus, status: 'undelivered', applied: true }),
    );
  });
});

describe('sending an IM', () => {
  it('refuses a message to yourself: invalid_recipient, nothing stored, pushed, scheduled or texted', async () => {
    const { alice, sender } = await pair();
    await expect(
      sendInstantMessage(w.deps, sender, { to: alice.imNumber, text: 'me', clientId: 'c1' }),
    ).rejects.toMatchObject({ code: 'invalid_recipient', kind: 'invalid' });
    expect(w.stores.table.messages.size).toBe(0);
    expect(w.im.pushed).toEqual([]);
    expect(w.ack.scheduled).toEqual([]);
    expect(w.sms.sent).toEqual([]);
  });

  it('refuses an imNumber nobody has: unknown_recipient', async () => {
    const { sender } = await pair();
    await expect(
      sendInstantMessage(w.deps, sender, { to: '99999999', text: 'x', clientId: 'c1' }),
    ).rejects.toMatchObject({ code: 'unknown_recipient' });
    expect(w.stores.table.messages.size).toBe(0);
  });

  it('does not send a retried clientId again, and answers where the original stands', async () => {
    const { bob, sender } = await pair();
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c1' });
    await sendInstantMessage(
      w.deps,
      { ...sender, connectionId: 'conn-alice-2' },
      { to: bob.imNumber, text: 'hi', clientId: 'c1' },
    );
    expect(w.im.eventsOf(B1, 'message')).toHaveLength(1);
    expect(w.im.eventsOf('conn-alice-2', 'receipt').map((r) => r.message.status)).toEqual(['accepted']);
    expect(w.logs.some((l) => l.event === LogEvent.MessageDuplicate)).toBe(true);
  });
});
