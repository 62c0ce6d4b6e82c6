// A phone card's header: its number (editable), whether the network reaches it, and whose phone it is.
import { h, E164, uid, removeCardButton } from '../dom.js';

/** Builds the header; `card.setPhone(value)` takes a new number. Returns { el, numberInput, numberError, ownerEl, statusEl }. */
export function buildPhoneHead(card, onRemove) {
  const view = {};
  const numId = uid('phone');
  view.numberInput = h('input', {
    id: numId,
    type: 'tel',
    class: 'phone-number-input',
    autocomplete: 'off',
    placeholder: '+14155550102',
    testid: 'phone-number',
    value: card.state.phone,
    list: 'known-phones',
    onchange: () => card.setPhone(view.numberInput.value),
    onkeydown: (ev) => {
      if (ev.key === 'Enter') {
        ev.preventDefault();
        card.setPhone(view.numberInput.value);
      }
    },
  });
  view.numberError = h('p', { class: 'form-error', testid: 'phone-number-error', role: 'alert' });
  view.ownerEl = h('span', { class: 'owner', testid: 'phone-owner' });
  view.statusEl = h('span', { class: 'presence', testid: 'phone-status', role: 'status' });
  view.el = h(
    'header',
    { class: 'card-head' },
    h(
      'div',
      { class: 'card-avatar' },
      h('span', { class: 'avatar avatar-phone', 'aria-hidden': 'true' }, '☎'),
    ),
    h(
      'div',
      { class: 'card-who' },
      h('label', { class: 'card-title-label', for: numId }, 'Phone'),
      view.numberInput,
      view.numberError,
      h('div', { class: 'card-sub card-badges' }, view.statusEl, view.ownerEl),
    ),
    h(
      'div',
      { class: 'card-head-side' },
      removeCardButton('Remove this phone', () => onRemove(card)),
    ),
  );
  return view;
}

/**
 * [state, text, title] of a phone's network status. A number in the sandbox's undeliverable range (its `suffix`,
 * from GET /sandbox) is "Unreachable" whatever its inbox says; else `link` ('connecting', 'online', 'error').
 */
export function phoneStatus(phone, suffix, link) {
  if (!E164.test(phone ?? '')) return ['idle', 'No number', ''];
  if (suffix && phone.endsWith(suffix)) {
    return [
      'lost',
      'Unreachable',
      `The sandbox fails every SMS to numbers ending in ${suffix} (error 30003), to show a failed delivery.`,
    ];
  }
  if (link === 'error') return ['lost', 'No signal', 'The sandbox inbox could not be read'];
  if (link === 'online') return ['online', 'On network', 'Polling the sandbox inbox every second'];
  return ['connecting', 'Connecting…', ''];
}
