// Small shared helpers with no DOM.

/** crypto.randomUUID where the page is a secure context (localhost is), else a v4 UUID from getRandomValues. */
export function uuid() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Epoch ms of a sentAt that may be a number or an ISO string. */
export function toMs(t, fallback = Date.now()) {
  if (typeof t === 'number' && Number.isFinite(t)) return t;
  if (typeof t === 'string') {
    const n = Date.parse(t);
    if (Number.isFinite(n)) return n;
  }
  return fallback;
}

const RANK = { sending: 0, error: 0, accepted: 1, sent_sms: 2, delivered: 3, delivered_sms: 3, failed: 4 };

/** The status to show after a receipt: never step back (receipts may arrive out of order). */
export function nextStatus(current, incoming) {
  if (!(incoming in RANK)) return current ?? incoming;
  return (RANK[incoming] ?? 0) >= (RANK[current] ?? -1) ? incoming : current;
}

/** Gap between `accepted` and `sent_sms` above which an SMS counts as a fallback after an IM push. */
export const FALLBACK_GAP_MS = 2500;

/**
 * Which way a sent message went: 'im' (delivered over IM), 'sms' (sent as SMS straight away: the recipient was
 * offline), 'fallback' (pushed over IM, no ack came, then sent as SMS), or null (not known yet).
 * A receipt that carries the server's `path` (['im'], ['sms'], ['im','sms']) settles it. The contract's receipts do
 * not carry it, so otherwise it is inferred: a reason that speaks of the ack or a timeout means fallback; else an
 * SMS that followed `accepted` by more than FALLBACK_GAP_MS means the server waited for an ack first (the ack
 * timeout is 15 s by default, while a direct SMS follows within a few hundred ms).
 */
export function inferPath(statuses, serverPath) {
  if (Array.isArray(serverPath) && serverPath.length) {
    if (serverPath.includes('sms')) return serverPath.includes('im') ? 'fallback' : 'sms';
    if (statuses.some((x) => x.status === 'delivered')) return 'im';
  }
  const find = (s) => statuses.find((x) => x.status === s);
  const accepted = find('accepted');
  const sms = find('sent_sms') ?? find('delivered_sms');
  if (sms) {
    const reasons = statuses.map((x) => x.reason ?? '').join(' ');
    if (/ack|timeout|time.?out|unreachable|fallback|no.?push|gone/i.test(reasons)) return 'fallback';
    if (accepted && sms.at - accepted.at > FALLBACK_GAP_MS) return 'fallback';
    return 'sms';
  }
  if (find('delivered')) return 'im';
  return null;
}

export const PATH_LABEL = { im: 'IM', sms: 'SMS', fallback: 'IM → SMS fallback', phone: 'SMS from phone' };

export const STATUS_LABEL = {
  sending: 'sending…',
  accepted: 'accepted',
  delivered: 'delivered',
  sent_sms: 'sent as SMS',
  delivered_sms: 'delivered by SMS',
  failed: 'failed',
  error: 'rejected',
  texted: 'texted from your phone',
};

/** The first 6-digit code in an SMS body (a login code), or null. */
export function findCode(body) {
  const m = /(?:^|\D)(\d{6})(?!\d)/.exec(body ?? '');
  return m ? m[1] : null;
}
