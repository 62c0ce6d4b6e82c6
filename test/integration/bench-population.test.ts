import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../infra/local/embedded-dynamo';
import { ensureTable } from '../../shared/adapters/dynamo-table';
import { Population, recipientAt } from '../../bench/load/population';

/**
 * A quick run writes its measured level's users while its request-count level runs (preseedRecipients), so the
 * level itself only lists them: the rows are the same, written once.
 */
let embedded: EmbeddedDynamo;
let client: DynamoDBClient;
let batches = 0;
beforeAll(async () => {
  embedded = await startEmbeddedDynamo();
  client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: embedded.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'BatchWriteItemCommand') batches++;
      return next(args);
    },
    { step: 'initialize', name: 'countBatches' },
  );
  await ensureTable(client, 'bench-pop');
});
afterAll(async () => {
  client.destroy();
  await embedded.close();
});

const profileOf = async (i: number) =>
  (
    await client.send(
      new GetItemCommand({
        TableName: 'bench-pop',
        Key: { pk: { S: `USER#${recipientAt(i).imNumber}` }, sk: { S: 'PROFILE' } },
      }),
    )
  ).Item;

describe('bench population: rows written ahead', () => {
  it('refuses to write ahead before the template user exists', () => {
    const population = new Population(client, 'bench-pop', 'secret-that-is-long-enough-0123456789');
    expect(() => population.preseedRecipients(5)).toThrow('seed the senders first');
  });

  it('writes the rows ahead without listing them, then lists them without writing them again', async () => {
    const population = new Population(client, 'bench-pop', 'secret-that-is-long-enough-0123456789');
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
