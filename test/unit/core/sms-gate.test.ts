import { sendInstantMessage } from '../../../shared/core/delivery/send-im';
import { clearForSms } from '../../../shared/core/im-sms/outbound';
import { receiveSms, REPLIES, REPLY_INTERVAL_SECONDS } from '../../../shared/core/im-sms/receive';
import { LogEvent } from '../../../shared/core/log-events';
import { findOrCreateUser } from '../../../shared/core/provisioning/accounts';
import { startAuth, verifyAuth } from '../../../shared/core/provisioning/sign-in';
import { coreWorld, SERVICE_NUMBERS, type CoreWorld } from '../../support/core-deps';

/**
 * Issue 14, SMS side, on in-memory ports: one opt-out gate for every outbound SMS (item 1), once-only keyword
 * work that a retry of the same MessageSid redoes after a failure (item 2), and service numbers that are never
 * people (item 6).
 */
let w: CoreWorld;
beforeEach(() => {
  w = coreWorld();
});

let sids = 0;
const newSid = () => `SM-gate-${++sids}`;
/** A text as the webhook takes it, then its routing check (due at once) as the durable timer runs it. */
const text = async (from: string, body: string, opts: { to?: string; sid?: string } = {}) => {
  const sms = { messageSid: opts.sid ?? newSid(), from, to: opts.to ?? SERVICE_NUMBERS[0], body };
  const result = await receiveSms(w.deps, sms);
  await w.routeQueued();
  return result;
};
const STRANGER = '+12125550777';

describe('the opt-out gate (item 1)', () => {
  it('after STOP, no reply of any kind goes to the phone until START; START is confirmed', async () => {
    const bob = await w.user();
    expect(await text(bob.phone, 'STOP')).toEqual({ reply: REPLIES.stop });
    // HELP, an unknown recipient, an empty message, an unaddressed text: all withheld.
    expect(await text(bob.phone, 'HELP')).toEqual({});
    expect(await text(bob.phone, 'INFO')).toEqual({});
    expect(await text(bob.phone, '@99999999 anyone?')).toEqual({});
    expect(await text(bob.phone, '@nobodyhere hi')).toEqual({});
    expect(await text(bob.phone, 'no prefix at all')).toEqual({});
    expect(w.logs.filter((l) => l.event === LogEvent.SmsReplyWithheld)).toHaveLength(2);
    expect(await text(bob.phone, 'START')).toEqual({ reply: REPLIES.start });
    expect(await text(bob.phone, 'HELP')).toEqual({ reply: REPLIES.help });
  });

  it('a phone with no account that texted STOP gets no help or error replies either', async () => {
    expect(await text(STRANGER, 'stop')).toEqual({ reply: REPLIES.stop });
    expect(await text(STRANGER, 'hello?')).toEqual({});
    expect(await text(STRANGER, 'help')).toEqual({});
    // The withheld reply spent no reply token: after START, the first unaddressed text is answered.
    expect(await text(STRANGER, 'start')).toEqual({ reply: REPLIES.start });
    expect(await text(STRANGER, 'hello?')).toEqual({ reply: REPLIES.help });
  });

  it('confirms a repeated STOP at most once an hour, so two auto-responders cannot loop', async () => {
    expect(await text(STRANGER, 'STOP')).toEqual({ reply: REPLIES.stop });
    expect(await text(STRANGER, 'STOP')).toEqual({ reply: REPLIES.stop });
    expect(await text(STRANGER, 'STOP')).toEqual({});
    w.clock.advance(REPLY_INTERVAL_SECONDS * 1000);
    expect(await text(STRANGER, 'STOP')).toEqual({ reply: REPLIES.stop });
  });

  it('messages and codes to an opted-out phone are not sent; both go again after START', async () => {
    const alice = await w.user({ connectionId: 'a1' });
    const bob = await w.user();
    await text(bob.phone, 'STOP');
    await sendInstantMessage(
      w.deps,
      { imNumber: alice.imNumber, name: alice.name, connectionId: 'a1' },
      { to: bob.imNumber, text: 'are you there?', clientId: 'c1' },
    );
    await expect(startAuth(w.deps, { phone: bob.phone, sourceIp: '198.51.100.7' })).rejects.toMatchObject({
      code: 'opted_out',
    });
    expect(w.sms.inbox(bob.phone)).toEqual([]);
    expect([...w.stores.table.messages.values()]).toEqual([
      expect.objectContaining({ status: 'failed', reason: 'opted_out' }),
    ]);
    await text(bob.phone, 'START');
    await startAuth(w.deps, { phone: bob.phone, sourceIp: '198.51.100.7' });
    expect(w.sms.inbox(bob.phone)).toHaveLength(1);
  });

  it('clearForSms: refuses an opted-out phone except for the STOP confirmation, and any service number', async () => {
    await w.stores.users.setOptOut(STRANGER, true);
    for (const purpose of ['message', 'code', 'reply', 'invitation', 'start_confirmation'] as const) {
      expect(await clearForSms(w.deps, STRANGER, purpose)).toEqual({ ok: false, reason: 'opted_out' });
    }
    expect(await clearForSms(w.deps, STRANGER, 'stop_confirmation')).toEqual({ ok: true, to: STRANGER });
    expect(await clearForSms(w.deps, '+12125550778', 'invitation')).toEqual({ ok: true, to: '+12125550778' });
    for (const purpose of ['message', 'invitation', 'stop_confirmation'] as const) {
      expect(await clearForSms(w.deps, SERVICE_NUMBERS[1], purpose)).toEqual({
        ok: false,
        reason: 'service_number',
      });
    }
  });
});

/** Makes the next `count` calls of one store method throw, as a store outage would. */
function failNext<T extends object>(store: T, method: keyof T, count = 1): void {
  const original = (store[method] as (...args: unknown[]) => unknown).bind(store);
  let left = count;
  (store as Record<keyof T, unknown>)[method] = (...args: unknown[]) => {
    if (left > 0) {
      left -= 1;
      return Promise.reject(new Error('injected store failure'));
    }
    return original(...args);
  };
}

describe('once-only keyword work, redone on a retry after a failure (item 2)', () => {
  it('a STOP whose opt-out write failed is done when the same MessageSid comes again', async () => {
    const bob = await w.user();
    failNext(w.deps.users, 'setOptOut');
    await expect(text(bob.phone, 'STOP', { sid: 'SM-retry-stop' })).rejects.toThrow('injected');
    expect((await w.stores.users.getPhone(bob.phone))!.optedOut).toBe(false);
    expect(await text(bob.phone, 'STOP', { sid: 'SM-retry-stop' })).toEqual({ reply: REPLIES.stop });
    expect((await w.stores.users.getPhone(bob.phone))!.optedOut).toBe(true);
    await expect(startAuth(w.deps, { phone: bob.phone, sourceIp: '198.51.100.8' })).rejects.toMatchObject({
      code: 'opted_out',
    });
    // Done now: a third delivery of the same sid is a duplicate.
    expect(await text(bob.phone, 'STOP', { sid: 'SM-retry-stop' })).toEqual({});
  });

  it('a failure to record completion releases the claim too, and the retry redoes the work', async () => {
    failNext(w.deps.once, 'complete');
    await expect(text(STRANGER, 'STOP', { sid: 'SM-retry-complete' })).rejects.toThrow('injected');
    expect(await text(STRANGER, 'STOP', { sid: 'SM-retry-complete' })).toEqual({ reply: REPLIES.stop });
  });

  it('a claim whose holder died (no release) is taken over once its lease runs out', async () => {
    failNext(w.deps.users, 'setOptOut');
    failNext(w.deps.once, 'release');
    await expect(text(STRANGER, 'STOP', { sid: 'SM-crashed' })).rejects.toThrow('injected');
    // While the lease is live the sid is busy: refused as unavailable (500), so the provider retries later.
    await expect(text(STRANGER, 'STOP', { sid: 'SM-crashed' })).rejects.toMatchObject({
      kind: 'unavailable',
    });
    w.clock.advance(60_000);
    expect(await text(STRANGER, 'STOP', { sid: 'SM-crashed' })).toEqual({ reply: REPLIES.stop });
    expect(await w.stores.users.getPhone(STRANGER)).toMatchObject({ optedOut: true });
  });

  it('the hourly reply limit is held by the MessageSid that took it: a retry of that sid still gets its reply', async () => {
    expect(await text(STRANGER, 'hello?', { sid: 'SM-reply-1' })).toEqual({ reply: REPLIES.help });
    // The provider retries the same sid (its first answer was lost): the same reply, not a limited one.
    expect(await text(STRANGER, 'hello?', { sid: 'SM-reply-1' })).toEqual({ reply: REPLIES.help });
    expect(await text(STRANGER, 'hello?', { sid: 'SM-reply-2' })).toEqual({});
  });

  it('a routed text whose thread binding failed binds the thread when the same MessageSid comes again', async () => {
    const alice = await w.user();
    const bob = await w.user({ connectionId: 'b1' });
    failNext(w.deps.users, 'setThread');
    await expect(text(alice.phone, `@${bob.imNumber} first`, { sid: 'SM-retry-thread' })).rejects.toThrow(
      'injected',
    );
    expect(await text(alice.phone, `@${bob.imNumber} first`, { sid: 'SM-retry-thread' })).toEqual({});
    expect((await w.stores.users.getUser(alice.imNumber))!.threads[SERVICE_NUMBERS[0]]).toMatchObject({
      peer: bob.imNumber,
    });
    await text(alice.phone, 'no prefix reaches bob');
    expect(w.im.eventsOf('b1', 'message').map((e) => e.message.text)).toEqual([
      'first',
      'no prefix reaches bob',
    ]);
  });

  it('a late retry does not move a thread that a later message has moved on', async () => {
    const alice = await w.user();
    const bob = await w.user({ connectionId: 'b1' });
    const carol = await w.user({ connectionId: 'c1' });
    await text(alice.phone, `@${bob.imNumber} to bob`, { sid: 'SM-old' });
    w.clock.advance(1000);
    await text(alice.phone, `@${carol.imNumber} to carol`);
    await text(alice.phone, `@${bob.imNumber} to bob`, { sid: 'SM-old' });
    expect((await w.stores.users.getUser(alice.imNumber))!.threads[SERVICE_NUMBERS[0]]).toMatchObject({
      peer: carol.imNumber,
    });
  });
});

describe('service numbers are not people (item 6)', () => {
  it('a text from a service number is not routed, not answered, creates nothing, and is logged by sid', async () => {
    const bob = await w.user({ connectionId: 'b1' });
    const before = w.stores.table.profiles.size;
    for (const body of [`@${bob.imNumber} loop?`, 'HELP', 'STOP', 'no prefix'])
      expect(await text(SERVICE_NUMBERS[1], body)).toEqual({});
    expect(w.im.eventsOf('b1', 'message')).toEqual([]);
    expect(w.stores.table.messages.size).toBe(0);
    expect(w.stores.table.profiles.size).toBe(before);
    expect(await w.stores.users.getPhone(SERVICE_NUMBERS[1])).toBeNull();
    const logged = w.logs.filter((l) => l.event === LogEvent.SmsFromServiceNumber);
    expect(logged).toHaveLength(4);
    expect(JSON.stringify(logged)).not.toContain(SERVICE_NUMBERS[1]);
  });

  it('a service number cannot sign in or verify, and no code is sent', async () => {
    for (const phone of [SERVICE_NUMBERS[1], `\u202d${SERVICE_NUMBERS[0]}\u202c`]) {
      await expect(startAuth(w.deps, { phone, sourceIp: '198.51.100.9' })).rejects.toMatchObject({
        code: 'service_number',
        kind: 'forbidden',
      });
      await expect(
        verifyAuth(w.deps, { phone, code: '123456', sourceIp: '198.51.100.9' }),
      ).rejects.toMatchObject({
        code: 'service_number',
      });
    }
    expect(w.sms.sent).toEqual([]);
  });

  it('never becomes a user, whichever path asks', async () => {
    await expect(findOrCreateUser(w.deps, SERVICE_NUMBERS[0])).rejects.toMatchObject({
      code: 'service_number',
    });
    expect(w.stores.table.profiles.size).toBe(0);
  });

  it('a message to a user whose phone is a service number (stored before this rule) fails, unsent', async () => {
    const alice = await w.user({ connectionId: 'a1' });
    const legacy = await w.user({ phone: SERVICE_NUMBERS[1] });
    await sendInstantMessage(
      w.deps,
      { imNumber: alice.imNumber, name: alice.name, connectionId: 'a1' },
      { to: legacy.imNumber, text: 'hello', clientId: 'c-svc' },
    );
    expect(w.sms.sent).toEqual([]);
    expect([...w.stores.table.messages.values()]).toEqual([
      expect.objectContaining({ status: 'failed', reason: 'service_number' }),
    ]);
  });
});
