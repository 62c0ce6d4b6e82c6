// Invite a phone by SMS (`invite`): phone and name, every refusal in words, and the invitations' states as the
// server reports them (`invitation` frames: pending, then accepted, declined or expired).
import { h, replace, field, prettyPhone, clock } from '../dom.js';

const STATE = {
  pending: 'waiting for an answer',
  accepted: 'accepted: now a contact',
  declined: 'declined',
  expired: 'expired',
  cancelled: 'cancelled',
};

/** `card` gives data (invitations) and invite(phone, name) → error text or null. */
export class InviteBox {
  constructor(card) {
    this.card = card;
    const phone = field({
      label: 'Phone',
      hint: 'International format: + and country code.',
      inputmode: 'tel',
      placeholder: '+14155550123',
      maxlength: 20,
      testid: 'im-invite-phone',
    });
    const name = field({ label: 'Their name', placeholder: 'Dana', maxlength: 64, testid: 'im-invite-name' });
    this.phoneInput = phone.input;
    this.nameInput = name.input;
    this.errorEl = h('p', { class: 'form-error', testid: 'im-invite-error', role: 'alert' });
    this.okEl = h('p', { class: 'form-ok', testid: 'im-invite-sent', role: 'status' });
    this.list = h('ul', { class: 'invitations', testid: 'im-invitations', 'aria-label': 'Invitations' });
    this.button = h(
      'button',
      { type: 'submit', class: 'btn btn-primary btn-sm', testid: 'im-invite' },
      'Send invitation',
    );
    this.el = h(
      'details',
      { class: 'add-contact-box invite-box', testid: 'im-invite-box' },
      h('summary', null, '✉ Invite by SMS'),
      h(
        'form',
        {
          class: 'add-contact',
          novalidate: true,
          onsubmit: (ev) => {
            ev.preventDefault();
            this.send();
          },
        },
        h(
          'p',
          { class: 'muted' },
          'Someone without the app gets one SMS from you. They answer YES (they join and you become contacts), NO, or CANCEL.',
        ),
        h('div', { class: 'add-contact-fields' }, phone.root, name.root, this.button),
        this.errorEl,
        this.okEl,
      ),
      this.list,
    );
  }

  async send() {
    const phone = this.phoneInput.value.trim();
    const name = this.nameInput.value.trim();
    this.errorEl.textContent = '';
    this.okEl.textContent = '';
    if (!phone || !name) {
      this.errorEl.textContent = 'Give both the phone and the name.';
      (phone ? this.nameInput : this.phoneInput).focus();
      return;
    }
    this.button.disabled = true;
    try {
      const error = await this.card.invite(phone, name);
      if (error) {
        this.errorEl.textContent = error;
        return;
      }
      this.okEl.textContent = `Invitation sent to ${name}.`;
      this.phoneInput.value = '';
      this.nameInput.value = '';
    } finally {
      this.button.disabled = false;
    }
  }

  render() {
    const invitations = this.card.data?.invitations ?? [];
    replace(
      this.list,
      invitations.map((i) =>
        h(
          'li',
          {
            class: `invitation status-${i.status}`,
            testid: 'im-invitation',
            dataset: { status: i.status, phone: i.phone },
          },
          h('span', { class: 'contact-name' }, i.name),
          ` ${prettyPhone(i.phone)} · `,
          h('span', { testid: 'im-invitation-status' }, STATE[i.status] ?? i.status),
          i.imNumber ? ` · IM ${i.imNumber}` : '',
          i.status === 'pending' && i.expiresAt ? ` · until ${clock(Date.parse(i.expiresAt))}` : '',
        ),
      ),
    );
  }
}
