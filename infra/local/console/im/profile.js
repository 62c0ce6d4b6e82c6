// The signed-in user's profile (`updateProfile`): display name, mood phrase and avatar URL, as the server keeps it.
import { h, field } from '../dom.js';

/** `card` gives data (profile), store (user) and updateProfile(fields) → error text or null. */
export class ProfileBox {
  constructor(card) {
    this.card = card;
    const name = field({ label: 'Name', maxlength: 32, testid: 'im-profile-name' });
    const mood = field({ label: 'Mood', placeholder: 'At lunch', maxlength: 140, testid: 'im-profile-mood' });
    const avatar = field({
      label: 'Avatar URL',
      hint: 'https: only; empty removes it.',
      placeholder: 'https://…',
      maxlength: 512,
      testid: 'im-profile-avatar',
    });
    this.nameInput = name.input;
    this.moodInput = mood.input;
    this.avatarInput = avatar.input;
    this.errorEl = h('p', { class: 'form-error', testid: 'im-profile-error', role: 'alert' });
    this.okEl = h('p', { class: 'form-ok', testid: 'im-profile-saved', role: 'status' });
    this.el = h(
      'details',
      {
        class: 'add-contact-box profile-box',
        testid: 'im-profile-box',
        ontoggle: () => this.el.open && this.fill(),
      },
      h('summary', null, '☺ Your profile'),
      h(
        'form',
        {
          class: 'add-contact',
          novalidate: true,
          onsubmit: (ev) => {
            ev.preventDefault();
            this.save();
          },
        },
        h(
          'div',
          { class: 'add-contact-fields' },
          name.root,
          mood.root,
          avatar.root,
          h('button', { type: 'submit', class: 'btn btn-primary btn-sm', testid: 'im-profile-save' }, 'Save'),
        ),
        this.errorEl,
        this.okEl,
      ),
    );
  }

  /**
   * Puts what the server last said (or the signed-in name) into the fields, when the box opens: never on a live
   * update, so typing is not overwritten.
   */
  fill() {
    const p = this.card.data?.profile ?? {};
    this.nameInput.value = p.name ?? this.card.store.get().user?.name ?? '';
    this.moodInput.value = p.mood ?? '';
    this.avatarInput.value = p.avatarUrl ?? '';
    this.errorEl.textContent = '';
    this.okEl.textContent = '';
  }

  async save() {
    this.errorEl.textContent = '';
    this.okEl.textContent = '';
    const p = this.card.data?.profile ?? {};
    const fields = { mood: this.moodInput.value.trim(), avatarUrl: this.avatarInput.value.trim() };
    const name = this.nameInput.value.trim();
    if (name && name !== (p.name ?? this.card.store.get().user?.name)) fields.name = name;
    const error = await this.card.updateProfile(fields);
    if (error) this.errorEl.textContent = error;
    else this.okEl.textContent = 'Saved.';
  }
}
