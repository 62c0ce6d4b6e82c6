import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BudgetCounter, CodeStore, OtpAttempt, OtpRecord, RateLimits } from '../../core/ports';
import { otpKey, ttlOf, type Table } from './table';

/** One-time codes on the shared table: OTP#… rows, tries counted by a conditional update. */
export class DynamoCodeStore implements CodeStore {
  constructor(private readonly table: Table) {}

  async putOtp(phone: string, record: OtpRecord, ttlSeconds: number): Promise<void> {
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...otpKey(phone), ...record, ttl: ttlOf(record.expiresAt) + ttlSeconds },
      }),
    );
  }

  async getOtp(phone: string): Promise<OtpRecord | null> {
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.name, Key: otpKey(phone) }),
    );
    if (!Item) return null;
    const record: OtpRecord = { hash: Item.hash, expiresAt: Item.expiresAt, tries: Item.tries };
    if (typeof Item.sealed === 'string') record.sealed = Item.sealed;
    if (typeof Item.sends === 'number') record.sends = Item.sends;
    return record;
  }

  async countResend(phone: string, expiresAt: number, maxSends: number): Promise<boolean> {
    return this.table.conditional(
      new UpdateCommand({
        TableName: this.table.name,
        Key: otpKey(phone),
        UpdateExpression: 'SET sends = if_not_exists(sends, :one) + :one',
        ConditionExpression: 'expiresAt = :e AND (attribute_not_exists(sends) OR sends < :max)',
        ExpressionAttributeValues: { ':one': 1, ':e': expiresAt, ':max': maxSends },
      }),
    );
  }

  async attemptOtp(phone: string, now: number, maxTries: number): Promise<OtpAttempt> {
    try {
      const { Attributes } = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: otpKey(phone),
          UpdateExpression: 'SET tries = tries + :one',
          ConditionExpression: 'attribute_exists(pk) AND expiresAt > :now AND tries < :max',
          ExpressionAttributeValues: { ':one': 1, ':now': now, ':max': maxTries },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return {
        kind: 'ok',
        record: { hash: Attributes!.hash, expiresAt: Attributes!.expiresAt, tries: Attributes!.tries },
      };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.name, Key: otpKey(phone) }),
    );
    if (!Item || Item.expiresAt <= now) return { kind: 'missing' };
    return { kind: 'locked' };
  }

  async consumeOtp(phone: string, hash: string): Promise<boolean> {
    return this.table.conditional(
      new DeleteCommand({
        TableName: this.table.name,
        Key: otpKey(phone),
        ConditionExpression: '#hash = :h',
        ExpressionAttributeNames: { '#hash': 'hash' },
        ExpressionAttributeValues: { ':h': hash },
      }),
    );
  }
}

/** Fixed-window counters on the shared table: RATE#<key>#<window start> rows. */
export class DynamoRateLimits implements RateLimits {
  constructor(private readonly table: Table) {}

  async hitRateLimit(key: string, windowMs: number, limit: number, now: number): Promise<boolean> {
    const windowStart = Math.floor(now / windowMs) * windowMs;
    return this.table.conditional(
      new UpdateCommand({
        TableName: this.table.name,
        Key: { pk: `RATE#${key}#${windowStart}`, sk: 'RATE' },
        UpdateExpression: 'ADD hits :one SET #ttl = :ttl',
        ConditionExpression: 'attribute_not_exists(hits) OR hits < :limit',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':ttl': ttlOf(windowStart + windowMs) },
      }),
    );
  }

  async spendBudget(key: string, windowMs: number, counters: BudgetCounter[], now: number): Promise<boolean> {
    if (counters.some((c) => c.amount > c.limit)) return false;
    const windowStart = Math.floor(now / windowMs) * windowMs;
    const names: Record<string, string> = { '#ttl': 'ttl' };
    const values: Record<string, number> = { ':ttl': ttlOf(windowStart + windowMs) };
    counters.forEach((c, i) => {
      names[`#c${i}`] = `c_${c.name}`;
      values[`:a${i}`] = c.amount;
      values[`:m${i}`] = c.limit - c.amount;
    });
    return this.table.conditional(
      new UpdateCommand({
        TableName: this.table.name,
        Key: { pk: `RATE#${key}#${windowStart}`, sk: 'RATE' },
        UpdateExpression: `ADD ${counters.map((_, i) => `#c${i} :a${i}`).join(', ')} SET #ttl = :ttl`,
        ConditionExpression: counters
          .map((_, i) => `(attribute_not_exists(#c${i}) OR #c${i} <= :m${i})`)
          .join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }
}
