// Sign-in: phone (and name) → a code texted to that simulated phone → verify. The first sign-in creates the account.
import { api } from '../api.js';
import { h, replace, show, field, prettyPhone, E164 } from '../dom.js';
import { watchInbox, primeInbox } from '../inbox.js';
import { logEvent } from '../log.js';
import { findCode } from '../util.js';

const NAME_HINT = 'Letters, digits, _ . - (no spaces). Others can text @name.';

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
    this.build();
  }

  build() {
    const s = this.store.get();
    const phone = field({
      label: 'Phone number',
      hint: 'E.164, like +14155550101. The code comes by SMS to this simulated phone.',
      type: 'tel',
      autocomplete: 'tel',
      placeholder: '+14155550101',
      required: true,
      testid: 'im-phone',
      value: s.phone,
    });
    const name = field({
      label: 'Display name',
      hint: NAME_HINT,
      autocomplete: 'nickname',
      placeholder: 'Alice',
      maxlength: 32,
      testid: 'im-name',
      value: s.name,
    });
    this.phoneInput = phone.input;
    this.nameInput = name.input;
    this.sendCodeBtn = h(
      'button',
      { type: 'submit', class: 'btn btn-primary', testid: 'im-send-code' },
      'Text me a code',
    );
    this.startForm = h(
      'form',
      {
        class: 'stack',
        testid: 'im-login-form',
        novalidate: true,
        onsubmit: (ev) => this.submit(ev, () => this.start()),
      },
      phone.root,
      name.root,
      this.sendCodeBtn,
    );

    const code = field({
      label: '6-digit code',
      type: 'text',
      inputmode: 'numeric',
      autocomplete: 'one-time-code',
      pattern: '\\d{6}',
      maxlength: 6,
      placeholder: '••••••',
      testid: 'im-code',
    });
    this.codeInput = code.input;
    this.codeInput.classList.add('code-input');
    // Shown on the code step when the server said the name is taken: the same code still works with another name.
    const retryName = field({
      label: 'Choose another display name',
      hint: `${NAME_HINT} Your code stays valid.`,
      autocomplete: 'nickname',
      maxlength: 32,
      testid: 'im-name-retry',
    });
    this.retryNameInput = retryName.input;
    this.retryNameRoot = retryName.root;
    this.codeSentTo = h('p', { class: 'muted' });
    this.inboxPreview = h('div', {
      class: 'inbox-preview',
      testid: 'im-inbox-preview',
      'aria-live': 'polite',
    });
    this.useCodeBtn = h(
      'button',
      {
        type: 'button',
        class: 'btn',
        testid: 'im-use-code',
        disabled: true,
        onclick: () => this.useInboxCode(),
      },
      'Use code from inbox',
    );
    this.verifyBtn = h(
      'button',
      { type: 'submit', class: 'btn btn-primary', testid: 'im-verify' },
      'Verify & log in',
    );
    this.verifyForm = h(
      'form',
      {
        class: 'stack',
        testid: 'im-verify-form',
        novalidate: true,
        onsubmit: (ev) => this.submit(ev, () => this.verify()),
      },
      this.codeSentTo,
      this.inboxPreview,
      code.root,
      this.retryNameRoot,
      h('div', { class: 'row' }, this.useCodeBtn, this.verifyBtn),
      h(
        'div',
        { class: 'row row-links' },
        h(
          'button',
          { type: 'button', class: 'link-btn', testid: 'im-login-back', onclick: () => this.back() },
          '‹ Change number',
        ),
        h(
          'button',
          { type: 'button', class: 'link-btn', testid: 'im-resend', onclick: () => this.start() },
          'Text a new code',
        ),
      ),
    );
    this.errorEl = h('p', { class: 'form-error', testid: 'im-error', role: 'alert' });
    this.el = h(
      'section',
      { class: 'login', testid: 'im-login', 'aria-label': 'Log in' },
      h(
        'div',
        { class: 'login-intro' },
        h('h3', null, 'Log in with your phone'),
        h(
          'p',
          { class: 'muted' },
          'No password: a code is texted to the phone, and the first login creates the account.',
        ),
      ),
      this.startForm,
      this.verifyForm,
      this.errorEl,
      tips(),
    );
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
    const phone = this.phoneInput.value.trim().replace(/[\s().-]/g, '');
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

function tips() {
  return h(
    'aside',
    { class: 'tips', 'aria-label': 'Try it' },
    h('h4', null, 'Try the fallback'),
    h(
      'ol',
      null,
      h('li', null, 'Log in two IM clients; add one to the other by IM number.'),
      h(
        'li',
        null,
        'Turn on ',
        h('strong', null, 'Offline mode'),
        ' in one, and write to it: the message goes by SMS.',
      ),
      h(
        'li',
        null,
        'Or turn on ',
        h('strong', null, 'Stop acking'),
        ': IM first, then SMS after the ack timeout.',
      ),
      h('li', null, 'Reply from the phone card: it comes back over IM.'),
    ),
  );
}
