import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { nameKey } from '../core/names';
import type { OtpAttempt, OtpRecord, PhoneRecord, Store } from '../core/ports';
import type {
  Connection,
  MessageRecord,
  MessageStatus,
  PresenceMode,
  Recipient,
  ThreadBinding,
  UserProfile,
} from '../core/types';

/**
 * The Store on one DynamoDB table (pk, sk; TTL attribute `ttl`). Every access is by key; nothing Scans.
 *
 *   USER#<imNumber>  PROFILE          profile, presence mode, phone state (opt-out, SMS threads)
 *   USER#<imNumber>  CONN#<id>        one live connection, with expiresAt and ttl
 *   PHONE#<e164>     PHONE            phone → imNumber pointer; opt-out of phones without an account
 *   NAME#<name key>  NAME             unique name → imNumber
 *   MSG#<id>         MSG              a message, its status and channel path
 *   OTP#<e164>       OTP              hashed code, expiry, tries
 *   RATE#<key>#<w>   RATE             a fixed-window counter
 *   ONCE#<key>       ONCE             an idempotency claim (webhook sids, reply rate limits)
 *
 * Connections and the profile share a partition, and CONN# < PROFILE in sort order, so one Query for
 * sk BETWEEN 'CONN#' AND 'PROFILE' answers "who and where". DynamoDB's TTL deletes late (and dynalite never),
 * so every expiring row also carries expiresAt and is ignored on read once past it.
 */
export class DynamoStore implements Store {
  private readonly doc: DynamoDBDocumentClient;
  /** phone → imNumber links, which never change once made: a hit saves the inbound SMS path one read. */
  private readonly phoneLinks = new Map<string, string>();
  private static readonly PHONE_LINK_CACHE = 10_000;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    });
  }

  async getRecipient(imNumber: string): Promise<Recipient | null> {
    let profile: UserProfile | null = null;
    const connections: Connection[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': userPk(imNumber), ':from': 'CONN#', ':to': 'PROFILE' },
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
          });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return profile ? { profile, connections } : null;
  }

  async getUser(imNumber: string): Promise<UserProfile | null> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.table, Key: userKey(imNumber) }));
    return Item ? toProfile(Item) : null;
  }

  async createUser(profile: UserProfile): Promise<'created' | 'taken'> {
    const ok = await this.conditional(
      new PutCommand({
        TableName: this.table,
        Item: { ...userKey(profile.imNumber), type: 'user', ...profile },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return ok ? 'created' : 'taken';
  }

  async deleteUser(imNumber: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: userKey(imNumber) }));
  }

  async getPhone(phone: string): Promise<PhoneRecord | null> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.table, Key: phoneKey(phone) }));
    return Item ? toPhone(Item) : null;
  }

  async userOfPhone(phone: string): Promise<string | null> {
    const cached = this.phoneLinks.get(phone);
    if (cached) return cached;
    const imNumber = (await this.getPhone(phone))?.imNumber ?? null;
    if (imNumber) {
      if (this.phoneLinks.size >= DynamoStore.PHONE_LINK_CACHE) {
        this.phoneLinks.delete(this.phoneLinks.keys().next().value!);
      }
      this.phoneLinks.set(phone, imNumber);
    }
    return imNumber;
  }

  async linkPhone(phone: string, imNumber: string, name: string): Promise<PhoneRecord> {
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: phoneKey(phone),
          UpdateExpression:
            'SET imNumber = :im, #name = :name, phone = :phone, optedOut = if_not_exists(optedOut, :no)',
          ConditionExpression: 'attribute_not_exists(imNumber)',
          ExpressionAttributeNames: { '#name': 'name' },
          ExpressionAttributeValues: { ':im': imNumber, ':name': name, ':phone': phone, ':no': false },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toPhone(Attributes!);
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      return (await this.getPhone(phone))!;
    }
  }

  async findByName(name: string): Promise<string | null> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.table, Key: nameItemKey(name) }));
    return Item ? (Item.imNumber as string) : null;
  }

  async claimName(name: string, imNumber: string): Promise<boolean> {
    return this.conditional(
      new PutCommand({
        TableName: this.table,
        Item: { ...nameItemKey(name), imNumber },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async releaseName(name: string, imNumber: string): Promise<void> {
    await this.conditional(
      new DeleteCommand({
        TableName: this.table,
        Key: nameItemKey(name),
        ConditionExpression: 'imNumber = :im',
        ExpressionAttributeValues: { ':im': imNumber },
      }),
    );
  }

  async setMode(imNumber: string, mode: PresenceMode): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.table,
        Key: userKey(imNumber),
        UpdateExpression: 'SET #mode = :mode',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#mode': 'mode' },
        ExpressionAttributeValues: { ':mode': mode },
      }),
    );
  }

  async setOptOut(phone: string, optedOut: boolean, imNumber?: string): Promise<void> {
    // The phone row first: it is what an OTP send checks, and it exists for phones with no account.
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: phoneKey(phone),
        UpdateExpression: 'SET optedOut = :o, phone = :phone',
        ExpressionAttributeValues: { ':o': optedOut, ':phone': phone },
      }),
    );
    if (!imNumber) return;
    await this.conditional(
      new UpdateCommand({
        TableName: this.table,
        Key: userKey(imNumber),
        UpdateExpression: 'SET optedOut = :o',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':o': optedOut },
      }),
    );
  }

  async setThread(imNumber: string, serviceNumber: string, binding: ThreadBinding): Promise<void> {
    await this.conditional(
      new UpdateCommand({
        TableName: this.table,
        Key: userKey(imNumber),
        UpdateExpression: 'SET threads.#n = :b',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#n': serviceNumber },
        ExpressionAttributeValues: { ':b': binding },
      }),
    );
  }

  async putConnection(imNumber: string, connection: Connection): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...connKey(imNumber, connection.connectionId),
          ...connection,
          ttl: ttlOf(connection.expiresAt),
        },
      }),
    );
  }

  async touchConnection(imNumber: string, connectionId: string, expiresAt: number): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.table,
        Key: connKey(imNumber, connectionId),
        UpdateExpression: 'SET expiresAt = :e, #ttl = :t',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':e': expiresAt, ':t': ttlOf(expiresAt) },
      }),
    );
  }

  async deleteConnection(imNumber: string, connectionId: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: connKey(imNumber, connectionId) }));
  }

  async putMessage(message: MessageRecord): Promise<'created' | 'exists'> {
    const ok = await this.conditional(
      new PutCommand({
        TableName: this.table,
        Item: { ...msgKey(message.id), type: 'message', ...message },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return ok ? 'created' : 'exists';
  }

  async getMessage(id: string): Promise<MessageRecord | null> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.table, Key: msgKey(id) }));
    return Item ? toMessage(Item) : null;
  }

  async transitionMessage(
    id: string,
    from: MessageStatus[],
    changes: Partial<MessageRecord>,
    guard: { to?: string; updatedAt?: number } = {},
  ): Promise<MessageRecord | null> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    Object.entries(changes).forEach(([key, value], i) => {
      if (value === undefined) return;
      names[`#c${i}`] = key;
      values[`:c${i}`] = value;
      sets.push(`#c${i} = :c${i}`);
    });
    const allowed = from.map((s, i) => {
      values[`:s${i}`] = s;
      return `:s${i}`;
    });
    let condition = `attribute_exists(pk) AND #status IN (${allowed.join(', ')})`;
    if (guard.to !== undefined) {
      names['#to'] = 'to';
      values[':to'] = guard.to;
      condition += ' AND #to = :to';
    }
    if (guard.updatedAt !== undefined) {
      names['#upd'] = 'updatedAt';
      values[':upd'] = guard.updatedAt;
      condition += ' AND #upd = :upd';
    }
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: msgKey(id),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toMessage(Attributes!);
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return null;
      throw err;
    }
  }

  async putOtp(phone: string, record: OtpRecord, ttlSeconds: number): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...otpKey(phone), ...record, ttl: ttlOf(record.expiresAt) + ttlSeconds },
      }),
    );
  }

  async attemptOtp(phone: string, now: number, maxTries: number): Promise<OtpAttempt> {
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
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
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.table, Key: otpKey(phone) }));
    if (!Item || Item.expiresAt <= now) return { kind: 'missing' };
    return { kind: 'locked' };
  }

  async consumeOtp(phone: string, hash: string): Promise<boolean> {
    return this.conditional(
      new DeleteCommand({
        TableName: this.table,
        Key: otpKey(phone),
        ConditionExpression: '#hash = :h',
        ExpressionAttributeNames: { '#hash': 'hash' },
        ExpressionAttributeValues: { ':h': hash },
      }),
    );
  }

  async hitRateLimit(key: string, windowMs: number, limit: number, now: number): Promise<boolean> {
    const windowStart = Math.floor(now / windowMs) * windowMs;
    return this.conditional(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `RATE#${key}#${windowStart}`, sk: 'RATE' },
        UpdateExpression: 'ADD hits :one SET #ttl = :ttl',
        ConditionExpression: 'attribute_not_exists(hits) OR hits < :limit',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':ttl': ttlOf(windowStart + windowMs) },
      }),
    );
  }

  async claimOnce(key: string, now: number, ttlSeconds: number): Promise<boolean> {
    const expiresAt = now + ttlSeconds * 1000;
    return this.conditional(
      new PutCommand({
        TableName: this.table,
        Item: { pk: `ONCE#${key}`, sk: 'ONCE', expiresAt, ttl: ttlOf(expiresAt) },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
        ExpressionAttributeValues: { ':now': now },
      }),
    );
  }

  /** Sends a conditional write; false when its condition did not hold. */
  private async conditional(command: PutCommand | UpdateCommand | DeleteCommand): Promise<boolean> {
    try {
      await this.doc.send(command as PutCommand);
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
}

const userPk = (imNumber: string) => `USER#${imNumber}`;
const userKey = (imNumber: string) => ({ pk: userPk(imNumber), sk: 'PROFILE' });
const connKey = (imNumber: string, connectionId: string) => ({
  pk: userPk(imNumber),
  sk: `CONN#${connectionId}`,
});
const phoneKey = (phone: string) => ({ pk: `PHONE#${phone}`, sk: 'PHONE' });
const nameItemKey = (name: string) => ({ pk: `NAME#${nameKey(name)}`, sk: 'NAME' });
const msgKey = (id: string) => ({ pk: `MSG#${id}`, sk: 'MSG' });
const otpKey = (phone: string) => ({ pk: `OTP#${phone}`, sk: 'OTP' });
/** DynamoDB TTL is epoch seconds; keep rows a minute past their logical expiry. */
const ttlOf = (epochMs: number) => Math.ceil(epochMs / 1000) + 60;

type Item = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function toProfile(item: Item): UserProfile {
  return {
    imNumber: item.imNumber,
    name: item.name,
    phone: item.phone,
    mode: item.mode ?? 'online',
    optedOut: Boolean(item.optedOut),
    threads: item.threads ?? {},
    createdAt: item.createdAt,
  };
}

function toPhone(item: Item): PhoneRecord {
  return { phone: item.phone, imNumber: item.imNumber, name: item.name, optedOut: Boolean(item.optedOut) };
}

function toMessage(item: Item): MessageRecord {
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  return rest as MessageRecord;
}
