// The composer: the text, how it will go (IM, or SMS when offline), and what it costs if it goes as SMS.
import { composerForm, messageTextarea } from '../composer-parts.js';
import { h, prettyPhone, uid } from '../dom.js';
import { counterText, imFallbackSms, phoneSms } from '../sms-preview.js';
import { displayName } from './contact-list.js';

/** `card` gives store, data, offlineMode, send(text) → whether it went. */
export class Composer {
  constructor(card) {
    this.card = card;
    const inputId = uid('msg');
    const hintId = uid('hint');
    this.input = messageTextarea({
      id: inputId,
      maxlength: 4000,
      placeholder: 'Message',
      testid: 'im-input',
      describedBy: hintId,
      onSubmit: () => this.submit(),
      onInput: () => {
        this.errorEl.textContent = '';
        this.input.removeAttribute('aria-invalid');
        this.renderCounter();
      },
    });
    this.counter = h('span', { class: 'counter', testid: 'im-counter' });
    this.preview = h('p', { class: 'sms-preview', testid: 'im-sms-preview' });
    this.hint = h('p', { class: 'composer-hint', id: hintId, testid: 'im-send-hint' });
    this.errorEl = h('p', { class: 'form-error', testid: 'im-composer-error', role: 'alert' });
    this.sendBtn = h(
      'button',
      { type: 'submit', class: 'btn btn-primary send-btn', testid: 'im-send-message' },
      'Send',
    );
    this.el = composerForm(
      () => this.submit(),
      h('label', { for: inputId, class: 'sr-only' }, 'Message'),
      h('div', { class: 'composer-row' }, this.input, this.sendBtn),
      this.errorEl,
      h('div', { class: 'composer-foot' }, this.hint, this.counter),
      h('details', { class: 'sms-preview-box' }, h('summary', null, 'If it goes as SMS'), this.preview),
    );
  }

  submit() {
    const text = this.input.value;
    if (!text.trim()) {
      // Say why nothing happened, rather than nothing at all.
      this.input.setAttribute('aria-invalid', 'true');
      this.errorEl.textContent = text ? 'Only spaces: write something to send.' : 'Write a message first.';
      this.input.focus();
      return;
    }
    this.input.value = '';
    this.renderCounter();
    this.card.send(text);
  }

  focus() {
    this.input.focus();
  }

  /** Segments by the core's own encoder: the router's fallback SMS (prefixed, normalised), or the phone's SMS. */
  renderCounter() {
    const { user, contact } = this.card.store.get();
    const c = contact ? this.card.data?.contact(contact) : null;
    if (!user) return;
    const text = this.input.value;
    if (this.card.offlineMode || !c?.imNumber) {
      const body = c?.imNumber ? `@${c.imNumber} ${text}` : text;
      this.counter.textContent = counterText(phoneSms(text ? body : ''));
      this.counter.title = 'Your phone’s SMS: characters (GSM-7) or UTF-16 units (UCS-2), segments, encoding';
      this.preview.textContent = text ? body : '';
      this.preview.dataset.kind = 'phone';
      return;
    }
    const sms = imFallbackSms(user, text);
    this.counter.textContent = counterText(text ? sms : { segments: 0 });
    this.counter.title =
      'If the server falls back to SMS: the body it sends (name prefix, GSM-7 normalisation), segments, encoding';
    this.preview.textContent = text ? sms.body : '';
    this.preview.dataset.kind = 'fallback';
    this.preview.dataset.normalized = String(sms.normalized);
  }

  render() {
    const { contact } = this.card.store.get();
    const c = contact ? this.card.data?.contact(contact) : null;
    if (!c) return;
    const name = displayName(c);
    const sms = this.card.offlineMode || !c.imNumber;
    this.sendBtn.textContent = sms ? 'Send SMS' : 'Send';
    this.sendBtn.classList.toggle('btn-sms', sms);
    this.sendBtn.classList.toggle('btn-primary', !sms);
    this.hint.dataset.mode = sms ? 'sms' : 'im';
    this.hint.textContent = !sms
      ? `IM to ${name}; by SMS if ${name} is offline or does not ack in time.`
      : c.imNumber
        ? `Offline: goes as an SMS from your phone to the service number, as “@${c.imNumber} …”.`
        : `SMS thread: goes from your phone to ${prettyPhone(c.serviceNumber)}, no prefix (its last contact).`;
    this.renderCounter();
  }
}
