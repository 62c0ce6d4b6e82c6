// A voice call from a plain phone: call a service number, press keys, and see what the caller hears (the IVR
// direct call, docs/ivr.md). It drives the sandbox's call API (POST /sandbox/calls, …/digits), which runs the
// app's TwiML as Twilio would.
import { h } from '../dom.js';
import { logEvent } from '../log.js';

const KEYS = /^[0-9*#]{0,64}$/;
const STATUS_TEXT = {
  ringing: 'Ringing…',
  'in-progress': 'In call: waiting for keys',
  completed: 'Call ended',
  busy: 'Busy',
  'no-answer': 'No answer',
  failed: 'Call failed',
};

async function callApi(method, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method,
      cache: 'no-store',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new Error('The local server is not reachable. Is `npm start` running?');
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new Error(data?.error?.message ?? `${res.status} ${res.statusText || 'error'}`);
  return data;
}

/** The call panel of a phone card. `card.phone` is the calling phone; `card.label` names it in the log. */
export class PhoneCall {
  constructor(card) {
    this.card = card;
    this.sid = null;
    this.toSelect = h('select', {
      class: 'phone-call-to',
      testid: 'phone-call-to',
      'aria-label': 'Number to call',
    });
    this.startButton = h(
      'button',
      { type: 'button', class: 'btn btn-sm', testid: 'phone-call-start', onclick: () => this.place() },
      'Call',
    );
    this.keysInput = h('input', {
      type: 'text',
      inputmode: 'tel',
      autocomplete: 'off',
      class: 'phone-call-keys',
      testid: 'phone-call-keys',
      placeholder: 'Keys, e.g. 12345678#',
      'aria-label': 'Keys to press',
      disabled: true,
    });
    this.keysButton = h(
      'button',
      { type: 'submit', class: 'btn btn-sm', testid: 'phone-call-press', disabled: true },
      'Press',
    );
    this.statusEl = h('p', { class: 'card-sub', testid: 'phone-call-status', role: 'status' }, 'No call');
    this.heardEl = h('ol', {
      class: 'phone-call-heard',
      testid: 'phone-call-heard',
      'aria-label': 'What the caller hears',
    });
    this.dialedEl = h('p', { class: 'card-sub', testid: 'phone-call-dialed' });
    this.errorEl = h('p', { class: 'form-error', testid: 'phone-call-error', role: 'alert' });
    this.el = h(
      'details',
      { class: 'phone-call', testid: 'phone-call' },
      h('summary', {}, 'Call a service number'),
      h('div', { class: 'phone-call-row' }, this.toSelect, this.startButton),
      h(
        'form',
        {
          class: 'phone-call-row',
          onsubmit: (ev) => {
            ev.preventDefault();
            this.press();
          },
        },
        this.keysInput,
        this.keysButton,
      ),
      this.statusEl,
      this.heardEl,
      this.dialedEl,
      this.errorEl,
    );
  }

  /** The service numbers a phone can call. */
  setServices(services) {
    this.toSelect.replaceChildren(...services.map((n) => h('option', { value: n }, n)));
  }

  async place() {
    this.errorEl.textContent = '';
    const from = this.card.phone;
    const to = this.toSelect.value;
    if (!from) {
      this.errorEl.textContent = 'Set this phone’s number first.';
      return;
    }
    this.startButton.disabled = true;
    try {
      const state = await callApi('POST', '/sandbox/calls', { from, to });
      this.sid = state.sid;
      logEvent({ kind: 'http', dir: 'out', source: this.card.label, title: 'call', summary: `call ${to}` });
      this.render(state);
    } catch (err) {
      this.errorEl.textContent = err.message;
    } finally {
      this.startButton.disabled = false;
    }
  }

  async press() {
    this.errorEl.textContent = '';
    const digits = this.keysInput.value.trim();
    if (!this.sid) return;
    if (!KEYS.test(digits)) {
      this.errorEl.textContent = 'Keys are 0-9, * and #.';
      return;
    }
    try {
      const state = await callApi('POST', `/sandbox/calls/${encodeURIComponent(this.sid)}/digits`, {
        digits,
      });
      this.keysInput.value = '';
      logEvent({ kind: 'http', dir: 'out', source: this.card.label, title: 'keys', summary: 'keys pressed' });
      this.render(state);
    } catch (err) {
      this.errorEl.textContent = err.message;
    }
  }

  /** Shows a call's state: status, every sentence the caller heard, and whom it rang (with the whisper). */
  render(state) {
    const waiting = state.status === 'in-progress';
    this.keysInput.disabled = !waiting;
    this.keysButton.disabled = !waiting;
    if (waiting) this.keysInput.focus();
    this.statusEl.textContent = STATUS_TEXT[state.status] ?? state.status;
    this.heardEl.replaceChildren(...state.said.map((text) => h('li', { testid: 'phone-call-said' }, text)));
    const d = state.dialed;
    this.dialedEl.textContent = d
      ? `Rang ${d.to}, showing ${d.callerId}` +
        (d.status && d.status !== 'completed' ? ` (${d.status})` : '') +
        (d.whisper?.length ? `. They heard: “${d.whisper.join(' ')}”` : '')
      : '';
    if (state.error) this.errorEl.textContent = `Twilio error ${state.error.code}: ${state.error.message}`;
  }
}
