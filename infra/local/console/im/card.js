// The IM client card: composes sign-in, session controls, contact list and conversation around one small store.
import { getConsoleConfig, tokenExpiry } from '../api.js';
import { h, show } from '../dom.js';
import { rememberUser } from '../directory.js';
import { logEvent } from '../log.js';
import { reasonText } from '../reasons.js';
import { createStore } from '../state.js';
import { load, save, remove, userData } from '../store.js';
import { CardHead, Notice } from './card-head.js';
import { Composer } from './composer.js';
import { ContactList, displayName } from './contact-list.js';
import { Conversation } from './conversation.js';
import { sendAsSms, updateIntercept } from './offline-sms.js';
import { loadHistory, openSession, sendIm } from './session.js';
import { SignIn } from './sign-in.js';
import { Toolbar } from './toolbar.js';

const PERSISTED = ['phone', 'name', 'token', 'user', 'autoConnect', 'offline', 'stopAck', 'contact'];
const IDLE = { state: 'idle', open: false, wanted: false, retryAt: null, failures: 0 };

/** A call's error in words, with its code: what the server said, or why nothing was sent. */
function errorText(err) {
  const code = String(err?.code ?? 'error');
  const reason = reasonText(code);
  const message = String(err?.message ?? err);
  // The server's words only when they add to the reason's: "no user has that imNumber" says nothing that "no user
  // has that IM number" did not.
  const said = new Set(words(reason));
  return words(message).some((w) => !said.has(w)) ? `${reason} (${code}): ${message}` : `${reason} (${code})`;
}

/** The words of a sentence, lower case, `imNumber` read as "IM number", for comparing two wordings. */
function words(text) {
  return (
    text
      .toLowerCase()
      .replace(/imnumber/g, 'im number')
      .match(/[a-z0-9]+/g) ?? []
  );
}

export class ImCard {
  /** @param {{ id: string, defaults?: { phone?: string, name?: string }, onRemove: Function, onOpenPhone: Function, onChange?: Function }} opts */
  constructor({ id, defaults = {}, onRemove, onOpenPhone, onChange }) {
    this.id = id;
    this.kind = 'im';
    this.onOpenPhone = onOpenPhone;
    this.store = createStore({
      phone: defaults.phone ?? '',
      name: defaults.name ?? '',
      token: null,
      user: null,
      autoConnect: false,
      offline: false,
      stopAck: false,
      contact: null,
      ...load(`card.${id}`, {}),
      conn: IDLE,
      serverMode: null,
      notice: null,
      signIn: { step: 'start', error: null, nameTaken: false },
    });
    this.data = null;
    this.conn = null;
    this.ackTimeoutMs = null;
    getConsoleConfig().then((cfg) => {
      this.ackTimeoutMs = typeof cfg.ackTimeoutMs === 'number' ? cfg.ackTimeoutMs : null;
      this.render();
    });
    this.onDataChange = () => this.render();
    this.persist(); // keeps the defaults a new card was given
    this.build(onRemove);
    this.store.subscribe(() => {
      this.render();
      onChange?.(this);
    });
    const { token, user } = this.store.get();
    if (token && user) this.startSession(this.store.get().autoConnect);
    else this.render();
  }

  /** The card's state (read-only): app.js reads phone and user from it. */
  get state() {
    return this.store.get();
  }

  persist() {
    const s = this.store.get();
    save(`card.${this.id}`, Object.fromEntries(PERSISTED.map((k) => [k, s[k]])));
  }

  get label() {
    const u = this.store.get().user;
    return u ? `${u.name} · ${u.imNumber}` : 'IM client';
  }

  get phone() {
    return this.store.get().user?.phone ?? null;
  }

  /** True when messages go (and come) by SMS: offline mode chosen by hand, or no open socket. */
  get offlineMode() {
    return this.store.get().offline || !this.conn?.isOpen;
  }

  build(onRemove) {
    this.head = new CardHead(this, onRemove);
    this.notice = new Notice(this.store);
    this.signIn = new SignIn(this);
    this.toolbar = new Toolbar(this);
    this.contactList = new ContactList(this);
    this.composer = new Composer(this);
    this.conversation = new Conversation(this, this.composer);
    this.mainEl = h(
      'section',
      { class: 'im-main', 'aria-label': 'Messenger' },
      this.toolbar.el,
      this.notice.el,
      h('div', { class: 'views' }, this.contactList.el, this.conversation.el),
    );
    this.el = h(
      'article',
      {
        class: 'card card-im',
        testid: 'im-card',
        dataset: { cardId: this.id },
        'aria-label': 'IM client',
        tabindex: '-1',
      },
      this.head.el,
      this.signIn.el,
      this.mainEl,
    );
  }

  /** Everything on the card, from the store and the user's data. Cheap: the lists are short. */
  render() {
    const s = this.store.get();
    const user = s.user;
    this.el.dataset.conn = s.conn.state;
    this.el.dataset.offline = String(this.offlineMode);
    if (s.serverMode) this.el.dataset.serverMode = s.serverMode;
    else delete this.el.dataset.serverMode;
    show(this.signIn.el, !user);
    show(this.mainEl, Boolean(user));
    this.el.setAttribute('aria-label', this.head.render(s));
    this.notice.render(s);
    if (!user) {
      this.signIn.render(s);
      return;
    }
    this.toolbar.render(s);
    if (!this.data) return;
    updateIntercept(this);
    const open = s.contact && this.data.contact(s.contact) ? s.contact : null;
    show(this.contactList.el, !open);
    show(this.conversation.el, Boolean(open));
    if (open) {
      this.conversation.render(this.forceScroll);
      this.forceScroll = false;
      this.composer.render();
    } else this.contactList.render();
  }

  // ---------------------------------------------------------------- actions

  signedIn(token, user) {
    rememberUser(user);
    this.store.set({ token, user, autoConnect: true, contact: null });
    this.persist();
    this.startSession(true);
  }

  startSession(connect) {
    const { user, token } = this.store.get();
    const exp = tokenExpiry(token);
    if (exp !== null && exp < Date.now()) {
      this.store.set({
        token: null,
        user: null,
        signIn: { step: 'start', error: 'Your session expired. Log in again.' },
      });
      this.persist();
      return;
    }
    rememberUser(user);
    this.data = userData(user.imNumber);
    this.data.addEventListener('change', this.onDataChange);
    this.conn = openSession(this);
    this.tick = setInterval(() => {
      this.toolbar.tick();
      this.conversation.tick();
    }, 1000);
    const contact = this.store.get().contact;
    this.openContact(contact && this.data.contact(contact) ? contact : null, { focus: false });
    updateIntercept(this);
    if (connect) this.conn.connect();
  }

  endSession() {
    this.conn?.disconnect();
    this.conn = null;
    this.data?.removeEventListener('change', this.onDataChange);
    this.data = null;
    this.interceptWatch?.();
    this.interceptWatch = null;
    clearInterval(this.tick);
  }

  logout() {
    this.endSession();
    this.store.set({ token: null, user: null, autoConnect: false, contact: null, conn: IDLE, notice: null });
    this.persist();
    this.signIn.focus();
  }

  toggleConnect() {
    if (!this.conn) return;
    if (this.conn.wanted) {
      this.conn.disconnect();
      this.store.set({ autoConnect: false });
    } else {
      const exp = tokenExpiry(this.store.get().token);
      if (exp !== null && exp < Date.now()) {
        this.logout();
        this.store.set({ signIn: { step: 'start', error: 'Your session expired. Log in again.' } });
        return;
      }
      this.conn.connect();
      this.store.set({ autoConnect: true });
    }
    this.persist();
  }

  retryNow() {
    this.conn?.retryNow();
  }

  setOffline(on) {
    if (this.conn?.isOpen) {
      this.conn
        .call('setPresence', on ? 'offline' : 'online')
        .catch((err) =>
          this.store.set({ notice: { code: String(err.code ?? 'error'), message: String(err.message) } }),
        );
    }
    this.store.set({ offline: on });
    this.persist();
    updateIntercept(this);
  }

  setStopAck(on) {
    this.store.set({ stopAck: on });
    this.persist();
    logEvent({
      kind: 'info',
      source: this.label,
      title: on ? 'acks paused' : 'acks resumed',
      summary: on
        ? 'messages will show but not be acked: the server falls back to SMS after the ack timeout'
        : 'messages are acked again',
    });
  }

  openContact(key, { focus = true } = {}) {
    if (key) this.data.markRead(key);
    this.forceScroll = true;
    this.store.set({ contact: key, historyError: null });
    this.persist();
    if (focus) (key ? this.composer : this.contactList).focus();
    if (key) this.loadHistory(key);
  }

  /** Loads the conversation's newest page from the server (or, with `older`, the page before what is shown). */
  async loadHistory(key, { older = false } = {}) {
    this.forceScroll = !older;
    const error = await loadHistory(this, key, { older });
    if (this.store.get().contact === key) this.store.set({ historyError: error });
  }

  /**
   * Adds an IM contact on the server (the nickname stays in this browser). Resolves with an error message, or
   * null once the server added it.
   */
  async addContact(imNumber, nickname) {
    try {
      const f = await this.conn.call('addContact', { imNumber });
      const c = this.data.applyServerContact(f.contact, false, f.version);
      if (nickname) this.data.upsertContact(c.key, { nickname });
      return null;
    } catch (err) {
      return errorText(err);
    }
  }

  removeContact(key) {
    if (!key) return;
    const c = this.data.contact(key);
    if (!window.confirm(`Remove ${displayName(c)} and its local history?`)) return;
    if (!c?.server) {
      this.openContact(null);
      this.data.removeContact(key);
      return;
    }
    const ref = c.imNumber ? { imNumber: c.imNumber } : { phone: c.phone };
    this.conn
      .call('removeContact', ref)
      .then((f) => {
        this.data.applyServerContact(f.contact, true, f.version);
        if (this.store.get().contact === key) this.openContact(null);
        this.data.removeContact(key);
      })
      .catch((err) =>
        this.store.set({ notice: { code: String(err.code ?? 'error'), message: errorText(err) } }),
      );
  }

  /** Invites a phone by SMS. Resolves with an error message, or null once the server sent the invitation. */
  async invite(phone, name) {
    try {
      await this.conn.call('invite', { phone, name });
      return null;
    } catch (err) {
      return errorText(err);
    }
  }

  /** Saves the profile (given fields only). Resolves with an error message, or null. */
  async updateProfile(fields) {
    try {
      const p = await this.conn.call('updateProfile', fields);
      const user = this.store.get().user;
      if (user && p.name && p.name !== user.name) {
        this.store.set({ user: { ...user, name: p.name } });
        this.persist();
      }
      if ('name' in fields && fields.name !== p.name) {
        return `The server kept the name ${p.name}: it does not change names here.`;
      }
      return null;
    } catch (err) {
      return errorText(err);
    }
  }

  /** Sends the composer's text to the open conversation: over IM when online, else as SMS from the phone. */
  send(text) {
    const key = this.store.get().contact;
    if (!key || !this.data) return;
    const c = this.data.contact(key);
    if (c?.phone && !c.imNumber) {
      // A non-IM contact has no account to write to: the protocol reaches them only by an invitation.
      this.store.set({
        notice: {
          code: 'no_account',
          message: `${displayName(c)} has no IM account yet: invite them by SMS, and write once they said YES.`,
        },
      });
      return;
    }
    this.forceScroll = true;
    if (!this.offlineMode && c?.imNumber) sendIm(this, key, c.imNumber, text);
    else sendAsSms(this, key, c, text);
  }

  destroy() {
    this.signIn.stopWatch();
    this.endSession();
    remove(`card.${this.id}`);
    this.el.remove();
  }
}
