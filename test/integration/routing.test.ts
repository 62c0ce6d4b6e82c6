import { INITIAL_WAIT_MS } from '../../shared/core/delivery/ack-wait';
import { handler as ackHandler } from '../../functions/ws-ack';
import { handler as ackTimeout } from '../../functions/ack-timeout';
import { createLambdaContext } from '../../infra/local/gateway/lambda-context';
import { handler as wsDefault } from '../../functions/ws-default';
import { handler as sendMessageHandler } from '../../functions/ws-send-message';
import { twoWay } from '../support/connections-server';
import { handler as setPresence } from '../../functions/ws-set-presence';
import { handler as statusCallback } from '../../functions/twilio-sms-status';
import { MAX_RESENDS } from '../../shared/core/delivery/ack-timeout';
import { HANDSHAKE_WINDOW_MS } from '../../shared/core/delivery/push';
import type { MessageRecord } from '../../shared/core/types';
import { AUTH_TOKEN, PUBLIC_URL, SERVICE_NUMBERS, startHarness, type Harness } from '../support/harness';
import { sqsEvent, twilioPost, wsEvent } from '../support/events';
import { connectDevice, signUp, type TestUser } from '../support/users';

/** A Lambda context with the ack-timeout function's own time (30 s). */
const ackContext = () => createLambdaContext('ack-timeout', 30_000);

let h: Harness;
// sendMessage is a two-way route: its last frame to the sender comes back as the route response.
const sendMessage = twoWay(sendMessageHandler, () => h.connections);
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());
beforeEach(() => h.connections.clear());

let n = 200;
const newPhone = () => `+1212555${String(++n).padStart(4, '0')}`;
let c = 0;
const newConn = () => `conn-${++c}=`;

type Frame = Record<string, unknown>;
const caller = (u: TestUser) => ({ imNumber: u.imNumber, name: u.name });
const send = (from: TestUser, conn: string, frame: Frame) =>
  sendMessage(wsEvent('sendMessage', conn, caller(from), { action: 'sendMessage', ...frame }));
const receipts = (conn: string) =>
  h.connections.framesOf<{ status: string; id: string; path: string[]; reason?: string }>(conn, 'receipt');

/** The chat SMS a phone got (routed messages carry a status callback; sign-up codes do not). */
const texts = (phone: string) => h.sms.inbox(phone).filter((m) => m.statusCallbackUrl);

/** Two users, each with one connected device. */
async function connectedPair() {
  const { alice, bob } = await pair();
  const [a1, b1] = [newConn(), newConn()];
  await connectDevice(alice, a1);
  await connectDevice(bob, b1);
  return { alice, bob, a1, b1 };
}

async function pair() {
  const alice = await signUp(h, newPhone());
  const bob = await signUp(h, newPhone());
  return { alice, bob };
}

describe('IM → IM', () => {
  it('pushes a message frame to every device of the recipient', async () => {
    const { alice, bob } = await pair();
    const [a1, b1, b2] = [newConn(), newConn(), newConn()];
    await connectDevice(alice, a1);
    await connectDevice(bob, b1);
    await connectDevice(bob, b2);
    await send(alice, a1, { to: bob.imNumber, text: 'hello bob', clientId: 'c1' });
    for (const conn of [b1, b2]) {
      expect(h.connections.framesOf(conn, 'message')).toEqual([
        {
          type: 'message',
          id: expect.any(String),
          from: alice.imNumber,
          fromName: alice.name,
          to: bob.imNumber,
          text: 'hello bob',
          sentAt: expect.any(String),
          via: 'im',
        },
      ]);
    }
    expect(texts(bob.phone)).toHaveLength(0);
  });

  it('sends accepted, then delivered once the recipient acks', async () => {
    const { alice, bob, a1, b1 } = await connectedPair();
    await send(alice, a1, { to: bob.imNumber, text: 'hi', clientId: 'c2' });
    const id = (h.connections.framesOf(b1, 'message')[0] as Frame).id as string;
    expect(receipts(a1).map((r) => r.status)).toEqual(['accepted']);
    await ackHandler(wsEvent('ack', b1, caller(bob), { action: 'ack', id }));
    expect(receipts(a1).map((r) => r.status)).toEqual(['accepted', 'delivered']);
    const stored = await h.store.messages.getMessage(id);
    expect(stored).toMatchObject({ status: 'delivered', path: ['im'], via: 'im', clientId: 'c2' });
  });

  it('stores a resent clientId once and answers with where it stands', async () => {
    const { alice, bob, a1, b1 } = await connectedPair();
    await send(alice, a1, { to: bob.imNumber, text: 'once', clientId: 'dup' });
    await send(alice, a1, { to: bob.imNumber, text: 'once', clientId: 'dup' });
    expect(h.connections.framesOf(b1, 'message')).toHaveLength(1);
    expect(receipts(a1).map((r) => r.status)).toEqual(['accepted', 'accepted']);
    expect(new Set(receipts(a1).map((r) => r.id)).size).toBe(1);
  });
});

describe('IM → SMS', () => {
  it('texts an offline recipient from a service number, naming the sender', async () => {
    const { alice, bob } = await pair();
    const a1 = newConn();
    await connectDevice(alice, a1);
    await send(alice, a1, { to: bob.imNumber, text: 'are you there?', clientId: 'c3' });
    const inbox = texts(bob.phone);
    expect(inbox).toHaveLength(1);
    expect(SERVICE_NUMBERS).toContain(inbox[0].from);
    expect(inbox[0].body).toBe(`@${alice.imNumber}: are you there?`);
    expect(inbox[0].statusCallbackUrl).toMatch(new RegExp(`^${PUBLIC_URL}/twilio/sms/status\\?m=`));
    expect(receipts(a1).map((r) => r.status)).toEqual(['accepted', 'sent_sms']);
  });

  it('records delivered_sms from the status callback, once, whatever order the callbacks come in', async () => {
    const { alice, bob } = await pair();
    const a1 = newConn();
    await connectDevice(alice, a1);
    await send(alice, a1, { to: bob.imNumber, text: 'status please', clientId: 'c4' });
    const id = receipts(a1)[0].id;
    const callback = (status: string) =>
      statusCallback(
        twilioPost(
          PUBLIC_URL,
          AUTH_TOKEN,
          '/twilio/sms/status',
          { MessageSid: 'SMx', MessageStatus: status },
          { query: `m=${id}` },
        ),
      );
    expect((await callback('delivered')).statusCode).toBe(200);
    await callback('sent');
    await callback('delivered');
    await callback('undelivered');
    expect(receipts(a1).map((r) => r.status)).toEqual(['accepted', 'sent_sms', 'delivered_sms']);
    expect(await h.store.messages.getMessage(id)).toMatchObject({
      status: 'delivered_sms',
      path: ['sms'],
      sms: { segments: 1, encoding: 'GSM-7' },
    });
  });

  it('refuses a status callback with a forged signature and changes nothing', async () => {
    const { alice, bob } = await pair();
    const a1 = newConn();
    await connectDevice(alice, a1);
    await send(alice, a1, { to: bob.imNumber, text: 'x', clientId: 'c5' });
    const id = receipts(a1)[0].id;
    const forged = await statusCallback(
      twilioPost(
        PUBLIC_URL,
        'not-the-token',
        '/twilio/sms/status',
        { MessageSid: 'SMx', MessageStatus: 'delivered' },
        { query: `m=${id}` },
      ),
    );
    expect(forged.statusCode).toBe(403);
    expect((await h.store.messages.getMessage(id))?.status).toBe('sent_sms');
  });

  it('goes by SMS in manual offline mode even with a socket open', async () => {
    const { alice, bob, a1, b1 } = await connectedPair();
    await setPresence(wsEvent('setPresence', b1, caller(bob), { action: 'setPresence', status: 'offline' }));
    await send(alice, a1, { to: bob.imNumber, text: 'offline mode', clientId: 'c6' });
    expect(h.connections.framesOf(b1, 'presence')).toEqual([{ type: 'presence', status: 'offline' }]);
    expect(h.connections.framesOf(b1, 'message')).toHaveLength(0);
    expect(texts(bob.phone)).toHaveLength(1);

    await setPresence(wsEvent('setPresence', b1, caller(bob), { action: 'setPresence', status: 'online' }));
    await send(alice, a1, { to: bob.imNumber, text: 'back online', clientId: 'c7' });
    expect(h.connections.framesOf(b1, 'message')).toHaveLength(1);
  });

  it('deletes Gone connections and texts at once when every push is Gone', async () => {
    const { alice, bob } = await pair();
    const [a1, b1, b2] = [newConn(), newConn(), newConn()];
    await connectDevice(alice, a1);
    await connectDevice(bob, b1);
    await connectDevice(bob, b2);
    // Sockets open for a while: a Gone inside the handshake window keeps the row (handshake-gone.test.ts).
    h.advance(HANDSHAKE_WINDOW_MS);
    h.connections.gone.add(b1);
    h.connections.gone.add(b2);
    await send(alice, a1, { to: bob.imNumber, text: 'anyone?', clientId: 'c8' });
    expect(texts(bob.phone)).toHaveLength(1);
    expect((await h.store.logins.getRecipient(bob.imNumber))?.connections).toEqual([]);
    const id = receipts(a1)[0].id;
    expect(await h.store.messages.getMessage(id)).toMatchObject({ status: 'sent_sms', path: ['im', 'sms'] });
  });

  it('stays on IM when one device is Gone and another is live', async () => {
    const { alice, bob } = await pair();
    const [a1, b1, b2] = [newConn(), newConn(), newConn()];
    await connectDevice(alice, a1);
    await connectDevice(bob, b1);
    await connectDevice(bob, b2);
    // Sockets open for a while: a Gone inside the handshake window keeps the row (handshake-gone.test.ts).
    h.advance(HANDSHAKE_WINDOW_MS);
    h.connections.gone.add(b1);
    await send(alice, a1, { to: bob.imNumber, text: 'one of you', clientId: 'c9' });
    expect(h.connections.framesOf(b2, 'message')).toHaveLength(1);
    expect(texts(bob.phone)).toHaveLength(0);
    expect((await h.store.logins.getRecipient(bob.imNumber))?.connections.map((x) => x.connectionId)).toEqual(
      [b2],
    );
  });

  it('ignores a connection past its expiry although $disconnect never came', async () => {
    const { alice, bob } = await pair();
    const [a1, b1] = [newConn(), newConn()];
    await connectDevice(bob, b1);
    h.advance(h.deps.config.connectionTtlSeconds * 1000 + 1);
    await connectDevice(alice, a1);
    await send(alice, a1, { to: bob.imNumber, text: 'stale socket', clientId: 'c10' });
    expect(h.connections.framesOf(b1, 'message')).toHaveLength(0);
    expect(texts(bob.phone)).toHaveLength(1);
  });

  it('keeps each contact on its own service number for the same phone', async () => {
    const { alice, bob } = await pair();
    const carol = await signUp(h, newPhone());
    const [a1, c1] = [newConn(), newConn()];
    await connectDevice(alice, a1);
    await connectDevice(carol, c1);
    await send(alice, a1, { to: bob.imNumber, text: 'from alice', clientId: 'c11' });
    await send(carol, c1, { to: bob.imNumber, text: 'from carol', clientId: 'c12' });
    await send(alice, a1, { to: bob.imNumber, text: 'alice again', clientId: 'c13' });
    const [first, second, third] = texts(bob.phone);
    expect(first.from).not.toBe(second.from);
    expect(third.from).toBe(first.from);
  });
});

describe('confirmed delivery', () => {
  afterEach(() => jest.useRealTimers());

  it('texts a pushed message that is not acked within its ack wait, once; a late ack changes nothing', async () => {
    const { alice, bob, a1, b1 } = await connectedPair();
    jest.useFakeTimers({
      doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'hrtime', 'performance'],
    });
    await send(alice, a1, { to: bob.imNumber, text: 'half-open socket', clientId: 'c14' });
    const id = receipts(a1)[0].id;
    expect(h.connections.framesOf(b1, 'message')).toHaveLength(1);

    // The wait learned for b1 (docs/design.md "The ack wait"): no ack seen yet, the initial 3 s.
    const wait = (await h.store.messages.getMessage(id))!.ackWaitMs!;
    expect(wait).toBe(Math.min(INITIAL_WAIT_MS, h.deps.config.ackTimeoutMs));
    await jest.advanceTimersByTimeAsync(wait - 1);
    await h.ack.settle();
    expect(texts(bob.phone)).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    await h.ack.settle();
    jest.useRealTimers();

    expect(texts(bob.phone)).toHaveLength(1);
    expect(await h.store.messages.getMessage(id)).toMatchObject({ status: 'sent_sms', path: ['im', 'sms'] });
    await ackHandler(wsEvent('ack', b1, caller(bob), { action: 'ack', id }));
    await ackTimeout(sqsEvent([{ messageId: id }]), ackContext());
    expect(await h.store.messages.getMessage(id)).toMatchObject({ status: 'sent_sms' });
    expect(texts(bob.phone)).toHaveLength(1);
    expect(receipts(a1).map((r) => r.status)).toEqual(['accepted', 'sent_sms']);
    expect(receipts(a1).map((r) => r.path)).toEqual([['im'], ['im', 'sms']]);
  });

  it('sends no SMS for a message acked in time', async () => {
    const { alice, bob, a1, b1 } = await connectedPair();
    await send(alice, a1, { to: bob.imNumber, text: 'quick', clientId: 'c15' });
    const id = receipts(a1)[0].id;
    await ackHandler(wsEvent('ack', b1, caller(bob), { action: 'ack', id }));
    const result = await ackTimeout(sqsEvent([{ messageId: id }]), ackContext());
    expect(result.batchItemFailures).toEqual([]);
    expect(texts(bob.phone)).toHaveLength(0);
    expect((await h.store.messages.getMessage(id))?.status).toBe('delivered');
    // The ack taught b1's row its first round trip (no read: from the message's snapshot).
    const [row] = (await h.store.logins.getRecipient(bob.imNumber))!.connections;
    expect(row).toMatchObject({ connectionId: b1, samples: 1 });
    expect(row.srtt).toBeGreaterThanOrEqual(0);
  });

  it("refuses an ack for someone else's message", async () => {
    const { alice, bob, a1 } = await connectedPair();
    await send(alice, a1, { to: bob.imNumber, text: 'mine', clientId: 'c16' });
    const id = receipts(a1)[0].id;
    await ackHandler(wsEvent('ack', a1, caller(alice), { action: 'ack', id }));
    // The error names the acked id: an ack's answer is not in order with the others' (docs/protocol.md).
    expect(h.connections.framesOf(a1, 'error')).toEqual([
      { type: 'error', code: 'unknown_message', message: expect.any(String), id },
    ]);
    expect((await h.store.messages.getMessage(id))?.status).toBe('accepted');
  });
});

describe('bad frames get an error frame and change nothing', () => {
  it.each([
    ['unknown recipient', { to: '99999999', text: 'hi', clientId: 'e1' }, 'unknown_recipient'],
    ['empty text', { to: 'SELF', text: '   ', clientId: 'e2' }, 'invalid_text'],
    ['text over 4,000 characters', { to: 'SELF', text: 'x'.repeat(4001), clientId: 'e3' }, 'invalid_text'],
    ['a recipient that is not a number', { to: 'bob', text: 'hi', clientId: 'e4' }, 'invalid_recipient'],
    ['no clientId', { to: 'SELF', text: 'hi' }, 'invalid_client_id'],
  ])('%s', async (_label, frame, code) => {
    const alice = await signUp(h, newPhone());
    const a1 = newConn();
    await connectDevice(alice, a1);
    const sentBefore = h.sms.sent.length;
    const to = frame.to === 'SELF' ? alice.imNumber : frame.to;
    await send(alice, a1, { ...frame, to });
    const errors = h.connections.framesOf(a1, 'error');
    expect(errors).toEqual([expect.objectContaining({ type: 'error', code })]);
    if ('clientId' in frame) expect(errors[0]).toMatchObject({ clientId: frame.clientId });
    expect(receipts(a1)).toHaveLength(0);
    expect(h.sms.sent.length).toBe(sentBefore);
  });

  it.each([
    ['malformed JSON', '{"action":', 'bad_json'],
    ['an unknown action', { action: 'launchRockets' }, 'unknown_action'],
    ['a frame without action', { hello: 1 }, 'bad_frame'],
  ])('$default answers %s', async (_label, body, code) => {
    const alice = await signUp(h, newPhone());
    const a1 = newConn();
    await connectDevice(alice, a1);
    const result = await wsDefault(wsEvent('$default', a1, caller(alice), body));
    expect(result.statusCode).toBe(400);
    expect(h.connections.framesOf(a1, 'error')).toEqual([expect.objectContaining({ code })]);
  });
});

describe('recovery from a crash mid-delivery (the delivery check)', () => {
  const stored = (over: Partial<MessageRecord>): MessageRecord => ({
    id: `m-crash-${++c}`,
    from: '11111111',
    fromName: 'u11111111',
    to: '',
    text: 'interrupted',
    via: 'im',
    path: ['sms'],
    status: 'sending_sms',
    sentAt: h.deps.clock.now(),
    updatedAt: h.deps.clock.now(),
    ...over,
  });

  it('a message stored but never pushed goes out as SMS when its check fires', async () => {
    const bob = await signUp(h, newPhone());
    const message = stored({ to: bob.imNumber, status: 'accepted', path: ['im'] });
    await h.store.messages.putMessage(message);
    await ackTimeout(sqsEvent([{ messageId: message.id }]), ackContext());
    expect(texts(bob.phone)).toHaveLength(1);
    expect(await h.store.messages.getMessage(message.id)).toMatchObject({
      status: 'sent_sms',
      path: ['im', 'sms'],
    });
  });

  it('an SMS send interrupted long ago is resumed once, however often the check fires', async () => {
    const bob = await signUp(h, newPhone());
    const message = stored({
      to: bob.imNumber,
      updatedAt: h.deps.clock.now() - h.deps.config.smsResendAfterMs - 1,
    });
    await h.store.messages.putMessage(message);
    await Promise.all([
      ackTimeout(sqsEvent([{ messageId: message.id }]), ackContext()),
      ackTimeout(sqsEvent([{ messageId: message.id }]), ackContext()),
    ]);
    expect(texts(bob.phone)).toHaveLength(1);
    expect(await h.store.messages.getMessage(message.id)).toMatchObject({ status: 'sent_sms', resends: 1 });
  });

  it('a send claimed moments ago is left alone and checked again after the grace period', async () => {
    const bob = await signUp(h, newPhone());
    const message = stored({ to: bob.imNumber });
    await h.store.messages.putMessage(message);
    const pendingBefore = h.ack.pending().length;
    await ackTimeout(sqsEvent([{ messageId: message.id }]), ackContext());
    expect(texts(bob.phone)).toHaveLength(0);
    expect(h.ack.pending()).toHaveLength(pendingBefore + 1);
    expect(h.ack.pending()).toContain(message.id);
  });

  it(`gives up with failed after ${MAX_RESENDS} resumed sends`, async () => {
    const bob = await signUp(h, newPhone());
    const message = stored({ to: bob.imNumber, resends: MAX_RESENDS, updatedAt: 0 });
    await h.store.messages.putMessage(message);
    await ackTimeout(sqsEvent([{ messageId: message.id }]), ackContext());
    expect(texts(bob.phone)).toHaveLength(0);
    expect(await h.store.messages.getMessage(message.id)).toMatchObject({
      status: 'failed',
      reason: 'provider_error',
    });
  });
});
