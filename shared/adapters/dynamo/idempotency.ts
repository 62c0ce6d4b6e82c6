import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Idempotency } from '../../core/ports';
import { ttlOf, type Table } from './table';

/** Idempotency claims on the shared table: ONCE#… rows, re-claimable once past their expiry. */
export class DynamoIdempotency implements Idempotency {
  constructor(private readonly table: Table) {}

  async claimOnce(key: string, now: number, ttlSeconds: number): Promise<boolean> {
    const expiresAt = now + ttlSeconds * 1000;
    return this.table.conditional(
      new PutCommand({
        TableName: this.table.name,
        Item: { pk: `ONCE#${key}`, sk: 'ONCE', expiresAt, ttl: ttlOf(expiresAt) },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
        ExpressionAttributeValues: { ':now': now },
      }),
    );
  }
}
