// The desk's table of contents: one button per card (and the activity log), so every device is one click away on
// a laptop, where the desk scrolls sideways, and on a phone, where the cards are a swipeable row. Buttons of the
// cards in view are marked, which doubles as the cue that there is more to scroll to.
/* global IntersectionObserver */
import { h, replace, keepFocus } from './dom.js';

let navEl = null;
let listEl = null;
let devicesEl = null;
let observer = null;
const visible = new Set();

/** Mounts the nav into `el`, watching which cards of `devices` are in view. */
export function mountDeskNav(el, devices) {
  navEl = el;
  devicesEl = devices;
  listEl = h('ul', { class: 'desk-nav-list' });
  replace(navEl, h('span', { class: 'desk-nav-label', id: 'desk-nav-label' }, 'Jump to'), listEl);
  navEl.setAttribute('aria-labelledby', 'desk-nav-label');
  observer = new IntersectionObserver(
    (entries) => {
      for (const e of entries) {
        const id = e.target.dataset.cardId;
        if (e.intersectionRatio >= 0.6) visible.add(id);
        else visible.delete(id);
      }
      markVisible();
    },
    { root: devicesEl, threshold: [0, 0.6, 1] },
  );
}

/** Rebuilds the buttons from the cards (a Map id → card, in desk order). */
export function refreshDeskNav(cards) {
  if (!listEl) return;
  observer.disconnect();
  for (const c of cards.values()) observer.observe(c.el);
  keepFocus(listEl, 'target', () =>
    replace(
      listEl,
      [...cards.values()].map((c) =>
        h(
          'li',
          null,
          h(
            'button',
            {
              type: 'button',
              class: `desk-nav-btn desk-nav-${c.kind}`,
              testid: 'desk-nav-card',
              dataset: { target: c.id, kind: c.kind },
              onclick: () => reveal(c.el),
            },
            h('span', { class: 'desk-nav-icon', 'aria-hidden': 'true' }, c.kind === 'im' ? '⇄' : '☎'),
            navLabel(c),
          ),
        ),
      ),
      h(
        'li',
        null,
        h(
          'button',
          {
            type: 'button',
            class: 'desk-nav-btn desk-nav-log',
            testid: 'desk-nav-log',
            dataset: { target: 'log' },
            onclick: () => reveal(document.getElementById('activity-log')),
          },
          h('span', { class: 'desk-nav-icon', 'aria-hidden': 'true' }, '≡'),
          'Activity log',
        ),
      ),
    ),
  );
  markVisible();
}

function navLabel(c) {
  if (c.kind === 'phone') return c.phone ? `…${c.phone.slice(-4)}` : 'Phone';
  const u = c.state.user;
  return u ? u.name || u.imNumber : 'Sign in';
}

function reveal(el) {
  el.scrollIntoView({ behavior: 'smooth', block: 'nearest', inline: 'start' });
  el.focus({ preventScroll: true });
}

function markVisible() {
  for (const b of listEl.querySelectorAll('[data-kind]')) {
    const on = visible.has(b.dataset.target);
    b.classList.toggle('in-view', on);
    if (on) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  }
}
