import type { Contact, ContactRef } from '../types';

/**
 * The contact book: each user's contact list (IM contacts by imNumber, non-IM contacts by phone), its version,
 * and the reverse edges ("who has this user as a contact") that presence fans out over. Every read is by key.
 */
export interface ContactBook {
  /**
   * One page of the list in key order (IM contacts by imNumber, then non-IM contacts by phone): at most `limit`
   * contacts after the contact `after` (which need not be on the list any more), with the list's version (0 for
   * a user who never had one) and `more` when at least one contact follows the page. By key: one Query (plus one
   * Get of the version when `after` is given).
   */
  contactsPage(
    owner: string,
    limit: number,
    after?: ContactRef,
  ): Promise<{ version: number; contacts: Contact[]; more: boolean }>;
  /** One contact of `owner`, or null. */
  getContact(owner: string, ref: ContactRef): Promise<Contact | null>;
  /**
   * Adds a contact unless that imNumber or phone is on the list already ('exists': nothing changes). An IM
   * contact also gets the reverse edge; the owner's version and count go up by one. Returns the new version.
   */
  addContact(owner: string, contact: Contact): Promise<{ result: 'added' | 'exists'; version: number }>;
  /** Removes a contact (and its reverse edge); 'missing' when it was not on the list. */
  removeContact(owner: string, ref: ContactRef): Promise<{ result: 'removed' | 'missing'; version: number }>;
  /**
   * One page of the users who have `imNumber` as an IM contact, in a stable order, at most `limit`. `next` is
   * the cursor of the following page; it is set on every full page (the following page may be empty).
   */
  watchers(imNumber: string, limit: number, cursor?: string): Promise<{ imNumbers: string[]; next?: string }>;
}
