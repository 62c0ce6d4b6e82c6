import type { ContactBook } from '../../core/ports';
import type { Contact, ContactRef } from '../../core/types';
import { copy, type MemoryTable } from './table';

const keyOf = (ref: ContactRef) => ('imNumber' in ref ? `im#${ref.imNumber}` : `phone#${ref.phone}`);
const refOf = (c: Contact): ContactRef => (c.kind === 'im' ? { imNumber: c.imNumber } : { phone: c.phone });

/** The contact book in memory, with the DynamoDB adapter's answers (../dynamo/contacts.ts). */
export class MemoryContactBook implements ContactBook {
  constructor(private readonly t: MemoryTable) {}

  private list(owner: string): Map<string, Contact> {
    let mine = this.t.contacts.get(owner);
    if (!mine) this.t.contacts.set(owner, (mine = new Map()));
    return mine;
  }

  private version(owner: string): number {
    return this.t.profiles.get(owner)?.contactsVersion ?? 0;
  }

  private bump(owner: string, delta: number): number {
    const profile = this.t.profiles.get(owner);
    if (!profile) return 0;
    profile.contactsVersion = (profile.contactsVersion ?? 0) + 1;
    profile.contactsCount = (profile.contactsCount ?? 0) + delta;
    return profile.contactsVersion;
  }

  async contactsPage(
    owner: string,
    limit: number,
    after?: ContactRef,
  ): Promise<{ version: number; contacts: Contact[]; more: boolean }> {
    // In sort-key order, as the Query returns them; `after` need not exist, like an ExclusiveStartKey.
    const from = after === undefined ? undefined : keyOf(after);
    const rest = [...this.list(owner).entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .filter(([key]) => from === undefined || key > from);
    const contacts = rest.slice(0, Math.max(0, limit)).map(([, c]) => copy(c));
    return { version: this.version(owner), contacts, more: rest.length > contacts.length };
  }

  async getContact(owner: string, ref: ContactRef): Promise<Contact | null> {
    const c = this.list(owner).get(keyOf(ref));
    return c ? copy(c) : null;
  }

  async addContact(
    owner: string,
    contact: Contact,
  ): Promise<{ result: 'added' | 'exists'; version: number }> {
    const key = keyOf(refOf(contact));
    if (this.list(owner).has(key)) return { result: 'exists', version: this.version(owner) };
    this.list(owner).set(key, copy(contact));
    if (contact.kind === 'im') {
      let w = this.t.watchers.get(contact.imNumber);
      if (!w) this.t.watchers.set(contact.imNumber, (w = new Set()));
      w.add(owner);
    }
    return { result: 'added', version: this.bump(owner, 1) };
  }

  async removeContact(
    owner: string,
    ref: ContactRef,
  ): Promise<{ result: 'removed' | 'missing'; version: number }> {
    if (!this.list(owner).delete(keyOf(ref))) return { result: 'missing', version: this.version(owner) };
    if ('imNumber' in ref) this.t.watchers.get(ref.imNumber)?.delete(owner);
    return { result: 'removed', version: this.bump(owner, -1) };
  }

  async watchers(
    imNumber: string,
    limit: number,
    cursor?: string,
  ): Promise<{ imNumbers: string[]; next?: string }> {
    const all = [...(this.t.watchers.get(imNumber) ?? [])].sort();
    const rest = cursor === undefined ? all : all.filter((n) => n > cursor);
    const imNumbers = rest.slice(0, limit);
    // Like DynamoDB's LastEvaluatedKey: a full page has a cursor, even when nothing follows it.
    return imNumbers.length === limit && limit > 0
      ? { imNumbers, next: imNumbers[imNumbers.length - 1] }
      : { imNumbers };
  }
}
