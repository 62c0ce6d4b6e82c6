import { sendInstantMessage } from '../../../shared/core/delivery/send-im';
import {
  admitFrame,
  connect,
  disconnect,
  FRAME_BLOCK,
  keepAlive,
  setPresence,
} from '../../../shared/core/login-status/presence';
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

describe('frame limits, charged in blocks', () => {
  /** A world whose rate store counts its writes. */
  function counted(env: Record<string, string>) {
    const world = coreWorld(env);
    const spends: number[] = [];
    const inner = world.deps.rates;
    const rates = {
      ...inner,
      hitRateLimit: inner.hitRateLimit.bind(inner),
      spendBudget: async (...args: Parameters<typeof inner.spendBudget>) => {
        spends.push(args[2][0].amount);
        return inner.spendBudget(...args);
      },
    };
    return { world, deps: { ...world.deps, rates }, spends };
  }
  const outcome = (p: Promise<void>) =>
    p.then(
      () => 'ok',
      (err: { code?: string }) => err.code ?? 'threw',
    );

  it('charges a block of frames in one write, and admits the rest of the block without one', async () => {
    const { deps, spends } = counted({ WS_FRAMES_PER_CONNECTION: '100', WS_FRAMES_PER_USER: '300' });
    for (let i = 0; i < FRAME_BLOCK * 2; i++) await admitFrame(deps, '10000001', 'c1');
    expect(spends).toEqual([FRAME_BLOCK, FRAME_BLOCK]);
  });

  it('never admits more than a limit: near it, a frame is charged alone', async () => {
    const { deps, spends } = counted({ WS_FRAMES_PER_CONNECTION: '12', WS_FRAMES_PER_USER: '300' });
    const answers: string[] = [];
    for (let i = 0; i < 14; i++) answers.push(await outcome(admitFrame(deps, '10000001', 'c1')));
    expect(answers).toEqual([...Array(12).fill('ok'), 'rate_limited', 'rate_limited']);
    // A block of 10; then 11 and 12 alone (a block would pass 12); then the refused tries, block and alone.
    expect(spends).toEqual([10, 10, 1, 10, 1, 10, 1, 10, 1]);
  });

  it("a user's other connection may use what a block left unused only once the window turns", async () => {
    const { world, deps } = counted({
      WS_FRAMES_PER_CONNECTION: '100',
      WS_FRAMES_PER_USER: '15',
      WS_RATE_WINDOW_SECONDS: '10',
    });
    // The clock starts on a window edge (1,800,000,000,000 ms). c1 charges a block of 10 and uses 1.
    await admitFrame(deps, '10000001', 'c1');
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) answers.push(await outcome(admitFrame(deps, '10000001', 'c2')));
    // 5 fit beside c1's block of 10: the user's limit holds against frames charged, used or not.
    expect(answers).toEqual([...Array(5).fill('ok'), 'rate_limited']);
    world.clock.advance(10_000);
    expect(await outcome(admitFrame(deps, '10000001', 'c2'))).toBe('ok');
  });
});

describe('a $connect that fails after writing its row', () => {
  // No $disconnect follows a refused $connect (API Gateway's rule, and the local gateway's), so the row would
  // stand for a socket that never opened until its expiry or a push's 410.
  const failAfterPut = (port: 'count' | 'announce') => {
    const logins = w.deps.logins;
    let put = false;
    const realPut = logins.putConnection.bind(logins);
    logins.putConnection = async (...args) => {
      put = true;
      return realPut(...args);
    };
    if (port === 'count') {
      const realGet = logins.getRecipient.bind(logins);
      logins.getRecipient = async (...args) => {
        if (put) {
          put = false; // once: the test reads the table afterwards
          throw new Error('ProvisionedThroughputExceededException');
        }
        return realGet(...args);
      };
    } else {
      w.deps.contacts.watchers = async () => {
        throw new Error('ProvisionedThroughputExceededException');
      };
    }
  };

  it.each(['count', 'announce'] as const)(
    'takes its row back when the %s fails, and still fails',
    async (port) => {
      const bob = await w.user();
      failAfterPut(port);
      await expect(connect(w.deps, bob.imNumber, 'b1')).rejects.toThrow(
        'ProvisionedThroughputExceededException',
      );
      expect(await live(bob.imNumber)).toEqual([]);
    },
  );
});
