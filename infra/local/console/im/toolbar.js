// The session controls (connect, offline mode, stop acking, log out) and the banner that says what they mean now.
import { h, replace, show, toggle } from '../dom.js';

/** `card` gives store, toggleConnect(), setOffline(on), setStopAck(on), logout(), retryNow(). */
export class Toolbar {
  constructor(card) {
    this.card = card;
    this.connectBtn = h(
      'button',
      { type: 'button', class: 'btn btn-sm', testid: 'im-connect', onclick: () => card.toggleConnect() },
      'Connect',
    );
    this.offline = toggle({
      label: 'Offline mode',
      testid: 'im-offline',
      hint: 'setPresence offline: the server sends your messages to your phone by SMS, even with the socket open',
      onchange: (ev) => card.setOffline(ev.target.checked),
    });
    this.stopAck = toggle({
      label: 'Stop acking',
      testid: 'im-stop-ack',
      hint: 'Half-open socket: show messages but never ack them, so the server falls back to SMS after the ack timeout',
      onchange: (ev) => card.setStopAck(ev.target.checked),
    });
    const logoutBtn = h(
      'button',
      { type: 'button', class: 'btn btn-ghost btn-sm', testid: 'im-logout', onclick: () => card.logout() },
      'Log out',
    );
    this.banner = h('div', { class: 'banner', testid: 'im-status', role: 'status', 'aria-live': 'polite' });
    this.el = h(
      'div',
      { class: 'toolbar-wrap' },
      h(
        'div',
        { class: 'toolbar' },
        h('div', { class: 'toolbar-row' }, this.connectBtn, logoutBtn),
        h('div', { class: 'toolbar-row' }, this.offline.root, this.stopAck.root),
      ),
      this.banner,
    );
  }

  render(state) {
    const { conn, offline, stopAck } = state;
    this.connectBtn.textContent = conn.wanted ? 'Disconnect' : 'Connect';
    this.connectBtn.dataset.state = conn.wanted ? 'connected' : 'disconnected';
    this.connectBtn.classList.toggle('btn-primary', !conn.wanted);
    this.offline.input.checked = offline;
    this.stopAck.input.checked = stopAck;
    // Rebuild the banner only when what it says changes (the countdown ticks in place, focus stays put).
    const key = [conn.state, conn.open, offline, stopAck, conn.failures >= 4].join('|');
    if (key !== this.bannerKey) {
      this.bannerKey = key;
      this.renderBanner(state);
    }
    this.tick();
  }

  tick() {
    if (!this.countdownEl) return;
    const retryAt = this.card.store.get().conn.retryAt ?? 0;
    this.countdownEl.textContent = String(Math.max(0, Math.ceil((retryAt - Date.now()) / 1000)));
  }

  renderBanner({ conn, offline, stopAck }) {
    const parts = [];
    this.countdownEl = null;
    if (conn.state === 'reconnecting') {
      this.countdownEl = h('span', { testid: 'im-retry-in' });
      parts.push(
        h('strong', null, 'Connection lost: offline mode, by itself. '),
        'Contacts and history stay here; what you send goes as SMS from your phone. Reconnecting in ',
        this.countdownEl,
        ' s… ',
        h(
          'button',
          { type: 'button', class: 'link-btn', testid: 'im-retry', onclick: () => this.card.retryNow() },
          'Retry now',
        ),
      );
      if (conn.failures >= 4)
        parts.push(
          h(
            'span',
            { class: 'banner-extra' },
            ' The server keeps refusing: if its data was reset, log out and log in again.',
          ),
        );
    } else if (conn.state === 'idle') {
      parts.push(
        h('strong', null, 'Disconnected. '),
        'Contacts and history stay here; what you send goes as SMS from your phone. Connect to go online.',
      );
    } else if (conn.state === 'connecting') {
      parts.push('Connecting…');
    } else if (conn.open && offline) {
      parts.push(
        h('strong', null, 'Offline mode. '),
        'The server texts your messages to your phone (shown here too); you send by SMS.',
      );
    }
    if (conn.open && stopAck) {
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
    this.banner.dataset.tone =
      conn.state === 'reconnecting' ? 'bad' : conn.open && !offline ? 'info' : 'warn';
  }
}
