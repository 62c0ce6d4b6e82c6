import { sendInstantMessage } from '../../../shared/core/delivery/send-im';
import { connect, disconnect, keepAlive, setPresence } from '../../../shared/core/login-status/presence';
import { coreWorld, type CoreWorld } from '../../support/core-deps';

/** Login status on in-memory ports: connections with expiry, keep-alive, manual offline mode. */
let w: CoreWorld;
beforeEach(() => {
  w = coreWorld();
});

const live = async (imNumber: string) =>
  (await w.stores.logins.getRecipient(imNumber))!.connections.filter((c) => c.expiresAt > w.clock.now());

it('a connection counts as live until its TTL, and keep-alive extends it (or registers it again)', async () => {
  const bob = await w.user();
  const ttl = w.deps.config.connectionTtlSeconds * 1000;
  await connect(w.deps, bob.imNumber, 'b1');
  w.clock.advance(ttl - 1);
  await keepAlive(w.deps, bob.imNumber, 'b1');
  w.clock.advance(ttl - 1);
  expect((await live(bob.imNumber)).map((c) => c.connectionId)).toEqual(['b1']);
  await disconnect(w.deps, bob.imNumber, 'b1');
  expect(await live(bob.imNumber)).toEqual([]);
  await keepAlive(w.deps, bob.imNumber, 'b1');
  expect((await live(bob.imNumber)).map((c) => c.connectionId)).toEqual(['b1']);
});

it('manual offline mode sends messages by SMS with a socket open, and tells the connection the mode', async () => {
  const alice = await w.user({ connectionId: 'a1' });
  const bob = await w.user({ connectionId: 'b1' });
  await setPresence(w.deps, bob.imNumber, 'b1', 'offline');
  expect(w.im.eventsOf('b1', 'presence')).toEqual([{ kind: 'presence', mode: 'offline' }]);
  await sendInstantMessage(
    w.deps,
    { ...alice, connectionId: 'a1' },
    { to: bob.imNumber, text: 'x', clientId: 'c' },
  );
  expect(w.im.eventsOf('b1', 'message')).toEqual([]);
  expect(w.sms.inbox(bob.phone)).toHaveLength(1);
});
