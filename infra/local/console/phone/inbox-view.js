// A phone's inbox: one tab per number it exchanged SMS with, and the open thread's messages.
/* global CSS */
import { h, replace, clock, prettyPhone, keepFocus } from '../dom.js';

/** `card` gives selectThread(number, {pin}), state { phone, thread, read }. */
export class InboxView {
  constructor(card) {
    this.card = card;
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
      tabindex: '0',
    });
    this.announcer = h('p', {
      class: 'sr-only',
      role: 'status',
      'aria-live': 'polite',
      testid: 'phone-announce',
    });
  }

  /** threads: [{ number, items, incoming, last }]; current: the open one or undefined. */
  render(threads, current, { forceScroll, fresh }) {
    keepFocus(this.threadsEl, 'number', () => this.renderTabs(threads, current?.number));
    const el = this.listEl;
    const nearBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 60;
    const threadChanged = this.renderedThread !== current?.number;
    this.renderedThread = current?.number;
    const { phone } = this.card.state;
    if (!phone) {
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
        current.items.map((m) => item(m, phone)),
      );
    }
    if (nearBottom || threadChanged || forceScroll) el.scrollTop = el.scrollHeight;
    if (fresh?.length)
      this.announcer.textContent = `SMS from ${prettyPhone(fresh.at(-1).from)}: ${fresh.at(-1).body}`;
  }

  renderTabs(threads, thread) {
    const { read } = this.card.state;
    replace(
      this.threadsEl,
      threads.map((t) => {
        const unread = Math.max(0, t.incoming - (read[t.number] ?? 0));
        const selected = t.number === thread;
        return h(
          'button',
          {
            type: 'button',
            role: 'tab',
            class: 'thread-tab',
            testid: 'phone-thread',
            dataset: { number: t.number },
            'aria-selected': String(selected),
            // Starts with the visible text, so speech input ("click …0100") finds it.
            'aria-label': `${shortNumber(t.number)}: thread with ${t.number}${unread ? `, ${unread} unread` : ''}`,
            tabindex: selected ? '0' : '-1',
            title: `Thread with ${t.number}`,
            onclick: () => this.card.selectThread(t.number, { pin: true, scroll: true }),
            onkeydown: (ev) => this.tabKeys(ev, threads, t.number),
          },
          h('span', { class: 'thread-num' }, shortNumber(t.number)),
          unread ? h('span', { class: 'unread', 'aria-hidden': 'true' }, String(unread)) : null,
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
    this.card.selectThread(threads[j].number, { pin: true });
    this.threadsEl.querySelector(`[data-number="${CSS.escape(threads[j].number)}"]`)?.focus();
  }
}

function item(m, phone) {
  return h(
    'li',
    {
      class: `msg ${m.dir === 'out' ? 'msg-out' : 'msg-in'} sms`,
      testid: 'phone-message',
      dataset: { dir: m.dir, sid: m.sid ?? '', from: m.from ?? phone },
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
  );
}

/** "+15005550100" → "…0100" style label for a tab, full number in its title. */
function shortNumber(n) {
  const p = prettyPhone(n);
  return p.length > 9 ? `…${n.slice(-4)}` : p;
}
