import { badInput, conflict, DomainError } from '../errors';
import { mapLimit } from '../concurrency';
import { judge } from '../judgement/judge';
import { LogEvent } from '../log-events';
import type { Deps, ImEvent } from '../ports';
import { isServiceNumber } from '../im-sms/outbound';
import { defaultName, validateName } from '../provisioning/names';
import { parsePhone } from '../provisioning/phone';
import { noticeExpiry } from '../login-status/presence';
import { withdrawInvitation } from '../invitations/withdraw';
import type { Contact, ContactRef, ContactView, PresenceMode, Recipient, UserProfile } from '../types';

/** At most this many contacts per user: bounds getContacts and the presence fan-out. */
export const MAX_CONTACTS = 1000;
/** A mood phrase is at most this many code points. */
export const MAX_MOOD_CHARS = 140;
/** An avatar URL is at most this many characters. */
export const MAX_AVATAR_URL_CHARS = 512;
/** A non-IM contact's name: 1-64 code points, no control characters, not only spaces. */
export const MAX_CONTACT_NAME_CHARS = 64;

/** How many contacts' login status are read at once. */
const READ_CONCURRENCY = 8;

/** A contact's status as the judgement sees it at `now`: online only when a message to it would go by IM. */
export const presenceOf = (recipient: Recipient | null, now: number): PresenceMode =>
  recipient && judge(recipient, now) === 'im' ? 'online' : 'offline';

/**
 * What the owner may see of an IM contact: its live profile fields and presence, never its phone. The name is
 * the contact's own, except while it still has its default name (`u<imNumber>`): then it is the name stored on
 * the owner's list, which for a contact that joined by the owner's invitation is the name the owner gave it
 * (so "Mom" does not turn into "u12345678" when she answers YES).
 */
export function imContactView(
  contact: { imNumber: string; name: string },
  recipient: Recipient | null,
  now: number,
): ContactView {
  const profile = recipient?.profile;
  return {
    kind: 'im',
    imNumber: contact.imNumber,
    name: profile && profile.name !== defaultName(profile.imNumber) ? profile.name : contact.name,
    ...(profile?.mood ? { mood: profile.mood } : {}),
    ...(profile?.avatarUrl ? { avatarUrl: profile.avatarUrl } : {}),
    status: presenceOf(recipient, now),
  };
}

/**
 * At most this many contacts' expiries are announced per getContacts (each is a fan-out of up to
 * PRESENCE_FANOUT_MAX watchers); the rest are announced by a later read.
 */
export const EXPIRY_NOTICES_PER_READ = 5;

async function viewOf(deps: Deps, contact: Contact, notices: { left: number }): Promise<ContactView> {
  if (contact.kind === 'phone') return { kind: 'phone', phone: contact.phone, name: contact.name };
  const now = deps.clock.now();
  const recipient = await deps.logins.getRecipient(contact.imNumber);
  if (recipient && notices.left > 0 && recipient.connections.some((c) => c.expiresAt <= now)) {
    notices.left--;
    await noticeExpiry(deps, recipient, now);
  }
  return imContactView(contact, recipient, now);
}

/**
 * The owner's contact list with each IM contact's presence (claim 11's stored contacts). When `since` is the
 * list's current version the list is left out: the client's copy is current. Reads: one Query for the list, one
 * per IM contact for its presence (at most MAX_CONTACTS, 8 at a time). A contact found with expired connections
 * has its expiry announced to its watchers (noticeExpiry), for at most EXPIRY_NOTICES_PER_READ contacts a call.
 */
export async function getContacts(deps: Deps, owner: string, since?: number): Promise<ImEvent> {
  if (since !== undefined) {
    const profile = await deps.users.getUser(owner);
    const version = profile?.contactsVersion ?? 0;
    if (since === version) return { kind: 'contacts', version };
  }
  const { version, contacts } = await deps.contacts.listContacts(owner);
  const notices = { left: EXPIRY_NOTICES_PER_READ };
  const views = await mapLimit(contacts, READ_CONCURRENCY, (c) => viewOf(deps, c, notices));
  return { kind: 'contacts', version, contacts: views };
}

/** A non-IM contact's name, trimmed; `invalid_name` otherwise. */
export function validateContactName(input: unknown): string {
  const name = typeof input === 'string' ? input.trim() : '';
  if (!name || [...name].length > MAX_CONTACT_NAME_CHARS || /\p{Cc}/u.test(name)) {
    throw badInput(
      `name must be 1-${MAX_CONTACT_NAME_CHARS} characters without control characters`,
      'invalid_name',
    );
  }
  return name;
}

export type AddContactInput = { imNumber: string } | { phone: string; name: string };

/**
 * Adds an IM contact (by imNumber; it must exist and not be the owner) or a non-IM contact (a phone in
 * international format and a name). Refusals change nothing: `invalid_contact` (yourself), `unknown_recipient`,
 * `invalid_phone`, `invalid_name`, `contact_exists`, `too_many_contacts`.
 */
export async function addContact(deps: Deps, owner: UserProfile, input: AddContactInput): Promise<ImEvent> {
  let contact: Contact;
  let recipient: Recipient | null = null;
  const now = deps.clock.now();
  if ('imNumber' in input) {
    if (input.imNumber === owner.imNumber) throw badInput('you cannot add yourself', 'invalid_contact');
    recipient = await deps.logins.getRecipient(input.imNumber);
    if (!recipient) throw badInput('no user has that imNumber', 'unknown_recipient');
    contact = { kind: 'im', imNumber: input.imNumber, name: recipient.profile.name, addedAt: now };
  } else {
    const phone = parsePhone(input.phone).e164;
    const name = validateContactName(input.name);
    if (phone === owner.phone) throw badInput('you cannot add yourself', 'invalid_contact');
    // As for invitations and sign-in: the service's own numbers are never people.
    if (isServiceNumber(deps, phone)) {
      throw badInput('that is a number of this service, not a person', 'invalid_phone');
    }
    contact = { kind: 'phone', phone, name, addedAt: now };
  }
  if ((owner.contactsCount ?? 0) >= MAX_CONTACTS) {
    throw new DomainError('too_many_contacts', `at most ${MAX_CONTACTS} contacts`, 'rate_limited');
  }
  const { result, version } = await deps.contacts.addContact(owner.imNumber, contact);
  if (result === 'exists') throw conflict('already in your contacts', 'contact_exists');
  deps.log.info(LogEvent.ContactAdded, { owner: owner.imNumber, kind: contact.kind });
  const view: ContactView =
    contact.kind === 'im'
      ? imContactView(contact, recipient, now)
      : { kind: 'phone', phone: contact.phone, name: contact.name };
  return { kind: 'contact', op: 'added', version, contact: view };
}

/**
 * Removes a contact; `unknown_contact` when it is not on the list (nothing changes). Removing a phone the owner
 * invited, before it answered, also withdraws that invitation (withdrawInvitation): a later YES makes no
 * contact and no account.
 */
export async function removeContact(deps: Deps, owner: string, input: ContactRef): Promise<ImEvent> {
  const ref: ContactRef = 'imNumber' in input ? input : { phone: parsePhone(input.phone).e164 };
  const existing = await deps.contacts.getContact(owner, ref);
  if (!existing) throw badInput('not in your contacts', 'unknown_contact');
  const { result, version } = await deps.contacts.removeContact(owner, ref);
  if (result === 'missing') throw badInput('not in your contacts', 'unknown_contact');
  if (existing.kind === 'phone') await withdrawInvitation(deps, owner, existing.phone);
  deps.log.info(LogEvent.ContactRemoved, { owner, kind: existing.kind });
  const contact: ContactView =
    existing.kind === 'im'
      ? { kind: 'im', imNumber: existing.imNumber, name: existing.name, status: 'offline' }
      : { kind: 'phone', phone: existing.phone, name: existing.name };
  return { kind: 'contact', op: 'removed', version, contact };
}

/**
 * Sets the caller's name, mood phrase and avatar URL (an empty mood or URL removes it). `invalid_mood`: over
 * MAX_MOOD_CHARS code points or control characters; `invalid_avatar_url`: not an https URL of at most
 * MAX_AVATAR_URL_CHARS characters. A new name passes the rules of a name chosen at sign-in (validateName:
 * pattern, one script, no default-name look-alike; `invalid_name`) and is claimed under all its keys before the
 * profile changes (`name_taken` when anyone else holds one: the same name in any case, or a look-alike); the old
 * name's keys are released after. Every refusal changes nothing. Contacts see the new name in `getContacts`
 * (IM contacts are shown with their own live profile).
 */
export async function updateProfile(
  deps: Deps,
  imNumber: string,
  changes: { mood?: string; avatarUrl?: string; name?: string },
): Promise<ImEvent> {
  const name = changes.name === undefined ? undefined : validateName(changes.name);
  const mood = changes.mood?.trim();
  if (mood !== undefined && ([...mood].length > MAX_MOOD_CHARS || /\p{Cc}/u.test(mood))) {
    throw badInput(
      `mood must be at most ${MAX_MOOD_CHARS} characters without control characters`,
      'invalid_mood',
    );
  }
  const avatarUrl = changes.avatarUrl?.trim();
  if (avatarUrl && !isHttpsUrl(avatarUrl)) {
    throw badInput(
      `avatarUrl must be an https URL of at most ${MAX_AVATAR_URL_CHARS} characters`,
      'invalid_avatar_url',
    );
  }
  if (mood === undefined && avatarUrl === undefined && name === undefined) {
    throw badInput('nothing to update', 'bad_frame');
  }
  const before = name === undefined ? null : await deps.users.getUser(imNumber);
  if (name !== undefined && !before) throw badInput('no such user', 'unknown_recipient');
  const renamed = before !== null && name !== undefined && name !== before.name;
  if (renamed && !(await deps.users.claimName(name, imNumber))) {
    throw conflict(`the name ${name} is taken`, 'name_taken');
  }
  const profile = await deps.users.updateProfile(imNumber, { mood, avatarUrl, ...(renamed ? { name } : {}) });
  if (!profile) throw badInput('no such user', 'unknown_recipient');
  if (renamed && before.name !== defaultName(imNumber))
    await deps.users.releaseName(before.name, imNumber, name);
  if (renamed) deps.log.info(LogEvent.ProfileRenamed, { imNumber });
  return { kind: 'profile', profile };
}

function isHttpsUrl(text: string): boolean {
  if (text.length > MAX_AVATAR_URL_CHARS) return false;
  try {
    const url = new URL(text);
    return url.protocol === 'https:' && Boolean(url.hostname) && !url.username && !url.password;
  } catch {
    return false;
  }
}
