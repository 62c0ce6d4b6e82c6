import { addContact, getContacts } from '../../../shared/core/contacts/book';
import { HANDSHAKE_WINDOW_MS } from '../../../shared/core/delivery/push';
import { sendInstantMessage } from '../../../shared/core/delivery/send-im';
import {
  connect,
  disconnect,
  keepAlive,
  noticeExpiry,
  setPresence,
} from '../../../shared/core/login-status/presence';
import type { LoginStatusStore } from '../../../shared/core/ports';
import { coreWorld, type CoreWorld } from '../../support/core-deps';

/**
 * The presence edge rule on in-memory ports (docs/design.md, "Presence edges"): every announcement is decided on
 * a read made after the deciding call's own write. Each race here is forced, not timed: a gate holds every racing
 * call at its write until all of them have reached it, so the calls' reads all come before their writes (the
 * old order, read then write, then decides on what is no longer true) or all after them (the edge rule).
 */
let w: CoreWorld;
beforeEach(() => {
  w = coreWorld();
});

type Method = 'putConnection' | 'deleteConnection' | 'setMode' | 'deleteExpiredConnection';

/**
 * Holds the first `n` calls to the given login-status `methods` (together) until all `n` have arrived, then lets
 * them run; later calls pass at once.
 */
function gateWrites(methods: Method[], n: number): void {
  const logins = w.deps.logins as unknown as Record<Method, (...args: unknown[]) => Promise<unknown>>;
  let arrived = 0;
  let open!: () => void;
  const allIn = new Promise<void>((resolve) => (open = resolve));
  for (const m of methods) {
    const real = logins[m].bind(logins);
    logins[m] = async (...args: unknown[]) => {
      if (arrived < n) {
        if (++arrived === n) open();
        await allIn;
      }
      return real(...args);
    };
  }
}

const owner = async (imNumber: string) => (await w.stores.users.getUser(imNumber))!;

/** Alice, and Bob online (connection b1) with Alice as a contact: Bob's presence frames are what is checked. */
async function watched() {
  const alice = await w.user();
  const bob = await w.user({ connectionId: 'b1' });
  await addContact(w.deps, await owner(bob.imNumber), { imNumber: alice.imNumber });
  const heard = () => w.im.eventsOf('b1', 'presence').map((e) => e.mode);
  return { alice, bob, heard };
}

const rows = async (imNumber: string) =>
  (await w.stores.logins.getRecipient(imNumber))!.connections.map((c) => c.connectionId);

describe('the edges under concurrency', () => {
  it('two last sockets closing at once announce offline', async () => {
    const { alice, heard } = await watched();
    await connect(w.deps, alice.imNumber, 'a1');
    await connect(w.deps, alice.imNumber, 'a2');
    expect(heard()).toEqual(['online']);

    gateWrites(['deleteConnection'], 2);
    await Promise.all([disconnect(w.deps, alice.imNumber, 'a1'), disconnect(w.deps, alice.imNumber, 'a2')]);
    // At least once; both may announce (each read after both deletes): an idempotent repeat.
    expect(heard().slice(1)).toContain('offline');
    expect(new Set(heard().slice(1))).toEqual(new Set(['offline']));
    expect(await rows(alice.imNumber)).toEqual([]);
  });

  it('two first sockets opening at once announce online once (the oldest row announces)', async () => {
    const { alice, heard } = await watched();
    gateWrites(['putConnection'], 2);
    await Promise.all([connect(w.deps, alice.imNumber, 'a1'), connect(w.deps, alice.imNumber, 'a2')]);
    expect(heard()).toEqual(['online']);
  });

  it('a reconnect (the last socket closing while a new one opens) never leaves contacts told offline', async () => {
    const { alice, heard } = await watched();
    await connect(w.deps, alice.imNumber, 'a1');
    gateWrites(['deleteConnection', 'putConnection'], 2);
    await Promise.all([disconnect(w.deps, alice.imNumber, 'a1'), connect(w.deps, alice.imNumber, 'a2')]);
    expect(await rows(alice.imNumber)).toEqual(['a2']);
    expect(heard().at(-1)).toBe('online');
    expect(heard().slice(1)).not.toContain('offline');
  });

  it('manual online while the last socket closes: contacts end with offline, never a lone online', async () => {
    const { alice, heard } = await watched();
    await connect(w.deps, alice.imNumber, 'a1');
    await setPresence(w.deps, alice.imNumber, 'a1', 'offline');
    expect(heard()).toEqual(['online', 'offline']);

    gateWrites(['setMode', 'deleteConnection'], 2);
    await Promise.all([
      setPresence(w.deps, alice.imNumber, 'a1', 'online'),
      disconnect(w.deps, alice.imNumber, 'a1'),
    ]);
    expect(heard().slice(2)).not.toContain('online');
  });

  it('manual offline while the last socket closes: contacts are told offline', async () => {
    const { alice, heard } = await watched();
    await connect(w.deps, alice.imNumber, 'a1');
    gateWrites(['setMode', 'deleteConnection'], 2);
    await Promise.all([
      setPresence(w.deps, alice.imNumber, 'a1', 'offline'),
      disconnect(w.deps, alice.imNumber, 'a1'),
    ]);
    expect(heard().slice(1)).toContain('offline');
    expect(heard().at(-1)).toBe('offline');
  });

  it('manual offline while another device switches it back on: the last word is the mode in force', async () => {
    const { alice, heard } = await watched();
    await connect(w.deps, alice.imNumber, 'a1');
    await connect(w.deps, alice.imNumber, 'a2');
    // The writes land in call order (the gate releases them in order): offline, then online.
    gateWrites(['setMode'], 2);
    await Promise.all([
      setPresence(w.deps, alice.imNumber, 'a1', 'offline'),
      setPresence(w.deps, alice.imNumber, 'a2', 'online'),
    ]);
    expect((await w.stores.users.getUser(alice.imNumber))!.mode).toBe('online');
    // Both read after both writes, and see online: the one whose write replaced offline repeats online (an
    // idempotent repeat); nobody tells contacts offline.
    expect(heard().slice(1)).not.toContain('offline');
    expect(heard().at(-1)).toBe('online');
  });

  it('an expiry noticed while a new socket connects is not announced over it', async () => {
    const { alice, bob, heard } = await watched();
    await connect(w.deps, alice.imNumber, 'a1');
    w.clock.advance(w.deps.config.connectionTtlSeconds * 1000 + 1);
    await keepAlive(w.deps, bob.imNumber, 'b1'); // Bob's socket stayed alive, Alice's went silent
    const stale = (await w.stores.logins.getRecipient(alice.imNumber))!;
    gateWrites(['deleteExpiredConnection', 'putConnection'], 2);
    await Promise.all([noticeExpiry(w.deps, stale, w.clock.now()), connect(w.deps, alice.imNumber, 'a2')]);
    expect(await rows(alice.imNumber)).toContain('a2');
    expect(heard().at(-1)).toBe('online');
    expect(heard().slice(1)).not.toContain('offline');
  });
});

describe('every way a row goes', () => {
  it("a push that finds the last socket gone announces offline, and that socket's late disconnect does not repeat it", async () => {
    const { alice, heard } = await watched();
    const carol = await w.user({ connectionId: 'c1' });
    await connect(w.deps, alice.imNumber, 'a1');
    w.im.gone.add('a1');
    w.clock.advance(HANDSHAKE_WINDOW_MS);
    await sendInstantMessage(
      w.deps,
      { imNumber: carol.imNumber, name: carol.name, connectionId: 'c1' },
      { to: alice.imNumber, text: 'hi', clientId: 'x1' },
    );
    expect(await rows(alice.imNumber)).toEqual([]);
    expect(heard()).toEqual(['online', 'offline']);
    await disconnect(w.deps, alice.imNumber, 'a1');
    expect(heard()).toEqual(['online', 'offline']);
  });

  it('a last disconnect in manual offline mode announces nothing; one with another live socket neither', async () => {
    const { alice, heard } = await watched();
    await connect(w.deps, alice.imNumber, 'a1');
    await connect(w.deps, alice.imNumber, 'a2');
    await disconnect(w.deps, alice.imNumber, 'a1');
    expect(heard()).toEqual(['online']);
    await setPresence(w.deps, alice.imNumber, 'a2', 'offline');
    await disconnect(w.deps, alice.imNumber, 'a2');
    expect(heard()).toEqual(['online', 'offline']);
  });

  it('a refused connect (over the cap) takes its row back without announcing anything', async () => {
    w = coreWorld({ WS_MAX_CONNECTIONS_PER_USER: '1' });
    const { alice, heard } = await watched();
    gateWrites(['putConnection'], 2);
    const outcomes = await Promise.allSettled([
      connect(w.deps, alice.imNumber, 'a1'),
      connect(w.deps, alice.imNumber, 'a2'),
    ]);
    const kept = (await rows(alice.imNumber)).length;
    expect(kept).toBe(outcomes.filter((o) => o.status === 'fulfilled').length);
    // Contacts are told offline only when no row is left, online only while one is.
    if (kept === 0) expect(heard().at(-1) ?? 'offline').toBe('offline');
    else expect(heard().at(-1)).toBe('online');
  });

  it('a getContacts that notices the last expiry announces offline once', async () => {
    const alice = await w.user();
    const bob = await w.user({ connectionId: 'b1' });
    await addContact(w.deps, await owner(bob.imNumber), { imNumber: alice.imNumber });
    await connect(w.deps, alice.imNumber, 'a1');
    w.clock.advance(w.deps.config.connectionTtlSeconds * 1000 + 1);
    await keepAlive(w.deps, bob.imNumber, 'b1');
    await Promise.all([getContacts(w.deps, bob.imNumber), getContacts(w.deps, bob.imNumber)]);
    expect(w.im.eventsOf('b1', 'presence').map((e) => e.mode)).toEqual(['online', 'offline']);
  });
});

it('the login-status store says whether a delete took a row, and which mode a write replaced', async () => {
  const logins: LoginStatusStore = w.stores.logins;
  const alice = await w.user({ connectionId: 'a1' });
  expect(await logins.deleteConnection(alice.imNumber, 'a1')).toBe(true);
  expect(await logins.deleteConnection(alice.imNumber, 'a1')).toBe(false);
  expect(await logins.setMode(alice.imNumber, 'offline')).toBe('online');
  expect(await logins.setMode(alice.imNumber, 'offline')).toBe('offline');
  expect(await logins.setMode('99999999', 'offline')).toBeNull();
});
