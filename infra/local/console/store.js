// Everything the console remembers lives in localStorage under one prefix: the layout, each card's session, and
// each IM user's cached copy of what the server holds (contacts, recent history: the patent's client keeps its
// contact list for offline mode, claim 11) beside what only the client holds (nicknames, unread counts, drafts of
// state such as a message still being sent, invitations seen).
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
 * One IM user's data on this browser, kept per user so two cards signed in as different users never mix, and a
 * reload (or a later login on the same browser) finds it again. Works with no connection.
 *
 * The server is the source of truth for contacts (getContacts, with presence), profiles and history: this is
 * its last copy, refreshed on every connect (`version` skips an unchanged list) and every time a conversation
 * opens (`history`). Only what the server does not hold is the client's own: nicknames, unread counts, SMS
 * threads seen on the user's phone in offline mode, messages not yet confirmed, the invitations sent.
 *
 * Shape: { contacts: Contact[], history: { [peerKey]: Msg[] }, seenSms: string[], version, invitations, profile }
 *   Contact: { key, imNumber?, phone?, serviceNumber?, name?, nickname?, mood?, avatarUrl?, status?, server?,
 *              addedAt, lastAt, unread, auto? }
 *     key is the imNumber, `phone:<E.164>` for a non-IM contact, or `sms:<service number>` for an SMS thread that
 *     could not be tied to a contact. `server` marks a contact the server lists; `status` is its presence.
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
    this.version = typeof d?.version === 'number' ? d.version : null;
    this.invitations = Array.isArray(d?.invitations) ? d.invitations : [];
    this.profile = d?.profile && typeof d.profile === 'object' ? d.profile : null;
    this.historyNext = d?.historyNext && typeof d.historyNext === 'object' ? d.historyNext : {};
  }

  persist() {
    save(this.storageKey, {
      contacts: this.contacts,
      history: this.history,
      seenSms: this.seenSms,
      version: this.version,
      invitations: this.invitations,
      profile: this.profile,
      historyNext: this.historyNext,
    });
    this.dispatchEvent(new Event('change'));
  }

  /**
   * The server's contact list (a `contacts` frame with `contacts`): its contacts replace the server part of the
   * list, keeping the client's own fields (nickname, unread); a contact the server no longer lists leaves it.
   */
  setServerContacts(version, list) {
    const keys = new Set();
    for (const c of list) keys.add(this.applyServerContact(c, false).key);
    this.contacts = this.contacts.filter((c) => !c.server || keys.has(c.key));
    this.version = version;
    this.persist();
  }

  /** One contact as the server sent it: added (or refreshed), or removed (`removed`). Returns the local entry. */
  applyServerContact(c, removed, version) {
    const key = c.imNumber ? String(c.imNumber) : `phone:${c.phone}`;
    if (typeof version === 'number') this.version = version;
    if (removed) {
      this.contacts = this.contacts.filter((x) => x.key !== key);
      if (typeof version === 'number') this.persist();
      return { key };
    }
    let local = this.contact(key);
    if (!local) {
      local = { key, addedAt: Date.now(), lastAt: 0, unread: 0 };
      this.contacts.push(local);
    }
    Object.assign(local, {
      server: true,
      auto: false,
      name: c.name,
      ...(c.imNumber ? { imNumber: c.imNumber, status: c.status } : { phone: c.phone }),
    });
    for (const f of ['mood', 'avatarUrl']) {
      if (c[f]) local[f] = c[f];
      else delete local[f];
    }
    if (typeof version === 'number') this.persist();
    return local;
  }

  /** A contact's presence changed (a `presence` frame naming it). */
  setStatus(imNumber, status) {
    const c = this.contact(imNumber);
    if (!c || c.status === status) return;
    c.status = status;
    this.persist();
  }

  /**
   * A page of `history` (newest first) into the conversation: each entry updates the message with its id, or
   * joins the conversation in time order. Messages the server does not list yet (still being sent) stay.
   */
  mergeHistory(key, me, entries, next, { older = false } = {}) {
    const list = [...(this.history[key] ?? [])];
    const byId = new Map(list.filter((m) => m.id).map((m) => [m.id, m]));
    for (const e of entries) {
      const at = Date.parse(e.sentAt) || Date.now();
      // A message this client showed before the server named it (texted from the phone, or read off the
      // phone's SMS in offline mode) is the same one: give it its id rather than show it twice.
      const found =
        byId.get(e.id) ??
        list.find(
          (m) =>
            !m.id && m.dir === (e.from === me ? 'out' : 'in') && m.text === e.text && m.status !== 'error',
        );
      const fields = {
        id: e.id,
        via: e.via,
        serverPath: e.path,
        path: pathOf(e.path, e.status),
        reason: e.reason,
      };
      if (found) {
        if (!found.id) byId.set(e.id, found);
        found.id = e.id;
        if (found.dir === 'out' && found.sentAs !== 'sms') Object.assign(found, fields, { status: e.status });
        continue;
      }
      const out = e.from === me;
      const msg = {
        key: e.id,
        dir: out ? 'out' : 'in',
        text: e.text,
        at,
        sentAt: at,
        fromServer: true,
        ...fields,
        ...(out ? { status: e.status, sentAs: 'im', statuses: [], errors: [] } : { acked: true }),
      };
      list.push(msg);
      byId.set(e.id, msg);
    }
    list.sort((a, b) => (a.sentAt ?? a.at) - (b.sentAt ?? b.at));
    const max = older ? MAX_PER_CONVERSATION * 2 : MAX_PER_CONVERSATION;
    if (list.length > max) list.splice(0, list.length - max);
    this.history[key] = list;
    if (next) this.historyNext[key] = next;
    else delete this.historyNext[key];
    const c = this.contact(key);
    const last = list.at(-1);
    if (c && last) c.lastAt = Math.max(c.lastAt ?? 0, last.at);
    this.persist();
  }

  /** An invitation frame: kept by phone, newest state wins. */
  applyInvitation(f) {
    const rest = this.invitations.filter((i) => i.phone !== f.phone);
    this.invitations = [{ ...f, at: Date.now() }, ...rest].slice(0, 20);
    this.persist();
  }

  setProfile(p) {
    this.profile = p;
    this.persist();
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

/** The path badge of a message from its server `path` and status (as util.js's inferPath does for receipts). */
function pathOf(path, status) {
  if (!Array.isArray(path) || path.length === 0) return null;
  if (path.includes('sms')) return path.includes('im') ? 'fallback' : 'sms';
  return status === 'delivered' ? 'im' : null;
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
