import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { seedWatchers } from '../../bench/phases/presence-fanout';
import { dynamoStores } from '../../shared/adapters/dynamo';
import { ensureTable } from '../../shared/adapters/dynamo-table';
import { useEmbeddedDynamo } from '../support/embedded-client';

/**
 * The presence fan-out's seeding (bench/phases/presence-fanout.ts) copies two template watchers' rows in batches
 * instead of writing every watcher through the stores: the table must end up exactly as if it had.
 */
const db = useEmbeddedDynamo(async (client) => {
  await ensureTable(client, 'seed-copied');
  await ensureTable(client, 'seed-stores');
});

const NOW = 1_790_000_000_000;
const STAR = '90000023';
// 23 watchers, numbers 10023000..10023022: 3 online (the multiples of 10), 20 not.
const OTHERS = Array.from({ length: 23 }, (_, i) => String(10_023_000 + i));

async function rowsOf(table: string): Promise<string[]> {
  const rows: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await db
      .client()
      .send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }));
    rows.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  // Attribute order is not part of a row.
  const canonical = (row: Record<string, AttributeValue>) =>
    JSON.stringify(Object.fromEntries(Object.entries(row).sort(([a], [b]) => a.localeCompare(b))));
  return rows.map(canonical).sort();
}

/** What the benchmark did before: every watcher through the stores, one request at a time. */
async function seedThroughStores(table: string): Promise<void> {
  const stores = dynamoStores(db.client(), table);
  const user = (imNumber: string) => ({
    imNumber,
    name: `b${imNumber}`,
    phone: '+14155550100',
    mode: 'online' as const,
    optedOut: false,
    threads: {},
    createdAt: NOW,
  });
  await stores.users.createUser(user(STAR));
  for (const other of OTHERS) {
    await stores.users.createUser(user(other));
    await stores.contacts.addContact(other, { kind: 'im', imNumber: STAR, name: 's', addedAt: NOW });
    await stores.contacts.addContact(STAR, { kind: 'im', imNumber: other, name: 'o', addedAt: NOW });
    if (Number(other) % 10 === 0) {
      await stores.logins.putConnection(other, {
        connectionId: `c-${other}`,
        connectedAt: NOW,
        expiresAt: NOW + 600_000,
      });
    }
  }
}

describe('bench presence fan-out: seeding by template copies', () => {
  it('writes the same rows as seeding every watcher through the stores', async () => {
    const online = await seedWatchers(
      db.client(),
      dynamoStores(db.client(), 'seed-copied'),
      'seed-copied',
      STAR,
      OTHERS,
      NOW,
    );
    await seedThroughStores('seed-stores');

    expect(online).toBe(3);
    const copied = await rowsOf('seed-copied');
    // The star's profile, and per watcher its profile, both contact rows, both watcher rows; 3 connections.
    expect(copied).toHaveLength(1 + 23 * 5 + 3);
    expect(copied).toEqual(await rowsOf('seed-stores'));
    expect(copied.find((r) => r.includes(`"USER#${STAR}"`) && r.includes('"PROFILE"'))).toContain(
      '"contactsCount":{"N":"23"}',
    );
  });
});
