import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ClaimState, Idempotency } from '../../core/ports';
import { ttlOf, type Table } from './table';

const onceKey = (key: string) => ({ pk: `ONCE#${key}`, sk: 'ONCE' });

/**
 * Idempotency claims on the shared table: ONCE#… rows with `expiresAt`, re-claimable once past it. Work keyed
 * by a provider id has a `state` (`pending` while leased, `done` once completed); a rate-limit token has none
 * and may carry the `holder` that took it.
 */
export class DynamoIdempotency implements Idempotency {
  constructor(private readonly table: Table) {}

  async claimOnce(key: string, now: number, ttlSeconds: number, holder?: string): Promise<boolean> {
    const expiresAt = now + ttlSeconds * 1000;
    return this.table.conditional(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...onceKey(key), expiresAt, ttl: ttlOf(expiresAt), holder },
        ConditionExpression:
          holder === undefined
            ? 'attribute_not_exists(pk) OR expiresAt <= :now'
            : 'attribute_not_exists(pk) OR expiresAt <= :now OR holder = :holder',
        ExpressionAttributeValues: { ':now': now, ...(holder === undefined ? {} : { ':holder': holder }) },
      }),
    );
  }

  async begin(key: string, now: number, leaseSeconds: number): Promise<ClaimState> {
    const expiresAt = now + leaseSeconds * 1000;
    const claimed = await this.table.conditional(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...onceKey(key), state: 'pending', expiresAt, ttl: ttlOf(expiresAt) },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
        ExpressionAttributeValues: { ':now': now },
      }),
    );
    if (claimed) return 'claimed';
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.name, Key: onceKey(key), ConsistentRead: true }),
    );
    // Gone (released) between the two requests: another attempt may claim it now, so this one is not alone.
    if (!Item) return 'busy';
    return Item.state === 'pending' ? 'busy' : 'done';
  }

  async complete(key: string, now: number, ttlSeconds: number): Promise<void> {
    const expiresAt = now + ttlSeconds * 1000;
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...onceKey(key), state: 'done', expiresAt, ttl: ttlOf(expiresAt) },
      }),
    );
  }

  async release(key: string): Promise<void> {
    await this.table.conditional(
      new DeleteCommand({
        TableName: this.table.name,
        Key: onceKey(key),
        ConditionExpression: '#s = :pending',
        ExpressionAttributeNames: { '#s': 'state' },
        ExpressionAttributeValues: { ':pending': 'pending' },
      }),
    );
  }
}
