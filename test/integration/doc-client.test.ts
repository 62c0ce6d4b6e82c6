import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ensureTable } from '../../shared/adapters/dynamo-table';
import { sharedClientSettings } from '../../shared/adapters/aws-clients';
import { DocClient } from '../../shared/adapters/dynamo/doc-client';
import { useEmbeddedDynamo } from '../support/embedded-client';

/**
 * DocClient (shared/adapters/dynamo/doc-client.ts) sends lib-dynamodb's commands through the low-level client
 * with its middleware cached: against dynalite, each command gives what DynamoDBDocumentClient gives, on the
 * same table, and errors keep their SDK class.
 */
const TABLE = 'doc-client-parity';
const db = useEmbeddedDynamo((client) => ensureTable(client, TABLE));

/** Both clients, on two SDK clients of the same endpoint (DocClient's with the cached middleware). */
function clients() {
  const cached = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: db.endpoint(),
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    ...sharedClientSettings,
  });
  const translate = { marshallOptions: { removeUndefinedValues: true } };
  return { ours: new DocClient(cached, translate), lib: DynamoDBDocumentClient.from(db.client(), translate) };
}

const strip = <T extends object>(out: T) => {
  const { $metadata, ...rest } = out as T & { $metadata?: unknown };
  void $metadata;
  return rest;
};

describe('DocClient', () => {
  it('reads and writes the same items as DynamoDBDocumentClient, nested values and sets included', async () => {
    const { ours, lib } = clients();
    const item = {
      pk: 'DOC#1',
      sk: 'A',
      n: 42,
      big: 2 ** 40,
      flag: true,
      nothing: null,
      skipped: undefined,
      list: [1, 'two', { three: 3 }],
      map: { a: { b: ['c'] } },
      tags: new Set(['x', 'y']),
    };
    await ours.send(new PutCommand({ TableName: TABLE, Item: item }));
    const key = { pk: 'DOC#1', sk: 'A' };
    const viaOurs = await ours.send(new GetCommand({ TableName: TABLE, Key: key, ConsistentRead: true }));
    const viaLib = await lib.send(new GetCommand({ TableName: TABLE, Key: key, ConsistentRead: true }));
    expect(strip(viaOurs)).toEqual(strip(viaLib));
    expect(viaOurs.Item).toMatchObject({ n: 42, big: 2 ** 40, list: [1, 'two', { three: 3 }] });
    expect(viaOurs.Item?.tags).toEqual(new Set(['x', 'y']));
    expect(viaOurs.Item).not.toHaveProperty('skipped');
  });

  it('updates with expression values and returns the new attributes; queries page alike', async () => {
    const { ours, lib } = clients();
    await lib.send(new PutCommand({ TableName: TABLE, Item: { pk: 'DOC#2', sk: 'A', count: 1 } }));
    await lib.send(new PutCommand({ TableName: TABLE, Item: { pk: 'DOC#2', sk: 'B', count: 2 } }));
    const updated = await ours.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { pk: 'DOC#2', sk: 'A' },
        UpdateExpression: 'SET #c = #c + :one, note = :note',
        ExpressionAttributeNames: { '#c': 'count' },
        ExpressionAttributeValues: { ':one': 1, ':note': { deep: [true] } },
        ReturnValues: 'ALL_NEW',
      }),
    );
    expect(updated.Attributes).toEqual({ pk: 'DOC#2', sk: 'A', count: 2, note: { deep: [true] } });
    const query = () =>
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'DOC#2' },
        Limit: 1,
      });
    const [a, b] = [await ours.send(query()), await lib.send(query())];
    expect(strip(a)).toEqual(strip(b));
    expect(a.LastEvaluatedKey).toEqual({ pk: 'DOC#2', sk: 'A' });
    const next = await ours.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'DOC#2' },
        ExclusiveStartKey: a.LastEvaluatedKey,
      }),
    );
    expect(next.Items).toEqual([{ pk: 'DOC#2', sk: 'B', count: 2 }]);
  });

  it('batch-writes puts and deletes, and a failed condition throws ConditionalCheckFailedException', async () => {
    const { ours, lib } = clients();
    await ours.send(
      new BatchWriteCommand({
        RequestItems: {
          [TABLE]: [
            { PutRequest: { Item: { pk: 'DOC#3', sk: 'A', v: 'a' } } },
            { PutRequest: { Item: { pk: 'DOC#3', sk: 'B', v: 'b' } } },
          ],
        },
      }),
    );
    await ours.send(
      new BatchWriteCommand({
        RequestItems: { [TABLE]: [{ DeleteRequest: { Key: { pk: 'DOC#3', sk: 'A' } } }] },
      }),
    );
    const left = await lib.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'DOC#3' },
      }),
    );
    expect(left.Items).toEqual([{ pk: 'DOC#3', sk: 'B', v: 'b' }]);
    await expect(
      ours.send(
        new PutCommand({
          TableName: TABLE,
          Item: { pk: 'DOC#3', sk: 'B', v: 'again' },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    const deleted = await ours.send(
      new DeleteCommand({ TableName: TABLE, Key: { pk: 'DOC#3', sk: 'B' }, ReturnValues: 'ALL_OLD' }),
    );
    expect(deleted.Attributes).toEqual({ pk: 'DOC#3', sk: 'B', v: 'b' });
  });
});
