import { INITIAL_WAIT_MS } from '../../../shared/core/delivery/ack-wait';
import { onAckTimeout } from '../../../shared/core/delivery/ack-timeout';
import { acknowledge } from '../../../shared/core/delivery/ack';
import { routeCheckKey } from '../../../shared/core/delivery/check-key';
import { ROUTE_RECHECK_AFTER_MS, ROUTE_RETRY_DELAYS_MS } from '../../../shared/core/im-sms/inbound-route';
import { messageIdFor } from '../../../shared/core/ids';
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

/** Counts the message reads (getMessage) from here on. */
function countMessageReads(): () => number {
  const log = w.deps.messages;
  const get = log.getMessage.bind(log);
  let reads = 0;
  log.getMessage = async (...args) => {
    reads++;
    return get(...args);
  };
  return () => reads;
}

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
    // One check per text, set before its row and due at once: the route check, which knows the channel judged.
    // No safety check besides it (it cost every inbound text a read of its row).
    expect(w.ack.scheduled).toEqual([
      { messageId: routeCheckKey(messages()[0].id, 'im', INITIAL_WAIT_MS), delayMs: 0 },
      { messageId: routeCheckKey(messages()[1].id, 'sms', 0), delayMs: 0 },
    ]);

    await w.routeQueued();
    expect(w.im.eventsOf('b1', 'message').map((e) => e.message.text)).toEqual(['im']);
    expect(w.sms.inbox(carol.phone)).toHaveLength(1);
    expect(messages().map((m) => [m.status, m.path])).toEqual([
      ['accepted', ['im']],
      ['sent_sms', ['sms']],
    ]);
    // The pushed one has its ack check, as any push: the learned wait, which
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
    // A run that finds the text claimed already does not take it for an unanswered push: Bob's ack wait runs
    // its course (no SMS now), and the message waits for his ack.
    expect(w.sms.sent).toEqual([]);
    expect(messages()[0]).toMatchObject({ status: 'accepted', path: ['im'] });
    await acknowledge(w.deps, bob.imNumber, messages()[0].id);
    await w.fireAckChecks();
    expect(w.sms.sent).toEqual([]);
    expect(messages()[0]).toMatchObject({ status: 'delivered' });
  });

  it('routing a stored text reads neither its row nor its recipient when the claim succeeds', async () => {
    const alice = await w.user();
    const bob = await w.user({ connectionId: 'b1' });
    const carol = await w.user();
    for (const [sid, to] of [
      ['SM-r1', bob],
      ['SM-r2', carol],
    ] as const)
      await receiveSms(w.deps, {
        messageSid: sid,
        from: alice.phone,
        to: SERVICE_NUMBERS[0],
        body: `@${to.imNumber} hi`,
      });
    const reads = countMessageReads();
    await w.routeQueued();
    expect(reads()).toBe(0);
    expect(w.im.eventsOf('b1', 'message')).toHaveLength(1);
    expect(w.sms.inbox(carol.phone)).toHaveLength(1);
  });

  it('a route check that comes before its row sets itself again, and routes the text once the row is there', async () => {
    const alice = await w.user();
    const bob = await w.user({ connectionId: 'b1' });
    const sms = {
      messageSid: 'SM-e',
      from: alice.phone,
      to: SERVICE_NUMBERS[0],
      body: `@${bob.imNumber} late`,
    };
    const id = messageIdFor('sms', sms.messageSid);
    // The webhook's route check fires while its write is still on the way.
    await onAckTimeout(w.deps, routeCheckKey(id, 'im', INITIAL_WAIT_MS));
    // Its ack check is set before its claim (that one finds the text routed, or not there, and ends), then the
    // route check is set again.
    expect(w.ack.scheduled).toEqual([
      { messageId: id, delayMs: INITIAL_WAIT_MS },
      { messageId: routeCheckKey(id, 'im', INITIAL_WAIT_MS, 1), delayMs: ROUTE_RETRY_DELAYS_MS[0] },
    ]);
    w.ack.due();
    await receiveSms(w.deps, sms);
    w.ack.dueNow(); // (this webhook's own check, lost: the retry alone must do)
    await onAckTimeout(w.deps, routeCheckKey(id, 'im', INITIAL_WAIT_MS, 1));
    expect(w.im.eventsOf('b1', 'message').map((e) => e.message.text)).toEqual(['late']);
  });

  it('a route check whose row never comes ends after its last try', async () => {
    const id = messageIdFor('sms', 'SM-never');
    let key = routeCheckKey(id, 'sms', 0);
    for (let tries = 0; tries < 20; tries++) {
      await onAckTimeout(w.deps, key);
      const next = w.ack.due();
      if (next.length === 0) break;
      key = next[0];
    }
    expect(key).toBe(routeCheckKey(id, 'sms', 0, ROUTE_RETRY_DELAYS_MS.length));
    expect(w.logs).toContainEqual(
      expect.objectContaining({
        event: 'route.check_gave_up',
        messageId: id,
        tries: ROUTE_RETRY_DELAYS_MS.length,
      }),
    );
    expect(w.sms.sent).toEqual([]);
  });

  it('a slow store sets a new route check, due at once (no wait for the first one’s later tries)', async () => {
    const alice = await w.user();
    const bob = await w.user({ connectionId: 'b1' });
    const put = w.deps.messages.putMessage.bind(w.deps.messages);
    let storeMs = ROUTE_RECHECK_AFTER_MS - 1;
    w.deps.messages.putMessage = async (m) => {
      w.clock.advance(storeMs);
      return put(m);
    };
    const text = (sid: string) =>
      receiveSms(w.deps, {
        messageSid: sid,
        from: alice.phone,
        to: SERVICE_NUMBERS[0],
        body: `@${bob.imNumber} x`,
      });
    await text('SM-fast');
    storeMs = ROUTE_RECHECK_AFTER_MS;
    await text('SM-slow');
    const fast = routeCheckKey(messageIdFor('sms', 'SM-fast'), 'im', INITIAL_WAIT_MS);
    const slow = routeCheckKey(messageIdFor('sms', 'SM-slow'), 'im', INITIAL_WAIT_MS);
    expect(w.ack.scheduled).toEqual([
      { messageId: fast, delayMs: 0 },
      { messageId: slow, delayMs: 0 },
      { messageId: slow, delayMs: 0 },
    ]);
  });

  it('a route check run again after its claim (its process died): the push is left to its ack check, the SMS leg resumed', async () => {
    const alice = await w.user();
    const bob = await w.user({ connectionId: 'b1' });
    const carol = await w.user();
    await receiveSms(w.deps, {
      messageSid: 'SM-k1',
      from: alice.phone,
      to: SERVICE_NUMBERS[0],
      body: `@${bob.imNumber} a`,
    });
    await receiveSms(w.deps, {
      messageSid: 'SM-k2',
      from: alice.phone,
      to: SERVICE_NUMBERS[0],
      body: `@${carol.imNumber} b`,
    });
    const [toBob, toCarol] = messages();
    const keys = w.ack.dueNow();
    // Both runs die right after their claims (the IM one had set its ack check): nothing pushed, no SMS sent.
    await w.stores.messages.transitionMessage(toBob.id, ['routing'], { status: 'accepted', path: ['im'] });
    await w.stores.messages.transitionMessage(toCarol.id, ['routing'], {
      status: 'sending_sms',
      path: ['sms'],
    });
    // The timer runs them again (SQS redelivers; the local timer re-arms its row).
    for (const key of keys) await onAckTimeout(w.deps, key);
    expect(w.ack.scheduled).toEqual([
      { messageId: toBob.id, delayMs: INITIAL_WAIT_MS },
      { messageId: toCarol.id, delayMs: w.deps.config.smsResendAfterMs },
    ]);
    w.clock.advance(w.deps.config.smsResendAfterMs);
    await w.fireAckChecks();
    // Bob never acked: his text falls back to SMS; Carol's leg is resumed (the provider had none): one SMS each.
    expect(w.sms.inbox(bob.phone)).toHaveLength(1);
    expect(w.sms.inbox(carol.phone)).toHaveLength(1);
  });

  it('a retried webhook judged otherwise: the text goes on the channel stored with it', async () => {
    const alice = await w.user();
    const bob = await w.user();
    const sms = {
      messageSid: 'SM-m',
      from: alice.phone,
      to: SERVICE_NUMBERS[0],
      body: `@${bob.imNumber} hm`,
    };
    await receiveSms(w.deps, sms);
    w.ack.dueNow(); // the first webhook's route check (SMS), lost
    const now = w.clock.now();
    await w.stores.logins.putConnection(bob.imNumber, {
      connectionId: 'b1',
      connectedAt: now,
      expiresAt: now + 600_000,
    });
    await receiveSms(w.deps, sms); // the provider's retry: Bob is online now, its check says IM
    expect(w.ack.scheduled).toEqual([
      { messageId: routeCheckKey(messages()[0].id, 'im', INITIAL_WAIT_MS), delayMs: 0 },
    ]);
    await w.routeQueued();
    expect(w.im.eventsOf('b1', 'message')).toEqual([]);
    expect(w.sms.inbox(bob.phone)).toHaveLength(1);
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
