import {
  addContact,
  contactView,
  getContacts,
  MAX_CONTACT_BYTES,
  removeContact,
  updateProfile,
} from '../../../shared/core/contacts/book';
import { jsonBytes } from '../../../shared/core/frame-budget';
import { setPresence } from '../../../shared/core/login-status/presence';
import type { Contact, ContactView, Recipient, UserProfile } from '../../../shared/core/types';
import { coreWorld, type CoreWorld } from '../../support/core-deps';

/**
 * The one rule of how a contact is shown (contactView), and that every frame showing a contact follows it: the
 * `contact` frames of addContact and removeContact show what the `contacts` page shows at that moment.
 */
const NOW = 1_800_000_000_000;
const profile = (over: Partial<UserProfile> = {}): UserProfile => ({
  imNumber: '12345678',
  name: 'Ben',
  phone: '+14155550100',
  mode: 'online',
  optedOut: false,
  threads: {},
  createdAt: 0,
  ...over,
});
const live = { connectionId: 'c1', connectedAt: NOW - 1000, expiresAt: NOW + 60_000 };
const stored: Contact = { kind: 'im', imNumber: '12345678', name: 'Stored', addedAt: 0 };

describe('contactView, the rule', () => {
  it('shows an IM contact with its own name, mood and avatar, online while a message would go by IM', () => {
    const recipient: Recipient = {
      profile: profile({ mood: 'busy', avatarUrl: 'https://example.com/b.png' }),
      connections: [live],
    };
    expect(contactView(stored, recipient, NOW)).toEqual({
      kind: 'im',
      imNumber: '12345678',
      name: 'Ben',
      mood: 'busy',
      avatarUrl: 'https://example.com/b.png',
      status: 'online',
    });
    expect(JSON.stringify(contactView(stored, recipient, NOW))).not.toContain('+1415');
  });

  it('is offline when the judgement would send an SMS: no connection, only expired ones, or offline mode', () => {
    const expired = { ...live, expiresAt: NOW };
    for (const recipient of [
      { profile: profile(), connections: [] },
      { profile: profile(), connections: [expired] },
      { profile: profile({ mode: 'offline' }), connections: [live] },
    ]) {
      expect(contactView(stored, recipient, NOW)).toMatchObject({
        kind: 'im',
        name: 'Ben',
        status: 'offline',
      });
    }
  });

  it('keeps the name on the list while the contact has its default name, and when the account is gone', () => {
    const defaultNamed = { profile: profile({ name: 'u12345678' }), connections: [live] };
    expect(contactView(stored, defaultNamed, NOW)).toEqual({
      kind: 'im',
      imNumber: '12345678',
      name: 'Stored',
      status: 'online',
    });
    expect(contactView(stored, null, NOW)).toEqual({
      kind: 'im',
      imNumber: '12345678',
      name: 'Stored',
      status: 'offline',
    });
  });

  it('shows a non-IM contact as stored, whatever recipient is passed', () => {
    const phone: Contact = { kind: 'phone', phone: '+14155550199', name: 'Plumber', addedAt: 0 };
    expect(contactView(phone, null, NOW)).toEqual({ kind: 'phone', phone: '+14155550199', name: 'Plumber' });
  });

  it('cuts a profile stored before the limits to MAX_CONTACT_BYTES: no mood or avatar, the name cut', () => {
    const huge = { profile: profile({ name: 'B'.repeat(7000), mood: 'm'.repeat(500) }), connections: [live] };
    const view = contactView(stored, huge, NOW) as Extract<ContactView, { kind: 'im' }>;
    expect(jsonBytes(view)).toBeLessThanOrEqual(MAX_CONTACT_BYTES);
    expect(view).not.toHaveProperty('mood');
    expect(view.status).toBe('online');
  });
});

describe('every frame that shows a contact follows the rule', () => {
  let w: CoreWorld;
  beforeEach(() => {
    w = coreWorld();
  });
  const owner = async (imNumber: string) => (await w.stores.users.getUser(imNumber))!;
  const listed = async (of: string, imNumber: string) => {
    const page = (await getContacts(w.deps, of)) as { contacts: ContactView[] };
    return page.contacts.find((c) => c.kind === 'im' && c.imNumber === imNumber);
  };

  it('added, listed, renamed, removed: the removed frame shows the list’s contact, not the stored one', async () => {
    const amy = await w.user();
    const ben = await w.user({ connectionId: 'b1', name: 'Ben', mood: 'busy' });
    const added = await addContact(w.deps, await owner(amy.imNumber), { imNumber: ben.imNumber });
    expect(added).toMatchObject({ contact: await listed(amy.imNumber, ben.imNumber) });
    await updateProfile(w.deps, ben.imNumber, {
      name: 'Benedict',
      mood: 'at lunch',
      avatarUrl: 'https://example.com/b.png',
    });
    const shown = await listed(amy.imNumber, ben.imNumber);
    expect(shown).toEqual({
      kind: 'im',
      imNumber: ben.imNumber,
      name: 'Benedict',
      mood: 'at lunch',
      avatarUrl: 'https://example.com/b.png',
      status: 'online',
    });
    expect(await removeContact(w.deps, amy.imNumber, { imNumber: ben.imNumber })).toEqual({
      kind: 'contact',
      op: 'removed',
      version: 2,
      contact: shown,
    });
  });

  it('the removed frame of a contact in offline mode says offline, as the list does', async () => {
    const amy = await w.user();
    const cal = await w.user({ connectionId: 'c1', name: 'Cal' });
    await addContact(w.deps, await owner(amy.imNumber), { imNumber: cal.imNumber });
    await setPresence(w.deps, cal.imNumber, 'c1', 'offline');
    const shown = await listed(amy.imNumber, cal.imNumber);
    expect(shown).toMatchObject({ status: 'offline' });
    expect(await removeContact(w.deps, amy.imNumber, { imNumber: cal.imNumber })).toMatchObject({
      contact: shown,
    });
  });

  it('removeContact costs no read before its writes: one login-status read for an IM contact, none for a phone', async () => {
    const amy = await w.user();
    const ben = await w.user({ connectionId: 'b1' });
    await addContact(w.deps, await owner(amy.imNumber), { imNumber: ben.imNumber });
    await addContact(w.deps, await owner(amy.imNumber), { phone: '+14155550199', name: 'Plumber' });
    const reads = { contacts: 0, logins: 0 };
    const getContact = w.deps.contacts.getContact.bind(w.deps.contacts);
    const getRecipient = w.deps.logins.getRecipient.bind(w.deps.logins);
    w.deps.contacts.getContact = (...args) => (reads.contacts++, getContact(...args));
    w.deps.logins.getRecipient = (...args) => (reads.logins++, getRecipient(...args));
    await removeContact(w.deps, amy.imNumber, { imNumber: ben.imNumber });
    expect(reads).toEqual({ contacts: 0, logins: 1 });
    await removeContact(w.deps, amy.imNumber, { phone: '+14155550199' });
    expect(reads).toEqual({ contacts: 0, logins: 1 });
  });

  it('refuses a contact not on the list and changes nothing', async () => {
    const amy = await w.user();
    const ben = await w.user();
    await addContact(w.deps, await owner(amy.imNumber), { imNumber: ben.imNumber });
    await removeContact(w.deps, amy.imNumber, { imNumber: ben.imNumber });
    await expect(removeContact(w.deps, amy.imNumber, { imNumber: ben.imNumber })).rejects.toMatchObject({
      code: 'unknown_contact',
    });
    expect(await getContacts(w.deps, amy.imNumber)).toEqual({ kind: 'contacts', version: 2, contacts: [] });
    expect((await owner(amy.imNumber)).contactsCount ?? 0).toBe(0);
  });
});
