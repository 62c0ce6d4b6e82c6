import fc from 'fast-check';
import { judge, liveConnections } from '../../../shared/core/judgement/judge';
import { chooseServiceNumber } from '../../../shared/core/im-sms/service-numbers';
import type { Recipient, UserProfile } from '../../../shared/core/types';

const NOW = 1_800_000_000_000;
const profile = (over: Partial<UserProfile> = {}): UserProfile => ({
  imNumber: '12345678',
  name: 'bob',
  phone: '+12125550100',
  mode: 'online',
  optedOut: false,
  threads: {},
  createdAt: 0,
  ...over,
});
const conn = (id: string, expiresAt: number) => ({ connectionId: id, connectedAt: 0, expiresAt });

describe('the routing judgement', () => {
  it('is IM for a recipient online with a live connection', () => {
    expect(judge({ profile: profile(), connections: [conn('a', NOW + 1)] }, NOW)).toBe('im');
  });

  it('is SMS with no connection', () => {
    expect(judge({ profile: profile(), connections: [] }, NOW)).toBe('sms');
  });

  it('is SMS in manual offline mode even with a live connection', () => {
    expect(judge({ profile: profile({ mode: 'offline' }), connections: [conn('a', NOW + 1)] }, NOW)).toBe(
      'sms',
    );
  });

  it('is SMS when every connection is past its expiry', () => {
    expect(judge({ profile: profile(), connections: [conn('a', NOW), conn('b', NOW - 5)] }, NOW)).toBe('sms');
  });

  it('counts only unexpired connections as live', () => {
    const r: Recipient = { profile: profile(), connections: [conn('old', NOW - 1), conn('new', NOW + 1)] };
    expect(liveConnections(r, NOW).map((c) => c.connectionId)).toEqual(['new']);
  });

  it('is IM exactly when mode is online and some connection expires after now (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'online' | 'offline'>('online', 'offline'),
        fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 6 }),
        (mode, offsets) => {
          const r = {
            profile: profile({ mode }),
            connections: offsets.map((o, i) => conn(`c${i}`, NOW + o)),
          };
          const expected = mode === 'online' && offsets.some((o) => o > 0) ? 'im' : 'sms';
          return judge(r, NOW) === expected;
        },
      ),
    );
  });
});

describe('choosing the service number', () => {
  const pool = ['+15005550100', '+15005550101', '+15005550102'];

  it('keeps the number already bound to the contact, without a write', () => {
    const threads = { [pool[1]]: { peer: 'alice', at: NOW - 1000 } };
    expect(chooseServiceNumber(pool, threads, 'alice', NOW)).toEqual({ number: pool[1], rebind: null });
  });

  it('re-stamps a binding older than a day', () => {
    const threads = { [pool[1]]: { peer: 'alice', at: NOW - 2 * 86_400_000 } };
    expect(chooseServiceNumber(pool, threads, 'alice', NOW).rebind).toEqual({ peer: 'alice', at: NOW });
  });

  it('binds a new contact to a free number', () => {
    const threads = { [pool[0]]: { peer: 'alice', at: NOW } };
    expect(chooseServiceNumber(pool, threads, 'carol', NOW)).toEqual({
      number: pool[1],
      rebind: { peer: 'carol', at: NOW },
    });
  });

  it('rebinds the least recently used number when all are taken', () => {
    const threads = {
      [pool[0]]: { peer: 'a', at: NOW - 10 },
      [pool[1]]: { peer: 'b', at: NOW - 30 },
      [pool[2]]: { peer: 'c', at: NOW - 20 },
    };
    expect(chooseServiceNumber(pool, threads, 'd', NOW)).toEqual({
      number: pool[1],
      rebind: { peer: 'd', at: NOW },
    });
  });

  it('always returns a pool number, and the bound one when there is one (property)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom(...pool),
          fc.record({ peer: fc.constantFrom('a', 'b', 'c', 'd'), at: fc.nat() }),
        ),
        fc.constantFrom('a', 'b', 'c', 'd', 'e'),
        (threads, peer) => {
          const choice = chooseServiceNumber(pool, threads, peer, NOW);
          const bound = pool.find((n) => threads[n]?.peer === peer);
          return pool.includes(choice.number) && (!bound || choice.number === bound);
        },
      ),
    );
  });
});
