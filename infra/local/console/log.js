// The activity log: every WebSocket frame and every SMS the console sees, time-stamped, newest first.
import { h, clock, replace } from './dom.js';

const MAX = 500;
const entries = [];
let listEl = null;
let countEl = null;
let filter = 'all';
let paused = false;
let seq = 0;

/**
 * Adds an entry.
 * kind: 'im' (WebSocket frame) | 'sms' (sandbox SMS) | 'http' | 'info'
 * dir: 'out' | 'in' | undefined
 * source: who saw it (card label); summary: one line; path/status: badges; data: raw object shown on expand.
 */
export function logEvent({ kind = 'info', dir, source, title, summary, path, status, level, data }) {
  seq += 1;
  const e = { n: seq, at: Date.now(), kind, dir, source, title, summary, path, status, level, data };
  entries.push(e);
  if (entries.length > MAX) entries.splice(0, entries.length - MAX);
  if (!paused && listEl && matches(e)) {
    listEl.prepend(render(e));
    while (listEl.childElementCount > MAX) listEl.lastElementChild.remove();
  }
  updateCount();
}

function matches(e) {
  return filter === 'all' || e.kind === filter;
}

const PATH_LABEL = { im: 'IM', sms: 'SMS', fallback: 'IM → SMS fallback' };

function render(e) {
  const arrow = e.dir === 'out' ? '↑' : e.dir === 'in' ? '↓' : '•';
  const arrowLabel = e.dir === 'out' ? 'sent' : e.dir === 'in' ? 'received' : 'note';
  const head = h(
    'div',
    { class: 'log-head' },
    h('time', { class: 'log-time', datetime: new Date(e.at).toISOString() }, clock(e.at, true)),
    h('span', { class: `log-kind kind-${e.kind}` }, e.kind === 'im' ? 'WS' : e.kind.toUpperCase()),
    h(
      'span',
      { class: `log-dir dir-${e.dir ?? 'none'}`, title: arrowLabel },
      h('span', { 'aria-hidden': 'true' }, arrow),
      h('span', { class: 'sr-only' }, arrowLabel),
    ),
    e.source ? h('span', { class: 'log-source' }, e.source) : null,
    e.title ? h('strong', { class: 'log-title' }, e.title) : null,
    e.path ? h('span', { class: `badge path-${e.path}` }, PATH_LABEL[e.path] ?? e.path) : null,
    e.status ? h('span', { class: `badge status status-${e.status}` }, e.status) : null,
  );
  const summary = e.summary ? h('div', { class: 'log-summary' }, e.summary) : null;
  const cls = `log-entry${e.level ? ` level-${e.level}` : ''}`;
  if (e.data === undefined) return h('li', { class: cls, testid: 'log-entry' }, head, summary);
  return h(
    'li',
    { class: cls, testid: 'log-entry' },
    h(
      'details',
      null,
      h('summary', null, head, summary),
      h('pre', { class: 'log-raw' }, JSON.stringify(e.data, null, 2)),
    ),
  );
}

function rerender() {
  if (!listEl) return;
  replace(listEl, entries.filter(matches).reverse().map(render));
  updateCount();
}

function updateCount() {
  if (countEl) countEl.textContent = `${entries.length}${paused ? ' · paused' : ''}`;
}

/** Builds the log panel into `root`. */
export function mountLog(root) {
  listEl = h('ol', { class: 'log-list', testid: 'log-list', 'aria-live': 'off' });
  countEl = h('span', { class: 'log-count', testid: 'log-count' });
  const filterSel = h(
    'select',
    {
      id: 'log-filter',
      testid: 'log-filter',
      onchange: (ev) => {
        filter = ev.target.value;
        rerender();
      },
    },
    h('option', { value: 'all' }, 'Everything'),
    h('option', { value: 'im' }, 'WebSocket frames'),
    h('option', { value: 'sms' }, 'SMS'),
    h('option', { value: 'http' }, 'HTTP'),
    h('option', { value: 'info' }, 'Notes'),
  );
  const pauseBtn = h(
    'button',
    {
      type: 'button',
      class: 'btn btn-ghost btn-sm',
      testid: 'log-pause',
      'aria-pressed': 'false',
      onclick: () => {
        paused = !paused;
        pauseBtn.setAttribute('aria-pressed', String(paused));
        pauseBtn.textContent = paused ? 'Resume' : 'Pause';
        if (!paused) rerender();
        updateCount();
      },
    },
    'Pause',
  );
  const clearBtn = h(
    'button',
    {
      type: 'button',
      class: 'btn btn-ghost btn-sm',
      testid: 'log-clear',
      onclick: () => {
        entries.length = 0;
        rerender();
      },
    },
    'Clear',
  );
  replace(
    root,
    h(
      'div',
      { class: 'panel-head' },
      h('h2', { id: 'log-heading' }, 'Activity ', countEl),
      h(
        'div',
        { class: 'panel-tools' },
        h('label', { for: 'log-filter', class: 'sr-only' }, 'Show'),
        filterSel,
        pauseBtn,
        clearBtn,
      ),
    ),
    listEl,
  );
  rerender();
}
