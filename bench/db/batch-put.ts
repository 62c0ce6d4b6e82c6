import { BatchWriteItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mapLimit } from '../../shared/core/concurrency';

/** A row as the low-level client reads and writes it. */
export type RawItem = Record<string, AttributeValue>;

/**
 * Writes `items` into `table` with BatchWriteItem, 25 rows a request and `concurrency` requests in flight,
 * retrying what DynamoDB leaves unprocessed until every row is written. The benchmark's own seeding: one request
 * per 25 rows instead of one per row (on dynalite the requests, not the rows, are most of the cost).
 * @throws the client's error when a batch is refused (a bad row, a missing table).
 */
export async function batchPut(
  client: DynamoDBClient,
  table: string,
  items: RawItem[],
  concurrency = 8,
): Promise<void> {
  const batches = Array.from({ length: Math.ceil(items.length / 25) }, (_, k) =>
    items.slice(k * 25, k * 25 + 25),
  );
  await mapLimit(batches, concurrency, async (batch) => {
    let pending: RawItem[] = batch;
    while (pending.length) {
      const out = await client.send(
        new BatchWriteItemCommand({
          RequestItems: { [table]: pending.map((Item) => ({ PutRequest: { Item } })) },
        }),
      );
      pending = (out.UnprocessedItems?.[table] ?? []).map((r) => r.PutRequest!.Item!);
    }
  });
}
