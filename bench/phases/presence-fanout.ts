import { DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startEmbeddedDynamo } from '../../infra/local/embedded-dynamo';
import { dynamoStores } from '../../shared/adapters/dynamo';
import { userKey } from '../../shared/adapters/dynamo/table';
import { ensureTable } from '../../shared/adapters/dynamo-table';
import { memoryStores } from '../../shared/adapters/memory';
import {
  ManualAckScheduler,
  ManualClock,
  MemoryImChannel,
  MemorySmsProvider,
  SequenceIds,
} from '../../shared/adapters/memory/servers';
import { loadConfig } from '../../shared/config';
import { getContacts } from '../../shared/core/contacts/book';
import { connect } from '../../shared/core/login-status/presence';
import { batchPut, type RawItem } from '../db/batch-put';
import type { Deps } from '../../shared/core/ports';

/** One measured row: what one action cost, in DynamoDB requests and pushes, for `contacts` contacts. */
export interface PresenceCostRow {
  action: 'connect (first socket)' | 'getContacts';
  /** IM contacts: watchers of the user who connects, or contacts on the list read. */
  contacts: number;
  /** Of them, how many were online (one socket each). */
  online: number;
  writes: number;
  queries: number;
  gets: number;
  batchGets: number;
  pushes: number;
}

const TABLE = 'bench-presence';
const WRITES = ['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand'];
const SIZES = [10, 100, 1000];

/**
 * The presence rows of `npm run bench` (issue 12): the cost of a first connect with 10, 100 and 1,000 watching
 * contacts (the fan-out), and of one `getContacts` with 10, 100 and 1,000 IM contacts, counted as DynamoDB
 * requests on the real AWS SDK against its own embedded dynalite (the request-count style of
 * test/integration/presence-fanout.test.ts), and pushes on an in-memory IM channel. One in ten contacts is
 * online. `sizes`: the contact counts measured. Writes presence-fanout.{md,json} under `outDir` (bench/results
 * by default) and returns the rows.
 */
export async function runPresenceFanout(outDir: string, sizes: number[] = SIZES): Promise<PresenceCostRow[]> {
  const embedded = await startEmbeddedDynamo();
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: embedded.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const counts: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      counts[context.commandName!] = (counts[context.commandName!] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'benchCountRequests' },
  );
  const rows: PresenceCostRow[] = [];
  try {
    await ensureTable(client, TABLE);
    const stores = dynamoStores(client, TABLE);
    const im = new MemoryImChannel();
    const clock = new ManualClock();
    const { table: _table, ...memoryPorts } = memoryStores();
    const nothing = () => undefined;
    const deps: Deps = {
      ...memoryPorts,
      users: stores.users,
      logins: stores.logins,
      contacts: stores.contacts,
      config: loadConfig({ TABLE_NAME: TABLE, PUBLIC_URL: 'https://im.example.test', LOG_LEVEL: 'silent' }),
      im,
      sms: new MemorySmsProvider(),
      ack: new ManualAckScheduler(),
      clock,
      ids: new SequenceIds(),
      log: { debug: nothing, info: nothing, warn: nothing, error: nothing },
      secrets: {
        jwtSecret: 'bench-secret-that-is-long-enough-0123456789',
        twilioAccountSid: 'AC' + '0'.repeat(32),
      },
    };
    const reset = () => {
      for (const k of Object.keys(counts)) delete counts[k];
      im.pushed.length = 0;
    };
    const row = (action: PresenceCostRow['action'], contacts: number, online: number): PresenceCostRow => ({
      action,
      contacts,
      online,
      writes: WRITES.reduce((n, k) => n + (counts[k] ?? 0), 0),
      queries: counts.QueryCommand ?? 0,
      gets: counts.GetItemCommand ?? 0,
      batchGets: counts.BatchGetItemCommand ?? 0,
      pushes: im.pushed.length,
    });

    for (const n of sizes) {
      const star = `9${String(n).padStart(7, '0')}`;
      const others = Array.from({ length: n }, (_, i) => String(10_000_000 + n * 1000 + i));
      const online = await seedWatchers(client, stores, TABLE, star, others, clock.now());
      reset();
      await connect(deps, star, `star-${n}`);
      rows.push(row('connect (first socket)', n, online));
      reset();
      await getContacts(deps, star);
      rows.push(row('getContacts', n, online));
    }
  } finally {
    client.destroy();
    await embedded.close();
  }
  writeFileSync(path.join(outDir, 'presence-fanout.json'), JSON.stringify(rows, null, 2) + '\n');
  writeFileSync(path.join(outDir, 'presence-fanout.md'), renderPresenceRows(rows));
  return rows;
}

/**
 * Registers `star` and its `others`, each a watcher of the star and a contact on the star's list; every tenth
 * other (its number a multiple of 10) has a connection. Returns how many are online. The star, the first online
 * other and the first offline one go through the system's stores (createUser, addContact both ways,
 * putConnection), as the measured code would find them; the rows those writes made that name a template (its
 * profile, its roster and watcher rows, the star's rows for it, its connection) are then copied for every other
 * with the number swapped, in batches (`batchPut`), and the star's profile gets what its other adds would have
 * moved: each number the templates' adds changed on it, moved as many times as there are others. The same rows
 * as seeding every other through the stores (test/integration/bench-presence-seed.test.ts checks it), in a
 * fraction of the requests: on dynalite 1,000 watchers' nine requests each took minutes. `now`: epoch ms, every
 * row's time. The benchmark's own requests, made before the measured ones are counted.
 */
export async function seedWatchers(
  client: DynamoDBClient,
  stores: ReturnType<typeof dynamoStores>,
  table: string,
  star: string,
  others: string[],
  now: number,
): Promise<number> {
  const user = (imNumber: string) => ({
    imNumber,
    name: `b${imNumber}`,
    phone: '+14155550100',
    mode: 'online' as const,
    optedOut: false,
    threads: {},
    createdAt: now,
  });
  const isOnline = (other: string) => Number(other) % 10 === 0;
  const starKey = { pk: { S: userKey(star).pk }, sk: { S: userKey(star).sk } };
  const starProfile = async () => {
    const { Item } = await client.send(
      new GetItemCommand({ TableName: table, Key: starKey, ConsistentRead: true }),
    );
    if (!Item) throw new Error('presence fan-out: the star was not stored');
    return Item;
  };
  await stores.users.createUser(user(star));
  const before = await starProfile();
  const templates = [others.find(isOnline), others.find((o) => !isOnline(o))].filter(
    (t): t is string => t !== undefined,
  );
  for (const other of templates) {
    await stores.users.createUser(user(other));
    // A watcher of the star, and a contact on the star's list.
    await stores.contacts.addContact(other, { kind: 'im', imNumber: star, name: 's', addedAt: now });
    await stores.contacts.addContact(star, { kind: 'im', imNumber: other, name: 'o', addedAt: now });
    if (isOnline(other)) {
      await stores.logins.putConnection(other, {
        connectionId: `c-${other}`,
        connectedAt: now,
        expiresAt: now + 600_000,
      });
    }
  }
  const after = await starProfile();
  const rows = await scanAll(client, table);
  const names = (row: RawItem, imNumber: string) =>
    Object.values(row).some((v) => v.S !== undefined && v.S.includes(imNumber));
  const rowsOf = new Map(templates.map((t) => [t, rows.filter((row) => names(row, t))]));
  const copies = others
    .filter((o) => !templates.includes(o))
    .flatMap((other) => {
      const template = templates.find((t) => isOnline(t) === isOnline(other))!;
      return rowsOf.get(template)!.map((row) => swapIn(row, template, other));
    });
  // Each add moved the star's counters by the same step; the others' adds move them `others.length` times.
  const profile: RawItem = { ...after };
  for (const [k, v] of Object.entries(after)) {
    if (v.N === undefined) continue;
    const from = Number(before[k]?.N ?? 0);
    const step = (Number(v.N) - from) / templates.length;
    if (!Number.isInteger(step)) throw new Error(`presence fan-out: the star's ${k} moved unevenly`);
    profile[k] = { N: String(from + step * others.length) };
  }
  await batchPut(client, table, [...copies, profile]);
  return others.filter(isOnline).length;
}

/** Every row of `table` (a Scan, following LastEvaluatedKey). */
async function scanAll(client: DynamoDBClient, table: string): Promise<RawItem[]> {
  const rows: RawItem[] = [];
  let start: RawItem | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    rows.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return rows;
}

/** `row` with `from` replaced by `to` in every string (keys, numbers in names and connection ids). */
function swapIn(row: RawItem, from: string, to: string): RawItem {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, v.S !== undefined ? { S: v.S.split(from).join(to) } : v]),
  );
}

/** The rows as a Markdown table, with what they mean. */
export function renderPresenceRows(rows: PresenceCostRow[]): string {
  const lines = [
    '# Presence fan-out and getContacts cost',
    '',
    'DynamoDB requests (real AWS SDK against dynalite) and pushes for one action, by the number of IM contacts;',
    'one in ten contacts online. `connect` is a user’s first socket, told to its watchers; `getContacts` is one',
    'read of a list of that many IM contacts, each with its presence (bench/phases/presence-fanout.ts).',
    '',
    '| Action | IM contacts | Online | Writes | Queries | Gets | BatchGets | Pushes |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.action} | ${r.contacts} | ${r.online} | ${r.writes} | ${r.queries} | ${r.gets} | ${r.batchGets} | ${r.pushes} |`,
    ),
    '',
  ];
  return lines.join('\n');
}
