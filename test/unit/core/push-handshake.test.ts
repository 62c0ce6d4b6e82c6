import { connect } from '../../../shared/core/login-status/presence';
import { HANDSHAKE_WINDOW_MS } from '../../../shared/core/delivery/push';
import { sendInstantMessage } from '../../../shared/core/delivery/send-im';
import { LogEvent } from '../../../shared/core/log-events';
import { coreWorld, type CoreWorld } from '../../support/core-deps';

/**
 * Issue 14, item 8: API Gateway answers 410 Gone to a post made before a socket's $connect completes. A Gone on a
 * connection younger than the handshake window keeps its row (the socket is about to open); the message still
 * goes by SMS at once when no other push got through. An older Gone connection is deleted as before.
 */
let w: CoreWorld;
beforeEach(() => {
  w = coreWorld();
});

const A1 = 'conn-alice';
const B1 = 'conn-bob';

async function setup() {
  const alice = await w.user({ connectionId: A1 });
  const bob = await w.user();
  // Bob's $connect has written his row, and API Gateway has not finished the handshake yet.
  await connect(w.deps, bob.imNumber, B1);
  w.im.gone.add(B1);
  return { bob, sender: { imNumber: alice.imNumber, name: alice.name, connectionId: A1 } };
}

const rowIds = async (imNumber: string) =>
  (await w.stores.logins.getRecipient(imNumber))!.connections.map((c) => c.connectionId);

describe('a push answered Gone during the handshake', () => {
  it('keeps a connection younger than the window, and the message falls back to SMS at once', async () => {
    const { bob, sender } = await setup();
    w.clock.advance(HANDSHAKE_WINDOW_MS - 1);
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c1' });
    expect(await rowIds(bob.imNumber)).toEqual([B1]);
    expect(w.sms.inbox(bob.phone)).toHaveLength(1);
    expect(w.logs.some((l) => l.event === LogEvent.ImPushGoneInHandshake)).toBe(true);

    // The handshake completes: the next message is pushed to the kept row, with no SMS.
    w.im.gone.delete(B1);
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'again', clientId: 'c2' });
    expect(w.im.eventsOf(B1, 'message').map((e) => e.message.text)).toEqual(['again']);
    expect(w.sms.inbox(bob.phone)).toHaveLength(1);
  });

  it('deletes a Gone connection once it is older than the window', async () => {
    const { bob, sender } = await setup();
    w.clock.advance(HANDSHAKE_WINDOW_MS);
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c1' });
    expect(await rowIds(bob.imNumber)).toEqual([]);
    expect(w.sms.inbox(bob.phone)).toHaveLength(1);
  });

  it('sends no SMS when another device took the push, and keeps the young Gone one', async () => {
    const { bob, sender } = await setup();
    const now = w.clock.now();
    await w.stores.logins.putConnection(bob.imNumber, {
      connectionId: 'conn-bob-2',
      connectedAt: now - 60_000,
      expiresAt: now + 600_000,
    });
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c1' });
    expect(w.im.eventsOf('conn-bob-2', 'message')).toHaveLength(1);
    expect(w.sms.inbox(bob.phone)).toHaveLength(0);
    expect((await rowIds(bob.imNumber)).sort()).toEqual([B1, 'conn-bob-2'].sort());
  });
});
