// The console: a desk of simulated devices (IM clients and plain phones) beside a live activity log.
import { api, getServiceNumbers } from './api.js';
import { h, replace, prettyPhone } from './dom.js';
import { ImCard } from './im/card.js';
import { PhoneCard } from './phone/card.js';
import { logEvent, mountLog } from './log.js';
import { mountDeskNav, refreshDeskNav } from './desk-nav.js';
import { defaultName } from './rules.js';
import { load, save, clearAll } from './store.js';
import { uuid } from './util.js';

const NAMES = ['Alice', 'Bob', 'Carol', 'Dave', 'Erin', 'Frank', 'Grace', 'Heidi', 'Ivan', 'Judy'];
/** 555-01xx numbers are reserved for fiction; 415 keeps them valid for phone-number libraries. */
const phoneFor = (i) => `+1415555${String(101 + i).padStart(4, '0')}`;

const DEFAULT_LAYOUT = () => ({
  cards: [
    { id: uuid(), kind: 'im', defaults: { phone: phoneFor(0), name: NAMES[0] } },
    { id: uuid(), kind: 'im', defaults: { phone: phoneFor(1), name: NAMES[1] } },
    { id: uuid(), kind: 'phone', defaults: { phone: phoneFor(1) } },
  ],
});

const cards = new Map();
let layout;
let devicesEl;

function persistLayout() {
  save('layout', { cards: layout.cards.map(({ id, kind }) => ({ id, kind })) });
}

/** The phone cards' number inputs suggest the IM users' phones (a <datalist> shared by all of them). */
function refreshKnownPhones() {
  const list = document.getElementById('known-phones');
  const phones = new Map();
  for (const c of cards.values()) {
    if (c.kind !== 'im') continue;
    const phone = c.state.user?.phone ?? c.state.phone;
    if (phone)
      phones.set(
        phone,
        c.state.user ? `${c.state.user.name || c.state.user.imNumber}’s phone` : 'IM client (signed out)',
      );
  }
  replace(
    list,
    [...phones].map(([value, label]) => h('option', { value, label })),
  );
}

function ownerOf(phone) {
  for (const c of cards.values()) {
    if (c.kind === 'im' && c.state.user?.phone === phone)
      return c.state.user.name || defaultName(c.state.user.imNumber);
  }
  return null;
}

function mountCard(spec) {
  const common = { id: spec.id, defaults: spec.defaults, onRemove: removeCard };
  const card =
    spec.kind === 'im'
      ? new ImCard({ ...common, onOpenPhone: openPhone, onChange: () => refreshDeskNav(cards) })
      : new PhoneCard({ ...common, ownerOf });
  cards.set(spec.id, card);
  devicesEl.append(card.el);
  refreshDeskNav(cards);
  return card;
}

function addCard(kind, defaults) {
  const spec = { id: uuid(), kind, defaults };
  layout.cards.push(spec);
  persistLayout();
  const card = mountCard(spec);
  card.el.scrollIntoView({ behavior: 'smooth', block: 'nearest', inline: 'nearest' });
  (card.el.querySelector('input:not([type=checkbox])') ?? card.el).focus({ preventScroll: true });
  logEvent({
    kind: 'info',
    title: kind === 'im' ? 'IM client added' : 'phone added',
    summary: defaults?.phone ?? '',
  });
  return card;
}

function removeCard(card) {
  card.destroy();
  cards.delete(card.id);
  layout.cards = layout.cards.filter((c) => c.id !== card.id);
  persistLayout();
  renderEmpty();
  refreshDeskNav(cards);
}

function usedPhones() {
  const used = new Set();
  for (const c of cards.values()) {
    if (c.kind === 'im') {
      if (c.state.user?.phone) used.add(c.state.user.phone);
      else if (c.state.phone) used.add(c.state.phone);
    }
  }
  return used;
}

function addIm() {
  const used = usedPhones();
  const names = new Set(
    [...cards.values()]
      .filter((c) => c.kind === 'im')
      .map((c) => (c.state.user?.name ?? c.state.name ?? '').toLowerCase()),
  );
  let i = 0;
  while (used.has(phoneFor(i))) i += 1;
  const name = NAMES.find((n) => !names.has(n.toLowerCase())) ?? '';
  addCard('im', { phone: phoneFor(i), name });
}

/** "+ phone" is a new plain phone: a number no IM user and no other phone card on the desk has. */
function addPhone() {
  const taken = usedPhones();
  for (const c of cards.values()) if (c.kind === 'phone' && c.phone) taken.add(c.phone);
  let i = 0;
  while (taken.has(phoneFor(i))) i += 1;
  addCard('phone', { phone: phoneFor(i) });
}

/** Shows a phone card for a number, adding one if none watches it. */
function openPhone(phone) {
  let card = [...cards.values()].find((c) => c.kind === 'phone' && c.phone === phone);
  if (!card) card = addCard('phone', { phone });
  card.el.scrollIntoView({ behavior: 'smooth', block: 'nearest', inline: 'center' });
  card.el.classList.remove('flash');
  void card.el.offsetWidth;
  card.el.classList.add('flash');
  card.el.querySelector('[data-testid=phone-input]')?.focus({ preventScroll: true });
}

function resetLayout() {
  if (
    !window.confirm(
      'Reset the console? This removes all cards and every session, contact and history kept in this browser.',
    )
  )
    return;
  for (const c of [...cards.values()]) c.destroy();
  cards.clear();
  clearAll();
  layout = DEFAULT_LAYOUT();
  persistLayout();
  for (const spec of layout.cards) mountCard(spec);
  renderEmpty();
  refreshDeskNav(cards);
}

function renderEmpty() {
  const empty = devicesEl.querySelector('.devices-empty');
  if (cards.size === 0 && !empty) {
    devicesEl.append(
      h(
        'div',
        { class: 'devices-empty' },
        h('p', null, 'No devices on the desk.'),
        h('p', { class: 'muted' }, 'Add an IM client or a phone with the buttons above.'),
      ),
    );
  } else if (cards.size > 0 && empty) empty.remove();
}

async function watchHealth(el) {
  const set = (state, text) => {
    el.dataset.state = state;
    el.querySelector('.health-text').textContent = text;
  };
  try {
    await api.health();
    set('ok', 'Server up');
  } catch {
    set('down', 'Server down');
  }
  setTimeout(() => watchHealth(el), 5000);
}

function main() {
  const addImBtn = document.getElementById('add-im');
  const addPhoneBtn = document.getElementById('add-phone');
  const resetBtn = document.getElementById('reset-layout');
  devicesEl = document.getElementById('devices');
  addImBtn.addEventListener('click', addIm);
  addPhoneBtn.addEventListener('click', addPhone);
  resetBtn.addEventListener('click', resetLayout);

  mountLog(document.getElementById('activity-log'));
  mountDeskNav(document.getElementById('desk-nav'), devicesEl);
  watchHealth(document.getElementById('server-status'));

  const services = document.getElementById('service-numbers');
  getServiceNumbers().then((list) => {
    replace(
      services,
      list.length
        ? list.map((n) => h('li', { class: 'svc', title: n }, prettyPhone(n)))
        : h('li', { class: 'muted' }, 'none'),
    );
  });

  const saved = load('layout', null);
  layout =
    saved && Array.isArray(saved.cards)
      ? { cards: saved.cards.filter((c) => c && c.id && (c.kind === 'im' || c.kind === 'phone')) }
      : DEFAULT_LAYOUT();
  persistLayout();
  for (const spec of layout.cards) mountCard(spec);
  renderEmpty();
  refreshKnownPhones();
  document.addEventListener('focusin', (ev) => {
    if (ev.target?.dataset?.testid === 'phone-number') refreshKnownPhones();
  });
  logEvent({ kind: 'info', title: 'console ready', summary: `${cards.size} devices on the desk` });
}

main();
