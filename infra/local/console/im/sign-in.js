// Sign-in: phone (and name) → a code texted to that simulated phone → verify. The first sign-in creates the account.
import { api } from '../api.js';
import { h, replace, show, prettyPhone, E164 } from '../dom.js';
import { buildSignInView } from './sign-in-view.js';
import { watchInbox, primeInbox } from '../inbox.js';
import { logEvent } from '../log.js';
import { findCode } from '../util.js';
import { compactPhoneInput } from '../rules.js';

/**
 * The sign-in panel. `card` gives the store ({ phone, name, signIn: { step, error, nameTaken } }), `label` and
 * `signedIn(result)`. Renders from the store; its own DOM refs only hold what the person is typing.
 */
export class SignIn {
  constructor(card) {
    this.card = card;
    this.store = card.store;
    this.loginWatch = null;
    this.baseline = new Set();
    this.offeredCode = null;
    Object.assign(this, buildSignInView(this, this.store.get()));
  }

  submit(ev, fn) {
    ev.preventDefault();
    fn();
  }

  /** Shows the step and the error the store holds. */
  render(state) {
    const s = state.signIn;
    show(this.startForm, s.step !== 'code');
    show(this.verifyForm, s.step === 'code');
    show(this.retryNameRoot, Boolean(s.nameTaken));
    this.errorEl.textContent = s.error ?? '';
    // The error sits where the person is looking: under the field it is about, above the step's buttons.
    if (s.step === 'code') this.retryNameRoot.after(this.errorEl);
    else this.sendCodeBtn.before(this.errorEl);
    this.errorEl.title = s.errorCode ?? '';
  }

  setError(error, errorCode, extra = {}) {
    this.store.set((st) => ({ signIn: { ...st.signIn, error, errorCode, ...extra } }));
  }

  stopWatch() {
    this.loginWatch?.();
    this.loginWatch = null;
  }

  back() {
    this.stopWatch();
    this.store.set({ signIn: { step: 'start', error: null } });
    this.phoneInput.focus();
  }

  async start() {
    // The server's own cleaning: invisible format characters (a number pasted from a contact card), spaces, ( ) . -
    const phone = compactPhoneInput(this.phoneInput.value);
    const name = this.nameInput.value.trim();
    this.phoneInput.removeAttribute('aria-invalid');
    if (!E164.test(phone)) {
      this.phoneInput.setAttribute('aria-invalid', 'true');
      this.setError('Enter the phone number in E.164 form: + country code and number, like +14155550101.');
      this.phoneInput.focus();
      return;
    }
    this.phoneInput.value = phone;
    this.store.set({ phone, name });
    this.card.persist();
    this.setError(null);
    this.sendCodeBtn.disabled = true;
    const source = this.card.label;
    try {
      // What the phone already had, so only a new code is offered (and the new one is logged as it lands).
      try {
        const before = await api.phoneMessages(phone);
        primeInbox(phone, before);
        this.baseline = new Set(before.map((m) => m.sid));
      } catch {
        this.baseline = new Set();
      }
      this.offeredCode = null;
      logEvent({
        kind: 'http',
        dir: 'out',
        source,
        title: 'POST /auth/start',
        summary: phone,
        data: { phone },
      });
      await api.authStart(phone);
      logEvent({
        kind: 'http',
        dir: 'in',
        source,
        title: '202 /auth/start',
        summary: `code texted to ${phone}`,
      });
    } catch (err) {
      this.setError(err.message, err.code);
      logEvent({
        kind: 'http',
        dir: 'in',
        source,
        title: `${err.status ?? ''} /auth/start`,
        summary: err.message,
        level: 'error',
      });
      this.sendCodeBtn.disabled = false;
      return;
    }
    this.sendCodeBtn.disabled = false;
    this.store.set({ signIn: { step: 'code', error: null, nameTaken: false } });
    replace(
      this.codeSentTo,
      'We texted a code to ',
      h('strong', null, prettyPhone(phone)),
      '. It lands in that phone’s sandbox inbox:',
    );
    this.codeInput.value = '';
    this.useCodeBtn.disabled = true;
    replace(this.inboxPreview, h('p', { class: 'muted waiting' }, 'Waiting for the SMS…'));
    this.codeInput.focus();
    this.stopWatch();
    this.loginWatch = watchInbox(phone, 1000, (messages) => this.onInbox(messages));
  }

  onInbox(messages) {
    const fresh = messages.filter((m) => !this.baseline.has(m.sid));
    const withCode = [...fresh].reverse().find((m) => findCode(m.body));
    const latest = withCode ?? [...messages].reverse().find((m) => findCode(m.body));
    if (!latest) return;
    const code = findCode(latest.body);
    replace(
      this.inboxPreview,
      h(
        'div',
        { class: 'sms-mini' },
        h('span', { class: 'sms-mini-from' }, `SMS from ${prettyPhone(latest.from)}`),
        h('span', { class: 'sms-mini-body', testid: 'im-inbox-sms' }, latest.body),
      ),
    );
    this.useCodeBtn.disabled = false;
    this.useCodeBtn.dataset.code = code;
    if (withCode && this.offeredCode !== code) {
      this.offeredCode = code;
      // Auto-fill a new code; the person still presses Verify.
      if (!this.codeInput.value) {
        this.codeInput.value = code;
        this.verifyBtn.focus();
      }
    }
  }

  useInboxCode() {
    const code = this.useCodeBtn.dataset.code;
    if (code) {
      this.codeInput.value = code;
      this.verifyBtn.focus();
    }
  }

  async verify() {
    const { phone, signIn } = this.store.get();
    const code = this.codeInput.value.trim();
    if (!/^\d{6}$/.test(code)) {
      this.codeInput.setAttribute('aria-invalid', 'true');
      this.setError('The code has 6 digits.');
      this.codeInput.focus();
      return;
    }
    this.codeInput.removeAttribute('aria-invalid');
    if (signIn.nameTaken) {
      const retry = this.retryNameInput.value.trim();
      this.nameInput.value = retry;
      this.store.set({ name: retry });
    }
    const name = this.store.get().name;
    this.verifyBtn.disabled = true;
    const source = this.card.label;
    let result;
    try {
      logEvent({
        kind: 'http',
        dir: 'out',
        source,
        title: 'POST /auth/verify',
        summary: `${phone} code ${code}`,
      });
      result = await api.authVerify(phone, code, name || undefined);
    } catch (err) {
      this.verifyBtn.disabled = false;
      logEvent({
        kind: 'http',
        dir: 'in',
        source,
        title: `${err.status ?? ''} /auth/verify`,
        summary: err.message,
        level: 'error',
      });
      if (err.code === 'name_taken') {
        // The code stays usable: let the person pick another name right here.
        this.retryNameInput.value = name;
        this.setError(
          `The name “${name}” is taken. Choose another below; the same code still works.`,
          err.code,
          {
            nameTaken: true,
          },
        );
        this.retryNameInput.setAttribute('aria-invalid', 'true');
        this.retryNameInput.focus();
        this.retryNameInput.select();
        return;
      }
      this.setError(
        err.status === 401
          ? 'That code is not right (or it expired). Try again or text a new one.'
          : err.message,
        err.code,
      );
      return;
    }
    this.verifyBtn.disabled = false;
    this.retryNameInput.removeAttribute('aria-invalid');
    const user = result?.user;
    if (!result?.token || !user?.imNumber) {
      this.setError('The server answered without a token.');
      return;
    }
    this.stopWatch();
    logEvent({
      kind: 'http',
      dir: 'in',
      source,
      title: '200 /auth/verify',
      summary: `logged in as ${user.name} (IM ${user.imNumber})`,
      data: { user },
    });
    this.store.set({ signIn: { step: 'start', error: null, nameTaken: false } });
    this.card.signedIn(result.token, {
      imNumber: String(user.imNumber),
      name: String(user.name ?? ''),
      phone: String(user.phone ?? phone),
    });
  }

  focus() {
    this.phoneInput.focus();
  }
}
