import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../../shared/adapters/dynamo-table';
import { OnlineSet, Population, recipientAt } from '../../bench/load/population';
import { useEmbeddedDynamo } from '../support/embedded-client';

/**
 * A quick run writes its measured level's users while its request-count level runs (preseedRecipients), so the
 * level itself only lists them: the rows are the same, written once.
 */
let batches = 0;
let puts = 0;
const db = useEmbeddedDynamo(async (client) => {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'BatchWriteItemCommand') batches++;
      if (context.commandName === 'PutItemCommand' || context.commandName === 'PutCommand') puts++;
      return next(args);
    },
    { step: 'initialize', name: 'countBatches' },
  );
  await ensureTable(client, 'bench-pop');
});

const profileOf = async (i: number) =>
  (
    await db.client().send(
      new GetItemCommand({
        TableName: 'bench-pop',
        Key: { pk: { S: `USER#${recipientAt(i).imNumber}` }, sk: { S: 'PROFILE' } },
      }),
    )
  ).Item;

describe('bench population: rows written ahead', () => {
  it('refuses to write ahead before the template user exists', () => {
    const population = new Population(db.client(), 'bench-pop', 'secret-that-is-long-enough-0123456789');
    expect(() => population.preseedRecipients(5)).toThrow('seed the senders first');
  });

  it('writes the rows ahead without listing them, then lists them without writing them again', async () => {
    const population = new Population(db.client(), 'bench-pop', 'secret-that-is-long-enough-0123456789');
    await population.seedSenders(2);
    await population.seedRecipients(3);
    expect(population.recipients.map((u) => u.imNumber)).toEqual(
      [0, 1, 2].map((i) => recipientAt(i).imNumber),
    );
    expect(await profileOf(20)).toBeUndefined();

    const ahead = population.preseedRecipients(30);
    expect(population.recipients).toHaveLength(3);
    await ahead;
    expect(population.recipients).toHaveLength(3);
    expect((await profileOf(29))?.pk.S).toBe(`USER#${recipientAt(29).imNumber}`);
    expect(await profileOf(30)).toBeUndefined();

    const before = batches;
    await population.seedRecipients(30);
    expect(batches).toBe(before);
    expect(population.recipients).toHaveLength(30);
    expect(population.recipients[29]).toEqual(recipientAt(29));

    // Past the rows written ahead: only the new ones are written.
    await population.seedRecipients(31);
    expect(batches).toBe(before + 1);
    expect((await profileOf(30))?.pk.S).toBe(`USER#${recipientAt(30).imNumber}`);
  });
});

describe('bench online set: connections set up ahead', () => {
  const connections = async (population: Population, i: number) =>
    (await population.store.logins.getRecipient(recipientAt(i).imNumber))?.connections.length ?? 0;

  it('writes rows past the list ahead, then takes them as they are when they come online', async () => {
    const population = new Population(db.client(), 'bench-pop', 'secret-that-is-long-enough-0123456789');
    await population.seedSenders(2);
    await population.seedRecipients(40);
    // Rows only (no sockets: a cap of 0), so no stack is needed.
    const online = new OnlineSet(population, 'ws://127.0.0.1:9/ws', 0);
    await population.preseedRecipients(60);
    await expect(online.park([], [5])).rejects.toThrow('recipient 5 is listed, online or parked already');

    await online.park([], [45, 46]);
    expect(online.online).toBe(0);
    expect(online.offline()).toHaveLength(40);
    expect(await connections(population, 45)).toBe(1);

    await population.seedRecipients(50);
    const before = puts;
    await online.setOnline(47);
    expect(online.online).toBe(47);
    expect(online.offline()).toEqual([47, 48, 49]);
    // 45 and 46 were written ahead: only the other 45 rows now.
    expect(puts - before).toBe(45);
    expect(await connections(population, 46)).toBe(1);

    // A parked recipient left offline in the list would be drawn as offline while the system has it online.
    await online.park([], [55]);
    await population.seedRecipients(60);
    await expect(online.setOnline(47)).rejects.toThrow('recipient 55 is parked, not made online');
  });
});
