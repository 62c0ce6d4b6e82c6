import { badInput, conflict, DomainError } from '../errors';
import { cutToJsonBytes, jsonBytes, pageCount } from '../frame-budget';
import { CONTACTS_CURSOR_PATTERN, MAX_CONTACTS_PAGE } from './page-rules';
import {
  hasControlCharacter,
  hasVisibleCharacter,
  MAX_AVATAR_URL_CHARS,
  MAX_CONTACT_NAME_CHARS,
  MAX_CONTACTS,
  MAX_MOOD_CHARS,
} from './profile-rules';

export { CONTACTS_CURSOR_PATTERN, MAX_CONTACTS_PAGE } from './page-rules';
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

export { MAX_AVATAR_URL_CHARS, MAX_CONTACT_NAME_CHARS, MAX_CONTACTS, MAX_MOOD_CHARS } from './profile-rules';

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
  if (contact.kind === 'phone') return contactView(contact, null, deps.clock.now());
  const now = deps.clock.now();
  const recipient = await deps.logins.getRecipient(contact.imNumber);
  if (recipient && notices.left > 0 && recipient.connections.some((c) => c.expiresAt <= now)) {
    notices.left--;
    await noticeExpiry(deps, recipient, now);
  }
  return contactView(contact, recipient, now);
}

/**
 * A contact as its owner is shown it, the same in every frame that carries one (a `contacts` page, the `contact`
 * frame of addContact and of removeContact): a non-IM contact as stored (its phone and the name the owner gave
 * it); an IM contact by {@link imContactView} (its own current name and profile, and its presence as the
 * judgement sees it at `now`, epoch ms), never its phone. `recipient` is the IM contact's login status as
 * deps.logins.getRecipient reads it (null when the account is gone: then the stored name, `offline`). The view
 * is cut to MAX_CONTACT_BYTES of JSON (fitContact), which only a profile stored before today's limits can pass.
 */
export function contactView(contact: Contact, recipient: Recipient | null, now: number): ContactView {
  return fitContact(
    contact.kind === 'im'
      ? imContactView(contact, recipient, now)
      : { kind: 'phone', phone: contact.phone, name: contact.name },
  );
}

/**
 * The JSON bytes one page's contacts take at most, together with the commas between them. The rest of the frame
 * (type, version, nextCursor) is under 200 bytes, so a page's frame stays under FRAME_LIMIT_BYTES (32 KB) by
 * construction, whatever the profiles hold.
 */
export const CONTACTS_PAGE_BYTES = 30_000;
/**
 * The JSON bytes of one contact at most. The longest a valid profile makes is about 4.2 KB (a 32-letter name of
 * 4-byte letters, a 140-character mood and a 512-character avatar URL of characters JSON escapes to 6 bytes); a
 * stored one over it is shown without its mood and avatar URL, and its name cut, so any page holds at least one.
 */
export const MAX_CONTACT_BYTES = 6_000;
/** A contact's place in the list (key order: IM contacts by imNumber, then non-IM contacts by phone). */
export const contactCursor = (c: Contact | ContactView): string =>
  c.kind === 'im' ? `im#${c.imNumber}` : `phone#${c.phone}`;

const refOfCursor = (cursor: string): ContactRef =>
  cursor.startsWith('im#') ? { imNumber: cursor.slice(3) } : { phone: cursor.slice('phone#'.length) };

/** What a getContacts asks for: see {@link getContacts}. */
export interface ContactsQuery {
  /** The version of the client's copy: an unchanged list is answered without contacts (first page only). */
  since?: number;
  /** The `next` of the page before; none for the first page. */
  cursor?: string;
  /** At most this many contacts (1..MAX_CONTACTS_PAGE, default MAX_CONTACTS_PAGE); a page may hold fewer. */
  limit?: number;
}

/** A contact view within MAX_CONTACT_BYTES of JSON: as it is, or without mood and avatar URL and its name cut. */
function fitContact(view: ContactView): ContactView {
  if (jsonBytes(view) <= MAX_CONTACT_BYTES) return view;
  const bare: ContactView =
    view.kind === 'im'
      ? { kind: 'im', imNumber: view.imNumber, name: view.name, status: view.status }
      : { kind: 'phone', phone: view.phone, name: view.name };
  const room = MAX_CONTACT_BYTES - jsonBytes({ ...bare, name: '' }) + 2; // + the quotes counted in there
  return { ...bare, name: cutToJsonBytes(bare.name, room) };
}

/**
 * One page of the owner's contact list with each IM contact's presence (claim 11's stored contacts), in key
 * order. A page holds at most `limit` contacts and at most CONTACTS_PAGE_BYTES of them as JSON, so its frame
 * stays under API Gateway's 32 KB whatever the profiles hold; `next` (the wire's `nextCursor`) is set when more
 * follow, and is passed back as `cursor` for the following page. Every page carries the list's version as read
 * with it. With `since` equal to the current version and no cursor the answer leaves the list out: the client's
 * copy is current.
 *
 * Reads: one Query for the page (+1 Get of the version with a cursor, +1 Get with `since`), and one login-status
 * Query per IM contact (8 at a time, read in order until the byte budget is spent: at most 7 more than the page
 * keeps). A contact found with expired connections has its expiry announced to its watchers (noticeExpiry), for
 * at most EXPIRY_NOTICES_PER_READ contacts a page.
 * @throws DomainError `invalid_limit` (not an integer 1..MAX_CONTACTS_PAGE), `invalid_cursor` (not a cursor this
 *   function made); nothing is read then.
 */
export async function getContacts(deps: Deps, owner: string, query: ContactsQuery = {}): Promise<ImEvent> {
  const limit = query.limit ?? MAX_CONTACTS_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CONTACTS_PAGE) {
    throw badInput(`limit must be an integer from 1 to ${MAX_CONTACTS_PAGE}`, 'invalid_limit');
  }
  if (query.cursor !== undefined && !CONTACTS_CURSOR_PATTERN.test(query.cursor)) {
    throw badInput('cursor must be the nextCursor of an earlier contacts page', 'invalid_cursor');
  }
  if (query.since !== undefined && query.cursor === undefined) {
    const profile = await deps.users.getUser(owner);
    const version = profile?.contactsVersion ?? 0;
    if (query.since === version) return { kind: 'contacts', version };
  }
  const after = query.cursor === undefined ? undefined : refOfCursor(query.cursor);
  const page = await deps.contacts.contactsPage(owner, limit, after);
  const notices = { left: EXPIRY_NOTICES_PER_READ };
  const views: ContactView[] = [];
  const sizes: number[] = [];
  let kept = page.contacts.length;
  for (let i = 0; i < page.contacts.length && kept === page.contacts.length; i += READ_CONCURRENCY) {
    const chunk = page.contacts.slice(i, i + READ_CONCURRENCY);
    for (const view of await mapLimit(chunk, READ_CONCURRENCY, (c) => viewOf(deps, c, notices))) {
      views.push(view);
      sizes.push(jsonBytes(view)); // the wire form is this without `kind`: a little smaller
    }
    const fits = pageCount(sizes, CONTACTS_PAGE_BYTES);
    if (fits < sizes.length) kept = fits;
  }
  const contacts = views.slice(0, kept);
  const last = contacts[contacts.length - 1];
  const more = kept < page.contacts.length || page.more;
  return {
    kind: 'contacts',
    version: page.version,
    contacts,
    ...(more && last ? { next: contactCursor(last) } : {}),
  };
}

/**
 * The refusal of every path that adds to a full list (addContact, invite, whose phone joins the list at once):
 * `too_many_contacts` (kind rate_limited, HTTP 429 / an `error` frame). The cap itself is kept by the contact
 * book's one conditional write (ContactBook.reserveContactSlot: `contactsCount < MAX_CONTACTS`), never by a read
 * before the write, so simultaneous adds cannot pass it together.
 */
export const tooManyContacts = (): DomainError =>
  new DomainError('too_many_contacts', `at most ${MAX_CONTACTS} contacts`, 'rate_limited');

/**
 * A non-IM contact's name, trimmed. `invalid_name`, whose message names the rule it broke: empty or only
 * characters that show as nothing (spaces, U+200B, U+3164, U+2800: BLANK_CHARACTERS), over
 * MAX_CONTACT_NAME_CHARS code points, or holding a control character.
 */
export function validateContactName(input: unknown): string {
  if (typeof input !== 'string') throw badInput('name must be a string', 'invalid_name');
  const name = input.trim();
  if (!hasVisibleCharacter(name)) {
    throw badInput(
      'name must not be empty (nor only spaces and characters that show as nothing)',
      'invalid_name',
    );
  }
  if ([...name].length > MAX_CONTACT_NAME_CHARS) {
    throw badInput(`name must be at most ${MAX_CONTACT_NAME_CHARS} characters`, 'invalid_name');
  }
  if (hasControlCharacter(name)) throw badInput('name must not hold control characters', 'invalid_name');
  return name;
}

export type AddContactInput = { imNumber: string } | { phone: string; name: string };

/**
 * Adds an IM contact (by imNumber; it must exist and not be the owner) or a non-IM contact (a phone in
 * international format and a name). Refusals change nothing: `invalid_contact` (yourself), `unknown_recipient`,
 * `invalid_phone`, `invalid_name`, `contact_exists`, `too_many_contacts` (the list holds MAX_CONTACTS; kept by
 * one conditional write, so simultaneous adds from one user end at exactly MAX_CONTACTS).
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
  // One conditional write takes the slot (or refuses), then the contact is put; an existing one gives it back.
  const { result, version } = await deps.contacts.addContact(owner.imNumber, contact, { cap: MAX_CONTACTS });
  if (result === 'full') throw tooManyContacts();
  if (result === 'exists') throw conflict('already in your contacts', 'contact_exists');
  deps.log.info(LogEvent.ContactAdded, { owner: owner.imNumber, kind: contact.kind });
  return { kind: 'contact', op: 'added', version, contact: contactView(contact, recipient, now) };
}

/**
 * Removes a contact; `unknown_contact` when it is not on the list (nothing changes). Answers with the removed
 * contact as getContacts showed it (contactView): an IM contact with its own current name and profile and its
 * presence, read after the removal. Removing a phone the owner invited, before it answered, also withdraws that
 * invitation (withdrawInvitation): a later YES makes no contact and no account.
 *
 * Cost: the removal's writes (the row, an IM contact's reverse edge, the count and version), which answer with
 * the row removed (no read before them), then one login-status Query for an IM contact, or the invitation's
 * Get (and its close when pending) for a phone.
 */
export async function removeContact(deps: Deps, owner: string, input: ContactRef): Promise<ImEvent> {
  const ref: ContactRef = 'imNumber' in input ? input : { phone: parsePhone(input.phone).e164 };
  const removal = await deps.contacts.removeContact(owner, ref);
  if (removal.result === 'missing') throw badInput('not in your contacts', 'unknown_contact');
  const { contact: removed, version } = removal;
  if (removed.kind === 'phone') await withdrawInvitation(deps, owner, removed.phone);
  deps.log.info(LogEvent.ContactRemoved, { owner, kind: removed.kind });
  const recipient = removed.kind === 'im' ? await deps.logins.getRecipient(removed.imNumber) : null;
  const contact = contactView(removed, recipient, deps.clock.now());
  return { kind: 'contact', op: 'removed', version, contact };
}

/**
 * Sets the caller's name, mood phrase and avatar URL (an empty mood or URL removes it). `invalid_mood`: over
 * MAX_MOOD_CHARS code points or control characters; `invalid_avatar_url`: see {@link avatarUrlProblem}. Each
 * message names the one rule broken. A new name passes the rules of a name chosen at sign-in (validateName:
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
  // A mood of nothing but characters that show as nothing (spaces, U+200B, U+3164, …) shows blank: it removes the
  // mood, as `""` does.
  const typed = changes.mood?.trim();
  const mood = typed === undefined || hasVisibleCharacter(typed) ? typed : '';
  if (mood !== undefined && [...mood].length > MAX_MOOD_CHARS) {
    throw badInput(`mood must be at most ${MAX_MOOD_CHARS} characters`, 'invalid_mood');
  }
  if (mood !== undefined && hasControlCharacter(mood)) {
    throw badInput('mood must not hold control characters', 'invalid_mood');
  }
  const avatarUrl = changes.avatarUrl?.trim();
  const urlProblem = avatarUrl ? avatarUrlProblem(avatarUrl) : undefined;
  if (urlProblem) throw badInput(`avatarUrl ${urlProblem}`, 'invalid_avatar_url');
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

/**
 * Why an avatar URL (trimmed, not empty) is refused, as the rule it broke (`must be …`), or undefined when it is
 * fine: at most MAX_AVATAR_URL_CHARS code points, no control character, and a WHATWG URL with the `https:` scheme,
 * a host and no user name or password. Each rule is checked in that order and named alone, so a short URL that
 * does not parse is never told it is too long.
 */
export function avatarUrlProblem(text: string): string | undefined {
  if ([...text].length > MAX_AVATAR_URL_CHARS) return `must be at most ${MAX_AVATAR_URL_CHARS} characters`;
  if (hasControlCharacter(text)) return 'must not hold control characters';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be a well-formed https URL (it does not parse as a URL)';
  }
  if (url.protocol !== 'https:') return 'must be an https URL';
  if (!url.hostname) return 'must be an https URL with a host';
  if (url.username || url.password) return 'must not hold a user name or password';
  return undefined;
}
