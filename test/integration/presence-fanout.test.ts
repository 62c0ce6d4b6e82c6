import { dynamoStores } from '../../shared/adapters/dynamo';
import { ensureTable } from '../../shared/adapters/dynamo-table';
import { getContacts } from '../../shared/core/contacts/book';
import { connect } from '../../shared/core/login-status/presence';
import { coreWorld } from '../support/core-deps';
import { useEmbeddedDynamo } from '../support/embedded-client';

/**
 * What one connect costs with 10, 100 and 1,000 contacts watching, counted on the real SDK against dynalite:
 * writes stay at one (the connection row) whatever the list's size; reads and pushes grow with the watchers,
 * paged. The numbers are printed; docs/benchmark.md has them.
 */
const counts: Record<string, number> = {};
const db = useEmbeddedDynamo(async (client) => {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      counts[context.commandName!] = (counts[context.commandName!] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  await ensureTable(client, 'fanout');
});

const WRITES = ['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand'];
const reset = () => Object.keys(counts).forEach((k) => delete counts[k]);
const sum = (names: string[]) => names.reduce((n, k) => n + (counts[k] ?? 0), 0);

/** 1,000 watchers take minutes to seed on dynalite: `FANOUT_1000=1` adds that row (docs/benchmark.md has it). */
const SIZES = (process.env.FANOUT_1000 ? [10, 100, 1000] : [10, 100]) as Array<10 | 100 | 1000>;

it.each(SIZES)(
  'a connect with %i watchers: one write, paged reads, one push per online watcher',
  async (n) => {
    const w = coreWorld();
    const stores = dynamoStores(db.client(), 'fanout');
    const deps = { ...w.deps, users: stores.users, logins: stores.logins, contacts: stores.contacts };
    const now = w.clock.now();
    const star = `9${String(n).padStart(7, '0')}`;
    await stores.users.createUser({
      imNumber: star,
      name: `s${n}`,
      phone: '+14155550100',
      mode: 'online',
      optedOut: false,
      threads: {},
      createdAt: now,
    });
    let online = 0;
    for (let i = 0; i < n; i++) {
      const watcher = String(10_000_000 + n * 1000 + i);
      await stores.users.createUser({
        imNumber: watcher,
        name: `w${watcher}`,
        phone: '+14155550101',
        mode: 'online',
        optedOut: false,
        threads: {},
        createdAt: now,
      });
      await stores.contacts.addContact(watcher, { kind: 'im', imNumber: star, name: 's', addedAt: now });
      if (i % 10 === 0) {
        await stores.logins.putConnection(watcher, {
          connectionId: `c-${watcher}`,
          connectedAt: now,
          expiresAt: now + 600_000,
        });
        online++;
      }
    }
    reset();
    w.im.pushed.length = 0;
    await connect(deps, star, 'star-1');
    const row = {
      watchers: n,
      writes: sum(WRITES),
      queries: counts.QueryCommand ?? 0,
      gets: counts.GetItemCommand ?? 0,
      pushes: w.im.pushed.length,
    };
    console.log(`presence fan-out ${JSON.stringify(row)}`);
    expect(row.writes).toBe(1);
    expect(row.pushes).toBe(online);
    // Two Queries of the star's own status (before its write, and the connection cap's count after it), the
    // watcher pages (a full page of exactly 100 has an empty one after it; the cap stops at 1,000), and one Query
    // per watcher's status.
    const pages = { 10: 1, 100: 2, 1000: 10 }[n]!;
    expect(row.queries).toBe(2 + pages + n);
    expect(row.gets).toBe(0);
  },
  300_000,
);

it('a getContacts of 30 IM contacts: one Query for the list and one per contact (issue 12 h: not yet bounded)', async () => {
  const w = coreWorld();
  const stores = dynamoStores(db.client(), 'fanout');
  const deps = { ...w.deps, users: stores.users, logins: stores.logins, contacts: stores.contacts };
  const now = w.clock.now();
  const reader = '80000030';
  const profile = (imNumber: string) => ({
    imNumber,
    name: `r${imNumber}`,
    phone: '+14155550102',
    mode: 'online' as const,
    optedOut: false,
    threads: {},
    createdAt: now,
  });
  await stores.users.createUser(profile(reader));
  for (let i = 0; i < 30; i++) {
    const contact = String(81_000_000 + i);
    await stores.users.createUser(profile(contact));
    await stores.contacts.addContact(reader, { kind: 'im', imNumber: contact, name: 'c', addedAt: now });
  }
  reset();
  const list = (await getContacts(deps, reader)) as { contacts: unknown[] };
  const row = { contacts: list.contacts.length, queries: counts.QueryCommand ?? 0, writes: sum(WRITES) };
  console.log(`getContacts ${JSON.stringify(row)}`);
  // bench/phases/presence-fanout.ts measures the same at 10, 100 and 1,000; docs/design.md says how to bound it.
  expect(row).toEqual({ contacts: 30, queries: 31, writes: 0 });
}, 120_000);
