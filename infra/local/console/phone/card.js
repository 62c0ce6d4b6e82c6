// A plain phone on the simulated network: its number, whether the network reaches it, its inbox and composer.
import { api, getServiceNumbers, getSandboxInfo } from '../api.js';
import { h, E164 } from '../dom.js';
import { watchInbox, pollNow, markLogged } from '../inbox.js';
import { logEvent } from '../log.js';
import { clearSent, recordSent, sentBy, watchSent } from '../outbox.js';
import { load, save, remove } from '../store.js';
import { toMs } from '../util.js';
import { PhoneComposer } from './composer.js';
import { buildPhoneHead, phoneStatus } from './head.js';
import { InboxView } from './inbox-view.js';

export class PhoneCard {
  /** @param {{ id: string, defaults?: { phone?: string }, onRemove: Function, ownerOf: (phone: string) => string | null }} opts */
  constructor({ id, defaults = {}, onRemove, ownerOf }) {
    this.id = id;
    this.kind = 'phone';
    this.ownerOf = ownerOf;
    this.state = { phone: defaults.phone ?? '', thread: null, read: {}, ...load(`card.${id}`, {}) };
    this.pinned = false;
    this.messages = [];
    this.services = [];
    this.undeliverableSuffix = null;
    this.unwatch = null;
    this.primed = false;
    this.known = new Set();
    this.build(onRemove);
    getServiceNumbers().then((list) => {
      this.services = list;
      this.composer.setServices(list);
      this.render();
    });
    getSandboxInfo().then((info) => {
      this.undeliverableSuffix =
        typeof info.undeliverableSuffix === 'string' ? info.undeliverableSuffix : null;
      this.renderStatus();
    });
    this.watch();
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
      this.composer.el,
    );
  }

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
    this.state.phone = phone;
    this.state.read = {};
    this.persist();
    this.messages = [];
    this.primed = false;
    this.known = new Set();
    this.watch();
    this.render();
  }

  watch() {
    this.unwatch?.();
    this.unwatch = null;
    this.link = null;
    if (!E164.test(this.state.phone)) {
      this.renderStatus();
      this.render();
      return;
    }
    this.link = 'connecting';
    this.renderStatus();
    const phone = this.state.phone;
    const stopInbox = watchInbox(phone, 1000, (messages, { error }) => this.onInbox(messages, error));
    // What this phone sent, from this card or from an IM card in offline mode on the same phone.
    const stopSent = watchSent(phone, () => this.render());
    this.unwatch = () => {
      stopInbox();
      stopSent();
    };
  }

  /** Whether the network reaches this number: the sandbox always fails its undeliverable range. */
  renderStatus() {
    const [state, text, title] = phoneStatus(this.state.phone, this.undeliverableSuffix, this.link);
    this.statusEl.dataset.state = state;
    this.statusEl.textContent = text;
    this.statusEl.title = title;
  }

  onInbox(messages, error) {
    this.link = error ? 'error' : 'online';
    this.renderStatus();
    if (error) return;
    const fresh = messages.filter((m) => !this.known.has(m.sid));
    for (const m of messages) this.known.add(m.sid);
    const signature = `${messages.length}|${messages.at(-1)?.sid ?? ''}`;
    if (this.primed && signature === this.signature) {
      this.renderOwner(); // an IM user may have logged in with this number
      return; // nothing new: leave the DOM (and focus) alone
    }
    this.signature = signature;
    this.messages = messages;
    // Follow the newest incoming thread until the person picks one.
    if (this.primed && fresh.length && !this.pinned) this.state.thread = fresh.at(-1).from;
    const announce = this.primed ? fresh : [];
    this.primed = true;
    this.render({ fresh: announce });
  }

  async clearInbox() {
    if (!this.state.phone) return;
    try {
      await api.clearPhone(this.state.phone);
      logEvent({
        kind: 'sms',
        source: this.label,
        title: 'inbox cleared',
        summary: `DELETE ${this.state.phone}`,
      });
    } catch (err) {
      this.composer.errorEl.textContent = err.message;
      return;
    }
    this.messages = [];
    this.state.read = {};
    clearSent(this.state.phone);
    pollNow(this.state.phone);
  }

  selectThread(number, { pin = false, scroll = false } = {}) {
    if (pin) this.pinned = true;
    this.state.thread = number;
    this.persist();
    this.render({ forceScroll: scroll });
  }

  /** Texts a service number from this phone. Resolves an error message, or null when it went. */
  async send(to, body) {
    const from = this.state.phone;
    if (!E164.test(from)) {
      this.numberError.textContent = 'Set this phone’s number first.';
      this.numberInput.focus();
      return 'Set this phone’s number first.';
    }
    this.pinned = true;
    this.state.thread = to;
    this.persist();
    const update = recordSent(from, {
      sid: null,
      from,
      to,
      body,
      sentAt: Date.now(),
      status: 'sending',
      local: true,
    });
    this.render({ forceScroll: true });
    try {
      const r = await api.sendSms(from, to, body);
      markLogged(r?.sid);
      update({ sid: r?.sid ?? null, status: 'sent' });
      logEvent({
        kind: 'sms',
        dir: 'out',
        source: this.label,
        title: `${from} → ${to}`,
        summary: body,
        path: 'sms',
        status: 'sent',
        data: { from, to, body, sid: r?.sid },
      });
      pollNow(from);
      return null;
    } catch (err) {
      update({ status: 'failed' });
      logEvent({
        kind: 'sms',
        dir: 'out',
        source: this.label,
        title: `${from} → ${to}`,
        summary: `${body} (${err.message})`,
        status: 'failed',
        level: 'error',
      });
      return err.message;
    }
  }

  /** Threads: one per number this phone exchanged SMS with (service numbers first), oldest message first inside. */
  threads() {
    const map = new Map();
    const add = (number) => {
      if (!map.has(number)) map.set(number, { number, items: [], last: 0, incoming: 0 });
      return map.get(number);
    };
    for (const n of this.services) add(n);
    for (const m of this.messages) {
      const t = add(m.from);
      const at = toMs(m.sentAt, 0);
      t.items.push({ dir: 'in', body: m.body, at, sid: m.sid, from: m.from });
      t.incoming += 1;
      t.last = Math.max(t.last, at);
    }
    for (const s of sentBy(this.state.phone)) {
      const t = add(s.to);
      t.items.push({ dir: 'out', body: s.body, at: s.sentAt, sid: s.sid, status: s.status });
      t.last = Math.max(t.last, s.sentAt);
    }
    for (const t of map.values()) t.items.sort((a, b) => a.at - b.at);
    return [...map.values()];
  }

  renderOwner() {
    const owner = this.state.phone ? this.ownerOf(this.state.phone) : null;
    this.ownerEl.textContent = owner ? `${owner}’s phone` : 'A plain phone on the simulated network';
    this.el.setAttribute(
      'aria-label',
      owner ? `Phone ${this.state.phone} (${owner})` : `Phone ${this.state.phone}`,
    );
  }

  render({ forceScroll = false, fresh = [] } = {}) {
    this.renderOwner();
    const threads = this.threads();
    if (!this.state.thread || !threads.some((t) => t.number === this.state.thread)) {
      const latest = [...threads].sort((a, b) => b.last - a.last)[0];
      this.state.thread = latest?.number ?? null;
    }
    const current = threads.find((t) => t.number === this.state.thread);
    if (current) this.state.read[current.number] = current.incoming;
    this.composer.follow(this.state.thread);
    this.inbox.render(threads, current, { forceScroll, fresh });
    this.persist();
  }

  destroy() {
    this.unwatch?.();
    remove(`card.${this.id}`);
    this.el.remove();
  }
}
