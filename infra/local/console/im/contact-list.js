// The contact list: add by IM number, and one button per conversation (most recent first, unread counts).
import { h, replace, field, avatar, shortTime, prettyPhone, keepFocus } from '../dom.js';
import { knownName } from '../directory.js';
import { IM_NUMBER_PATTERN } from '../rules.js';

/** The name a contact shows under: the user's nickname, the server's name, a known name, else the number. */
export function displayName(c) {
  if (!c) return '';
  return (
    c.nickname ||
    c.name ||
    (c.imNumber ? (knownName(c.imNumber) ?? `IM ${c.imNumber}`) : prettyPhone(c.serviceNumber))
  );
}

export function contactAvatar(c) {
  if (!c.imNumber) return h('span', { class: 'avatar avatar-phone', 'aria-hidden': 'true' }, '✉');
  const name = displayName(c);
  if (name === `IM ${c.imNumber}`)
    return h('span', { class: 'avatar avatar-muted', 'aria-hidden': 'true' }, '#');
  return avatar(name, c.key);
}

/** `card` gives store, data, openContact(key). */
export class ContactList {
  constructor(card) {
    this.card = card;
    const num = field({
      label: 'IM number',
      hint: 'The 8 digits under the person’s name in their IM client.',
      inputmode: 'numeric',
      placeholder: '12345678',
      maxlength: 12,
      testid: 'im-add-contact-number',
    });
    const nick = field({
      label: 'Nickname (optional)',
      placeholder: 'Bob',
      maxlength: 40,
      testid: 'im-add-contact-nickname',
    });
    this.numberInput = num.input;
    this.nickInput = nick.input;
    this.errorEl = h('p', { class: 'form-error', testid: 'im-add-contact-error', role: 'alert' });
    this.details = h(
      'details',
      { class: 'add-contact-box', testid: 'im-add-contact-box' },
      h('summary', null, '+ Add contact'),
      h(
        'form',
        {
          class: 'add-contact',
          novalidate: true,
          onsubmit: (ev) => {
            ev.preventDefault();
            this.add();
          },
        },
        h(
          'div',
          { class: 'add-contact-fields' },
          num.root,
          nick.root,
          h('button', { type: 'submit', class: 'btn btn-primary btn-sm', testid: 'im-add-contact' }, 'Add'),
        ),
        this.errorEl,
      ),
    );
    this.list = h('ul', { class: 'contact-list', testid: 'im-contact-list', 'aria-label': 'Contacts' });
    this.el = h(
      'section',
      { class: 'contacts-view', testid: 'im-contacts', 'aria-label': 'Contacts' },
      this.details,
      this.list,
    );
  }

  add() {
    const num = this.numberInput.value.trim();
    const nick = this.nickInput.value.trim();
    this.errorEl.textContent = '';
    if (!IM_NUMBER_PATTERN.test(num)) {
      this.numberInput.setAttribute('aria-invalid', 'true');
      this.errorEl.textContent = 'An IM number is digits only, like 12345678.';
      this.numberInput.focus();
      return;
    }
    if (num === this.card.store.get().user.imNumber) {
      this.errorEl.textContent = 'That is your own IM number.';
      return;
    }
    this.numberInput.removeAttribute('aria-invalid');
    this.card.data.upsertContact(num, {
      nickname: nick || undefined,
      auto: false,
      name: knownName(num) ?? undefined,
    });
    this.numberInput.value = '';
    this.nickInput.value = '';
    this.details.open = false;
    this.card.openContact(num);
  }

  focus() {
    (this.list.querySelector('button') ?? this.details.querySelector('summary'))?.focus();
  }

  render() {
    keepFocus(this.list, 'key', () => this.renderList());
  }

  renderList() {
    const data = this.card.data;
    const contacts = data.sortedContacts();
    if (contacts.length === 0) {
      replace(
        this.list,
        h(
          'li',
          { class: 'empty' },
          h('p', null, 'No contacts yet.'),
          h(
            'p',
            { class: 'muted' },
            'Add one by IM number, or just wait: whoever messages you is added by itself. The list is kept in this browser and works offline.',
          ),
        ),
      );
      return;
    }
    replace(
      this.list,
      contacts.map((c) => {
        const last = data.messages(c.key).at(-1);
        const name = displayName(c);
        return h(
          'li',
          null,
          h(
            'button',
            {
              type: 'button',
              class: 'contact',
              testid: 'im-contact',
              dataset: { imNumber: c.imNumber ?? '', key: c.key },
              'aria-label': `${name}${c.unread ? `, ${c.unread} unread` : ''}`,
              onclick: () => this.card.openContact(c.key),
            },
            contactAvatar(c),
            h(
              'span',
              { class: 'contact-main' },
              h(
                'span',
                { class: 'contact-name' },
                name,
                c.auto && !c.nickname ? h('span', { class: 'tag' }, 'new') : null,
              ),
              h(
                'span',
                { class: 'contact-sub' },
                c.imNumber ? `IM ${c.imNumber}` : prettyPhone(c.serviceNumber),
                last ? ` · ${last.dir === 'out' ? 'You: ' : ''}${last.text}` : '',
              ),
            ),
            h(
              'span',
              { class: 'contact-side' },
              last ? h('time', { class: 'contact-time' }, shortTime(last.at)) : null,
              c.unread
                ? h('span', { class: 'unread', testid: 'im-unread', 'aria-hidden': 'true' }, String(c.unread))
                : null,
            ),
          ),
        );
      }),
    );
  }
}
