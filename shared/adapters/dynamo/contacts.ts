import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import type { ContactBook } from '../../core/ports';
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

  async addContact(
    owner: string,
    contact: Contact,
  ): Promise<{ result: 'added' | 'exists'; version: number }> {
    const ref = contact.kind === 'im' ? { imNumber: contact.imNumber } : { phone: contact.phone };
    const added = await this.table.conditional(
      new PutCommand({
        TableName: this.table.name,
        Item: { pk: userPk(owner), sk: contactSk(ref), type: 'contact', ...contact },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    if (!added) return { result: 'exists', version: await this.version(owner) };
    if (contact.kind === 'im') {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { pk: userPk(contact.imNumber), sk: watcherSk(owner), type: 'watcher', imNumber: owner },
        }),
      );
    }
    return { result: 'added', version: await this.bump(owner, 1) };
  }

  async removeContact(
    owner: string,
    ref: ContactRef,
  ): Promise<{ result: 'removed' | 'missing'; version: number }> {
    const { Attributes } = await this.table.doc.send(
      new DeleteCommand({
        TableName: this.table.name,
        Key: { pk: userPk(owner), sk: contactSk(ref) },
        ReturnValues: 'ALL_OLD',
      }),
    );
    if (!Attributes) return { result: 'missing', version: await this.version(owner) };
    if ('imNumber' in ref) {
      await this.table.doc.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key: { pk: userPk(ref.imNumber), sk: watcherSk(owner) },
        }),
      );
    }
    return { result: 'removed', version: await this.bump(owner, -1) };
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

  /** Bumps the owner's list version and moves its count by `delta`; returns the new version. */
  private async bump(owner: string, delta: number): Promise<number> {
    const { Attributes } = await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: userKey(owner),
        UpdateExpression: 'ADD contactsVersion :one, contactsCount :d',
        ExpressionAttributeValues: { ':one': 1, ':d': delta },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Attributes?.contactsVersion ?? 0;
  }
}
