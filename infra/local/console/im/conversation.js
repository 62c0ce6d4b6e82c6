// One conversation: who it is with, and its messages (a polite live region announces new ones).
/* global queueMicrotask */
import { h, replace, prettyPhone } from '../dom.js';
import { displayName, contactAvatar } from './contact-list.js';
import { messageBubble, secondsLeft } from './message-bubble.js';

/** `card` gives store, data, ackTimeoutMs, openContact(key), removeContact(key). `composer` is placed at the bottom. */
export class Conversation {
  constructor(card, composer) {
    this.card = card;
    this.avatar = h('div', { class: 'chat-avatar' });
    this.nameEl = h('h3', { class: 'chat-name', testid: 'im-chat-name' });
    this.subEl = h('p', { class: 'chat-sub' });
    this.messagesEl = h('ol', {
      class: 'messages',
      testid: 'im-messages',
      'aria-label': 'Conversation',
      tabindex: '0',
    });
    // Screen readers hear each new incoming message once, not the whole list on every re-render.
    this.announcer = h('p', {
      class: 'sr-only',
      testid: 'im-announce',
      role: 'status',
      'aria-live': 'polite',
    });
    this.announced = new Set();
    this.olderButton = h(
      'button',
      {
        type: 'button',
        class: 'btn btn-ghost btn-sm older-btn',
        testid: 'im-history-more',
        onclick: () => card.loadHistory(card.store.get().contact, { older: true }),
      },
      'Load older messages',
    );
    this.historyError = h('p', { class: 'form-error', testid: 'im-history-error', role: 'alert' });
    // Someone who wrote first is not a contact yet: one tap adds them on the server (and opens their history).
    this.addButton = h(
      'button',
      {
        type: 'button',
        class: 'btn btn-primary btn-sm',
        testid: 'im-add-this-contact',
        onclick: async () => {
          const c = card.data?.contact(card.store.get().contact);
          if (!c?.imNumber) return;
          const error = await card.addContact(c.imNumber, c.nickname);
          if (error) this.historyError.textContent = error;
          else card.loadHistory(c.key);
        },
      },
      'Add to contacts',
    );
    this.el = h(
      'section',
      { class: 'chat-view', testid: 'im-chat', 'aria-label': 'Chat', hidden: true },
      h(
        'header',
        { class: 'chat-head' },
        h(
          'button',
          {
            type: 'button',
            class: 'icon-btn back-btn',
            testid: 'im-back',
            'aria-label': 'Back to contacts',
            onclick: () => card.openContact(null),
          },
          '‹',
        ),
        this.avatar,
        h('div', { class: 'chat-who' }, this.nameEl, this.subEl),
        this.addButton,
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-ghost btn-sm',
            testid: 'im-remove-contact',
            onclick: () => card.removeContact(card.store.get().contact),
          },
          'Remove',
        ),
      ),
      this.olderButton,
      this.historyError,
      this.messagesEl,
      this.announcer,
      composer.el,
    );
  }

  render(forceScroll) {
    const { data } = this.card;
    const c = data.contact(this.card.store.get().contact);
    if (!c) return;
    if (!document.hidden && c.unread) {
      c.unread = 0;
      queueMicrotask(() => this.card.data?.persist());
    }
    replace(this.avatar, contactAvatar(c));
    this.nameEl.textContent = displayName(c);
    this.subEl.textContent = c.imNumber
      ? `IM ${c.imNumber}${c.nickname && c.name ? ` · ${c.name}` : ''}${
          c.server ? ` · ${c.status === 'online' ? 'online' : 'offline'}` : ''
        }${c.mood ? ` · “${c.mood}”` : ''}`
      : c.phone
        ? `SMS only: ${prettyPhone(c.phone)}`
        : `SMS thread on ${prettyPhone(c.serviceNumber)}`;
    this.olderButton.hidden = !data.historyNext?.[c.key];
    this.addButton.hidden = !(c.imNumber && !c.server);
    this.historyError.textContent = this.card.store.get().historyError ?? '';

    const el = this.messagesEl;
    const nearBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 60;
    const list = data.messages(c.key);
    if (list.length === 0) {
      replace(
        el,
        h(
          'li',
          { class: 'empty' },
          h('p', { class: 'muted' }, `No messages with ${displayName(c)} yet. Say hi!`),
        ),
      );
    } else {
      replace(
        el,
        list.map((m) => messageBubble(m, { ackTimeoutMs: this.card.ackTimeoutMs })),
      );
    }
    if (nearBottom || forceScroll) el.scrollTop = el.scrollHeight;
    this.announce(c, list);
  }

  announce(c, list) {
    const fresh = list.filter((m) => m.dir === 'in' && !this.announced.has(m.key));
    for (const m of list) this.announced.add(m.key);
    if (!this.primed) {
      this.primed = true; // what was there when the conversation opened is not news
      return;
    }
    if (fresh.length) this.announcer.textContent = `${displayName(c)}: ${fresh.at(-1).text}`;
  }

  /** Ticks every pending-fallback countdown in place (no re-render, so focus and scroll stay put). */
  tick() {
    for (const el of this.messagesEl.querySelectorAll('[data-deadline]')) {
      el.textContent = secondsLeft(Number(el.dataset.deadline));
    }
  }
}
