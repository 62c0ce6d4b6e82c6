import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PhoneRecord, ReadOptions, UserDirectory } from '../../core/ports';
import type { ThreadBinding, UserProfile } from '../../core/types';
import { legacyNameKey, nameKey, nameKeys } from '../../core/provisioning/names';
import {
  legacyNameItemKey,
  nameItemKey,
  nameKeyItem,
  phoneKey,
  toPhone,
  toProfile,
  userKey,
  type Table,
} from './table';

/** The user directory on the shared table: USER#…/PROFILE, PHONE#…, NAME#… rows. */
export class DynamoUserDirectory implements UserDirectory {
  /** phone → imNumber links, which never change once made: a hit saves the inbound SMS path one read. */
  private readonly phoneLinks = new Map<string, string>();
  private static readonly PHONE_LINK_CACHE = 10_000;

  constructor(private readonly table: Table) {}

  async getUser(imNumber: string, opts: ReadOptions = {}): Promise<UserProfile | null> {
    const { Item } = await this.table.doc.send(
      new GetCommand({
        TableName: this.table.name,
        Key: userKey(imNumber),
        ...(opts.consistent ? { ConsistentRead: true } : {}),
      }),
    );
    return Item ? toProfile(Item) : null;
  }

  async createUser(profile: UserProfile): Promise<'created' | 'taken'> {
    const ok = await this.table.conditional(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...userKey(profile.imNumber), type: 'user', ...profile },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return ok ? 'created' : 'taken';
  }

  async deleteUser(imNumber: string): Promise<void> {
    await this.table.doc.send(new DeleteCommand({ TableName: this.table.name, Key: userKey(imNumber) }));
  }

  async getPhone(phone: string, opts: ReadOptions = {}): Promise<PhoneRecord | null> {
    const { Item } = await this.table.doc.send(
      new GetCommand({
        TableName: this.table.name,
        Key: phoneKey(phone),
        ...(opts.consistent ? { ConsistentRead: true } : {}),
      }),
    );
    return Item ? toPhone(Item) : null;
  }

  async userOfPhone(phone: string): Promise<string | null> {
    const cached = this.phoneLinks.get(phone);
    if (cached) return cached;
    const imNumber = (await this.getPhone(phone))?.imNumber ?? null;
    if (imNumber) {
      if (this.phoneLinks.size >= DynamoUserDirectory.PHONE_LINK_CACHE) {
        this.phoneLinks.delete(this.phoneLinks.keys().next().value!);
      }
      this.phoneLinks.set(phone, imNumber);
    }
    return imNumber;
  }

  async linkPhone(phone: string, imNumber: string): Promise<PhoneRecord> {
    try {
      const { Attributes } = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: phoneKey(phone),
          UpdateExpression: 'SET imNumber = :im, phone = :phone, optedOut = if_not_exists(optedOut, :no)',
          ConditionExpression: 'attribute_not_exists(imNumber)',
          ExpressionAttributeValues: { ':im': imNumber, ':phone': phone, ':no': false },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toPhone(Attributes!);
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      // Another process's link just won: an eventually consistent read could still miss it.
      return (await this.getPhone(phone, { consistent: true }))!;
    }
  }

  /**
   * Reads the name's row under its key (nameKey); on a miss, and only when the name's key changed, under the key
   * it had before (rows claimed then keep it: docs/design.md, "Names"). One Get, two on such a miss. A row that
   * holds only what another name looks like (a look row, `look: true`) is no one's name, so `@all` does not reach
   * the user named `ALI`.
   */
  async findByName(name: string): Promise<string | null> {
    const found = await this.getName(nameItemKey(name));
    if (found?.look) return null;
    const legacy = legacyNameItemKey(name);
    if (found !== null || legacy.pk === nameItemKey(name).pk) return found?.imNumber ?? null;
    return (await this.getName(legacy))?.imNumber ?? null;
  }

  async findNameHolder(name: string): Promise<string | null> {
    for (const key of new Set([...nameKeys(name), legacyNameKey(name)])) {
      const found = await this.getName(nameKeyItem(key));
      if (found) return found.imNumber;
    }
    return null;
  }

  private async getName(Key: {
    pk: string;
    sk: string;
  }): Promise<{ imNumber: string; look: boolean } | null> {
    const { Item } = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key }));
    return Item ? { imNumber: Item.imNumber as string, look: Item.look === true } : null;
  }

  /**
   * Claims every key of the name (nameKeys: its key and, for a name with case-dependent look-alikes, its look
   * key), each by a conditional put that holds if the row is free or already this user's. If one is held by
   * someone else, the rows this call made are deleted again and the answer is false. Refused too while an older
   * row holds the name under its former key. One write per key (one for most names), plus one Get when the
   * former key differs.
   */
  async claimName(name: string, imNumber: string): Promise<boolean> {
    const legacy = legacyNameItemKey(name);
    if (legacy.pk !== nameItemKey(name).pk) {
      const holder = await this.getName(legacy);
      if (holder !== null && holder.imNumber !== imNumber) return false;
    }
    const primary = nameKey(name);
    const made: string[] = [];
    for (const key of nameKeys(name)) {
      try {
        const { Attributes } = await this.table.doc.send(
          new PutCommand({
            TableName: this.table.name,
            Item: {
              ...nameKeyItem(key),
              imNumber,
              ...(key !== primary ? { look: true } : {}),
            },
            ConditionExpression: 'attribute_not_exists(pk) OR imNumber = :im',
            ExpressionAttributeValues: { ':im': imNumber },
            ReturnValues: 'ALL_OLD',
          }),
        );
        if (!Attributes) made.push(key);
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
        for (const undo of made) await this.releaseKey(undo, imNumber);
        return false;
      }
    }
    return true;
  }

  /**
   * Releases every key of the name that this user holds (its former key too), but none that `keep` (the name
   * the user is renamed to) also claims.
   */
  async releaseName(name: string, imNumber: string, keep?: string): Promise<void> {
    const kept = new Set(keep === undefined ? [] : [...nameKeys(keep), legacyNameKey(keep)]);
    const keys = new Set([...nameKeys(name), legacyNameKey(name)]);
    for (const key of keys) if (!kept.has(key)) await this.releaseKey(key, imNumber);
  }

  private async releaseKey(key: string, imNumber: string): Promise<void> {
    await this.table.conditional(
      new DeleteCommand({
        TableName: this.table.name,
        Key: nameKeyItem(key),
        ConditionExpression: 'imNumber = :im',
        ExpressionAttributeValues: { ':im': imNumber },
      }),
    );
  }

  async setOptOut(phone: string, optedOut: boolean, imNumber?: string): Promise<void> {
    // The phone row first: it is what an OTP send checks, and it exists for phones with no account.
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: phoneKey(phone),
        UpdateExpression: 'SET optedOut = :o, phone = :phone',
        ExpressionAttributeValues: { ':o': optedOut, ':phone': phone },
      }),
    );
    if (!imNumber) return;
    await this.table.conditional(
      new UpdateCommand({
        TableName: this.table.name,
        Key: userKey(imNumber),
        UpdateExpression: 'SET optedOut = :o',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':o': optedOut },
      }),
    );
  }

  async setNumberBlocked(imNumber: string, serviceNumber: string, blocked: boolean): Promise<void> {
    // A string set: ADD and DELETE work whether or not the attribute exists, and an emptied set disappears.
    await this.table.conditional(
      new UpdateCommand({
        TableName: this.table.name,
        Key: userKey(imNumber),
        UpdateExpression: `${blocked ? 'ADD' : 'DELETE'} blockedNumbers :n`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':n': new Set([serviceNumber]) },
      }),
    );
  }

  async setThread(imNumber: string, serviceNumber: string, binding: ThreadBinding): Promise<void> {
    await this.table.conditional(
      new UpdateCommand({
        TableName: this.table.name,
        Key: userKey(imNumber),
        UpdateExpression: 'SET threads.#n = :b',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#n': serviceNumber },
        ExpressionAttributeValues: { ':b': binding },
      }),
    );
  }

  async updateProfile(
    imNumber: string,
    changes: { mood?: string; avatarUrl?: string; name?: string },
  ): Promise<UserProfile | null> {
    const sets: string[] = [];
    const removes: string[] = [];
    const values: Record<string, unknown> = {};
    if (changes.name !== undefined) {
      sets.push('#name = :name');
      values[':name'] = changes.name;
    }
    for (const key of ['mood', 'avatarUrl'] as const) {
      const value = changes[key];
      if (value === undefined) continue;
      if (value === '') removes.push(key);
      else {
        sets.push(`${key} = :${key}`);
        values[`:${key}`] = value;
      }
    }
    if (!sets.length && !removes.length) return this.getUser(imNumber);
    try {
      const { Attributes } = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: userKey(imNumber),
          UpdateExpression: [
            sets.length ? `SET ${sets.join(', ')}` : '',
            removes.length ? `REMOVE ${removes.join(', ')}` : '',
          ]
            .filter(Boolean)
            .join(' '),
          ConditionExpression: 'attribute_exists(pk)',
          ...(changes.name !== undefined ? { ExpressionAttributeNames: { '#name': 'name' } } : {}),
          ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toProfile(Attributes!);
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return null;
      throw err;
    }
  }
}
