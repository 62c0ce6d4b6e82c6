// A plain phone on the simulated network: its number, whether the network reaches it, its inbox and composer.
import { api, getServiceNumbers, getSandboxInfo } from '../api.js';
import { h, E164 } from '../dom.js';
import { watchInbox, pollNow } from '../inbox.js';
import { logEvent } from '../log.js';
import { clearSent, sentBy, watchSent } from '../outbox.js';
import { load, save, remove } from '../store.js';
import { createStore } from '../state.js';
import { textFromPhone } from '../text-from-phone.js';
import { toMs } from '../util.js';
import { PhoneCall } from './call.js';
import { AnswerBar } from './answer.js';
import { PhoneComposer } from './composer.js';
import { buildPhoneHead, phoneStatus } from './head.js';
import { InboxView } from './inbox-view.js';

/**
 * The phone card. Its state lives in a small store ({ phone, thread, read, pinned, messages, services, suffix, link,
 * sentVersion }); actions set it, and every change re-renders the card from it.
 */
export class PhoneCard {
  /** @param {{ id: string, defaults?: { phone?: string }, onRemove: Function, ownerOf: (phone: string) => string | null }} opts */
  constructor({ id, defaults = {}, onRemove, ownerOf }) {
    this.id = id;
    this.kind = 'phone';
    this.ownerOf = ownerOf;
    const saved = load(`card.${id}`, {});
    this.store = createStore({
      phone: saved.phone ?? defaults.phone ?? '',
      thread: saved.thread ?? null,
      read: saved.read ?? {},
      pinned: false,
      messages: [],
      services: [],
      suffix: null,
      link: null,
      sentVersion: 0,
    });
    this.unwatch = null;
    this.primed = false;
    this.known = new Set();
    this.next = { forceScroll: false, fresh: [] };
    this.build(onRemove);
    this.store.subscribe(() => {
      this.persist();
      this.render();
    });
    getServiceNumbers().then((services) => {
      this.composer.setServices(services);
      this.call.setServices(services);
      this.store.set({ services });
    });
    getSandboxInfo().then((info) =>
      this.store.set({
        suffix: typeof info.undeliverableSuffix === 'string' ? info.undeliverableSuffix : null,
      }),
    );
    this.watch();
  }

  /** The card's state (read-only). */
  get state() {
    return this.store.get();
  }

  get label() {
    return `☎ ${this.state.phone || 'phone'}`;
  }

  get phone() {
    return this.state.phone;
  }

  persist() {
    const { phone, thread, read } = this.state;
    save(`card.${this.id}`, { phone, thread, read });
  }

  build(onRemove) {
    const head = buildPhoneHead(this, onRemove);
    Object.assign(this, head);
    this.inbox = new InboxView(this);
    this.composer = new PhoneComposer(this);
    this.call = new PhoneCall(this);
    this.answers = new AnswerBar(this);
    this.el = h(
      'article',
      {
        class: 'card card-phone',
        testid: 'phone-card',
        dataset: { cardId: this.id },
        'aria-label': 'Phone',
        tabindex: '-1',
      },
      head.el,
      h(
        'div',
        { class: 'phone-tools' },
        this.inbox.threadsEl,
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-ghost btn-sm',
            testid: 'phone-clear',
            onclick: () => this.clearInbox(),
          },
          'Clear inbox',
        ),
      ),
      this.inbox.listEl,
      this.inbox.announcer,
      this.answers.el,
      this.composer.el,
      this.call.el,
    );
  }

  // ---------------------------------------------------------------- actions

  setPhone(value) {
    const phone = value.trim().replace(/[\s().-]/g, '');
    this.numberError.textContent = '';
    if (!E164.test(phone)) {
      this.numberInput.setAttribute('aria-invalid', 'true');
      this.numberError.textContent = 'E.164 please: + country code and number, like +14155550102.';
      return;
    }
    this.numberInput.removeAttribute('aria-invalid');
    this.numberInput.value = phone;
    if (phone === this.state.phone) return;
    this.primed = false;
    this.known = new Set();
    this.store.set({ phone, read: {}, thread: null, pinned: false, messages: [] });
    this.watch();
  }

  watch() {
    this.unwatch?.();
    this.unwatch = null;
    const { phone } = this.state;
    if (!E164.test(phone)) {
      this.store.set({ link: null });
      return;
    }
    this.store.set({ link: 'connecting' });
    const stopInbox = watchInbox(phone, 1000, (messages, { error }) => this.onInbox(messages, error));
    // What this phone sent, from this card or from an IM card in offline mode on the same phone.
    const stopSent = watchSent(phone, () =>
      this.store.set((s) => withRead({ ...s, sentVersion: s.sentVersion + 1 })),
    );
    this.unwatch = () => {
      stopInbox();
      stopSent();
    };
  }

  onInbox(messages, error) {
    if (error) {
      if (this.state.link !== 'error') this.store.set({ link: 'error' });
      return;
    }
    const fresh = messages.filter((m) => !this.known.has(m.sid));
    for (const m of messages) this.known.add(m.sid);
    const signature = `${messages.length}|${messages.at(-1)?.sid ?? ''}`;
    if (this.primed && signature === this.signature) {
      if (this.state.link !== 'online') this.store.set({ link: 'online' });
      else this.renderOwner(); // an IM user may have logged in with this number
      return; // nothing new: leave the DOM (and focus) alone
    }
    this.signature = signature;
    this.next.fresh = this.primed ? fresh : [];
    // Follow the newest incoming thread until the person picks one.
    const follow = this.primed && fresh.length && !this.state.pinned;
    this.primed = true;
    this.store.set((s) =>
      withRead({ ...s, link: 'online', messages, thread: follow ? fresh.at(-1).from : s.thread }),
    );
  }

  async clearInbox() {
    const { phone } = this.state;
    if (!phone) return;
    try {
      await api.clearPhone(phone);
      logEvent({ kind: 'sms', source: this.label, title: 'inbox cleared', summary: `DELETE ${phone}` });
    } catch (err) {
      this.composer.errorEl.textContent = err.message;
      return;
    }
    this.store.set({ messages: [], read: {} });
    clearSent(phone);
    pollNow(phone);
  }

  selectThread(number, { pin = false, scroll = false } = {}) {
    this.next.forceScroll = scroll;
    this.store.set((s) => withRead({ ...s, thread: number, pinned: s.pinned || pin }));
  }

  /** Texts a service number from this phone. Resolves an error message, or null when it went. */
  async send(to, body) {
    const from = this.state.phone;
    if (!E164.test(from)) {
      this.numberError.textContent = 'Set this phone’s number first.';
      this.numberInput.focus();
      return 'Set this phone’s number first.';
    }
    this.next.forceScroll = true;
    this.store.set({ thread: to, pinned: true });
    try {
      await textFromPhone({ from, to, body, source: this.label });
      return null;
    } catch (err) {
      return err.message;
    }
  }

  // ---------------------------------------------------------------- rendering

  renderOwner() {
    const { phone } = this.state;
    const owner = phone ? this.ownerOf(phone) : null;
    this.ownerEl.textContent = owner ? `${owner}’s phone` : 'A plain phone on the simulated network';
    this.el.setAttribute('aria-label', owner ? `Phone ${phone} (${owner})` : `Phone ${phone}`);
  }

  render() {
    const s = this.state;
    const [state, text, title] = phoneStatus(s.phone, s.suffix, s.link);
    this.statusEl.dataset.state = state;
    this.statusEl.textContent = text;
    this.statusEl.title = title;
    this.renderOwner();
    const threads = threadsOf(s);
    const current = openThread(s, threads);
    this.composer.follow(current?.number);
    this.answers.render(current);
    this.inbox.render(threads, current, this.next);
    this.next = { forceScroll: false, fresh: [] };
  }

  destroy() {
    this.unwatch?.();
    remove(`card.${this.id}`);
    this.el.remove();
  }
}

/** Threads: one per number the phone exchanged SMS with (service numbers first), oldest message first inside. */
function threadsOf(s) {
  const map = new Map();
  const add = (number) => {
    if (!map.has(number)) map.set(number, { number, items: [], last: 0, incoming: 0 });
    return map.get(number);
  };
  for (const n of s.services) add(n);
  for (const m of s.messages) {
    const t = add(m.from);
    const at = toMs(m.sentAt, 0);
    t.items.push({ dir: 'in', body: m.body, at, sid: m.sid, from: m.from });
    t.incoming += 1;
    t.last = Math.max(t.last, at);
  }
  for (const x of sentBy(s.phone)) {
    const t = add(x.to);
    t.items.push({ dir: 'out', body: x.body, at: x.sentAt, sid: x.sid, status: x.status });
    t.last = Math.max(t.last, x.sentAt);
  }
  for (const t of map.values()) t.items.sort((a, b) => a.at - b.at);
  return [...map.values()];
}

/** The thread shown: the chosen one if it exists, else the most recent. */
function openThread(s, threads) {
  return threads.find((t) => t.number === s.thread) ?? [...threads].sort((a, b) => b.last - a.last)[0];
}

/** The state with the open thread's messages counted as read (what is on screen has been seen). */
function withRead(s) {
  const current = openThread(s, threadsOf(s));
  return current ? { ...s, read: { ...s.read, [current.number]: current.incoming } } : s;
}
