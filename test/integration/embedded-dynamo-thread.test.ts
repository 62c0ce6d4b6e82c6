import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { DataDirInUseError, startEmbeddedDynamo } from '../../infra/local/embedded-dynamo';

/**
 * The local stack's embedded DynamoDB on a worker thread of its own (`thread: true`, what `npm start` uses): the
 * real SDK client works against it, its data on disk outlives a restart, closing it ends the thread, and a
 * folder another stack holds is still refused before anything starts.
 */
const client = (endpoint: string) =>
  new DynamoDBClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });

/** The test's one table, keyed by `pk`. */
const createTable = (db: DynamoDBClient) =>
  db.send(
    new CreateTableCommand({
      TableName: 'things',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'imsms-dynamo-thread-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('startEmbeddedDynamo({ thread: true })', () => {
  it('serves the DynamoDB API from another thread, and its data outlives a restart on the same folder', async () => {
    const dbPath = path.join(dir, 'dynamodb');
    const first = await startEmbeddedDynamo({ path: dbPath, thread: true });
    expect(first.threadId).toBeGreaterThan(0);
    expect(first.threadId).not.toBe(threadId);
    const db = client(first.endpoint);
    try {
      await createTable(db);
      await db.send(new PutItemCommand({ TableName: 'things', Item: { pk: { S: 'a' }, v: { N: '7' } } }));
    } finally {
      db.destroy();
      await first.close();
    }

    // Closed: nothing answers on its port any more.
    const gone = client(first.endpoint);
    await expect(
      gone.send(new GetItemCommand({ TableName: 'things', Key: { pk: { S: 'a' } } })),
    ).rejects.toThrow(/ECONNREFUSED|connect/);
    gone.destroy();

    const second = await startEmbeddedDynamo({ path: dbPath, thread: true });
    const again = client(second.endpoint);
    try {
      const got = await again.send(
        new GetItemCommand({ TableName: 'things', Key: { pk: { S: 'a' } }, ConsistentRead: true }),
      );
      expect(got.Item).toEqual({ pk: { S: 'a' }, v: { N: '7' } });
    } finally {
      again.destroy();
      await second.close();
    }
  });

  it('refuses a folder another running database holds, naming it, with nothing started', async () => {
    const dbPath = path.join(dir, 'dynamodb');
    const holder = await startEmbeddedDynamo({ path: dbPath, thread: true });
    try {
      // The worker opens the LevelDB lazily, on its first request: make it hold the lock.
      const db = client(holder.endpoint);
      await createTable(db);
      db.destroy();
      await expect(startEmbeddedDynamo({ path: dbPath, thread: true })).rejects.toThrow(DataDirInUseError);
    } finally {
      await holder.close();
    }
  });

  it('closing twice is harmless', async () => {
    const db = await startEmbeddedDynamo({ thread: true });
    await Promise.all([db.close(), db.close()]);
    await expect(db.close()).resolves.toBeUndefined();
  });
});
