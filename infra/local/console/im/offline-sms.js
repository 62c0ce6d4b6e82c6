// Offline mode (patent: intercept): the client reads its own phone's SMS into conversations, and sends by SMS
// from that phone to a service number.
import { getServiceNumbers } from '../api.js';
import { prettyPhone } from '../dom.js';
import { watchInbox } from '../inbox.js';
import { normalizeForGsm7, parseSmsBody } from '../rules.js';
import { textFromPhone } from '../text-from-phone.js';
import { uuid, toMs, findCode } from '../util.js';

/** Starts or stops watching the card's phone, as offline mode turns on or off. */
export function updateIntercept(card) {
  const want = Boolean(card.data && card.phone && card.offlineMode);
  if (want && !card.interceptWatch) {
    card.interceptWatch = watchInbox(card.phone, 1500, (messages, { error }) => {
      if (!error) intercept(card, messages);
    });
  } else if (!want && card.interceptWatch) {
    card.interceptWatch();
    card.interceptWatch = null;
  }
}

async function intercept(card, messages) {
  const data = card.data;
  if (!data) return;
  if (data.seenSms === null) {
    data.rememberSms(messages.map((m) => m.sid));
    return;
  }
  const seen = new Set(data.seenSms);
  const fresh = messages.filter((m) => m && m.sid && !seen.has(m.sid));
  if (fresh.length === 0 || card.intercepting) return; // the next poll picks them up
  card.intercepting = true;
  let services;
  try {
    services = await getServiceNumbers();
  } finally {
    card.intercepting = false;
  }
  if (card.data !== data) return;
  for (const m of fresh) {
    if (services.length && !services.includes(m.from)) continue;
    if (findCode(m.body) && /code/i.test(m.body)) continue; // a login code, not a message
    const { key, text } = attribute(card, m);
    const same = data
      .messages(key)
      .find(
        (x) =>
          x.dir === 'in' &&
          !x.onPhone &&
          !x.smsSid &&
          x.text &&
          (text === x.text || text === normalizeForGsm7(x.text)),
      );
    if (same) {
      // The same message, already shown over IM (unacked, so the server texted it too).
      same.smsSid = m.sid;
      continue;
    }
    const viewing = card.store.get().contact === key && !document.hidden;
    data.addMessage(
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
  data.rememberSms(fresh.map((m) => m.sid));
}

/**
 * Who an SMS on this phone is from, and its text. The router's IM-SMS body (parsed with the core's own
 * parseSmsBody) names the contact, who is added if new; any other SMS goes to a thread of the service number.
 */
function attribute(card, m) {
  const data = card.data;
  const body = String(m.body ?? '');
  const parsed = parseSmsBody(body);
  if (parsed && parsed.fromImNumber !== card.store.get().user.imNumber) {
    const known = data.contact(parsed.fromImNumber);
    data.upsertContact(parsed.fromImNumber, {
      name: parsed.fromName ?? known?.name,
      auto: known ? undefined : true,
    });
    return { key: parsed.fromImNumber, text: parsed.text };
  }
  const key = `sms:${m.from}`;
  data.upsertContact(key, { serviceNumber: m.from, name: `SMS ${prettyPhone(m.from)}` });
  return { key, text: body };
}

/**
 * Offline mode: the message goes as an SMS from this user's own phone to a service number (`@imNumber text`), and
 * is recorded in that phone's outbox so the phone card shows it too.
 */
export async function sendAsSms(card, key, c, text) {
  const data = card.data;
  const phone = card.phone;
  const services = await getServiceNumbers();
  const to = c?.serviceNumber ?? services[0];
  const msg = data.addMessage(key, {
    key: uuid(),
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
    data.persist();
    return;
  }
  const body = c?.imNumber ? `@${c.imNumber} ${text}` : text;
  try {
    const r = await textFromPhone({ from: phone, to, body, source: card.label });
    msg.status = 'texted';
    msg.sid = r?.sid;
  } catch (err) {
    msg.status = 'error';
    msg.errors.push({ code: err.code ?? 'sms_failed', message: err.message });
  }
  data.persist();
}
