import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import type { LoginStatusStore } from '../../core/ports';
import type { Connection, LinkStats, PresenceMode, Recipient, UserProfile } from '../../core/types';
import { connKey, toProfile, ttlOf, userKey, userPk, type Table } from './table';

/** The login-status store on the shared table: CONN#… rows next to the user's PROFILE row. */
export class DynamoLoginStatusStore implements LoginStatusStore {
  constructor(private readonly table: Table) {}

  /** Strongly consistent (the IM-or-SMS judgement reads it right after presence writes). */
  async getRecipient(imNumber: string): Promise<Recipient | null> {
    let profile: UserProfile | null = null;
    const connections: Connection[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await this.table.doc.send(
        new QueryCommand({
          TableName: this.table.name,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': userPk(imNumber), ':from': 'CONN#', ':to': 'PROFILE' },
          // The judgement: right after a confirmed `setPresence offline`, `$connect` or disconnect, an
          // eventually consistent read may still see the old state and pick the wrong channel. 2× the RCU.
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        if (item.sk === 'PROFILE') profile = toProfile(item);
        else
          connections.push({
            connectionId: item.connectionId,
            connectedAt: item.connectedAt,
            expiresAt: item.expiresAt,
            ...linkOf(item),
          });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return profile ? { profile, connections } : null;
  }

  /** One conditional UpdateItem whose `UPDATED_OLD` answer is the mode it replaced (no extra read). */
  async setMode(imNumber: string, mode: PresenceMode): Promise<PresenceMode | null> {
    try {
      const { Attributes } = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: userKey(imNumber),
          UpdateExpression: 'SET #mode = :mode',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#mode': 'mode' },
          ExpressionAttributeValues: { ':mode': mode },
          ReturnValues: 'UPDATED_OLD',
        }),
      );
      return Attributes?.mode === 'offline' ? 'offline' : 'online';
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return null;
      throw err;
    }
  }

  async putConnection(imNumber: string, connection: Connection): Promise<void> {
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: {
          ...connKey(imNumber, connection.connectionId),
          ...connection,
          ttl: ttlOf(connection.expiresAt),
        },
      }),
    );
  }

  async touchConnection(
    imNumber: string,
    connectionId: string,
    expiresAt: number,
    seenAt?: number,
  ): Promise<boolean> {
    const seen = seenAt === undefined ? '' : ', seenAt = :s';
    return this.table.conditional(
      new UpdateCommand({
        TableName: this.table.name,
        Key: connKey(imNumber, connectionId),
        UpdateExpression: `SET expiresAt = :e, #ttl = :t${seen}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':e': expiresAt,
          ':t': ttlOf(expiresAt),
          ...(seenAt === undefined ? {} : { ':s': seenAt }),
        },
      }),
    );
  }

  /**
   * One conditional UpdateItem on the CONN# row (never creates one: a deleted connection stays deleted), with
   * `ifSamples` also on the row's `samples` (absent counts as 0).
   */
  async recordLink(
    imNumber: string,
    connectionId: string,
    stats: Required<LinkStats>,
    ifSamples?: number,
  ): Promise<boolean> {
    const onSamples =
      ifSamples === undefined
        ? ''
        : ifSamples === 0
          ? ' AND (attribute_not_exists(samples) OR samples = :was)'
          : ' AND samples = :was';
    return this.table.conditional(
      new UpdateCommand({
        TableName: this.table.name,
        Key: connKey(imNumber, connectionId),
        UpdateExpression: 'SET srtt = :r, rttvar = :v, samples = :n, seenAt = :s',
        ConditionExpression: `attribute_exists(pk)${onSamples}`,
        ExpressionAttributeValues: {
          ':r': stats.srtt,
          ':v': stats.rttvar,
          ':n': stats.samples,
          ':s': stats.seenAt,
          ...(ifSamples === undefined ? {} : { ':was': ifSamples }),
        },
      }),
    );
  }

  /** One DeleteItem whose `ALL_OLD` answer says whether it took a row (no extra read, the same write units). */
  async deleteConnection(imNumber: string, connectionId: string): Promise<boolean> {
    const { Attributes } = await this.table.doc.send(
      new DeleteCommand({
        TableName: this.table.name,
        Key: connKey(imNumber, connectionId),
        ReturnValues: 'ALL_OLD',
      }),
    );
    return Attributes !== undefined;
  }

  async deleteExpiredConnection(imNumber: string, connectionId: string, now: number): Promise<boolean> {
    return this.table.conditional(
      new DeleteCommand({
        TableName: this.table.name,
        Key: connKey(imNumber, connectionId),
        ConditionExpression: 'expiresAt <= :now',
        ExpressionAttributeValues: { ':now': now },
      }),
    );
  }
}

/** A CONN# row's link stats, only those it holds (older rows have none). */
function linkOf(item: Record<string, unknown>): LinkStats {
  const stats: LinkStats = {};
  for (const key of ['srtt', 'rttvar', 'samples', 'seenAt'] as const) {
    if (typeof item[key] === 'number') stats[key] = item[key];
  }
  return stats;
}
