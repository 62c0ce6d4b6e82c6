// One message in a conversation: its text, time, which way it went (path) and where it stands (status).
import { h, clock } from '../dom.js';
import { reasonText } from '../reasons.js';
import { PATH_LABEL, STATUS_LABEL } from '../util.js';

/**
 * The <li> for a message. An IM waiting for its ack shows that an SMS fallback may follow, with a countdown the
 * conversation ticks (data-deadline) from the wait its `accepted` receipt carried; `ackTimeoutMs` (the server's
 * ACK_TIMEOUT_MS, or null when unknown) is only the ceiling, said when the receipt carried no wait.
 */
export function messageBubble(m, { ackTimeoutMs }) {
  const out = m.dir === 'out';
  const path = out ? (m.sentAs === 'sms' ? 'phone' : (m.path ?? null)) : null;
  const meta = [
    h(
      'time',
      { class: 'msg-time', datetime: new Date(m.at).toISOString(), title: new Date(m.at).toLocaleString() },
      clock(m.at),
    ),
  ];
  if (out) meta.push(...outMeta(m, path));
  else meta.push(...inMeta(m));
  return h(
    'li',
    {
      class: `msg ${out ? 'msg-out' : 'msg-in'}`,
      testid: 'im-message',
      dataset: {
        dir: m.dir,
        status: m.status ?? '',
        path: path ?? '',
        via: m.via ?? '',
        clientId: m.clientId ?? '',
        id: m.id ?? '',
      },
    },
    h('div', { class: 'bubble' }, h('p', { class: 'msg-text' }, m.text)),
    h('div', { class: 'msg-meta' }, meta),
    out ? pendingFallback(m, ackTimeoutMs) : null,
    (m.errors ?? []).map((e) =>
      h(
        'p',
        { class: 'msg-error', testid: 'im-msg-error', role: 'note', title: `${e.code}: ${e.message}` },
        `Not sent: ${reasonText(e.code)}`,
      ),
    ),
  );
}

function outMeta(m, path) {
  const meta = [];
  if (path)
    meta.push(
      h(
        'span',
        { class: `badge path-${path}`, testid: 'im-path', title: PATH_TITLE[path] },
        PATH_LABEL[path],
      ),
    );
  const status = m.status ?? 'sending';
  const timeline = (m.statuses ?? [])
    .map((s) => `${s.status} ${clock(s.at, true)}${s.reason ? ` (${s.reason})` : ''}`)
    .join('\n');
  const failed = m.reason && (status === 'failed' || status === 'error');
  meta.push(
    h(
      'span',
      {
        class: `msg-status status-${status}`,
        testid: 'im-msg-status',
        title: [failed ? `reason: ${m.reason}` : '', timeline].filter(Boolean).join('\n') || undefined,
      },
      statusIcon(status),
      STATUS_LABEL[status] ?? status,
      failed ? `: ${reasonText(m.reason)}` : '',
    ),
  );
  return meta;
}

function inMeta(m) {
  const meta = [
    h(
      'span',
      {
        class: `badge via-${m.via}`,
        testid: 'im-via',
        title: m.onPhone
          ? 'Received on your phone by SMS while offline'
          : `The sender sent it by ${m.via === 'sms' ? 'SMS' : 'IM'}`,
      },
      m.onPhone ? 'SMS to your phone' : `via ${m.via === 'sms' ? 'SMS' : 'IM'}`,
    ),
  ];
  if (m.acked === false)
    meta.push(
      h(
        'span',
        { class: 'msg-status status-unacked', title: 'Acks were paused when this arrived' },
        'not acked',
      ),
    );
  if (m.smsSid)
    meta.push(
      h(
        'span',
        { class: 'badge via-sms', title: 'The same message also reached your phone by SMS' },
        '+ SMS to phone',
      ),
    );
  return meta;
}

/**
 * While an IM waits for its ack ('accepted', pushed but not delivered), the server will text it when the wait it
 * chose for this message runs out: the `accepted` receipt's `fallbackAfterMs`, counted from that receipt. A
 * server that does not send it gets no countdown, only the ceiling (ACK_TIMEOUT_MS) as an upper bound.
 */
function pendingFallback(m, ackTimeoutMs) {
  if (m.status !== 'accepted' || m.sentAs === 'sms') return null;
  const accepted = (m.statuses ?? []).find((s) => s.status === 'accepted');
  if (!accepted) return null;
  if (typeof m.fallbackAfterMs !== 'number') {
    if (!ackTimeoutMs) return null;
    return h(
      'p',
      {
        class: 'msg-pending',
        testid: 'im-pending-fallback',
        title: `The server's ack timeout (ACK_TIMEOUT_MS) is ${ackTimeoutMs / 1000} s`,
      },
      `Waiting for the ack: if none comes, it goes by SMS within ${Math.ceil(ackTimeoutMs / 1000)} s`,
    );
  }
  const deadline = accepted.at + m.fallbackAfterMs;
  return h(
    'p',
    {
      class: 'msg-pending',
      testid: 'im-pending-fallback',
      title:
        `The server waits ${(m.fallbackAfterMs / 1000).toFixed(1)} s for this message's ack, learned from the ` +
        `recipient's connection` +
        (ackTimeoutMs ? ` (at most ACK_TIMEOUT_MS, ${ackTimeoutMs / 1000} s)` : ''),
    },
    'Waiting for the ack: if none comes, it goes by SMS in ',
    h(
      'span',
      {
        class: 'countdown',
        testid: 'im-fallback-in',
        dataset: { deadline: String(deadline), waitMs: String(m.fallbackAfterMs) },
      },
      secondsLeft(deadline),
    ),
    ' s',
  );
}

/** Whole seconds until `deadline` (epoch ms), never below 0, as text. */
export function secondsLeft(deadline) {
  return String(Math.max(0, Math.ceil((deadline - Date.now()) / 1000)));
}

function statusIcon(status) {
  const icon = {
    sending: '○',
    accepted: '✓',
    delivered: '✓✓',
    sent_sms: '✉',
    delivered_sms: '✉✓',
    failed: '✕',
    error: '✕',
    texted: '✉',
  }[status];
  return icon ? h('span', { class: 'status-icon', 'aria-hidden': 'true' }, icon) : null;
}

const PATH_TITLE = {
  im: 'Delivered over IM: the recipient’s client acked it.',
  sms: 'Sent as SMS straight away: the recipient was offline.',
  fallback: 'Pushed over IM, but no ack came within the ack timeout, so it went by SMS.',
  phone: 'You were offline: it went as an SMS from your phone to the service number.',
};
