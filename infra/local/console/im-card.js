// The IM client card: login by SMS code, the WebSocket session, the locally stored contact list, chat.
/* global queueMicrotask */
import { api, getServiceNumbers, tokenExpiry } from './api.js';
import {
  h,
  replace,
  show,
  field,
  toggle,
  avatar,
  shortTime,
  clock,
  prettyPhone,
  E164,
  keepFocus,
} from './dom.js';
import { ImConnection } from './im-client.js';
import { watchInbox, pollNow, markLogged, primeInbox } from './inbox.js';
import { logEvent } from './log.js';
import { counterText, findCode } from './sms.js';
import { load, save, remove, userData } from './store.js';
import { uuid, toMs, nextStatus, inferPath, PATH_LABEL, STATUS_LABEL } from './util.js';

const IM_NUMBER = /^\d{4,12}$/;

export class ImCard {
  /**
   * @param {{ id: string, defaults?: { phone?: string, name?: string }, onRemove: Function, onOpenPhone: Function }} opts
   */
  constructor({ id, defaults = {}, onRemove, onOpenPhone }) {
    this.id = id;
    this.kind = 'im';
    this.onRemove = onRemove;
    this.onOpenPhone = onOpenPhone;
    this.state = {
      phone: defaults.phone ?? '',
      name: defaults.name ?? '',
      token: null,
      user: null,
      autoConnect: false,
      offline: false,
      stopAck: false,
      contact: null,
      ...load(`card.${id}`, {}),
    };
    this.conn = null;
    this.data = null;
    this.loginWatch = null;
    this.interceptWatch = null;
    this.codeBaseline = null;
    this.offeredCode = null;
    this.notice = null;
    this.connState = { state: 'idle' };
    this.tick = null;
    this.onDataChange = () => this.renderData();
    this.persist(); // keeps the defaults a new card was given
    this.build();
    if (this.state.token && this.state.user) this.startSession({ connect: this.state.autoConnect });
    else this.renderLoggedOut();
  }

  persist() {
    const { phone, name, token, user, autoConnect, offline, stopAck, contact } = this.state;
    save(`card.${this.id}`, { phone, name, token, user, autoConnect, offline, stopAck, contact });
  }

  get label() {
    const u = this.state.user;
    return u ? `${u.name} · ${u.imNumber}` : 'IM client';
  }

  get phone() {
    return this.state.user?.phone ?? null;
  }

  /** True when messages go (and come) by SMS: offline mode chosen by hand, or no open socket. */
  get offlineMode() {
    return this.state.offline || !this.conn?.isOpen;
  }

  // ---------------------------------------------------------------- skeleton

  build() {
    this.avatarSlot = h('div', { class: 'card-avatar' });
    this.nameEl = h('h2', { class: 'card-title', testid: 'im-user-name' }, 'IM client');
    this.numberEl = h('span', { class: 'im-number', testid: 'im-number' });
    this.numberRow = h(
      'p',
      { class: 'card-sub' },
      h('span', { class: 'im-number-label' }, 'IM no.'),
      this.numberEl,
    );
    this.phoneBtn = h('button', {
      type: 'button',
      class: 'chip-btn',
      testid: 'im-open-phone',
      title: 'Show this user’s phone on the simulated network',
      onclick: () => this.phone && this.onOpenPhone(this.phone),
    });
    this.presenceEl = h('span', { class: 'presence', testid: 'im-presence', role: 'status' });
    const removeBtn = h(
      'button',
      {
        type: 'button',
        class: 'icon-btn',
        testid: 'card-remove',
        'aria-label': 'Remove this IM client',
        title: 'Remove',
        onclick: () => this.onRemove(this),
      },
      '×',
    );
    const head = h(
      'header',
      { class: 'card-head' },
      this.avatarSlot,
      h(
        'div',
        { class: 'card-who' },
        this.nameEl,
        this.numberRow,
        h('div', { class: 'card-sub card-badges' }, this.presenceEl, this.phoneBtn),
      ),
      h('div', { class: 'card-head-side' }, removeBtn),
    );

    this.loginEl = h('section', { class: 'login', testid: 'im-login', 'aria-label': 'Log in' });
    this.mainEl = h('section', { class: 'im-main', 'aria-label': 'Messenger' });
    this.buildLogin();
    this.buildMain();

    this.el = h(
      'article',
      { class: 'card card-im', testid: 'im-card', dataset: { cardId: this.id }, 'aria-label': 'IM client' },
      head,
      this.loginEl,
      this.mainEl,
    );
  }

  buildLogin() {
    const phone = field({
      label: 'Phone number',
      hint: 'E.164, like +14155550101. The code comes by SMS to this simulated phone.',
      type: 'tel',
      autocomplete: 'tel',
      placeholder: '+14155550101',
      required: true,
      testid: 'im-phone',
      value: this.state.phone,
    });
    const name = field({
      label: 'Display name',
      hint: 'Letters, digits, _ . - (no spaces). Others can text @name.',
      autocomplete: 'nickname',
      placeholder: 'Alice',
      maxlength: 32,
      testid: 'im-name',
      value: this.state.name,
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
        onsubmit: (ev) => {
          ev.preventDefault();
          this.startLogin();
        },
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
        hidden: true,
        onsubmit: (ev) => {
          ev.preventDefault();
          this.verify();
        },
      },
      this.codeSentTo,
      this.inboxPreview,
      code.root,
      h('div', { class: 'row' }, this.useCodeBtn, this.verifyBtn),
      h(
        'div',
        { class: 'row row-links' },
        h(
          'button',
          { type: 'button', class: 'link-btn', testid: 'im-login-back', onclick: () => this.showStartStep() },
          '‹ Change number',
        ),
        h(
          'button',
          { type: 'button', class: 'link-btn', testid: 'im-resend', onclick: () => this.startLogin() },
          'Text a new code',
        ),
      ),
    );
    this.loginError = h('p', { class: 'form-error', testid: 'im-error', role: 'alert' });
    replace(
      this.loginEl,
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
      this.loginError,
      h(
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
      ),
    );
  }

  buildMain() {
    this.connectBtn = h(
      'button',
      { type: 'button', class: 'btn btn-sm', testid: 'im-connect', onclick: () => this.toggleConnect() },
      'Connect',
    );
    this.offlineToggle = toggle({
      label: 'Offline mode',
      testid: 'im-offline',
      hint: 'setPresence offline: the server sends your messages to your phone by SMS, even with the socket open',
      onchange: (ev) => this.setOffline(ev.target.checked),
    });
    this.stopAckToggle = toggle({
      label: 'Stop acking',
      testid: 'im-stop-ack',
      hint: 'Half-open socket: show messages but never ack them, so the server falls back to SMS after the ack timeout',
      onchange: (ev) => this.setStopAck(ev.target.checked),
    });
    const logoutBtn = h(
      'button',
      { type: 'button', class: 'btn btn-ghost btn-sm', testid: 'im-logout', onclick: () => this.logout() },
      'Log out',
    );
    this.toolbar = h(
      'div',
      { class: 'toolbar' },
      h('div', { class: 'toolbar-row' }, this.connectBtn, logoutBtn),
      h('div', { class: 'toolbar-row' }, this.offlineToggle.root, this.stopAckToggle.root),
    );
    this.banner = h('div', { class: 'banner', testid: 'im-status', role: 'status', 'aria-live': 'polite' });
    this.noticeEl = h('div', { class: 'notice', testid: 'im-notice', role: 'alert', hidden: true });

    // Contacts view
    const num = field({
      label: 'IM number',
      inputmode: 'numeric',
      placeholder: '1234567',
      maxlength: 12,
      testid: 'im-add-contact-number',
    });
    const nick = field({
      label: 'Nickname (optional)',
      placeholder: 'Bob',
      maxlength: 40,
      testid: 'im-add-contact-nickname',
    });
    this.addNumberInput = num.input;
    this.addNickInput = nick.input;
    this.addError = h('p', { class: 'form-error', testid: 'im-add-contact-error', role: 'alert' });
    this.addForm = h(
      'form',
      {
        class: 'add-contact',
        novalidate: true,
        onsubmit: (ev) => {
          ev.preventDefault();
          this.addContact();
        },
      },
      h(
        'div',
        { class: 'add-contact-fields' },
        num.root,
        nick.root,
        h('button', { type: 'submit', class: 'btn btn-primary btn-sm', testid: 'im-add-contact' }, 'Add'),
      ),
      this.addError,
    );
    this.contactList = h('ul', {
      class: 'contact-list',
      testid: 'im-contact-list',
      'aria-label': 'Contacts',
    });
    this.contactsView = h(
      'section',
      { class: 'contacts-view', testid: 'im-contacts', 'aria-label': 'Contacts' },
      h(
        'details',
        { class: 'add-contact-box', testid: 'im-add-contact-box' },
        h('summary', null, '+ Add contact'),
        this.addForm,
      ),
      this.contactList,
    );

    // Chat view
    this.chatAvatar = h('div', { class: 'chat-avatar' });
    this.chatName = h('h3', { class: 'chat-name', testid: 'im-chat-name' });
    this.chatSub = h('p', { class: 'chat-sub' });
    this.messagesEl = h('ol', {
      class: 'messages',
      testid: 'im-messages',
      'aria-label': 'Conversation',
    });
    this.input = h('textarea', {
      id: `${this.id}-input`,
      class: 'composer-input',
      rows: 2,
      maxlength: 4000,
      placeholder: 'Message',
      testid: 'im-input',
      onkeydown: (ev) => {
        if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
          ev.preventDefault();
          this.sendFromComposer();
        }
      },
      oninput: () => this.renderCounter(),
    });
    this.counter = h('span', { class: 'counter', testid: 'im-counter', 'aria-live': 'off' });
    this.sendHint = h('p', { class: 'composer-hint', testid: 'im-send-hint' });
    this.sendBtn = h(
      'button',
      { type: 'submit', class: 'btn btn-primary send-btn', testid: 'im-send-message' },
      'Send',
    );
    this.chatView = h(
      'section',
      { class: 'chat-view', testid: 'im-chat', 'aria-label': 'Chat', hidden: true },
      h(
        'header',
        { class: 'chat-head' },
        h(
          'button',
          {
            type: 'button',
            class: 'icon-btn back-btn',
            testid: 'im-back',
            'aria-label': 'Back to contacts',
            onclick: () => this.openContact(null),
          },
          '‹',
        ),
        this.chatAvatar,
        h('div', { class: 'chat-who' }, this.chatName, this.chatSub),
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-ghost btn-sm',
            testid: 'im-remove-contact',
            onclick: () => this.removeCurrentContact(),
          },
          'Remove',
        ),
      ),
      this.messagesEl,
      h(
        'form',
        {
          class: 'composer',
          onsubmit: (ev) => {
            ev.preventDefault();
            this.sendFromComposer();
          },
        },
        h('label', { for: `${this.id}-input`, class: 'sr-only' }, 'Message'),
        h('div', { class: 'composer-row' }, this.input, this.sendBtn),
        h('div', { class: 'composer-foot' }, this.sendHint, this.counter),
      ),
    );
    replace(
      this.mainEl,
      this.toolbar,
      this.banner,
      this.noticeEl,
      h('div', { class: 'views' }, this.contactsView, this.chatView),
    );
  }

  // ---------------------------------------------------------------- login

  renderLoggedOut() {
    show(this.loginEl, true);
    show(this.mainEl, false);
    show(this.numberRow, false);
    show(this.phoneBtn, false);
    this.nameEl.textContent = 'IM client';
    replace(this.avatarSlot, avatar('I M', 'im', 'avatar-muted'));
    this.setPresence('signed-out', 'Signed out');
    this.el.setAttribute('aria-label', 'IM client (signed out)');
  }

  showStartStep() {
    this.stopLoginWatch();
    show(this.startForm, true);
    show(this.verifyForm, false);
    this.loginError.textContent = '';
    this.phoneInput.focus();
  }

  stopLoginWatch() {
    this.loginWatch?.();
    this.loginWatch = null;
  }

  async startLogin() {
    const phone = this.phoneInput.value.trim().replace(/[\s().-]/g, '');
    const name = this.nameInput.value.trim();
    this.loginError.textContent = '';
    this.phoneInput.removeAttribute('aria-invalid');
    if (!E164.test(phone)) {
      this.phoneInput.setAttribute('aria-invalid', 'true');
      this.loginError.textContent =
        'Enter the phone number in E.164 form: + country code and number, like +14155550101.';
      this.phoneInput.focus();
      return;
    }
    this.phoneInput.value = phone;
    this.state.phone = phone;
    this.state.name = name;
    this.persist();
    this.sendCodeBtn.disabled = true;
    try {
      // What the phone already had, so only a new code is offered (and the new one is logged as it lands).
      try {
        const before = await api.phoneMessages(phone);
        primeInbox(phone, before);
        this.codeBaseline = new Set(before.map((m) => m.sid));
      } catch {
        this.codeBaseline = new Set();
      }
      this.offeredCode = null;
      logEvent({
        kind: 'http',
        dir: 'out',
        source: this.label,
        title: 'POST /auth/start',
        summary: phone,
        data: { phone },
      });
      await api.authStart(phone);
      logEvent({
        kind: 'http',
        dir: 'in',
        source: this.label,
        title: '202 /auth/start',
        summary: `code texted to ${phone}`,
      });
    } catch (err) {
      this.loginError.textContent = err.message;
      logEvent({
        kind: 'http',
        dir: 'in',
        source: this.label,
        title: `${err.status ?? ''} /auth/start`,
        summary: err.message,
        level: 'error',
      });
      this.sendCodeBtn.disabled = false;
      return;
    }
    this.sendCodeBtn.disabled = false;
    show(this.startForm, false);
    show(this.verifyForm, true);
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
    this.stopLoginWatch();
    this.loginWatch = watchInbox(phone, 1000, (messages) => this.onLoginInbox(messages));
  }

  onLoginInbox(messages) {
    const fresh = messages.filter((m) => !this.codeBaseline?.has(m.sid));
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
    const phone = this.state.phone;
    const code = this.codeInput.value.trim();
    this.loginError.textContent = '';
    if (!/^\d{6}$/.test(code)) {
      this.codeInput.setAttribute('aria-invalid', 'true');
      this.loginError.textContent = 'The code has 6 digits.';
      this.codeInput.focus();
      return;
    }
    this.codeInput.removeAttribute('aria-invalid');
    this.verifyBtn.disabled = true;
    let result;
    try {
      logEvent({
        kind: 'http',
        dir: 'out',
        source: this.label,
        title: 'POST /auth/verify',
        summary: `${phone} code ${code}`,
      });
      result = await api.authVerify(phone, code, this.state.name || undefined);
    } catch (err) {
      this.verifyBtn.disabled = false;
      this.loginError.textContent =
        err.status === 401
          ? 'That code is not right (or it expired). Try again or text a new one.'
          : err.message;
      logEvent({
        kind: 'http',
        dir: 'in',
        source: this.label,
        title: `${err.status ?? ''} /auth/verify`,
        summary: err.message,
        level: 'error',
      });
      return;
    }
    this.verifyBtn.disabled = false;
    const user = result?.user;
    if (!result?.token || !user?.imNumber) {
      this.loginError.textContent = 'The server answered without a token.';
      return;
    }
    this.stopLoginWatch();
    this.state.token = result.token;
    this.state.user = {
      imNumber: String(user.imNumber),
      name: String(user.name ?? ''),
      phone: String(user.phone ?? phone),
    };
    this.state.autoConnect = true;
    this.state.contact = null;
    this.persist();
    logEvent({
      kind: 'http',
      dir: 'in',
      source: this.label,
      title: '200 /auth/verify',
      summary: `logged in as ${this.state.user.name} (IM ${this.state.user.imNumber})`,
      data: { user: result.user },
    });
    this.startSession({ connect: true });
  }

  logout() {
    this.endSession();
    this.state.token = null;
    this.state.user = null;
    this.state.autoConnect = false;
    this.state.contact = null;
    this.persist();
    this.showStartStep();
    this.renderLoggedOut();
  }

  // ---------------------------------------------------------------- session

  startSession({ connect }) {
    const { user, token } = this.state;
    const exp = tokenExpiry(token);
    if (exp !== null && exp < Date.now()) {
      this.state.token = null;
      this.state.user = null;
      this.persist();
      this.renderLoggedOut();
      this.loginError.textContent = 'Your session expired. Log in again.';
      return;
    }
    this.data = userData(user.imNumber);
    this.data.addEventListener('change', this.onDataChange);
    this.conn = new ImConnection(token);
    this.conn.addEventListener('state', (ev) => this.onConnState(ev.detail));
    this.conn.addEventListener('frame', (ev) => this.onFrame(ev.detail.frame));
    this.conn.addEventListener('sent', (ev) => this.logFrame('out', ev.detail.frame));
    this.conn.addEventListener('bad', (ev) =>
      logEvent({
        kind: 'im',
        dir: 'in',
        source: this.label,
        title: 'not JSON',
        summary: ev.detail.raw,
        level: 'error',
      }),
    );

    show(this.loginEl, false);
    show(this.mainEl, true);
    show(this.numberRow, true);
    show(this.phoneBtn, true);
    this.nameEl.textContent = user.name || `u${user.imNumber}`;
    this.numberEl.textContent = user.imNumber;
    this.phoneBtn.textContent = `☎ ${prettyPhone(user.phone)}`;
    replace(this.avatarSlot, avatar(user.name || user.imNumber, user.imNumber));
    this.el.setAttribute('aria-label', `IM client: ${user.name} (${user.imNumber})`);
    this.offlineToggle.input.checked = this.state.offline;
    this.stopAckToggle.input.checked = this.state.stopAck;
    this.tick = setInterval(() => this.renderConn(), 1000);
    this.openContact(
      this.state.contact && this.data.contact(this.state.contact) ? this.state.contact : null,
      { focus: false },
    );
    this.renderConn();
    this.updateIntercept();
    if (connect) this.conn.connect();
  }

  endSession() {
    this.conn?.disconnect();
    this.conn = null;
    this.data?.removeEventListener('change', this.onDataChange);
    this.data = null;
    this.interceptWatch?.();
    this.interceptWatch = null;
    clearInterval(this.tick);
  }

  toggleConnect() {
    if (!this.conn) return;
    if (this.conn.wanted) {
      this.conn.disconnect();
      this.state.autoConnect = false;
    } else {
      const exp = tokenExpiry(this.state.token);
      if (exp !== null && exp < Date.now()) {
        this.logout();
        this.loginError.textContent = 'Your session expired. Log in again.';
        return;
      }
      this.conn.connect();
      this.state.autoConnect = true;
    }
    this.persist();
  }

  setOffline(on) {
    this.state.offline = on;
    this.persist();
    if (this.conn?.isOpen) this.conn.send({ action: 'setPresence', status: on ? 'offline' : 'online' });
    this.renderConn();
    this.updateIntercept();
  }

  setStopAck(on) {
    this.state.stopAck = on;
    this.persist();
    logEvent({
      kind: 'info',
      source: this.label,
      title: on ? 'acks paused' : 'acks resumed',
      summary: on
        ? 'messages will show but not be acked: the server falls back to SMS after the ack timeout'
        : 'messages are acked again',
    });
    this.renderConn();
  }

  onConnState(detail) {
    const prev = this.connState.state;
    this.connState = detail;
    if (detail.state !== 'open') delete this.el.dataset.serverMode;
    if (detail.state === 'open') {
      // Tell the server the mode this client is in (it may have changed while disconnected).
      this.conn.send({ action: 'setPresence', status: this.state.offline ? 'offline' : 'online' });
      logEvent({ kind: 'im', source: this.label, title: 'connected', summary: 'WebSocket open' });
    } else if (detail.state === 'reconnecting') {
      if (prev === 'open' || prev === 'connecting') {
        logEvent({
          kind: 'im',
          source: this.label,
          title: prev === 'open' ? 'connection lost: offline mode' : 'could not connect',
          summary:
            `close ${detail.code ?? ''} ${detail.reason ?? ''}`.trim() +
            ` · retry in ${Math.max(0, Math.round((detail.retryAt - Date.now()) / 1000))} s`,
          level: 'warn',
        });
      }
    } else if (detail.state === 'idle' && prev !== 'idle') {
      logEvent({ kind: 'im', source: this.label, title: 'disconnected', summary: 'closed by the client' });
    }
    this.renderConn();
    this.updateIntercept();
    this.renderComposerHint();
  }

  logFrame(dir, frame) {
    const type = dir === 'out' ? frame.action : frame.type;
    let summary = '';
    let path;
    let status;
    if (type === 'sendMessage') summary = `to ${frame.to}: ${frame.text}`;
    else if (type === 'ack') summary = `id ${frame.id}`;
    else if (type === 'setPresence') summary = frame.status;
    else if (type === 'message') {
      summary = `from ${frame.fromName ?? ''} (${frame.from}): ${frame.text}`;
      path = frame.via === 'sms' ? 'sms' : 'im';
      status = 'via ' + (frame.via ?? 'im');
    } else if (type === 'receipt') {
      summary = `${frame.clientId ?? ''} → id ${frame.id ?? ''}${frame.reason ? ` (${frame.reason})` : ''}`;
      status = frame.status;
      const found =
        frame.clientId && this.data?.find((m) => m.dir === 'out' && m.clientId === frame.clientId);
      if (found && found.msg.path) path = found.msg.path;
    } else if (type === 'error') summary = `${frame.code}: ${frame.message}`;
    else if (type === 'presence') summary = frame.status;
    logEvent({
      kind: 'im',
      dir,
      source: this.label,
      title: type ?? '?',
      summary,
      path,
      status,
      level:
        type === 'error' || frame.status === 'failed'
          ? 'error'
          : type === 'ping' || type === 'pong'
            ? 'quiet'
            : undefined,
      data: frame,
    });
  }

  // ---------------------------------------------------------------- frames

  onFrame(frame) {
    switch (frame.type) {
      case 'message':
        this.onMessage(frame);
        break;
      case 'receipt':
        this.onReceipt(frame);
        break;
      case 'error':
        this.onError(frame);
        break;
      case 'presence':
        // The server confirms the mode it now routes by.
        this.el.dataset.serverMode = String(frame.status);
        break;
      default:
        break;
    }
    this.logFrame('in', frame);
  }

  onMessage(f) {
    const from = String(f.from ?? '');
    const ackIt = () => {
      if (this.state.stopAck || !f.id) return false;
      return this.conn.send({ action: 'ack', id: f.id });
    };
    const dup = f.id ? this.data.find((m) => m.dir === 'in' && m.id === f.id) : null;
    if (dup) {
      if (ackIt()) dup.msg.acked = true;
      this.data.persist();
      return;
    }
    const acked = ackIt();
    const known = this.data.contact(from);
    this.data.upsertContact(from, {
      name: f.fromName ? String(f.fromName) : undefined,
      auto: known ? undefined : true,
    });
    const viewing = this.state.contact === from && !document.hidden;
    this.data.addMessage(
      from,
      {
        key: uuid(),
        dir: 'in',
        id: f.id,
        text: String(f.text ?? ''),
        at: Date.now(),
        sentAt: toMs(f.sentAt),
        via: f.via === 'sms' ? 'sms' : 'im',
        acked,
      },
      { unread: !viewing },
    );
  }

  onReceipt(f) {
    const found =
      (f.clientId && this.data.find((m) => m.dir === 'out' && m.clientId === f.clientId)) ||
      (f.id && this.data.find((m) => m.dir === 'out' && m.id === f.id));
    if (!found) return;
    const m = found.msg;
    if (f.id && !m.id) m.id = f.id;
    m.statuses = m.statuses ?? [];
    m.statuses.push({ status: f.status, at: Date.now(), reason: f.reason });
    m.status = nextStatus(m.status, f.status);
    if (f.reason) m.reason = String(f.reason);
    if (Array.isArray(f.path)) m.serverPath = f.path.map(String);
    m.path = inferPath(m.statuses, m.serverPath);
    this.data.persist();
  }

  onError(f) {
    const found = f.clientId ? this.data.find((m) => m.dir === 'out' && m.clientId === f.clientId) : null;
    if (found) {
      const m = found.msg;
      m.errors = [...(m.errors ?? []), { code: String(f.code ?? 'error'), message: String(f.message ?? '') }];
      if (!m.status || m.status === 'sending') m.status = 'error';
      this.data.persist();
      return;
    }
    this.showNotice(`${f.code ?? 'error'}: ${f.message ?? ''}`);
  }

  showNotice(text) {
    replace(
      this.noticeEl,
      h('span', null, text),
      h(
        'button',
        {
          type: 'button',
          class: 'icon-btn',
          'aria-label': 'Dismiss',
          onclick: () => show(this.noticeEl, false),
        },
        '×',
      ),
    );
    show(this.noticeEl, true);
  }

  // ---------------------------------------------------------------- offline: the phone's SMS in the conversation

  /** In offline mode the client reads its own phone's SMS and files them into conversations (patent: intercept). */
  updateIntercept() {
    const want = Boolean(this.data && this.phone && this.offlineMode);
    if (want && !this.interceptWatch) {
      this.interceptWatch = watchInbox(this.phone, 1500, (messages, { error }) => {
        if (!error) this.intercept(messages);
      });
    } else if (!want && this.interceptWatch) {
      this.interceptWatch();
      this.interceptWatch = null;
    }
  }

  async intercept(messages) {
    if (!this.data) return;
    if (this.data.seenSms === null) {
      this.data.rememberSms(messages.map((m) => m.sid));
      return;
    }
    const seen = new Set(this.data.seenSms);
    const fresh = messages.filter((m) => m && m.sid && !seen.has(m.sid));
    if (fresh.length === 0) return;
    if (this.intercepting) return; // the next poll picks them up
    this.intercepting = true;
    let services;
    try {
      services = await getServiceNumbers();
    } finally {
      this.intercepting = false;
    }
    if (!this.data) return;
    for (const m of fresh) {
      if (services.length && !services.includes(m.from)) continue;
      if (findCode(m.body) && /code/i.test(m.body)) continue; // a login code, not a message
      const { key, text } = this.attribute(m);
      const same = this.data
        .messages(key)
        .find((x) => x.dir === 'in' && !x.onPhone && !x.smsSid && x.text && String(m.body).includes(x.text));
      if (same) {
        // The same message, already shown over IM (unacked, so the server texted it too).
        same.smsSid = m.sid;
        continue;
      }
      const viewing = this.state.contact === key && !document.hidden;
      this.data.addMessage(
        key,
        {
          key: uuid(),
          dir: 'in',
          text,
          at: toMs(m.sentAt),
          via: 'sms',
          sid: m.sid,
          onPhone: true,
          acked: true,
        },
        { unread: !viewing },
      );
    }
    this.data.rememberSms(fresh.map((m) => m.sid));
  }

  /**
   * Who an SMS on this phone is from, and its text. The server's IM-SMS body is `Name @imNumber: text` (or
   * `@imNumber: text`): that names the contact, who is added if new. Otherwise a known contact whose imNumber or
   * name the body mentions; else a thread of the service number it came from.
   */
  attribute(m) {
    const body = String(m.body ?? '');
    const imSms = /^(?:(\S{1,32}) )?@(\d{4,12}): ([\s\S]*)$/.exec(body);
    if (imSms && imSms[2] !== this.state.user.imNumber) {
      const [, name, imNumber, text] = imSms;
      const known = this.data.contact(imNumber);
      this.data.upsertContact(imNumber, { name: name || known?.name, auto: known ? undefined : true });
      return { key: imNumber, text };
    }
    const lower = body.toLowerCase();
    for (const c of this.data.contacts) {
      if (c.imNumber && new RegExp(`(^|\\D)${c.imNumber}(\\D|$)`).test(body))
        return { key: c.key, text: stripSender(body, c) };
    }
    for (const c of this.data.contacts) {
      for (const n of [c.name, c.nickname]) {
        if (n && n.length >= 2 && lower.slice(0, 60).includes(n.toLowerCase()))
          return { key: c.key, text: stripSender(body, c) };
      }
    }
    const key = `sms:${m.from}`;
    this.data.upsertContact(key, { serviceNumber: m.from, name: `SMS ${prettyPhone(m.from)}` });
    return { key, text: body };
  }

  // ---------------------------------------------------------------- contacts and chat

  addContact() {
    const num = this.addNumberInput.value.trim();
    const nick = this.addNickInput.value.trim();
    this.addError.textContent = '';
    if (!IM_NUMBER.test(num)) {
      this.addNumberInput.setAttribute('aria-invalid', 'true');
      this.addError.textContent = 'An IM number is 4 to 12 digits.';
      this.addNumberInput.focus();
      return;
    }
    if (num === this.state.user.imNumber) {
      this.addError.textContent = 'That is your own IM number.';
      return;
    }
    this.addNumberInput.removeAttribute('aria-invalid');
    this.data.upsertContact(num, { nickname: nick || undefined, auto: false });
    this.addNumberInput.value = '';
    this.addNickInput.value = '';
    this.contactsView.querySelector('details').open = false;
    this.openContact(num);
  }

  removeCurrentContact() {
    const key = this.state.contact;
    if (!key) return;
    const c = this.data.contact(key);
    if (!window.confirm(`Remove ${displayName(c)} and its local history?`)) return;
    this.openContact(null);
    this.data.removeContact(key);
  }

  openContact(key, { focus = true } = {}) {
    this.state.contact = key;
    this.persist();
    show(this.contactsView, !key);
    show(this.chatView, Boolean(key));
    this.forceScroll = true;
    if (key) this.data.markRead(key);
    this.renderData();
    this.renderCounter();
    if (focus)
      (key
        ? this.input
        : (this.contactList.querySelector('button') ?? this.contactsView.querySelector('summary'))
      )?.focus();
  }

  async sendFromComposer() {
    const text = this.input.value;
    const key = this.state.contact;
    if (!text.trim() || !key || !this.data) return;
    const c = this.data.contact(key);
    this.input.value = '';
    this.renderCounter();
    this.forceScroll = true;
    if (!this.offlineMode && c?.imNumber) {
      const clientId = uuid();
      this.data.addMessage(key, {
        key: clientId,
        dir: 'out',
        clientId,
        text,
        at: Date.now(),
        sentAs: 'im',
        status: 'sending',
        statuses: [],
        errors: [],
      });
      const ok = this.conn.send({ action: 'sendMessage', to: c.imNumber, text, clientId });
      if (!ok) {
        const f = this.data.find((m) => m.clientId === clientId);
        if (f) {
          f.msg.status = 'error';
          f.msg.errors.push({
            code: 'not_connected',
            message: 'the socket closed before the message went out',
          });
          this.data.persist();
        }
      }
      return;
    }
    await this.sendAsSms(key, c, text);
  }

  /** Offline mode: the message goes as an IM-SMS from this user's own phone to a service number. */
  async sendAsSms(key, c, text) {
    const services = await getServiceNumbers();
    const to = c?.serviceNumber ?? services[0];
    const local = uuid();
    const msg = this.data.addMessage(key, {
      key: local,
      dir: 'out',
      text,
      at: Date.now(),
      sentAs: 'sms',
      status: 'sending',
      statuses: [],
      errors: [],
      smsTo: to,
    });
    if (!to) {
      msg.status = 'error';
      msg.errors.push({ code: 'no_service_number', message: 'the sandbox lists no service number' });
      this.data.persist();
      return;
    }
    const body = c?.imNumber ? `@${c.imNumber} ${text}` : text;
    try {
      const r = await api.sendSms(this.phone, to, body);
      msg.status = 'texted';
      msg.sid = r?.sid;
      markLogged(r?.sid);
      logEvent({
        kind: 'sms',
        dir: 'out',
        source: this.label,
        title: `${this.phone} → ${to}`,
        summary: body,
        path: 'sms',
        status: 'sent',
        data: { from: this.phone, to, body, sid: r?.sid },
      });
    } catch (err) {
      msg.status = 'error';
      msg.errors.push({ code: err.code ?? 'sms_failed', message: err.message });
    }
    this.data.persist();
    pollNow(this.phone);
  }

  // ---------------------------------------------------------------- rendering

  setPresence(state, text) {
    this.presenceEl.dataset.state = state;
    this.presenceEl.textContent = text;
  }

  renderConn() {
    if (!this.conn) return;
    const s = this.conn.state;
    const open = this.conn.isOpen;
    this.connectBtn.textContent = this.conn.wanted ? 'Disconnect' : 'Connect';
    this.connectBtn.dataset.state = this.conn.wanted ? 'connected' : 'disconnected';
    this.connectBtn.classList.toggle('btn-primary', !this.conn.wanted);
    this.el.dataset.conn = s;
    this.el.dataset.offline = String(this.offlineMode);
    this.offlineToggle.input.checked = this.state.offline;
    this.stopAckToggle.input.checked = this.state.stopAck;
    const parts = [];
    if (s === 'open' && !this.state.offline) this.setPresence('online', 'Online');
    else if (s === 'open') this.setPresence('offline', 'Offline mode');
    else if (s === 'connecting') this.setPresence('connecting', 'Connecting…');
    else if (s === 'reconnecting') this.setPresence('lost', 'Offline (auto)');
    else this.setPresence('disconnected', 'Disconnected');

    // Rebuild the banner only when what it says changes (the countdown ticks in place, focus stays put).
    const secs = Math.max(0, Math.ceil(((this.conn.retryAt ?? 0) - Date.now()) / 1000));
    const key = [s, open, this.state.offline, this.state.stopAck, this.conn.failuresSinceOpen >= 4].join('|');
    if (key === this.bannerKey) {
      if (this.countdownEl) this.countdownEl.textContent = String(secs);
      return;
    }
    this.bannerKey = key;
    this.countdownEl = null;
    if (s === 'reconnecting') {
      this.countdownEl = h('span', { testid: 'im-retry-in' }, String(secs));
      parts.push(
        h('strong', null, 'Connection lost: offline mode, by itself. '),
        'Contacts and history stay here; what you send goes as SMS from your phone. Reconnecting in ',
        this.countdownEl,
        ' s… ',
        h(
          'button',
          { type: 'button', class: 'link-btn', testid: 'im-retry', onclick: () => this.conn.retryNow() },
          'Retry now',
        ),
      );
      if (this.conn.failuresSinceOpen >= 4)
        parts.push(
          h(
            'span',
            { class: 'banner-extra' },
            ' The server keeps refusing: if its data was reset, log out and log in again.',
          ),
        );
    } else if (s === 'idle') {
      parts.push(
        h('strong', null, 'Disconnected. '),
        'Contacts and history stay here; what you send goes as SMS from your phone. Connect to go online.',
      );
    } else if (s === 'connecting') {
      parts.push('Connecting…');
    } else if (open && this.state.offline) {
      parts.push(
        h('strong', null, 'Offline mode. '),
        'The server texts your messages to your phone (shown here too); you send by SMS.',
      );
    }
    if (open && this.state.stopAck) {
      parts.push(
        h(
          'span',
          { class: 'banner-ack' },
          h('strong', null, ' Acks paused: '),
          'messages show but are never acked, so the server falls back to SMS after the ack timeout.',
        ),
      );
    }
    replace(this.banner, parts);
    show(this.banner, parts.length > 0);
    this.banner.dataset.tone = s === 'reconnecting' ? 'bad' : open && !this.state.offline ? 'info' : 'warn';
  }

  renderData() {
    if (!this.data) return;
    if (this.state.contact) this.renderChat();
    else this.renderContacts();
  }

  renderContacts() {
    keepFocus(this.contactList, 'key', () => this.renderContactList());
  }

  renderContactList() {
    const contacts = this.data.sortedContacts();
    if (contacts.length === 0) {
      replace(
        this.contactList,
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
      this.contactList,
      contacts.map((c) => {
        const last = this.data.messages(c.key).at(-1);
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
              onclick: () => this.openContact(c.key),
            },
            contactAvatar(c),
            h(
              'span',
              { class: 'contact-main' },
              h(
                'span',
                { class: 'contact-name' },
                displayName(c),
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
                ? h(
                    'span',
                    { class: 'unread', testid: 'im-unread', 'aria-label': `${c.unread} unread` },
                    String(c.unread),
                  )
                : null,
            ),
          ),
        );
      }),
    );
  }

  renderChat() {
    const c = this.data.contact(this.state.contact);
    if (!c) {
      this.openContact(null, { focus: false });
      return;
    }
    if (!document.hidden && c.unread) {
      c.unread = 0;
      queueMicrotask(() => this.data?.persist());
    }
    replace(this.chatAvatar, contactAvatar(c));
    this.chatName.textContent = displayName(c);
    this.chatSub.textContent = c.imNumber
      ? `IM ${c.imNumber}${c.nickname && c.name ? ` · ${c.name}` : ''}`
      : `SMS thread on ${prettyPhone(c.serviceNumber)}`;

    const el = this.messagesEl;
    const nearBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 60;
    const list = this.data.messages(c.key);
    if (list.length === 0) {
      replace(
        el,
        h(
          'li',
          { class: 'empty' },
          h('p', { class: 'muted' }, `No messages with ${displayName(c)} yet. Say hi!`),
        ),
      );
    } else {
      replace(
        el,
        list.map((m) => renderMessage(m)),
      );
    }
    if (nearBottom || this.forceScroll) el.scrollTop = el.scrollHeight;
    this.forceScroll = false;
    this.renderComposerHint();
  }

  renderCounter() {
    this.counter.textContent = counterText(this.input.value);
    this.counter.title =
      'If it goes as SMS: characters used / available, segments, encoding (GSM-7: 160 or 153 per part; Unicode: 70 or 67)';
  }

  renderComposerHint() {
    if (!this.data || !this.state.contact) return;
    const c = this.data.contact(this.state.contact);
    if (!c) return;
    const name = displayName(c);
    if (this.offlineMode || !c.imNumber) {
      this.sendBtn.textContent = 'Send SMS';
      this.sendBtn.classList.replace('btn-primary', 'btn-sms');
      this.sendHint.textContent = c.imNumber
        ? `Offline: goes as an SMS from your phone to the service number, as “@${c.imNumber} …”.`
        : `SMS thread: goes from your phone to ${prettyPhone(c.serviceNumber)}, no prefix (its last contact).`;
      this.sendHint.dataset.mode = 'sms';
    } else {
      this.sendBtn.textContent = 'Send';
      this.sendBtn.classList.replace('btn-sms', 'btn-primary');
      this.sendHint.textContent = `IM to ${name}; by SMS if ${name} is offline or does not ack in time.`;
      this.sendHint.dataset.mode = 'im';
    }
  }

  destroy() {
    this.stopLoginWatch();
    this.endSession();
    remove(`card.${this.id}`);
    this.el.remove();
  }
}

/** "Alice (4821000): hi" → "hi" when the part before the colon names the contact; otherwise the body as it is. */
function stripSender(body, c) {
  const m = /^([^:\n]{1,60}):\s*([\s\S]+)$/.exec(body);
  if (!m || !c) return body;
  const head = m[1].toLowerCase();
  const names = [c.imNumber, c.name, c.nickname].filter(Boolean).map((x) => String(x).toLowerCase());
  return names.some((n) => head.includes(n)) ? m[2] : body;
}

function contactAvatar(c) {
  if (!c.imNumber) return h('span', { class: 'avatar avatar-phone', 'aria-hidden': 'true' }, '✉');
  if (!c.nickname && !c.name) return h('span', { class: 'avatar avatar-muted', 'aria-hidden': 'true' }, '#');
  return avatar(displayName(c), c.key);
}

export function displayName(c) {
  if (!c) return '';
  return c.nickname || c.name || (c.imNumber ? `IM ${c.imNumber}` : prettyPhone(c.serviceNumber));
}

function renderMessage(m) {
  const out = m.dir === 'out';
  let path = null;
  if (out) path = m.sentAs === 'sms' ? 'phone' : (m.path ?? null);
  const meta = [
    h(
      'time',
      { class: 'msg-time', datetime: new Date(m.at).toISOString(), title: new Date(m.at).toLocaleString() },
      clock(m.at),
    ),
  ];
  if (out) {
    if (path)
      meta.push(
        h(
          'span',
          { class: `badge path-${path}`, testid: 'im-path', title: pathTitle(path) },
          PATH_LABEL[path],
        ),
      );
    const status = m.status ?? 'sending';
    const timeline = (m.statuses ?? [])
      .map((s) => `${s.status} ${clock(s.at, true)}${s.reason ? ` (${s.reason})` : ''}`)
      .join('\n');
    meta.push(
      h(
        'span',
        { class: `msg-status status-${status}`, testid: 'im-msg-status', title: timeline || undefined },
        statusIcon(status),
        STATUS_LABEL[status] ?? status,
        m.reason && (status === 'failed' || status === 'error') ? `: ${m.reason}` : '',
      ),
    );
  } else {
    meta.push(
      h(
        'span',
        {
          class: `badge via-${m.via}`,
          testid: 'im-via',
          title: m.onPhone
            ? 'Received on your phone by SMS while offline'
            : `The sender sent it by ${m.via === 'sms' ? 'SMS' : 'IM'}`,
        },
        m.onPhone ? 'SMS to your phone' : `via ${m.via === 'sms' ? 'SMS' : 'IM'}`,
      ),
    );
    if (m.acked === false)
      meta.push(
        h(
          'span',
          { class: 'msg-status status-unacked', title: 'Acks were paused when this arrived' },
          'not acked',
        ),
      );
    if (m.smsSid)
      meta.push(
        h(
          'span',
          { class: 'badge via-sms', title: 'The same message also reached your phone by SMS' },
          '+ SMS to phone',
        ),
      );
  }
  return h(
    'li',
    {
      class: `msg ${out ? 'msg-out' : 'msg-in'}`,
      testid: 'im-message',
      dataset: {
        dir: m.dir,
        status: m.status ?? '',
        path: path ?? '',
        via: m.via ?? '',
        clientId: m.clientId ?? '',
        id: m.id ?? '',
      },
    },
    h('div', { class: 'bubble' }, h('p', { class: 'msg-text' }, m.text)),
    h('div', { class: 'msg-meta' }, meta),
    (m.errors ?? []).map((e) =>
      h('p', { class: 'msg-error', testid: 'im-msg-error', role: 'note' }, `${e.code}: ${e.message}`),
    ),
  );
}

function statusIcon(status) {
  const icon = {
    sending: '○',
    accepted: '✓',
    delivered: '✓✓',
    sent_sms: '✉',
    delivered_sms: '✉✓',
    failed: '✕',
    error: '✕',
    texted: '✉',
  }[status];
  return icon ? h('span', { class: 'status-icon', 'aria-hidden': 'true' }, icon) : null;
}

function pathTitle(path) {
  return {
    im: 'Delivered over IM: the recipient’s client acked it.',
    sms: 'Sent as SMS straight away: the recipient was offline.',
    fallback: 'Pushed over IM, but no ack came within the ack timeout, so it went by SMS.',
    phone: 'You were offline: it went as an SMS from your phone to the service number.',
  }[path];
}
