// Tiny DOM helpers. Every piece of user data goes in through textContent or a text node: never innerHTML.
/* global Node */

/**
 * Creates an element. `props`: class, text, testid, dataset, on<Event> handlers (functions only), value/checked/
 * disabled and other properties, or plain attributes. Children: nodes or strings (strings become text nodes).
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'testid') el.dataset.testid = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'value' || key === 'checked' || key === 'disabled' || key === 'selected')
      el[key] = value;
    else if (key === 'style' || key === 'innerHTML' || key === 'outerHTML')
      throw new Error(`h(): ${key} is not allowed`);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/**
 * Runs `fn`, which rebuilds part of `container`; if focus was on an element there with data-<attr>, moves it to the
 * rebuilt element with the same value, so a keyboard user keeps their place across live updates.
 */
export function keepFocus(container, attr, fn) {
  const active = document.activeElement;
  const value = active && container.contains(active) ? active.dataset?.[attr] : undefined;
  fn();
  if (value === undefined) return;
  for (const el of container.querySelectorAll(
    `[data-${attr.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}]`,
  )) {
    if (el.dataset[attr] === value) {
      el.focus({ preventScroll: true });
      return;
    }
  }
}

export function show(el, visible) {
  el.hidden = !visible;
}

/** HH:MM:SS, or HH:MM:SS.mmm with `ms`. */
export function clock(t, ms = false) {
  const d = new Date(t);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  const s = `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return ms ? `${s}.${p(d.getMilliseconds(), 3)}` : s;
}

/** "14:03" today, "Mon 14:03" this week, else a short date. */
export function shortTime(t) {
  const d = new Date(t);
  const now = new Date();
  const hm = clock(t).slice(0, 5);
  if (d.toDateString() === now.toDateString()) return hm;
  if (now - d < 6 * 86400000) return `${d.toLocaleDateString([], { weekday: 'short' })} ${hm}`;
  return d.toLocaleDateString([], { month: 'short', day: 'numeric' });
}

/** Up to two initials for an avatar. */
export function initials(name) {
  const parts = String(name ?? '')
    .trim()
    .split(/[\s._-]+/)
    .filter(Boolean);
  if (parts.length === 0) return '?';
  const first = [...parts[0]][0] ?? '?';
  const second = parts.length > 1 ? ([...parts[1]][0] ?? '') : '';
  return (first + second).toUpperCase();
}

/** A stable hue (0-359) for a string, so the same person always gets the same avatar colour. */
export function hue(s) {
  let x = 0;
  for (const c of String(s)) x = (x * 31 + c.codePointAt(0)) >>> 0;
  return x % 360;
}

const HUE_CLASSES = 12;
/** One of 12 avatar colour classes (CSP forbids inline styles, so colours come from classes). */
export function hueClass(s) {
  return `hue-${hue(s) % HUE_CLASSES}`;
}

export function avatar(name, key, extraClass = '') {
  const colour = extraClass ? extraClass : hueClass(key ?? name);
  return h('span', { class: `avatar ${colour}`, 'aria-hidden': 'true' }, initials(name));
}

/** "+14155550101" → "+1 415-555-0101" for North American numbers; others are left as they are. */
export function prettyPhone(n) {
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(n ?? '');
  return m ? `+1 ${m[1]}-${m[2]}-${m[3]}` : (n ?? '');
}

export const E164 = /^\+[1-9]\d{6,14}$/;

let idCounter = 0;
/** A unique DOM id, for label/aria wiring. */
export function uid(prefix = 'id') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** A labelled switch (checkbox with role=switch). Returns { root, input }. */
export function toggle({ label, testid, hint, onchange }) {
  const id = uid('sw');
  const input = h('input', { type: 'checkbox', role: 'switch', id, class: 'switch-input', testid, onchange });
  const root = h(
    'label',
    { class: 'switch', for: id, title: hint },
    input,
    h('span', { class: 'switch-track', 'aria-hidden': 'true' }, h('span', { class: 'switch-thumb' })),
    h('span', { class: 'switch-label' }, label),
  );
  return { root, input };
}

/** A labelled input field. Returns { root, input }. */
export function field({ label, hint, ...inputProps }) {
  const id = uid('f');
  const input = h(inputProps.multiline ? 'textarea' : 'input', { id, ...inputProps, multiline: undefined });
  const hintId = hint ? uid('hint') : undefined;
  if (hintId) input.setAttribute('aria-describedby', hintId);
  const root = h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    input,
    hint ? h('p', { class: 'field-hint', id: hintId }, hint) : null,
  );
  return { root, input };
}

/** A card's "×" button: `label` names what it removes, for screen readers ("Remove this phone"). */
export function removeCardButton(label, onclick) {
  return h(
    'button',
    {
      type: 'button',
      class: 'icon-btn',
      testid: 'card-remove',
      'aria-label': label,
      title: 'Remove',
      onclick,
    },
    '×',
  );
}
