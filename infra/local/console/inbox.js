// Polls simulated phones' sandbox inboxes. One poller per number however many cards watch it; every SMS is
// logged once, the first time any poller sees it.
/* global queueMicrotask */
import { api } from './api.js';
import { logEvent } from './log.js';

const pollers = new Map(); // phone → { subs: Set<{interval, cb}>, timer, messages, seen:Set, primed, error }
const loggedSids = new Set();
const primed = new Set(); // phones whose existing messages are known

/** Watches a phone's inbox. cb(messages, {error}) runs after each poll. Returns an unsubscribe function. */
export function watchInbox(phone, intervalMs, cb) {
  let p = pollers.get(phone);
  if (!p) {
    p = { phone, subs: new Set(), timer: null, messages: null, primed: false, error: null, failures: 0 };
    pollers.set(phone, p);
  }
  const sub = { interval: intervalMs, cb };
  p.subs.add(sub);
  if (p.messages) queueMicrotask(() => cb(p.messages, { error: p.error }));
  schedule(p, 0);
  return () => {
    p.subs.delete(sub);
    if (p.subs.size === 0) {
      clearTimeout(p.timer);
      pollers.delete(phone);
    }
  };
}

/** Polls now (after a send, so the result shows at once). */
export function pollNow(phone) {
  const p = pollers.get(phone);
  if (p) schedule(p, 0);
}

function schedule(p, delay) {
  clearTimeout(p.timer);
  p.timer = setTimeout(() => poll(p), delay);
}

async function poll(p) {
  if (!pollers.has(p.phone)) return;
  try {
    const messages = await api.phoneMessages(p.phone);
    p.error = null;
    p.failures = 0;
    for (const m of messages) {
      if (!m || typeof m.sid !== 'string' || loggedSids.has(m.sid)) continue;
      loggedSids.add(m.sid);
      // The first poll of a number only learns what was there already; the log shows live traffic.
      if (p.primed || primed.has(p.phone)) {
        logEvent({
          kind: 'sms',
          dir: 'in',
          source: `☎ ${p.phone}`,
          title: `${m.from} → ${m.to}`,
          summary: m.body,
          path: 'sms',
          status: 'received',
          data: m,
        });
      }
    }
    p.primed = true;
    primed.add(p.phone);
    p.messages = messages;
  } catch (err) {
    p.error = err;
    p.failures += 1;
  }
  for (const s of [...p.subs]) {
    try {
      s.cb(p.messages ?? [], { error: p.error });
    } catch (err) {
      console.error(err);
    }
  }
  if (!pollers.has(p.phone)) return;
  const base = Math.min(...[...p.subs].map((s) => s.interval));
  const delay = p.error ? Math.min(base * 2 ** p.failures, 10000) : base;
  schedule(p, document.hidden ? Math.max(delay, 5000) : delay);
}

/** What a phone already had before the console started watching it: not logged as new when the poller sees it. */
export function primeInbox(phone, messages) {
  for (const m of messages) if (m?.sid) loggedSids.add(m.sid);
  primed.add(phone);
}

/** Marks a sid as logged (the console sent it itself). */
export function markLogged(sid) {
  if (sid) loggedSids.add(sid);
}
