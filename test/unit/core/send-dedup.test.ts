import { sendInstantMessage } from '../../../shared/core/delivery/send-im';
import { messageIdFor } from '../../../shared/core/ids';
import { LogEvent } from '../../../shared/core/log-events';
import { coreWorld, type CoreWorld } from '../../support/core-deps';

/**
 * The duplicate check on a client-chosen id (sendMessage's clientId) on in-memory ports: a resend of the same
 * message is answered with the original's receipt; another message under a used clientId is refused with
 * `client_id_reused`, and nothing of it is stored or sent (by IM or SMS).
 */
let w: CoreWorld;
beforeEach(() => {
  w = coreWorld();
});

async function world() {
  const alice = await w.user({ connectionId: 'a1' });
  const bob = await w.user({ connectionId: 'b1' });
  const carol = await w.user(); // offline: a message to her goes by SMS
  const sender = { imNumber: alice.imNumber, name: alice.name, connectionId: 'a1' };
  const send = (to: string, text: string, clientId = 'c-1') =>
    sendInstantMessage(w.deps, sender, { to, text, clientId });
  const received = () => w.im.eventsOf('b1', 'message').map((e) => e.message.text);
  const receipts = () => w.im.eventsOf('a1', 'receipt').map((e) => e.message.id);
  return { alice, bob, carol, send, received, receipts };
}

it("answers a resend of the same message with the original's receipt, and sends nothing again", async () => {
  const { alice, bob, send, received, receipts } = await world();
  await send(bob.imNumber, 'one');
  await send(bob.imNumber, 'one');
  expect(received()).toEqual(['one']);
  const id = messageIdFor('im', alice.imNumber, 'c-1');
  expect(receipts()).toEqual([id, id]);
});

it.each([
  ['another text', 'bob', 'TWO different'],
  ['another recipient', 'carol', 'one'],
  ['the same text with a trailing space', 'bob', 'one '],
])('refuses %s under a used clientId with client_id_reused, and sends nothing', async (_what, who, text) => {
  const { alice, bob, carol, send, received, receipts } = await world();
  await send(bob.imNumber, 'one');
  const to = who === 'bob' ? bob.imNumber : carol.imNumber;
  await expect(send(to, text)).rejects.toMatchObject({ code: 'client_id_reused', kind: 'conflict' });
  expect(received()).toEqual(['one']);
  expect(w.sms.inbox(carol.phone)).toEqual([]);
  expect(receipts()).toHaveLength(1);
  const kept = await w.stores.messages.getMessage(messageIdFor('im', alice.imNumber, 'c-1'));
  expect(kept).toMatchObject({ to: bob.imNumber, text: 'one' });
  // The log names the kept message, never a text or a recipient.
  expect(w.logs.filter((l) => l.event === LogEvent.MessageClientIdReused)).toEqual([
    { event: LogEvent.MessageClientIdReused, messageId: kept!.id },
  ]);
});

it('refuses a different message under a used clientId even when the first went by SMS', async () => {
  const { carol, bob, send } = await world();
  await send(carol.imNumber, 'by sms');
  expect(w.sms.inbox(carol.phone)).toHaveLength(1);
  await expect(send(bob.imNumber, 'by sms')).rejects.toMatchObject({ code: 'client_id_reused' });
  await send(carol.imNumber, 'by sms'); // the resend itself is fine, and sends no second SMS
  expect(w.sms.inbox(carol.phone)).toHaveLength(1);
});

it('keeps clientIds apart per sender', async () => {
  const { bob, carol, send } = await world();
  await send(bob.imNumber, 'from alice');
  const dan = await w.user({ connectionId: 'd1' });
  await sendInstantMessage(
    w.deps,
    { imNumber: dan.imNumber, name: dan.name, connectionId: 'd1' },
    { to: bob.imNumber, text: 'from dan', clientId: 'c-1' },
  );
  expect(w.im.eventsOf('b1', 'message').map((e) => e.message.text)).toEqual(['from alice', 'from dan']);
  void carol;
});

it('of two different messages sent at once under one clientId, one goes and the other is refused', async () => {
  const { bob, send, received } = await world();
  const outcomes = await Promise.allSettled([send(bob.imNumber, 'first'), send(bob.imNumber, 'second')]);
  expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
  expect(outcomes.find((o) => o.status === 'rejected')).toMatchObject({
    reason: { code: 'client_id_reused' },
  });
  expect(received()).toHaveLength(1);
});
