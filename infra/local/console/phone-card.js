// A plain phone on the simulated network: its SMS inbox as threads per service number, and a composer that
// texts a service number.
/* global CSS */
import { api, getServiceNumbers } from './api.js';
import { h, replace, clock, prettyPhone, E164, uid, keepFocus } from './dom.js';
import { watchInbox, pollNow, markLogged } from './inbox.js';
import { logEvent } from './log.js';
import { counterText } from './sms.js';
import { load, save, remove } from './store.js';
import { toMs } from './util.js';

const MAX_SENT = 200;

export class PhoneCard {
  /** @param {{ id: string, defaults?: { phone?: string }, onRemove: Function, ownerOf: (phone: string) => string | null }} opts */
  constructor({ id, defaults = {}, onRemove, ownerOf }) {
    this.id = id;
    this.kind = 'phone';
    this.onRemove = onRemove;
    this.ownerOf = ownerOf;
    this.state = { phone: defaults.phone ?? '', thread: null, read: {}, ...load(`card.${id}`, {}) };
    this.pinned = false;
    this.messages = [];
    this.services = [];
    this.unwatch = null;
    this.primed = false;
    this.known = new Set();
    this.build();
    getServiceNumbers().then((list) => {
      this.services = list;
      this.renderServices();
      this.render();
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

  /** What this phone sent: the sandbox lists only what a phone received, so the card keeps its own outbox. */
  get sent() {
    return this.state.phone ? load(`phone.${this.state.phone}.sent`, []) : [];
  }

  set sent(list) {
    if (this.state.phone) save(`phone.${this.state.phone}.sent`, list.slice(-MAX_SENT));
  }

  build() {
    const numId = uid('phone');
    this.numberInput = h('input', {
      id: numId,
      type: 'tel',
      class: 'phone-number-input',
      autocomplete: 'off',
      placeholder: '+14155550102',
      testid: 'phone-number',
      value: this.state.phone,
      list: 'known-phones',
      onchange: () => this.setPhone(this.numberInput.value),
      onkeydown: (ev) => {
        if (ev.key === 'Enter') {
          ev.preventDefault();
          this.setPhone(this.numberInput.value);
        }
      },
    });
    this.numberError = h('p', { class: 'form-error', testid: 'phone-number-error', role: 'alert' });
    this.ownerEl = h('span', { class: 'owner', testid: 'phone-owner' });
    this.statusEl = h('span', { class: 'presence', testid: 'phone-status', role: 'status' });
    const clearBtn = h(
      'button',
      {
        type: 'button',
        class: 'btn btn-ghost btn-sm',
        testid: 'phone-clear',
        onclick: () => this.clearInbox(),
      },
      'Clear inbox',
    );
    const removeBtn = h(
      'button',
      {
        type: 'button',
        class: 'icon-btn',
        testid: 'card-remove',
        'aria-label': 'Remove this phone',
        title: 'Remove',
        onclick: () => this.onRemove(this),
      },
      '×',
    );
    const head = h(
      'header',
      { class: 'card-head' },
      h(
        'div',
        { class: 'card-avatar' },
        h('span', { class: 'avatar avatar-phone', 'aria-hidden': 'true' }, '☎'),
      ),
      h(
        'div',
        { class: 'card-who' },
        h('label', { class: 'card-title-label', for: numId }, 'Phone'),
        this.numberInput,
        this.numberError,
        h('div', { class: 'card-sub card-badges' }, this.statusEl, this.ownerEl),
      ),
      h('div', { class: 'card-head-side' }, removeBtn),
    );

    this.threadsEl = h('div', {
      class: 'threads',
      role: 'tablist',
      'aria-label': 'SMS threads',
      testid: 'phone-threads',
    });
    this.listEl = h('ol', {
      class: 'messages sms-list',
      testid: 'phone-messages',
      'aria-label': 'Messages',
    });

    const toId = uid('to');
    const bodyId = uid('body');
    this.toSelect = h('select', {
      id: toId,
      testid: 'phone-to',
      onchange: () => {
        this.pinned = true;
        this.selectThread(this.toSelect.value);
      },
    });
    this.input = h('textarea', {
      id: bodyId,
      class: 'composer-input',
      rows: 2,
      maxlength: 1600,
      placeholder: 'Text message',
      testid: 'phone-input',
      'aria-describedby': `${bodyId}-hint`,
      onkeydown: (ev) => {
        if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
          ev.preventDefault();
          this.send();
        }
      },
      oninput: () => {
        this.counter.textContent = counterText(this.input.value);
      },
    });
    this.counter = h('span', { class: 'counter', testid: 'phone-counter' }, counterText(''));
    this.sendError = h('p', { class: 'form-error', testid: 'phone-send-error', role: 'alert' });
    this.sendBtn = h(
      'button',
      { type: 'submit', class: 'btn btn-sms send-btn', testid: 'phone-send' },
      'Send',
    );
    const hint = h(
      'p',
      { class: 'composer-hint', id: `${bodyId}-hint` },
      h('code', null, '@<imNumber> hi'),
      ' or ',
      h('code', null, '@name hi'),
      '; replies without a prefix go to the last contact on that number.',
    );
    this.composer = h(
      'form',
      {
        class: 'composer',
        novalidate: true,
        onsubmit: (ev) => {
          ev.preventDefault();
          this.send();
        },
      },
      h('div', { class: 'composer-to' }, h('label', { for: toId }, 'To'), this.toSelect),
      h('label', { for: bodyId, class: 'sr-only' }, 'Text message'),
      h('div', { class: 'composer-row' }, this.input, this.sendBtn),
      h('div', { class: 'composer-foot' }, hint, this.counter),
      this.sendError,
    );

    this.el = h(
      'article',
      { class: 'card card-phone', testid: 'phone-card', dataset: { cardId: this.id }, 'aria-label': 'Phone' },
      head,
      h('div', { class: 'phone-tools' }, this.threadsEl, clearBtn),
      this.listEl,
      this.composer,
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
    if (!E164.test(this.state.phone)) {
      this.setStatus('idle', 'No number');
      this.render();
      return;
    }
    this.setStatus('connecting', 'Connecting…');
    this.unwatch = watchInbox(this.state.phone, 1000, (messages, { error }) => this.onInbox(messages, error));
  }

  setStatus(state, text) {
    this.statusEl.dataset.state = state;
    this.statusEl.textContent = text;
  }

  onInbox(messages, error) {
    if (error) {
      this.setStatus('lost', 'No signal');
      this.statusEl.title = error.message;
      return;
    }
    this.setStatus('online', 'On network');
    this.statusEl.title = 'Polling the sandbox inbox every second';
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
    this.primed = true;
    this.render();
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
      this.sendError.textContent = err.message;
      return;
    }
    this.sent = [];
    this.messages = [];
    this.state.read = {};
    this.persist();
    this.render();
    pollNow(this.state.phone);
  }

  selectThread(number) {
    this.state.thread = number;
    this.persist();
    this.render();
  }

  async send() {
    const body = this.input.value;
    const to = this.toSelect.value;
    const from = this.state.phone;
    this.sendError.textContent = '';
    if (!body.trim()) return;
    if (!E164.test(from)) {
      this.numberError.textContent = 'Set this phone’s number first.';
      this.numberInput.focus();
      return;
    }
    if (!to) {
      this.sendError.textContent = 'No service number to text.';
      return;
    }
    this.sendBtn.disabled = true;
    const entry = { sid: null, from, to, body, sentAt: Date.now(), status: 'sending', local: true };
    this.sent = [...this.sent, entry];
    this.input.value = '';
    this.counter.textContent = counterText('');
    this.pinned = true;
    this.state.thread = to;
    this.persist();
    this.forceScroll = true;
    this.render();
    let status = 'sent';
    try {
      const r = await api.sendSms(from, to, body);
      entry.sid = r?.sid ?? null;
      markLogged(entry.sid);
      logEvent({
        kind: 'sms',
        dir: 'out',
        source: this.label,
        title: `${from} → ${to}`,
        summary: body,
        path: 'sms',
        status: 'sent',
        data: { from, to, body, sid: entry.sid },
      });
    } catch (err) {
      status = 'failed';
      this.sendError.textContent = err.message;
      logEvent({
        kind: 'sms',
        dir: 'out',
        source: this.label,
        title: `${from} → ${to}`,
        summary: `${body} (${err.message})`,
        status: 'failed',
        level: 'error',
      });
    }
    this.sent = this.sent.map((s) =>
      s.sentAt === entry.sentAt && s.body === body ? { ...s, sid: entry.sid, status } : s,
    );
    this.sendBtn.disabled = false;
    this.input.focus();
    this.render();
    pollNow(from);
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
    for (const s of this.sent) {
      const t = add(s.to);
      t.items.push({ dir: 'out', body: s.body, at: s.sentAt, sid: s.sid, status: s.status });
      t.last = Math.max(t.last, s.sentAt);
    }
    for (const t of map.values()) t.items.sort((a, b) => a.at - b.at);
    return [...map.values()];
  }

  renderServices() {
    const current = this.toSelect.value;
    replace(
      this.toSelect,
      this.services.map((n) => h('option', { value: n }, `${prettyPhone(n)} · service number`)),
    );
    if (current) this.toSelect.value = current;
  }

  renderOwner() {
    const owner = this.state.phone ? this.ownerOf(this.state.phone) : null;
    this.ownerEl.textContent = owner ? `${owner}’s phone` : 'A plain phone on the simulated network';
    this.el.setAttribute(
      'aria-label',
      owner ? `Phone ${this.state.phone} (${owner})` : `Phone ${this.state.phone}`,
    );
  }

  render() {
    this.renderOwner();

    const threads = this.threads();
    if (!this.state.thread || !threads.some((t) => t.number === this.state.thread)) {
      const latest = [...threads].sort((a, b) => b.last - a.last)[0];
      this.state.thread = latest?.number ?? null;
    }
    const current = threads.find((t) => t.number === this.state.thread);
    if (current) this.state.read[current.number] = current.incoming;

    // Keep the composer's "To" in step with the open thread (it may be a number not in the service list).
    if (this.state.thread && ![...this.toSelect.options].some((o) => o.value === this.state.thread)) {
      this.toSelect.append(h('option', { value: this.state.thread }, prettyPhone(this.state.thread)));
    }
    if (this.state.thread) this.toSelect.value = this.state.thread;

    keepFocus(this.threadsEl, 'number', () => this.renderTabs(threads));

    const el = this.listEl;
    const nearBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 60;
    const threadChanged = this.renderedThread !== this.state.thread;
    this.renderedThread = this.state.thread;
    if (!this.state.phone) {
      replace(
        el,
        h(
          'li',
          { class: 'empty' },
          h('p', { class: 'muted' }, 'Type this phone’s number above (E.164) to see its inbox.'),
        ),
      );
    } else if (!current || current.items.length === 0) {
      replace(
        el,
        h(
          'li',
          { class: 'empty' },
          h('p', null, 'No messages on this thread.'),
          h(
            'p',
            { class: 'muted' },
            'SMS that reach this phone show here, grouped by the service number they came from. Text a service number below to reach an IM user.',
          ),
        ),
      );
    } else {
      replace(
        el,
        current.items.map((m) =>
          h(
            'li',
            {
              class: `msg ${m.dir === 'out' ? 'msg-out' : 'msg-in'} sms`,
              testid: 'phone-message',
              dataset: { dir: m.dir, sid: m.sid ?? '', from: m.from ?? this.state.phone },
            },
            h('div', { class: 'bubble' }, h('p', { class: 'msg-text' }, m.body)),
            h(
              'div',
              { class: 'msg-meta' },
              h('time', { class: 'msg-time', datetime: new Date(m.at).toISOString() }, clock(m.at)),
              m.dir === 'in'
                ? h('span', { class: 'badge path-sms' }, 'SMS')
                : h(
                    'span',
                    { class: `msg-status status-${m.status === 'failed' ? 'failed' : 'texted'}` },
                    m.status === 'failed' ? 'not sent' : m.status === 'sending' ? 'sending…' : 'sent',
                  ),
            ),
          ),
        ),
      );
    }
    if (nearBottom || threadChanged || this.forceScroll) el.scrollTop = el.scrollHeight;
    this.forceScroll = false;
    this.persist();
  }

  renderTabs(threads) {
    replace(
      this.threadsEl,
      threads.map((t) => {
        const unread = Math.max(0, t.incoming - (this.state.read[t.number] ?? 0));
        const selected = t.number === this.state.thread;
        return h(
          'button',
          {
            type: 'button',
            role: 'tab',
            class: 'thread-tab',
            testid: 'phone-thread',
            dataset: { number: t.number },
            'aria-selected': String(selected),
            tabindex: selected ? '0' : '-1',
            title: `Thread with ${t.number}`,
            onclick: () => {
              this.pinned = true;
              this.forceScroll = true;
              this.selectThread(t.number);
            },
            onkeydown: (ev) => this.tabKeys(ev, threads, t.number),
          },
          h('span', { class: 'thread-num' }, shortNumber(t.number)),
          unread ? h('span', { class: 'unread', 'aria-label': `${unread} unread` }, String(unread)) : null,
        );
      }),
    );
  }

  tabKeys(ev, threads, number) {
    const i = threads.findIndex((t) => t.number === number);
    let j = null;
    if (ev.key === 'ArrowRight') j = (i + 1) % threads.length;
    else if (ev.key === 'ArrowLeft') j = (i - 1 + threads.length) % threads.length;
    if (j === null) return;
    ev.preventDefault();
    this.pinned = true;
    this.selectThread(threads[j].number);
    this.threadsEl.querySelector(`[data-number="${CSS.escape(threads[j].number)}"]`)?.focus();
  }

  destroy() {
    this.unwatch?.();
    remove(`card.${this.id}`);
    this.el.remove();
  }
}

/** "+15005550100" → "…0100" style label for a tab, full number in its title. */
function shortNumber(n) {
  const p = prettyPhone(n);
  return p.length > 9 ? `…${n.slice(-4)}` : p;
}
