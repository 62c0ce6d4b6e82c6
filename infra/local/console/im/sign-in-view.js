// The sign-in panel's DOM: the phone-and-name step, the code step (with a new-name field for a taken name), tips.
import { h, field } from '../dom.js';

const NAME_HINT = 'Letters, digits, _ . - (no spaces). Others can text @name.';

/**
 * Builds the panel. `ctl` is the SignIn controller (its start, verify, back, useInboxCode and submit handlers);
 * `s` the card's state for the initial phone and name. Returns the elements the controller reads and updates.
 */
export function buildSignInView(ctl, s) {
  const view = {};
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
  view.phoneInput = phone.input;
  view.nameInput = name.input;
  view.sendCodeBtn = h(
    'button',
    { type: 'submit', class: 'btn btn-primary', testid: 'im-send-code' },
    'Text me a code',
  );
  view.startForm = h(
    'form',
    {
      class: 'stack',
      testid: 'im-login-form',
      novalidate: true,
      onsubmit: (ev) => ctl.submit(ev, () => ctl.start()),
    },
    phone.root,
    name.root,
    view.sendCodeBtn,
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
  view.codeInput = code.input;
  view.codeInput.classList.add('code-input');
  // Shown on the code step when the server said the name is taken: the same code still works with another name.
  const retryName = field({
    label: 'Choose another display name',
    hint: `${NAME_HINT} Your code stays valid.`,
    autocomplete: 'nickname',
    maxlength: 32,
    testid: 'im-name-retry',
  });
  view.retryNameInput = retryName.input;
  view.retryNameRoot = retryName.root;
  view.codeSentTo = h('p', { class: 'muted' });
  view.inboxPreview = h('div', {
    class: 'inbox-preview',
    testid: 'im-inbox-preview',
    'aria-live': 'polite',
  });
  view.useCodeBtn = h(
    'button',
    {
      type: 'button',
      class: 'btn',
      testid: 'im-use-code',
      disabled: true,
      onclick: () => ctl.useInboxCode(),
    },
    'Use code from inbox',
  );
  view.verifyBtn = h(
    'button',
    { type: 'submit', class: 'btn btn-primary', testid: 'im-verify' },
    'Verify & log in',
  );
  view.verifyForm = h(
    'form',
    {
      class: 'stack',
      testid: 'im-verify-form',
      novalidate: true,
      onsubmit: (ev) => ctl.submit(ev, () => ctl.verify()),
    },
    view.codeSentTo,
    view.inboxPreview,
    code.root,
    view.retryNameRoot,
    h('div', { class: 'row' }, view.useCodeBtn, view.verifyBtn),
    h(
      'div',
      { class: 'row row-links' },
      h(
        'button',
        { type: 'button', class: 'link-btn', testid: 'im-login-back', onclick: () => ctl.back() },
        '‹ Change number',
      ),
      h(
        'button',
        { type: 'button', class: 'link-btn', testid: 'im-resend', onclick: () => ctl.start() },
        'Text a new code',
      ),
    ),
  );
  view.errorEl = h('p', { class: 'form-error', testid: 'im-error', role: 'alert' });
  view.el = h(
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
    view.startForm,
    view.verifyForm,
    view.errorEl,
    tips(),
  );
  return view;
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
