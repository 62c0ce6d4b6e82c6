// A phone's composer: text a service number (the "To" follows the open thread), with the segment count.
import { composerForm, messageTextarea } from '../composer-parts.js';
import { h, replace, prettyPhone, uid } from '../dom.js';
import { MAX_SMS_CHARS } from '../rules.js';
import { counterText, phoneSms } from '../sms-preview.js';

/** `card` gives send(to, body) → Promise<error message | null>, selectThread(number). */
export class PhoneComposer {
  constructor(card) {
    this.card = card;
    const toId = uid('to');
    const bodyId = uid('body');
    this.toSelect = h('select', {
      id: toId,
      testid: 'phone-to',
      onchange: () => card.selectThread(this.toSelect.value, { pin: true }),
    });
    this.input = messageTextarea({
      id: bodyId,
      maxlength: MAX_SMS_CHARS,
      placeholder: 'Text message',
      testid: 'phone-input',
      describedBy: `${bodyId}-hint`,
      onSubmit: () => this.submit(),
      onInput: () => {
        this.errorEl.textContent = '';
        this.renderCounter();
      },
    });
    this.counter = h('span', { class: 'counter', testid: 'phone-counter' });
    this.errorEl = h('p', { class: 'form-error', testid: 'phone-send-error', role: 'alert' });
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
    this.el = composerForm(
      () => this.submit(),
      h('div', { class: 'composer-to' }, h('label', { for: toId }, 'To'), this.toSelect),
      h('label', { for: bodyId, class: 'sr-only' }, 'Text message'),
      h('div', { class: 'composer-row' }, this.input, this.sendBtn),
      h('div', { class: 'composer-foot' }, hint, this.counter),
      this.errorEl,
    );
    this.renderCounter();
  }

  renderCounter() {
    this.counter.textContent = counterText(phoneSms(this.input.value));
  }

  async submit() {
    const body = this.input.value;
    const to = this.toSelect.value;
    if (!body.trim()) {
      this.errorEl.textContent = body ? 'Only spaces: write something to send.' : 'Write a message first.';
      this.input.focus();
      return;
    }
    if (!to) {
      this.errorEl.textContent = 'No service number to text.';
      return;
    }
    this.sendBtn.disabled = true;
    this.input.value = '';
    this.renderCounter();
    const error = await this.card.send(to, body);
    this.errorEl.textContent = error ?? '';
    this.sendBtn.disabled = false;
    this.input.focus();
  }

  setServices(services) {
    const current = this.toSelect.value;
    replace(
      this.toSelect,
      services.map((n) => h('option', { value: n }, `${prettyPhone(n)} · service number`)),
    );
    if (current) this.toSelect.value = current;
  }

  /** Keeps "To" in step with the open thread (it may be a number not in the service list). */
  follow(thread) {
    if (!thread) return;
    if (![...this.toSelect.options].some((o) => o.value === thread)) {
      this.toSelect.append(h('option', { value: thread }, prettyPhone(thread)));
    }
    this.toSelect.value = thread;
  }
}
