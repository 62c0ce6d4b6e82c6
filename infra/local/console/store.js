// Everything the console remembers lives in localStorage under one prefix: the layout, each card's session, and
// each IM user's contact list and recent history (the patent's client keeps its contact list locally).
/* global EventTarget */

const NS = 'imsms.console.v1';

export function load(key, fallback) {
  try {
    const raw = localStorage.getItem(`${NS}.${key}`);
    return raw === null ? fallback : JSON.parse(raw);
  } catch {
    return fallback;
  }
}

export function save(key, value) {
  try {
    localStorage.setItem(`${NS}.${key}`, JSON.stringify(value));
  } catch (err) {
    console.warn('console: could not save', key, err);
  }
}

export function remove(key) {
  try {
    localStorage.removeItem(`${NS}.${key}`);
  } catch {
    /* ignore */
  }
}

/** Removes every key the console wrote. */
export function clearAll() {
  const keys = [];
  for (let i = 0; i < localStorage.length; i += 1) {
    const k = localStorage.key(i);
    if (k && k.startsWith(`${NS}.`)) keys.push(k);
  }
  for (const k of keys) localStorage.removeItem(k);
}

const MAX_PER_CONVERSATION = 200;
const MAX_SEEN_SMS = 300;

/**
 * One IM user's local data: contacts and recent history, kept per user so two cards signed in as different users
 * never mix, and a reload (or a later login on the same browser) finds them again. Works with no connection.
 *
 * Shape: { contacts: Contact[], history: { [peerKey]: Msg[] }, seenSms: string[] }
 *   Contact: { key, imNumber?, serviceNumber?, name?, nickname?, addedAt, lastAt, unread, auto? }
 *     key is the imNumber, or `sms:<service number>` for an SMS thread that could not be tied to a contact.
 *   Msg: { key, dir: 'in'|'out', text, at, via?, id?, clientId?, status?, statuses: [{status, at, reason?}],
 *          reason?, errors: [{code, message}], sentAs?: 'im'|'sms', acked?, smsFrom? }
 */
class UserData extends EventTarget {
  constructor(imNumber) {
    super();
    this.imNumber = imNumber;
    this.storageKey = `user.${imNumber}`;
    this.read();
  }

  read() {
    const d = load(this.storageKey, null);
    this.contacts = Array.isArray(d?.contacts) ? d.contacts : [];
    this.history = d && typeof d.history === 'object' && d.history ? d.history : {};
    this.seenSms = Array.isArray(d?.seenSms) ? d.seenSms : null;
  }

  persist() {
    save(this.storageKey, { contacts: this.contacts, history: this.history, seenSms: this.seenSms });
    this.dispatchEvent(new Event('change'));
  }

  contact(key) {
    return this.contacts.find((c) => c.key === key) ?? null;
  }

  /** Contacts, most recent conversation first. */
  sortedContacts() {
    return [...this.contacts].sort((a, b) => (b.lastAt ?? b.addedAt ?? 0) - (a.lastAt ?? a.addedAt ?? 0));
  }

  /** Adds or updates a contact. Keeps a nickname the user chose; learns the server's display name. */
  upsertContact(key, fields) {
    let c = this.contact(key);
    if (!c) {
      c = { key, addedAt: Date.now(), lastAt: 0, unread: 0 };
      if (/^\d+$/.test(key)) c.imNumber = key;
      this.contacts.push(c);
    }
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) continue;
      if (k === 'nickname' && v === '') delete c.nickname;
      else c[k] = v;
    }
    this.persist();
    return c;
  }

  removeContact(key) {
    this.contacts = this.contacts.filter((c) => c.key !== key);
    delete this.history[key];
    this.persist();
  }

  messages(key) {
    return this.history[key] ?? [];
  }

  addMessage(key, msg, { unread = false } = {}) {
    const list = (this.history[key] ??= []);
    list.push(msg);
    if (list.length > MAX_PER_CONVERSATION) list.splice(0, list.length - MAX_PER_CONVERSATION);
    const c = this.contact(key);
    if (c) {
      c.lastAt = msg.at;
      if (unread) c.unread = (c.unread ?? 0) + 1;
    }
    this.persist();
    return msg;
  }

  /** Finds a message anywhere in the history. Returns { key, msg } or null. */
  find(pred) {
    for (const [key, list] of Object.entries(this.history)) {
      for (let i = list.length - 1; i >= 0; i -= 1) if (pred(list[i])) return { key, msg: list[i] };
    }
    return null;
  }

  markRead(key) {
    const c = this.contact(key);
    if (c && c.unread) {
      c.unread = 0;
      this.persist();
    }
  }

  /** Sids of SMS this user's phone already had, so only new ones are shown in conversations. */
  rememberSms(sids) {
    const set = new Set(this.seenSms ?? []);
    for (const s of sids) set.add(s);
    this.seenSms = [...set].slice(-MAX_SEEN_SMS);
    this.persist();
  }
}

const users = new Map();

/** The shared UserData of one imNumber (two cards signed in as the same user see the same data). */
export function userData(imNumber) {
  let u = users.get(imNumber);
  if (!u) {
    u = new UserData(imNumber);
    users.set(imNumber, u);
  }
  return u;
}

// Another tab changed a user's data: reload it here too.
window.addEventListener('storage', (ev) => {
  if (!ev.key || !ev.key.startsWith(`${NS}.user.`)) return;
  const imNumber = ev.key.slice(`${NS}.user.`.length);
  const u = users.get(imNumber);
  if (u) {
    u.read();
    u.dispatchEvent(new Event('change'));
  }
});
