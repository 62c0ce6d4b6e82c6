import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';

/** The table's key schema. The CDK stack defines the same (infra/aws), with TTL on `ttl`. */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'ttl' } as const;

/**
 * The one global secondary index: messages by conversation (`conv`: the two imNumbers, ordered; `convAt`:
 * zero-padded sentAt#id), projecting every attribute, so a page of history is one Query. Sparse: only MSG#
 * rows carry `conv`.
 */
export const CONVERSATION_INDEX = {
  name: 'byConversation',
  partitionKey: 'conv',
  sortKey: 'convAt',
} as const;

/** Creates the table if it is missing (local runtime and tests; on AWS the stack owns it). */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
  }
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: TABLE_KEYS.partitionKey, AttributeType: 'S' },
          { AttributeName: TABLE_KEYS.sortKey, AttributeType: 'S' },
          { AttributeName: CONVERSATION_INDEX.partitionKey, AttributeType: 'S' },
          { AttributeName: CONVERSATION_INDEX.sortKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: CONVERSATION_INDEX.name,
            KeySchema: [
              { AttributeName: CONVERSATION_INDEX.partitionKey, KeyType: 'HASH' },
              { AttributeName: CONVERSATION_INDEX.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  await waitUntilTableExists(
    { client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.5 },
    { TableName: tableName },
  );
}
