import { INITIAL_WAIT_MS } from '../../../shared/core/delivery/ack-wait';
import { onAckTimeout } from '../../../shared/core/delivery/ack-timeout';
import { receiveSms, REPLIES } from '../../../shared/core/im-sms/receive';
import { coreWorld, SERVICE_NUMBERS, type CoreWorld } from '../../support/core-deps';

/** IM-SMS receive on in-memory ports: keywords, addressing, threads, plain phones, rate-limited replies. */
let w: CoreWorld;
beforeEach(() => {
  w = coreWorld();
});

let sids = 0;
/** A text as the webhook takes it, then its routing check (due at once) as the durable timer runs it. */
const text = async (from: string, body: string, to = SERVICE_NUMBERS[0]) => {
  const result = await receiveSms(w.deps, { messageSid: `SM${++sids}`, from, to, body });
  await w.routeQueued();
  return result;
};
const messages = () => [...w.stores.table.messages.values()];

describe('keywords', () => {
  it('STOP opts the phone and its user out, START back in, each answered', async () => {
    const bob = await w.user();
    expect(await text(bob.phone, 'stop')).toEqual({ reply: REPLIES.stop });
    expect((await w.stores.users.getUser(bob.imNumber))!.optedOut).toBe(true);
    expect((await w.stores.users.getPhone(bob.phone))!.optedOut).toBe(true);
    expect(await text(bob.phone, 'START')).toEqual({ reply: REPLIES.start });
    expect((await w.stores.users.getUser(bob.imNumber))!.optedOut).toBe(false);
  });

  it('records STOP from a phone with no account, and a redelivered keyword does nothing twice', async () => {
    await receiveSms(w.deps, {
      messageSid: 'SM-k',
      from: '+12125550999',
      to: SERVICE_NUMBERS[0],
      body: 'STOP',
    });
    expect(
      await receiveSms(w.deps, {
        messageSid: 'SM-k',
        from: '+12125550999',
        to: SERVICE_NUMBERS[0],
        body: 'STOP',
      }),
    ).toEqual({});
    expect(await w.stores.users.getPhone('+12125550999')).toMatchObject({ optedOut: true });
  });
});

describe('addressing', () => {
  it('routes @imNumber, @name and @u<imNumber> to the user, by IM when online', async () => {
    const alice = await w.user();
    const bob = await w.user({ name: 'bobby', connectionId: 'b1' });
    await text(alice.phone, `@${bob.imNumber} one`);
    await text(alice.phone, '@BOBBY two');
    await text(alice.phone, `@u${bob.imNumber} three`);
    expect(w.im.eventsOf('b1', 'message').map((e) => [e.message.text, e.message.via])).toEqual([
      ['one', 'sms'],
      ['two', 'sms'],
      ['three', 'sms'],
    ]);
  });

  it('binds the thread, so a reply without a prefix reaches the same contact', async () => {
    const alice = await w.user();
    const bob = await w.user({ connectionId: 'b1' });
    await text(alice.phone, `@${bob.imNumber} first`, SERVICE_NUMBERS[1]);
    await text(alice.phone, 'and again', SERVICE_NUMBERS[1]);
    expect(w.im.eventsOf('b1', 'message').map((e) => e.message.text)).toEqual(['first', 'and again']);
    expect(await text(alice.phone, 'other number', SERVICE_NUMBERS[0])).toEqual({ reply: REPLIES.noPeer });
  });

  it('gives a plain phone an account on its first addressed message', async () => {
    const bob = await w.user({ connectionId: 'b1' });
    await text('+13125550100', `@${bob.imNumber} hello from a phone`);
    const [m] = messages();
    expect(m).toMatchObject({ to: bob.imNumber, via: 'sms', text: 'hello from a phone' });
    expect(await w.stores.users.userOfPhone('+13125550100')).toBe(m.from);
    expect(m.fromName).toBe(`u${m.from}`);
  });

  it('answers an unknown recipient once an hour, and stores nothing', async () => {
    const alice = await w.user();
    expect(await text(alice.phone, '@nobody hi')).toEqual({ reply: REPLIES.unknownRecipient });
    expect(await text(alice.phone, '@nobody hi')).toEqual({});
    w.clock.advance(60 * 60 * 1000);
    expect(await text(alice.phone, '@nobody hi')).toEqual({ reply: REPLIES.unknownRecipient });
    expect(messages()).toEqual([]);
  });

  it('answers an empty message, and a redelivered message is routed once', async () => {
    const alice = await w.user();
    const bob = await w.user({ connectionId: 'b1' });
    expect(await text(alice.phone, `@${bob.imNumber}`)).toEqual({ reply: REPLIES.empty });
    const sms = {
      messageSid: 'SM-dup',
      from: alice.phone,
      to: SERVICE_NUMBERS[0],
      body: `@${bob.imNumber} x`,
    };
    await receiveSms(w.deps, sms);
    await w.routeQueued();
    await receiveSms(w.deps, sms);
    await w.routeQueued();
    expect(w.im.eventsOf('b1', 'message')).toHaveLength(1);
  });
});

describe('the webhook waits for the store only; routing is the delivery check’s', () => {
  it('answers once the text is stored, before any push or SMS; its check due at once routes it', async () => {
    const alice = await w.user();
    const bob = await w.user({ connectionId: 'b1' });
    const carol = await w.user();
    await receiveSms(w.deps, {
      messageSid: 'SM-a',
      from: alice.phone,
      to: SERVICE_NUMBERS[0],
      body: `@${bob.imNumber} im`,
    });
    await receiveSms(w.deps, {
      messageSid: 'SM-b',
      from: alice.phone,
      to: SERVICE_NUMBERS[0],
      body: `@${carol.imNumber} sms`,
    });

    expect(w.im.eventsOf('b1', 'message')).toEqual([]);
    expect(w.sms.inbox(carol.phone)).toEqual([]);
    expect(messages().map((m) => [m.status, m.path])).toEqual([
      ['routing', []],
      ['routing', []],
    ]);
    const safety = w.deps.config.smsResendAfterMs;
    expect(w.ack.scheduled.map((s) => s.delayMs)).toEqual([safety, 0, safety, 0]);

    await w.routeQueued();
    expect(w.im.eventsOf('b1', 'message').map((e) => e.message.text)).toEqual(['im']);
    expect(w.sms.inbox(carol.phone)).toHaveLength(1);
    expect(messages().map((m) => [m.status, m.path])).toEqual([
      ['accepted', ['im']],
      ['sent_sms', ['sms']],
    ]);
    // The pushed one has its ack check, as any push (besides the two safety checks): the learned wait, which
    // for a connection that has not acked anything yet is the initial one, not the ACK_TIMEOUT_MS ceiling.
    expect(w.ack.scheduled).toContainEqual({ messageId: messages()[0].id, delayMs: INITIAL_WAIT_MS });
    expect(messages()[0].ackWaitMs).toBe(INITIAL_WAIT_MS);
    expect(Object.keys(messages()[0].links ?? {})).toHaveLength(1); // what its ack learns from
  });

  it('routes once however often the check fires (a redelivered SQS message, a retried local check)', async () => {
    const alice = await w.user();
    const bob = await w.user({ connectionId: 'b1' });
    await receiveSms(w.deps, {
      messageSid: 'SM-c',
      from: alice.phone,
      to: SERVICE_NUMBERS[0],
      body: `@${bob.imNumber} once`,
    });
    const [id] = w.ack.dueNow();
    await Promise.all([onAckTimeout(w.deps, id), onAckTimeout(w.deps, id)]);
    await onAckTimeout(w.deps, id);
    expect(w.im.eventsOf('b1', 'message')).toHaveLength(1);
  });

  it('a text whose check due at once was lost with its process is routed by the safety check, or by the retry', async () => {
    const alice = await w.user();
    const bob = await w.user({ connectionId: 'b1' });
    const sms = {
      messageSid: 'SM-e',
      from: alice.phone,
      to: SERVICE_NUMBERS[0],
      body: `@${bob.imNumber} late`,
    };
    await receiveSms(w.deps, sms);
    w.ack.dueNow(); // the process died before the check due at once ran
    expect(w.ack.scheduled).toEqual([
      { messageId: messages()[0].id, delayMs: w.deps.config.smsResendAfterMs },
    ]);
    // The provider retries the same MessageSid: a duplicate, whose routing is asked for again.
    await receiveSms(w.deps, sms);
    await w.routeQueued();
    expect(w.im.eventsOf('b1', 'message').map((e) => e.message.text)).toEqual(['late']);
    // And when nobody retries, the safety check routes it (here it finds it routed already: nothing more).
    await w.fireAckChecks();
    expect(w.im.eventsOf('b1', 'message')).toHaveLength(1);
    const other = { ...sms, messageSid: 'SM-f', body: `@${bob.imNumber} later` };
    await receiveSms(w.deps, other);
    w.ack.dueNow();
    await w.fireAckChecks();
    expect(w.im.eventsOf('b1', 'message').map((e) => e.message.text)).toEqual(['late', 'later']);
  });

  it('a recipient whose account went away meanwhile: failed, nothing sent', async () => {
    const alice = await w.user();
    const bob = await w.user();
    await receiveSms(w.deps, {
      messageSid: 'SM-d',
      from: alice.phone,
      to: SERVICE_NUMBERS[0],
      body: `@${bob.imNumber} x`,
    });
    w.stores.table.profiles.delete(bob.imNumber);
    await w.routeQueued();
    expect(messages()[0]).toMatchObject({ status: 'failed', reason: 'unknown_recipient' });
    expect(w.sms.sent).toEqual([]);
  });
});

describe('a stored text is routed on its webhook’s judgement', () => {
  /** Counts the recipient reads (the judgement's Query) from here on. */
  function countRecipientReads(): () => number {
    const logins = w.deps.logins;
    const get = logins.getRecipient.bind(logins);
    let reads = 0;
    logins.getRecipient = async (imNumber) => {
      reads++;
      return get(imNumber);
    };
    return () => reads;
  }

  it('the routing check pushes to the connections the webhook judged, reading the recipient no more', async () => {
    const alice = await w.user();
    const bob = await w.user({ connectionId: 'b1' });
    const reads = countRecipientReads();
    await receiveSms(w.deps, {
      messageSid: 'SM-j1',
      from: alice.phone,
      to: SERVICE_NUMBERS[0],
      body: `@${bob.imNumber} hi`,
    });
    expect(reads()).toBe(1);
    expect(messages()[0]).toMatchObject({ status: 'routing', judged: 'im', path: [] });
    await w.routeQueued();
    expect(reads()).toBe(1);
    expect(w.im.eventsOf('b1', 'message').map((e) => e.message.text)).toEqual(['hi']);
    expect(messages()[0]).toMatchObject({ status: 'accepted', path: ['im'] });
  });

  it('a text judged SMS reads the recipient’s profile again before it leaves (an opt-out is seen)', async () => {
    const alice = await w.user();
    const bob = await w.user();
    await receiveSms(w.deps, {
      messageSid: 'SM-j2',
      from: alice.phone,
      to: SERVICE_NUMBERS[0],
      body: `@${bob.imNumber} yo`,
    });
    // Bob texts STOP between the webhook and the routing check.
    await w.stores.users.setOptOut(bob.phone, true, bob.imNumber);
    await w.routeQueued();
    expect(w.sms.inbox(bob.phone)).toEqual([]);
    expect(messages().find((m) => m.inboundSid === 'SM-j2')).toMatchObject({ status: 'failed' });
  });

  it('a row stored before webhooks judged is judged when routed', async () => {
    const alice = await w.user();
    const bob = await w.user({ connectionId: 'b1' });
    const now = w.clock.now();
    await w.stores.messages.putMessage({
      id: 'sms-old',
      from: alice.imNumber,
      fromName: alice.name,
      to: bob.imNumber,
      text: 'from before',
      via: 'sms',
      inboundSid: 'SM-old',
      path: [],
      status: 'routing',
      sentAt: now,
      updatedAt: now,
    });
    const reads = countRecipientReads();
    await onAckTimeout(w.deps, 'sms-old');
    expect(reads()).toBe(1);
    expect(w.im.eventsOf('b1', 'message').map((e) => e.message.text)).toEqual(['from before']);
  });
});
