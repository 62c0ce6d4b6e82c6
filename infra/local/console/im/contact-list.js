// The contact list: the server's contacts (with presence and mood) and this browser's SMS threads, most recent
// first with unread counts; add by IM number; the profile and invitation boxes sit above it.
import { h, replace, field, avatar, shortTime, prettyPhone, keepFocus } from '../dom.js';
import { knownName } from '../directory.js';
import { IM_NUMBER_PATTERN } from '../rules.js';
import { InviteBox } from './invite.js';
import { ProfileBox } from './profile.js';

/** The name a contact shows under: the user's nickname, the server's name, a known name, else the number. */
export function displayName(c) {
  if (!c) return '';
  return (
    c.nickname ||
    c.name ||
    (c.imNumber ? (knownName(c.imNumber) ?? `IM ${c.imNumber}`) : prettyPhone(c.phone ?? c.serviceNumber))
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
    this.profile = new ProfileBox(card);
    this.invite = new InviteBox(card);
    this.cacheNote = h('p', { class: 'muted cache-note', testid: 'im-contacts-cached', hidden: true });
    this.el = h(
      'section',
      { class: 'contacts-view', testid: 'im-contacts', 'aria-label': 'Contacts' },
      this.profile.el,
      this.details,
      this.invite.el,
      this.cacheNote,
      this.list,
    );
  }

  async add() {
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
    const error = await this.card.addContact(num, nick);
    if (error) {
      this.errorEl.textContent = error;
      return;
    }
    this.numberInput.value = '';
    this.nickInput.value = '';
    this.details.open = false;
    this.card.openContact(num);
  }

  focus() {
    (this.list.querySelector('button') ?? this.details.querySelector('summary'))?.focus();
  }

  render() {
    this.invite.render();
    const live = this.card.conn?.isOpen;
    this.cacheNote.hidden = Boolean(live);
    this.cacheNote.textContent = live
      ? ''
      : 'Offline: the contacts as the server last listed them. Presence shows again once connected.';
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
            'Add one by IM number, or invite a phone. The list is kept by the server; this browser keeps a copy for offline mode.',
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
              'aria-label': `${name}${c.imNumber && c.server ? `, ${c.status ?? 'offline'}` : ''}${
                c.unread ? `, ${c.unread} unread` : ''
              }`,
              onclick: () => this.card.openContact(c.key),
            },
            contactAvatar(c),
            c.imNumber && c.server ? presenceDot(c.status) : null,
            h(
              'span',
              { class: 'contact-main' },
              h(
                'span',
                { class: 'contact-name' },
                name,
                c.auto && !c.nickname ? h('span', { class: 'tag' }, 'new') : null,
                c.phone ? h('span', { class: 'tag' }, 'SMS only') : null,
              ),
              c.mood ? h('span', { class: 'contact-mood', testid: 'im-contact-mood' }, c.mood) : null,
              h(
                'span',
                { class: 'contact-sub' },
                c.imNumber ? `IM ${c.imNumber}` : prettyPhone(c.phone ?? c.serviceNumber),
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

/** An IM contact's presence as the server last said: online (a message goes by IM) or offline (by SMS). */
function presenceDot(status) {
  const online = status === 'online';
  return h('span', {
    class: `presence-dot ${online ? 'is-online' : 'is-offline'}`,
    testid: 'im-contact-presence',
    dataset: { status: online ? 'online' : 'offline' },
    title: online ? 'Online: a message goes by IM' : 'Offline: a message goes by SMS',
    'aria-hidden': 'true',
  });
}
