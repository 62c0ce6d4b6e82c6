import { acknowledge } from '../../../shared/core/delivery/ack';
import {
  addSample,
  connectionWait,
  INITIAL_WAIT_MS,
  learnedStats,
  messageWait,
  MIN_WAIT_MS,
  waitBucket,
  type WaitSettings,
} from '../../../shared/core/delivery/ack-wait';
import { sendInstantMessage } from '../../../shared/core/delivery/send-im';
import { keepAlive } from '../../../shared/core/login-status/presence';
import type { Connection } from '../../../shared/core/types';
import { coreWorld, type CoreWorld } from '../../support/core-deps';

/**
 * The ack wait (docs/design.md "The ack wait"): RFC 6298's SRTT + 4·RTTVAR per connection, floored, capped by
 * ACK_TIMEOUT_MS, the floor for a silent connection, the longest over the devices the push reached; and how the
 * ack feeds it, on the in-memory ports.
 */
const S: WaitSettings = { ceilingMs: 15_000, silentAfterMs: 330_000 };
const NOW = 1_800_000_000_000;
const conn = (over: Partial<Connection> = {}): Connection => ({
  connectionId: 'c',
  connectedAt: NOW - 1_000,
  expiresAt: NOW + 600_000,
  ...over,
});

describe('one connection’s wait', () => {
  it('is the initial wait before any ack, the floor for a fast link, SRTT + 4·RTTVAR for a slow one', () => {
    expect(connectionWait(conn(), NOW, S)).toBe(INITIAL_WAIT_MS);
    expect(connectionWait(conn({ srtt: 300, rttvar: 150, samples: 9 }), NOW, S)).toBe(MIN_WAIT_MS);
    expect(connectionWait(conn({ srtt: 900, rttvar: 700, samples: 9 }), NOW, S)).toBe(900 + 4 * 700);
  });

  it('is always the ceiling with ACK_WAIT=fixed, the rule before', () => {
    const fixed = { ...S, fixed: true };
    expect(connectionWait(conn(), NOW, fixed)).toBe(15_000);
    expect(connectionWait(conn({ srtt: 300, rttvar: 150, samples: 9 }), NOW, fixed)).toBe(15_000);
  });

  it('never passes ACK_TIMEOUT_MS, which wins even under the floor', () => {
    expect(connectionWait(conn({ srtt: 9_000, rttvar: 4_000, samples: 9 }), NOW, S)).toBe(15_000);
    expect(connectionWait(conn(), NOW, { ...S, ceilingMs: 1_500 })).toBe(1_500);
  });

  it('is the floor for a connection silent past its keep-alives, whatever it showed before', () => {
    const slow = { srtt: 900, rttvar: 700, samples: 9 };
    expect(connectionWait(conn({ ...slow, seenAt: NOW - 330_000 }), NOW, S)).toBe(3_700);
    expect(connectionWait(conn({ ...slow, seenAt: NOW - 330_001 }), NOW, S)).toBe(MIN_WAIT_MS);
    // Never heard from since connecting counts from the connect.
    expect(connectionWait(conn({ connectedAt: NOW - 400_000 }), NOW, S)).toBe(MIN_WAIT_MS);
  });
});

describe('a message’s wait', () => {
  it('is the longest wait of the connections the push reached, and 0 when it reached none', () => {
    const fast = conn({ connectionId: 'a', srtt: 100, rttvar: 20, samples: 5 });
    const slow = conn({ connectionId: 'b', srtt: 1_000, rttvar: 500, samples: 5 });
    expect(
      messageWait(
        [
          { connection: fast, pushed: true },
          { connection: slow, pushed: true },
        ],
        NOW,
        S,
      ),
    ).toBe(3_000);
    expect(
      messageWait(
        [
          { connection: fast, pushed: true },
          { connection: slow, pushed: false },
        ],
        NOW,
        S,
      ),
    ).toBe(MIN_WAIT_MS);
    expect(messageWait([{ connection: slow, pushed: false }], NOW, S)).toBe(0);
    expect(messageWait([], NOW, S)).toBe(0);
  });
});

describe('learning from acks (RFC 6298 §2.2, §2.3)', () => {
  it('sets SRTT = R, RTTVAR = R/2 on the first sample, then smooths with α = 1/8, β = 1/4', () => {
    const first = addSample({}, 400, 15_000);
    expect(first).toEqual({ srtt: 400, rttvar: 200, samples: 1 });
    // RTTVAR ← 3/4·200 + 1/4·|400 − 1200| = 350; SRTT ← 7/8·400 + 1/8·1200 = 500.
    expect(addSample(first, 1_200, 15_000)).toEqual({ srtt: 500, rttvar: 350, samples: 2 });
  });

  it('caps a sample at the ceiling, so one long stall teaches "wait the ceiling", no more', () => {
    expect(addSample({}, 600_000, 15_000)).toEqual({ srtt: 15_000, rttvar: 7_500, samples: 1 });
  });

  it('keeps an ack’s stats only when they move the wait to another bucket', () => {
    const steady = { srtt: 300, rttvar: 100, samples: 10, seenAt: NOW - 1_000, connectedAt: NOW - 9_000 };
    // At the floor before and after: nothing to write, whenever the row was last written.
    expect(learnedStats(steady, 320, NOW, S)).toBeUndefined();
    expect(learnedStats({ ...steady, seenAt: NOW - 600_000 }, 320, NOW, S)).toBeUndefined();
    // The first sample takes a connection from the initial wait to the floor: one write.
    expect(learnedStats({ connectedAt: NOW - 9_000 }, 300, NOW, S)).toEqual({
      srtt: 300,
      rttvar: 150,
      samples: 1,
      seenAt: NOW,
    });
    // A stall: RTTVAR grows by a quarter of the miss, the wait leaves the floor's bucket.
    const stalled = learnedStats(steady, 6_000, NOW, S)!;
    expect(stalled).toMatchObject({ samples: 11, seenAt: NOW });
    expect(waitBucket(connectionWait(conn(stalled), NOW, S))).toBeGreaterThan(waitBucket(MIN_WAIT_MS));
    // ACK_WAIT=fixed: every wait is the ceiling, so nothing is ever written.
    expect(learnedStats(steady, 6_000, NOW, { ...S, fixed: true })).toBeUndefined();
  });
});

describe('on the in-memory ports', () => {
  let w: CoreWorld;
  beforeEach(() => {
    w = coreWorld();
  });

  async function exchange(
    sender: { imNumber: string; name: string; connectionId: string },
    to: string,
    i: number,
  ) {
    await sendInstantMessage(w.deps, sender, { to, text: 'hi', clientId: `c${i}` });
    const [{ messageId, delayMs }] = w.ack.scheduled.splice(0);
    return { messageId, delayMs };
  }

  it('schedules each check with the wait its recipient’s connection has earned, and a late ack lengthens it', async () => {
    const alice = await w.user({ connectionId: 'A' });
    const bob = await w.user({ connectionId: 'B' });
    const sender = { imNumber: alice.imNumber, name: alice.name, connectionId: 'A' };

    // Nothing known yet: the initial wait.
    const first = await exchange(sender, bob.imNumber, 0);
    expect(first.delayMs).toBe(INITIAL_WAIT_MS);
    w.clock.advance(300);
    await acknowledge(w.deps, bob.imNumber, first.messageId, 'B');
    const row = (await w.stores.logins.getRecipient(bob.imNumber))!.connections[0];
    expect(row).toMatchObject({ srtt: 300, rttvar: 150, samples: 1, seenAt: w.clock.now() });

    // A fast link: the floor.
    const second = await exchange(sender, bob.imNumber, 1);
    expect(second.delayMs).toBe(MIN_WAIT_MS);
    w.clock.advance(300);
    await acknowledge(w.deps, bob.imNumber, second.messageId, 'B');

    // The link stalls: the check fires first (SMS), and the ack 8 s late still teaches the connection.
    const third = await exchange(sender, bob.imNumber, 2);
    w.ack.scheduled.push({ messageId: third.messageId, delayMs: third.delayMs });
    w.clock.advance(third.delayMs);
    await w.fireAckChecks();
    expect(w.sms.inbox(bob.phone)).toHaveLength(1);
    w.clock.advance(8_000 - third.delayMs);
    await acknowledge(w.deps, bob.imNumber, third.messageId, 'B');
    const fourth = await exchange(sender, bob.imNumber, 3);
    expect(fourth.delayMs).toBeGreaterThan(5_000);
    expect(fourth.delayMs).toBeLessThanOrEqual(w.deps.config.ackTimeoutMs);
  });

  it('a steady link writes its row once (initial wait → floor), then never', async () => {
    const alice = await w.user({ connectionId: 'A' });
    const bob = await w.user({ connectionId: 'B' });
    const sender = { imNumber: alice.imNumber, name: alice.name, connectionId: 'A' };
    const writes = jest.spyOn(w.stores.logins, 'recordLink');
    for (let i = 0; i < 100; i++) {
      const { messageId, delayMs } = await exchange(sender, bob.imNumber, i);
      expect(delayMs).toBe(i === 0 ? INITIAL_WAIT_MS : MIN_WAIT_MS);
      w.clock.advance(250 + (i % 7) * 60);
      await acknowledge(w.deps, bob.imNumber, messageId, 'B');
      w.clock.advance(1_000);
    }
    expect(writes).toHaveBeenCalledTimes(1);
  });

  it('racing acks: the first write wins; one computed from stats since replaced is refused', async () => {
    const alice = await w.user({ connectionId: 'A' });
    const bob = await w.user({ connectionId: 'B' });
    const sender = { imNumber: alice.imNumber, name: alice.name, connectionId: 'A' };
    // Two messages out before either ack: both saw a connection with no stats.
    const early = await exchange(sender, bob.imNumber, 0);
    w.clock.advance(100);
    const late = await exchange(sender, bob.imNumber, 1);
    // The later one's ack comes first, after a stall (9.9 s): the wait grows.
    w.clock.advance(9_900);
    await acknowledge(w.deps, bob.imNumber, late.messageId, 'B');
    const stalled = (await w.stores.logins.getRecipient(bob.imNumber))!.connections[0];
    expect(stalled).toMatchObject({ srtt: 9_900, samples: 1 });
    // The earlier one's ack, computed from "no stats", would have set the floor: refused, the stall stays learned.
    await acknowledge(w.deps, bob.imNumber, early.messageId, 'B');
    expect((await w.stores.logins.getRecipient(bob.imNumber))!.connections[0]).toEqual(stalled);
    expect((await w.stores.messages.getMessage(early.messageId))!.status).toBe('delivered');
    expect((await exchange(sender, bob.imNumber, 2)).delayMs).toBe(w.deps.config.ackTimeoutMs);
  });

  it('a ping stamps the connection as heard from; a silent one gets the floor whatever its history', async () => {
    const alice = await w.user({ connectionId: 'A' });
    const bob = await w.user({ connectionId: 'B' });
    await w.stores.logins.recordLink(bob.imNumber, 'B', {
      srtt: 2_000,
      rttvar: 1_000,
      samples: 9,
      seenAt: w.clock.now(),
    });
    const sender = { imNumber: alice.imNumber, name: alice.name, connectionId: 'A' };
    expect((await exchange(sender, bob.imNumber, 0)).delayMs).toBe(6_000);
    w.clock.advance(340_000);
    await keepAlive(w.deps, alice.imNumber, 'A');
    expect((await exchange(sender, bob.imNumber, 1)).delayMs).toBe(MIN_WAIT_MS);
    await keepAlive(w.deps, bob.imNumber, 'B');
    expect((await exchange(sender, bob.imNumber, 2)).delayMs).toBe(6_000);
  });

  it('a push that fails on the slow device schedules a second, earlier check for the one it reached', async () => {
    const alice = await w.user({ connectionId: 'A' });
    const bob = await w.user({ connectionId: 'B' });
    const now = w.clock.now();
    await w.stores.logins.putConnection(bob.imNumber, {
      connectionId: 'B2',
      connectedAt: now,
      expiresAt: now + 600_000,
    });
    await w.stores.logins.recordLink(bob.imNumber, 'B', { srtt: 200, rttvar: 50, samples: 9, seenAt: now });
    await w.stores.logins.recordLink(bob.imNumber, 'B2', {
      srtt: 2_000,
      rttvar: 1_000,
      samples: 9,
      seenAt: now,
    });
    w.im.failing.add('B2');
    const sender = { imNumber: alice.imNumber, name: alice.name, connectionId: 'A' };
    await sendInstantMessage(w.deps, sender, { to: bob.imNumber, text: 'hi', clientId: 'c0' });
    expect(w.ack.scheduled.map((s) => s.delayMs)).toEqual([6_000, MIN_WAIT_MS]);
  });

  it('an ack with no snapshot (sent before this rule) or on another connection changes no stats', async () => {
    const alice = await w.user({ connectionId: 'A' });
    const bob = await w.user({ connectionId: 'B' });
    const sender = { imNumber: alice.imNumber, name: alice.name, connectionId: 'A' };
    const { messageId } = await exchange(sender, bob.imNumber, 0);
    const writes = jest.spyOn(w.stores.logins, 'recordLink');
    await acknowledge(w.deps, bob.imNumber, messageId, 'not-pushed-here');
    expect(writes).not.toHaveBeenCalled();
    expect((await w.stores.messages.getMessage(messageId))!.status).toBe('delivered');
  });
});
