import { MAX_CONTACTS } from '../../core/contacts/profile-rules';
import type { ContactAddResult, ContactBook, ContactRemoval } from '../../core/ports';
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

  /** As the DynamoDB adapter's `move`: only on an existing profile, and a count going down stops at 0. */
  private move(owner: string, by: { count: number; version: number }): number {
    const profile = this.t.profiles.get(owner);
    if (!profile) return 0;
    const count = profile.contactsCount ?? 0;
    if (by.count < 0 && count <= 0)
      return by.version ? this.move(owner, { count: 0, version: by.version }) : this.version(owner);
    if (by.version) profile.contactsVersion = (profile.contactsVersion ?? 0) + by.version;
    // A count of 0 reads back as none, as the DynamoDB profile's does (toProfile).
    if (count + by.count > 0) profile.contactsCount = count + by.count;
    else delete profile.contactsCount;
    return profile.contactsVersion ?? 0;
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

  async reserveContactSlot(owner: string, cap = MAX_CONTACTS): Promise<boolean> {
    const profile = this.t.profiles.get(owner);
    if (!profile || (profile.contactsCount ?? 0) >= cap) return false;
    profile.contactsCount = (profile.contactsCount ?? 0) + 1;
    return true;
  }

  async releaseContactSlot(owner: string): Promise<void> {
    this.move(owner, { count: -1, version: 0 });
  }

  async addContact(
    owner: string,
    contact: Contact,
    slot: { cap?: number; reserved?: boolean } = {},
  ): Promise<{ result: ContactAddResult; version: number }> {
    if (!slot.reserved && !(await this.reserveContactSlot(owner, slot.cap))) {
      return { result: 'full', version: this.version(owner) };
    }
    if (!this.put(owner, contact))
      return { result: 'exists', version: this.move(owner, { count: -1, version: 0 }) };
    return { result: 'added', version: this.move(owner, { count: 0, version: 1 }) };
  }

  async replaceContact(
    owner: string,
    old: ContactRef,
    contact: Contact,
    cap = MAX_CONTACTS,
  ): Promise<{ result: ContactAddResult; version: number }> {
    const removed = this.deleteRow(owner, old);
    if (!removed && !(await this.reserveContactSlot(owner, cap))) {
      return { result: 'full', version: this.version(owner) };
    }
    if (this.put(owner, contact))
      return { result: 'added', version: this.move(owner, { count: 0, version: 1 }) };
    return { result: 'exists', version: this.move(owner, { count: -1, version: removed ? 1 : 0 }) };
  }

  async removeContact(owner: string, ref: ContactRef): Promise<ContactRemoval> {
    const contact = this.list(owner).get(keyOf(ref));
    if (!contact || !this.deleteRow(owner, ref)) return { result: 'missing', version: this.version(owner) };
    return {
      result: 'removed',
      version: this.move(owner, { count: -1, version: 1 }),
      contact: copy(contact),
    };
  }

  /** The contact row and an IM contact's reverse edge; false when the contact is there already. */
  private put(owner: string, contact: Contact): boolean {
    const key = keyOf(refOf(contact));
    if (this.list(owner).has(key)) return false;
    this.list(owner).set(key, copy(contact));
    if (contact.kind === 'im') {
      let w = this.t.watchers.get(contact.imNumber);
      if (!w) this.t.watchers.set(contact.imNumber, (w = new Set()));
      w.add(owner);
    }
    return true;
  }

  private deleteRow(owner: string, ref: ContactRef): boolean {
    if (!this.list(owner).delete(keyOf(ref))) return false;
    if ('imNumber' in ref) this.t.watchers.get(ref.imNumber)?.delete(owner);
    return true;
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
