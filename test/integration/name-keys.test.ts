import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoStores } from '../../shared/adapters/dynamo';
import { ensureTable } from '../../shared/adapters/dynamo-table';
import { memoryStores } from '../../shared/adapters/memory';
import { legacyNameKey, nameKey } from '../../shared/core/provisioning/names';
import type { UserDirectory } from '../../shared/core/ports';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../infra/local/embedded-dynamo';

/**
 * Names claimed before look-alike keys (issue 14, item 14) keep their row under the old key (NFC, lower-cased).
 * Both user directories still find them, and nobody can claim the same name under its new key.
 */
let embedded: EmbeddedDynamo;
let client: DynamoDBClient;
beforeAll(async () => {
  embedded = await startEmbeddedDynamo();
  client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: embedded.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureTable(client, 'names');
});
afterAll(async () => {
  client.destroy();
  await embedded.close();
});

async function withLegacyRow(kind: 'dynamo' | 'memory'): Promise<UserDirectory> {
  if (kind === 'memory') {
    const stores = memoryStores();
    stores.table.names.set(legacyNameKey('Mary'), '11111111');
    return stores.users;
  }
  const stores = dynamoStores(client, 'names');
  await stores.table.doc.send(
    new PutCommand({
      TableName: 'names',
      Item: { pk: `NAME#${legacyNameKey('Mary')}`, sk: 'NAME', imNumber: '11111111' },
    }),
  );
  return stores.users;
}

it('the new key of "Mary" differs from its old one (m looks like rn)', () =>
  expect(nameKey('Mary')).not.toBe(legacyNameKey('Mary')));

describe.each(['dynamo', 'memory'] as const)('a name claimed under its old key (%s)', (kind) => {
  it('is still found, and blocks a new claim of it or of a look-alike', async () => {
    const users = await withLegacyRow(kind);
    expect(await users.findByName('mary')).toBe('11111111');
    expect(await users.claimName('Mary', '22222222')).toBe(false);
    expect(await users.findByName('rnary')).toBeNull(); // a look-alike the old key never covered
    expect(await users.claimName('nobody', '22222222')).toBe(true);
    expect(await users.findByName('NOBODY')).toBe('22222222');
  });
});
