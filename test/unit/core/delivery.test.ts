import { SmsSendError } from '../../../shared/core/ports';
import { acknowledge } from '../../../shared/core/delivery/ack';
import { MAX_RESENDS } from '../../../shared/core/delivery/ack-timeout';
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
    const spent = { ...stuck, id: 'm-spent', resends: MAX_RESENDS, updatedAt: 0 };
    await w.stores.messages.putMessage(spent);
    w.ack.scheduled.push({ messageId: spent.id, delayMs: 0 });
    await w.fireAckChecks();
    expect(await w.stores.messages.getMessage(spent.id)).toMatchObject({
      status: 'failed',
      reason: 'provider_error',
    });
  });
});

describe('the SMS leg', () => {
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
