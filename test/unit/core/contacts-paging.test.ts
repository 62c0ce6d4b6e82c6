import { encodeFrame, MAX_FRAME_BYTES } from '../../../shared/adapters/apigw-im-channel';
import { toServerFrame } from '../../../shared/adapters/ws-frames';
import {
  CONTACTS_PAGE_BYTES,
  getContacts,
  MAX_AVATAR_URL_CHARS,
  MAX_CONTACT_BYTES,
  MAX_CONTACT_NAME_CHARS,
  MAX_CONTACTS,
  MAX_CONTACTS_PAGE,
  MAX_MOOD_CHARS,
} from '../../../shared/core/contacts/book';
import { cutToJsonBytes, FRAME_LIMIT_BYTES, jsonBytes, pageCount } from '../../../shared/core/frame-budget';
import type { ImEvent } from '../../../shared/core/ports';
import type { Contact, UserProfile } from '../../../shared/core/types';
import { coreWorld, type CoreWorld } from '../../support/core-deps';

/**
 * getContacts in pages cut by the frame's encoded size (issue 14, item 7: every server frame under 32 KB): the
 * rule on its own, then whole lists of the largest contacts valid input can make, read page by page.
 */
let w: CoreWorld;
beforeEach(() => {
  w = coreWorld();
});

type ContactsEvent = Extract<ImEvent, { kind: 'contacts' }>;
const T = 1_800_000_000_000;

/** The bytes of a contacts answer as the IM server sends it (the 32 KB guard throws on one it cannot cut). */
const wireBytes = (event: ImEvent) => encodeFrame(toServerFrame(event)).length;

/** The largest profile valid input makes: 32 four-byte letters, moods and URLs of 6-byte JSON escapes. */
const worstProfile = (i: number): Partial<UserProfile> => ({
  name: '𐐀'.repeat(30) + String(i).padStart(2, '0').slice(-2),
  mood: '\ud800'.repeat(MAX_MOOD_CHARS), // a lone surrogate: JSON writes \ud800, 6 bytes
  avatarUrl: 'https://a.test/' + '\ud800'.repeat(MAX_AVATAR_URL_CHARS - 'https://a.test/'.length),
});

/** Adds contacts straight into the owner's book (the rules of addContact are tested elsewhere). */
async function fill(owner: string, contacts: Contact[]): Promise<void> {
  for (const c of contacts) await w.stores.contacts.addContact(owner, c);
}

/** Reads every page; returns the pages (each checked on the wire) and the contacts in order. */
async function readAll(owner: string, limit?: number) {
  const pages: ContactsEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = (await getContacts(w.deps, owner, { cursor, limit })) as ContactsEvent;
    pages.push(page);
    cursor = page.next;
  } while (cursor && pages.length < 2000);
  return { pages, contacts: pages.flatMap((p) => p.contacts ?? []) };
}

describe('the page-cutting rule', () => {
  it('keeps the longest prefix within the budget, commas counted, and always one item', () => {
    expect(pageCount([], 10)).toBe(0);
    expect(pageCount([4, 4], 9)).toBe(2); // 4 + 1 + 4
    expect(pageCount([4, 4], 8)).toBe(1);
    expect(pageCount([4, 4, 1], 9)).toBe(2);
    expect(pageCount([50, 1], 10)).toBe(1); // one item always goes: its producer made it fit the frame
  });

  it('cuts a string to a JSON byte size on whole code points, ending with …', () => {
    expect(cutToJsonBytes('short', 100)).toBe('short');
    const cut = cutToJsonBytes('😀'.repeat(100), 50);
    expect(jsonBytes(cut)).toBeLessThanOrEqual(50);
    expect(cut).toBe('😀'.repeat(11) + '…'); // 2 quotes + 3 for the mark + 11 × 4
    expect(jsonBytes(cutToJsonBytes('\u0001'.repeat(100), 40))).toBeLessThanOrEqual(40);
  });

  it('budgets against the same 32 KB the IM adapter enforces', () => {
    expect(FRAME_LIMIT_BYTES).toBe(MAX_FRAME_BYTES);
    expect(CONTACTS_PAGE_BYTES + 512).toBeLessThan(FRAME_LIMIT_BYTES);
  });
});

describe('getContacts in pages', () => {
  it('a first page without cursor or limit is readable whatever the list (745 plain contacts failed with internal)', async () => {
    const owner = await w.user();
    const phones: Contact[] = Array.from({ length: 745 }, (_, i) => ({
      kind: 'phone',
      phone: `+1415555${String(i).padStart(4, '0')}`,
      name: `Contact number ${i}`,
      addedAt: T,
    }));
    await fill(owner.imNumber, phones);

    const first = await getContacts(w.deps, owner.imNumber);

    expect(wireBytes(first)).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expect((first as ContactsEvent).contacts!.length).toBeGreaterThan(100);
    expect((first as ContactsEvent).next).toBeDefined();
  });

  it('reads MAX_CONTACTS of the largest contacts in pages under 32 KB, each contact once, in key order', async () => {
    const owner = await w.user();
    const ims: Contact[] = [];
    for (let i = 0; i < MAX_CONTACTS / 2; i++) {
      const u = await w.user({ ...worstProfile(i), ...(i % 3 === 0 ? { connectionId: `c${i}` } : {}) });
      ims.push({ kind: 'im', imNumber: u.imNumber, name: u.name, addedAt: T });
    }
    const phones: Contact[] = Array.from({ length: MAX_CONTACTS / 2 }, (_, i) => ({
      kind: 'phone',
      phone: `+1650555${String(i).padStart(4, '0')}`,
      name: '\ud800'.repeat(MAX_CONTACT_NAME_CHARS),
      addedAt: T,
    }));
    await fill(owner.imNumber, [...ims, ...phones]);

    const { pages, contacts } = await readAll(owner.imNumber);

    const sizes = pages.map(wireBytes);
    for (const page of pages) {
      const bytes = encodeFrame(toServerFrame(page));
      expect(bytes.length).toBeLessThanOrEqual(MAX_FRAME_BYTES);
      // Sent as built: the adapter's last-resort cut never had to touch it.
      expect(JSON.parse(new TextDecoder().decode(bytes))).toEqual(toServerFrame(page));
    }
    // 500 contacts of about 4.1 KB and 500 of about 0.4 KB: some 2.3 MB in all, about 30 KB a page.
    expect(pages.length).toBeGreaterThan(70);
    expect(Math.max(...sizes)).toBeGreaterThan(20_000); // pages are filled, not cut by a small count
    const keys = contacts.map((c) => (c.kind === 'im' ? `im#${c.imNumber}` : `phone#${c.phone}`));
    expect(keys).toEqual(
      [...ims, ...phones].map((c) => (c.kind === 'im' ? `im#${c.imNumber}` : `phone#${c.phone}`)).sort(),
    );
    expect(contacts.find((c) => c.kind === 'im')).toMatchObject({ mood: worstProfile(0).mood });
    expect(contacts.filter((c) => c.kind === 'im' && c.status === 'online')).toHaveLength(167);
    expect(pages.at(-1)!.next).toBeUndefined();
    expect(new Set(pages.map((p) => p.version))).toEqual(new Set([MAX_CONTACTS]));
  });

  it('honours a limit, and pages by count when the contacts are small', async () => {
    const owner = await w.user();
    const phones: Contact[] = Array.from({ length: 25 }, (_, i) => ({
      kind: 'phone',
      phone: `+1415555${String(i).padStart(4, '0')}`,
      name: `P${i}`,
      addedAt: T,
    }));
    await fill(owner.imNumber, phones);

    const { pages, contacts } = await readAll(owner.imNumber, 10);

    expect(pages.map((p) => p.contacts!.length)).toEqual([10, 10, 5]);
    expect(contacts.map((c) => (c as { phone: string }).phone)).toEqual(
      phones.map((p) => (p as { phone: string }).phone),
    );
    // Exactly a full page: no cursor for an empty page after it.
    const exact = await readAll(owner.imNumber, 25);
    expect(exact.pages).toHaveLength(1);
    expect(exact.pages[0].next).toBeUndefined();
  });

  it('answers unchanged for a current `since` on the first page only, and a changed list in pages', async () => {
    const owner = await w.user();
    await fill(
      owner.imNumber,
      Array.from({ length: 3 }, (_, i) => ({
        kind: 'phone',
        phone: `+141555500${i}0`,
        name: `P${i}`,
        addedAt: T,
      })),
    );
    expect(await getContacts(w.deps, owner.imNumber, { since: 3 })).toEqual({ kind: 'contacts', version: 3 });
    const changed = (await getContacts(w.deps, owner.imNumber, { since: 2, limit: 2 })) as ContactsEvent;
    expect(changed).toMatchObject({ version: 3, next: 'phone#+14155550010' });
    expect(changed.contacts).toHaveLength(2);
    // `since` is read on the first page only: a later page is the list's, whatever the client's copy.
    const rest = await getContacts(w.deps, owner.imNumber, { since: 3, cursor: changed.next, limit: 2 });
    expect(rest).toEqual({
      kind: 'contacts',
      version: 3,
      contacts: [{ kind: 'phone', phone: '+14155550020', name: 'P2' }],
    });
  });

  it('carries on after a cursor whose contact was removed meanwhile; the version shows the change', async () => {
    const owner = await w.user();
    await fill(
      owner.imNumber,
      Array.from({ length: 4 }, (_, i) => ({
        kind: 'phone',
        phone: `+141555500${i}0`,
        name: `P${i}`,
        addedAt: T,
      })),
    );
    const first = (await getContacts(w.deps, owner.imNumber, { limit: 2 })) as ContactsEvent;
    await w.stores.contacts.removeContact(owner.imNumber, { phone: '+14155550010' });

    const second = (await getContacts(w.deps, owner.imNumber, {
      cursor: first.next,
      limit: 2,
    })) as ContactsEvent;

    expect(second.contacts!.map((c) => (c as { phone: string }).phone)).toEqual([
      '+14155550020',
      '+14155550030',
    ]);
    expect(second.version).toBe(first.version + 1);
  });

  it('refuses a limit out of range and a cursor it did not make, reading nothing', async () => {
    const owner = await w.user();
    for (const limit of [0, -1, 1.5, MAX_CONTACTS_PAGE + 1]) {
      await expect(getContacts(w.deps, owner.imNumber, { limit })).rejects.toMatchObject({
        code: 'invalid_limit',
      });
    }
    for (const cursor of ['', 'x', 'im#abc', 'phone#14155550100', 'ROSTER#im#12345678']) {
      await expect(getContacts(w.deps, owner.imNumber, { cursor })).rejects.toMatchObject({
        code: 'invalid_cursor',
      });
    }
    expect(await getContacts(w.deps, owner.imNumber, { limit: MAX_CONTACTS_PAGE })).toMatchObject({
      contacts: [],
    });
  });

  it('shows a stored profile larger than any valid input without mood and avatar, its name cut, so it fits', async () => {
    const owner = await w.user();
    const huge = await w.user({
      name: 'x'.repeat(50_000),
      mood: 'm'.repeat(50_000),
      avatarUrl: 'https://a.test/',
    });
    await fill(owner.imNumber, [{ kind: 'im', imNumber: huge.imNumber, name: 'x', addedAt: T }]);

    const page = (await getContacts(w.deps, owner.imNumber)) as ContactsEvent;

    expect(wireBytes(page)).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    const [contact] = page.contacts!;
    expect(contact).not.toHaveProperty('mood');
    expect(contact).not.toHaveProperty('avatarUrl');
    expect(jsonBytes(contact)).toBeLessThanOrEqual(MAX_CONTACT_BYTES);
    expect(contact.name.endsWith('…')).toBe(true);
  });
});
