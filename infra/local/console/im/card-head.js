// The IM card's header (who is signed in, presence, their phone) and its notice line (errors not tied to a message).
import { h, replace, show, avatar, prettyPhone, removeCardButton } from '../dom.js';
import { reasonText } from '../reasons.js';
import { defaultName } from '../rules.js';

/** `card` gives store, phone, onOpenPhone(phone); `onRemove(card)` removes the card from the desk. */
export class CardHead {
  constructor(card, onRemove) {
    this.avatarSlot = h('div', { class: 'card-avatar' });
    this.nameEl = h('h2', { class: 'card-title', testid: 'im-user-name' }, 'IM client');
    this.numberEl = h('span', { class: 'im-number', testid: 'im-number' });
    this.numberRow = h(
      'p',
      { class: 'card-sub' },
      h('span', { class: 'im-number-label' }, 'IM no. '),
      this.numberEl,
    );
    this.phoneBtn = h('button', {
      type: 'button',
      class: 'chip-btn',
      testid: 'im-open-phone',
      title: 'Show this user’s phone on the simulated network',
      onclick: () => card.phone && card.onOpenPhone(card.phone),
    });
    this.presenceEl = h('span', { class: 'presence', testid: 'im-presence', role: 'status' });
    this.el = h(
      'header',
      { class: 'card-head' },
      this.avatarSlot,
      h(
        'div',
        { class: 'card-who' },
        this.nameEl,
        this.numberRow,
        h('div', { class: 'card-sub card-badges' }, this.presenceEl, this.phoneBtn),
      ),
      h(
        'div',
        { class: 'card-head-side' },
        removeCardButton('Remove this IM client', () => onRemove(card)),
      ),
    );
  }

  /** Returns the card's accessible name. */
  render({ user, conn, offline }) {
    show(this.numberRow, Boolean(user));
    show(this.phoneBtn, Boolean(user));
    const [state, text] = presence(user, conn, offline);
    this.presenceEl.dataset.state = state;
    this.presenceEl.textContent = text;
    if (!user) {
      this.nameEl.textContent = 'IM client';
      replace(this.avatarSlot, avatar('I M', 'im', 'avatar-muted'));
      return 'IM client (signed out)';
    }
    const name = user.name || defaultName(user.imNumber);
    this.nameEl.textContent = name;
    this.numberEl.textContent = user.imNumber;
    this.phoneBtn.textContent = `☎ ${prettyPhone(user.phone)}`;
    replace(this.avatarSlot, avatar(name, user.imNumber));
    return `IM client: ${name} (${user.imNumber})`;
  }
}

function presence(user, conn, offline) {
  if (!user) return ['signed-out', 'Signed out'];
  if (conn.state === 'open') return offline ? ['offline', 'Offline mode'] : ['online', 'Online'];
  if (conn.state === 'connecting') return ['connecting', 'Connecting…'];
  if (conn.state === 'reconnecting') return ['lost', 'Offline (auto)'];
  return ['disconnected', 'Disconnected'];
}

/** An error frame not tied to a message, in words (the code in a tooltip), dismissable. */
export class Notice {
  constructor(store) {
    this.store = store;
    this.el = h('div', { class: 'notice', testid: 'im-notice', role: 'alert', hidden: true });
  }

  render({ notice }) {
    show(this.el, Boolean(notice));
    if (!notice) return;
    replace(
      this.el,
      h('span', { title: `${notice.code}: ${notice.message}` }, reasonText(notice.code)),
      h(
        'button',
        {
          type: 'button',
          class: 'icon-btn',
          'aria-label': 'Dismiss',
          onclick: () => this.store.set({ notice: null }),
        },
        '×',
      ),
    );
  }
}
