// What each simulated phone sent. The sandbox lists only what a phone received, so the console keeps the other
// half itself: the phone card's own texts and the IM card's offline SMS (sent from the same phone) both land here.
/* global EventTarget, CustomEvent */
import { load, save } from './store.js';

const MAX_SENT = 200;
const events = new EventTarget();
const key = (phone) => `phone.${phone}.sent`;

/** Entries { sid, from, to, body, sentAt (epoch ms), status: 'sending'|'sent'|'failed', local } oldest first. */
export function sentBy(phone) {
  return phone ? load(key(phone), []) : [];
}

/** Adds an entry; returns a function that updates it later (sid, status). Notifies watchers of that phone. */
export function recordSent(phone, entry) {
  save(key(phone), [...sentBy(phone), entry].slice(-MAX_SENT));
  notify(phone);
  return (fields) => {
    save(
      key(phone),
      sentBy(phone).map((s) =>
        s.sentAt === entry.sentAt && s.body === entry.body ? { ...s, ...fields } : s,
      ),
    );
    notify(phone);
  };
}

/** Forgets what a phone sent. */
export function clearSent(phone) {
  save(key(phone), []);
  notify(phone);
}

/** Calls cb() whenever the phone's outbox changes. Returns an unsubscribe function. */
export function watchSent(phone, cb) {
  const listener = (ev) => {
    if (ev.detail.phone === phone) cb();
  };
  events.addEventListener('change', listener);
  return () => events.removeEventListener('change', listener);
}

function notify(phone) {
  events.dispatchEvent(new CustomEvent('change', { detail: { phone } }));
}
