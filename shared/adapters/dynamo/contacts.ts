import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { MAX_CONTACTS } from '../../core/contacts/profile-rules';
import type { ContactAddResult, ContactBook, ContactRemoval } from '../../core/ports';
import type { Contact, ContactRef } from '../../core/types';
import { contactSk, userKey, userPk, watcherSk, type Item, type Table } from './table';

const toContact = (item: Item): Contact =>
  item.kind === 'im'
    ? { kind: 'im', imNumber: item.imNumber, name: item.name, addedAt: item.addedAt }
    : { kind: 'phone', phone: item.phone, name: item.name, addedAt: item.addedAt };

/**
 * The contact book on the shared table: ROSTER#… rows in the owner's partition (after PROFILE, so the
 * login-status Query never reads them), WATCHER#… reverse edges in the contact's partition, and the list's
 * version and count on the owner's profile.
 */
export class DynamoContactBook implements ContactBook {
  constructor(private readonly table: Table) {}

  async contactsPage(
    owner: string,
    limit: number,
    after?: ContactRef,
  ): Promise<{ version: number; contacts: Contact[]; more: boolean }> {
    // The first page's Query starts at PROFILE, which sorts just before ROSTER#, so it reads the version too;
    // a later page starts after a contact's key, and reads the version with a Get beside it.
    const [page, laterVersion] = await Promise.all([
      this.rosterAfter(owner, limit, after),
      after === undefined ? undefined : this.version(owner),
    ]);
    return { ...page, version: laterVersion ?? page.version };
  }

  /** At most `limit` contacts after `after` (from the profile row on when there is none), and whether more follow. */
  private async rosterAfter(
    owner: string,
    limit: number,
    after?: ContactRef,
  ): Promise<{ version: number; contacts: Contact[]; more: boolean }> {
    let version = 0;
    let profileRead = after !== undefined;
    const found: Contact[] = [];
    let startKey: Record<string, unknown> | undefined =
      after === undefined ? undefined : { pk: userPk(owner), sk: contactSk(after) };
    do {
      // One contact past the page tells whether more follow.
      const want = limit + 1 - found.length + (profileRead ? 0 : 1);
      const page: QueryCommandOutput = await this.table.doc.send(
        new QueryCommand({
          TableName: this.table.name,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': userPk(owner), ':from': 'PROFILE', ':to': 'ROSTER$' },
          ExclusiveStartKey: startKey,
          Limit: want,
        }),
      );
      for (const item of page.Items ?? []) {
        if (item.sk === 'PROFILE') {
          version = item.contactsVersion ?? 0;
          profileRead = true;
        } else found.push(toContact(item));
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey && found.length <= limit);
    return { version, contacts: found.slice(0, limit), more: found.length > limit };
  }

  async getContact(owner: string, ref: ContactRef): Promise<Contact | null> {
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.name, Key: { pk: userPk(owner), sk: contactSk(ref) } }),
    );
    return Item ? toContact(Item) : null;
  }

  async reserveContactSlot(owner: string, cap = MAX_CONTACTS): Promise<boolean> {
    // The one write that keeps the cap: no read before it, so no window between a check and the count.
    return this.table.conditional(
      new UpdateCommand({
        TableName: this.table.name,
        Key: userKey(owner),
        UpdateExpression: 'ADD contactsCount :one',
        ConditionExpression:
          'attribute_exists(pk) AND (attribute_not_exists(contactsCount) OR contactsCount < :cap)',
        ExpressionAttributeValues: { ':one': 1, ':cap': cap },
      }),
    );
  }

  async releaseContactSlot(owner: string): Promise<void> {
    await this.move(owner, { count: -1, version: 0 });
  }

  async addContact(
    owner: string,
    contact: Contact,
    slot: { cap?: number; reserved?: boolean } = {},
  ): Promise<{ result: ContactAddResult; version: number }> {
    if (!slot.reserved && !(await this.reserveContactSlot(owner, slot.cap))) {
      return { result: 'full', version: await this.version(owner) };
    }
    // From here the slot is this call's: filled by the put, or given back on every other way out.
    const added = await this.putOrRelease(owner, contact);
    if (!added) return { result: 'exists', version: await this.move(owner, { count: -1, version: 0 }) };
    return { result: 'added', version: await this.move(owner, { count: 0, version: 1 }) };
  }

  async replaceContact(
    owner: string,
    old: ContactRef,
    contact: Contact,
    cap = MAX_CONTACTS,
  ): Promise<{ result: ContactAddResult; version: number }> {
    // Removing `old` without giving its slot back hands that slot to `contact`; without `old`, take a new one.
    const removed = await this.deleteRow(owner, old);
    if (!removed && !(await this.reserveContactSlot(owner, cap))) {
      return { result: 'full', version: await this.version(owner) };
    }
    const added = await this.putOrRelease(owner, contact);
    if (added) return { result: 'added', version: await this.move(owner, { count: 0, version: 1 }) };
    return {
      result: 'exists',
      version: await this.move(owner, { count: -1, version: removed ? 1 : 0 }),
    };
  }

  async removeContact(owner: string, ref: ContactRef): Promise<ContactRemoval> {
    const contact = await this.deleteRow(owner, ref);
    if (!contact) return { result: 'missing', version: await this.version(owner) };
    return { result: 'removed', version: await this.move(owner, { count: -1, version: 1 }), contact };
  }

  /**
   * Puts the contact row (and an IM contact's reverse edge) into a slot the caller holds; false when the contact
   * is there already. A failed write gives the slot back before its error is thrown.
   */
  private async putOrRelease(owner: string, contact: Contact): Promise<boolean> {
    const ref = contact.kind === 'im' ? { imNumber: contact.imNumber } : { phone: contact.phone };
    let added: boolean;
    try {
      added = await this.table.conditional(
        new PutCommand({
          TableName: this.table.name,
          Item: { pk: userPk(owner), sk: contactSk(ref), type: 'contact', ...contact },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      await this.releaseContactSlot(owner);
      throw err;
    }
    if (added && contact.kind === 'im') {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { pk: userPk(contact.imNumber), sk: watcherSk(owner), type: 'watcher', imNumber: owner },
        }),
      );
    }
    return added;
  }

  /** Deletes the contact row (and an IM contact's reverse edge); the row as it was, or null when none was there. */
  private async deleteRow(owner: string, ref: ContactRef): Promise<Contact | null> {
    const { Attributes } = await this.table.doc.send(
      new DeleteCommand({
        TableName: this.table.name,
        Key: { pk: userPk(owner), sk: contactSk(ref) },
        ReturnValues: 'ALL_OLD',
      }),
    );
    if (!Attributes) return null;
    if ('imNumber' in ref) {
      await this.table.doc.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key: { pk: userPk(ref.imNumber), sk: watcherSk(owner) },
        }),
      );
    }
    return toContact(Attributes);
  }

  async watchers(
    imNumber: string,
    limit: number,
    cursor?: string,
  ): Promise<{ imNumbers: string[]; next?: string }> {
    const page = await this.table.doc.send(
      new QueryCommand({
        TableName: this.table.name,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :w)',
        ExpressionAttributeValues: { ':pk': userPk(imNumber), ':w': 'WATCHER#' },
        ExclusiveStartKey: cursor ? { pk: userPk(imNumber), sk: watcherSk(cursor) } : undefined,
        Limit: limit,
      }),
    );
    const imNumbers = (page.Items ?? []).map((item) => item.imNumber as string);
    const last = imNumbers[imNumbers.length - 1];
    return page.LastEvaluatedKey && last ? { imNumbers, next: last } : { imNumbers };
  }

  private async version(owner: string): Promise<number> {
    const { Item } = await this.table.doc.send(
      new GetCommand({
        TableName: this.table.name,
        Key: userKey(owner),
        ProjectionExpression: 'contactsVersion',
      }),
    );
    return Item?.contactsVersion ?? 0;
  }

  /**
   * Moves the owner's list version and count by the given steps in one write; returns the version after it. Only
   * on an existing profile (a missing owner gets no stray row), and a count going down stops at 0.
   */
  private async move(owner: string, by: { count: number; version: number }): Promise<number> {
    const adds = [...(by.version ? ['contactsVersion :v'] : []), ...(by.count ? ['contactsCount :c'] : [])];
    if (adds.length === 0) return this.version(owner);
    try {
      const { Attributes } = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: userKey(owner),
          UpdateExpression: `ADD ${adds.join(', ')}`,
          ConditionExpression:
            by.count < 0 ? 'attribute_exists(pk) AND contactsCount > :zero' : 'attribute_exists(pk)',
          ExpressionAttributeValues: {
            ...(by.version ? { ':v': by.version } : {}),
            ...(by.count ? { ':c': by.count } : {}),
            ...(by.count < 0 ? { ':zero': 0 } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes?.contactsVersion ?? 0;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      // No profile, or a count already at 0 (rows written before counts were kept): move the version alone.
      if (by.count < 0 && by.version) return this.move(owner, { count: 0, version: by.version });
      return this.version(owner);
    }
  }
}
