import type { Contact, ContactRef } from '../types';

/** What an add did: added; the contact was there already (nothing changed); the list was full (nothing changed). */
export type ContactAddResult = 'added' | 'exists' | 'full';

/** What a removal did: removed `contact` (the row as it was on the list), or found nothing to remove. */
export type ContactRemoval =
  { result: 'removed'; version: number; contact: Contact } | { result: 'missing'; version: number };

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
   * Takes one slot on the owner's list: the list's count goes up by one only while it is below `cap` (default
   * MAX_CONTACTS), in one conditional write (DynamoDB: UpdateItem with `contactsCount < :cap`), so simultaneous
   * takers can never pass the cap together. False, changing nothing, when the list is full or the owner has no
   * profile. A taken slot is filled by `addContact(…, { reserved: true })` or given back by releaseContactSlot.
   *
   * A crash between taking a slot and filling or releasing it leaks the slot: the count stays one above the rows,
   * so the owner may hold one contact fewer. This is accepted rather than healed: it needs the process to die
   * between two writes of one call (every thrown failure releases the slot), it only ever makes the cap stricter,
   * never looser, and a recount cannot tell a leaked slot from one another call is filling at that moment (a
   * recount that took the rows' count would let that call pass the cap). Each remove gives one slot back as usual.
   */
  reserveContactSlot(owner: string, cap?: number): Promise<boolean>;
  /** Gives back a slot taken by reserveContactSlot and not filled: the count goes down by one (never below 0). */
  releaseContactSlot(owner: string): Promise<void>;
  /**
   * Adds a contact unless that imNumber or phone is on the list already ('exists': nothing changes). First it
   * takes a slot (reserveContactSlot with `slot.cap`): 'full', changing nothing, when none is free. With
   * `slot.reserved` the caller took it already, and this call fills it or gives it back: the slot is released
   * when the contact exists or the write fails (the error is thrown after). An IM contact also gets the reverse
   * edge; the owner's version goes up by one. Returns the version after the call.
   */
  addContact(
    owner: string,
    contact: Contact,
    slot?: { cap?: number; reserved?: boolean },
  ): Promise<{ result: ContactAddResult; version: number }>;
  /**
   * Puts `contact` in the place of `old` (an invited phone that became a user), in old's slot: the count does
   * not change. When `old` is not on the list, a slot is taken as for addContact (`cap`), and 'full' changes
   * nothing. 'exists' when `contact` is on the list already (then `old` is still removed, and its slot given
   * back). The version goes up when the list changed.
   */
  replaceContact(
    owner: string,
    old: ContactRef,
    contact: Contact,
    cap?: number,
  ): Promise<{ result: ContactAddResult; version: number }>;
  /**
   * Removes a contact (and its reverse edge); 'missing' when it was not on the list. The count goes down by one
   * (its slot is free again) and the version up. Answers with the row it removed (DynamoDB: the delete's
   * ALL_OLD), so no read is needed before it.
   */
  removeContact(owner: string, ref: ContactRef): Promise<ContactRemoval>;
  /**
   * One page of the users who have `imNumber` as an IM contact, in a stable order, at most `limit`. `next` is
   * the cursor of the following page; it is set on every full page (the following page may be empty).
   */
  watchers(imNumber: string, limit: number, cursor?: string): Promise<{ imNumbers: string[]; next?: string }>;
}
