// The session: one WebSocket per signed-in card, and what its frames do to the user's data: the server's
// contacts, presence, profile, history and invitations, and the messages and receipts of this session.
import { ImConnection } from '../im-client.js';
import { logEvent } from '../log.js';
import { uuid, toMs, nextStatus, inferPath } from '../util.js';

/**
 * Opens the card's connection object and wires its events: connection state into the card's store, frames into
 * the user's data (messages, receipts, errors), everything into the activity log.
 */
export function openSession(card) {
  const conn = new ImConnection(card.store.get().token);
  conn.addEventListener('state', (ev) => onConnState(card, conn, ev.detail));
  conn.addEventListener('frame', (ev) => onFrame(card, ev.detail.frame));
  conn.addEventListener('sent', (ev) => logFrame(card, 'out', ev.detail.frame));
  conn.addEventListener('bad', (ev) =>
    logEvent({
      kind: 'im',
      dir: 'in',
      source: card.label,
      title: 'bad frame',
      summary: `${ev.detail.error}: ${ev.detail.raw}`,
      level: 'error',
    }),
  );
  return conn;
}

function onConnState(card, conn, detail) {
  const prev = card.store.get().conn.state;
  const source = card.label;
  if (detail.state === 'open') {
    // Tell the server the mode this client is in (it may have changed while disconnected), then load the
    // whole contact list (not `since`: the version does not move when a contact's presence or profile does,
    // and both may have changed while this socket was away; docs/protocol.md) and the open conversation.
    conn
      .call('setPresence', card.store.get().offline ? 'offline' : 'online')
      .catch((err) => notice(card, err));
    refreshContacts(card, { full: true });
    const open = card.store.get().contact;
    if (open) loadHistory(card, open);
    logEvent({ kind: 'im', source, title: 'connected', summary: 'WebSocket open' });
  } else if (detail.state === 'reconnecting' && (prev === 'open' || prev === 'connecting')) {
    logEvent({
      kind: 'im',
      source,
      title: prev === 'open' ? 'connection lost: offline mode' : 'could not connect',
      summary:
        `close ${detail.code ?? ''} ${detail.reason ?? ''}`.trim() +
        ` · retry in ${Math.max(0, Math.round((detail.retryAt - Date.now()) / 1000))} s`,
      level: 'warn',
    });
  } else if (detail.state === 'idle' && prev !== 'idle') {
    logEvent({ kind: 'im', source, title: 'disconnected', summary: 'closed by the client' });
  }
  card.store.set({
    conn: {
      state: detail.state,
      open: conn.isOpen,
      wanted: conn.wanted,
      retryAt: conn.retryAt,
      failures: conn.failuresSinceOpen,
    },
    ...(detail.state === 'open' ? {} : { serverMode: null }),
  });
}

function onFrame(card, frame) {
  const data = card.data;
  if (frame.type === 'message') onMessage(card, frame);
  else if (frame.type === 'receipt') onReceipt(card, frame);
  else if (frame.type === 'error') onError(card, frame);
  else if (frame.type === 'presence' && frame.imNumber) data?.setStatus(frame.imNumber, frame.status);
  else if (frame.type === 'presence') card.store.set({ serverMode: String(frame.status) });
  else if (frame.type === 'contact')
    data?.applyServerContact(frame.contact, frame.op === 'removed', frame.version);
  else if (frame.type === 'profile') data?.setProfile(frame);
  else if (frame.type === 'invitation') onInvitation(card, frame);
  logFrame(card, 'in', frame);
}

/**
 * An invitation's state: kept to show in the invite box. An accepted one made the invitee a user and a contact
 * (under a default name until they choose one), so the name the inviter gave stays on as the nickname, and the
 * list is refreshed.
 */
function onInvitation(card, f) {
  const data = card.data;
  if (!data) return;
  data.applyInvitation(f);
  if (f.status !== 'accepted') return;
  if (f.imNumber && !data.contact(f.imNumber)?.nickname) data.upsertContact(f.imNumber, { nickname: f.name });
  refreshContacts(card);
}

/** Shows a failed call's error as the card's notice (not tied to a message). */
function notice(card, err) {
  card.store.set({ notice: { code: String(err?.code ?? 'error'), message: String(err?.message ?? err) } });
}

/**
 * Asks the server for the contact list, every page of it (the reference client's getAllContacts follows each
 * `nextCursor`, and reads again if the list changed meanwhile), sending the cached copy's version unless `full`:
 * an unchanged list is answered `unchanged` and the copy stays (it is also what offline mode shows). `full`
 * after a (re)connect, since the version covers the list's own changes only, not its contacts' presence or
 * profiles. The whole list, once read, replaces the server part of the user's data (one page alone would drop
 * the contacts of the others).
 */
export function refreshContacts(card, { full = false } = {}) {
  const data = card.data;
  if (!data || !card.conn?.isOpen) return Promise.resolve();
  return card.conn
    .call('getAllContacts', full ? undefined : (data.version ?? undefined))
    .then((list) => {
      if (card.data === data && list.contacts) data.setServerContacts(list.version, list.contacts);
    })
    .catch((err) => notice(card, err));
}

/**
 * Loads the newest page of the conversation with an IM contact from the server (or, with `older`, the page
 * before what is shown), and merges it into the conversation. Only server contacts have a history to ask for.
 * Resolves with an error message, or null.
 */
export async function loadHistory(card, key, { older = false } = {}) {
  const data = card.data;
  const c = data?.contact(key);
  if (!c?.imNumber || !c.server || !card.conn?.isOpen) return null;
  const before = older ? data.historyNext[key] : undefined;
  if (older && !before) return null;
  try {
    const page = await card.conn.call('history', {
      with: c.imNumber,
      limit: 50,
      ...(before ? { before } : {}),
    });
    if (card.data === data)
      data.mergeHistory(key, card.store.get().user.imNumber, page.messages, page.next, { older });
    return null;
  } catch (err) {
    return err.message;
  }
}

function onMessage(card, f) {
  const data = card.data;
  const from = String(f.from ?? '');
  const ackIt = () => {
    if (card.store.get().stopAck || !f.id) return false;
    return card.conn.send({ action: 'ack', id: f.id });
  };
  const dup = f.id ? data.find((m) => m.dir === 'in' && m.id === f.id) : null;
  if (dup) {
    if (ackIt()) dup.msg.acked = true;
    data.persist();
    return;
  }
  const acked = ackIt();
  const known = data.contact(from);
  data.upsertContact(from, {
    name: f.fromName ? String(f.fromName) : undefined,
    auto: known ? undefined : true,
  });
  const viewing = card.store.get().contact === from && !document.hidden;
  data.addMessage(
    from,
    {
      key: uuid(),
      dir: 'in',
      id: f.id,
      text: String(f.text ?? ''),
      at: Date.now(),
      sentAt: toMs(f.sentAt),
      via: f.via === 'sms' ? 'sms' : 'im',
      acked,
    },
    { unread: !viewing },
  );
}

function onReceipt(card, f) {
  const data = card.data;
  const found =
    (f.clientId && data.find((m) => m.dir === 'out' && m.clientId === f.clientId)) ||
    (f.id && data.find((m) => m.dir === 'out' && m.id === f.id));
  if (!found) return;
  const m = found.msg;
  if (f.id && !m.id) m.id = f.id;
  m.statuses = m.statuses ?? [];
  m.statuses.push({ status: f.status, at: Date.now(), reason: f.reason });
  // The wait the server chose for this message's ack (docs/protocol.md): the pending-fallback countdown's length.
  if (f.status === 'accepted' && Number.isFinite(f.fallbackAfterMs) && f.fallbackAfterMs >= 0)
    m.fallbackAfterMs = f.fallbackAfterMs;
  m.status = nextStatus(m.status, f.status);
  if (f.reason) m.reason = String(f.reason);
  if (Array.isArray(f.path)) m.serverPath = f.path.map(String);
  m.path = inferPath(m.statuses, m.serverPath);
  data.persist();
}

function onError(card, f) {
  const found = f.clientId ? card.data.find((m) => m.dir === 'out' && m.clientId === f.clientId) : null;
  if (found) {
    const m = found.msg;
    m.errors = [...(m.errors ?? []), { code: String(f.code ?? 'error'), message: String(f.message ?? '') }];
    if (!m.status || m.status === 'sending') m.status = 'error';
    card.data.persist();
    return;
  }
  // An error that answers a call (a form's request) is shown by that call's caller, beside the form; only the
  // others become the card's notice. Whether it did is known a task later (ImConnection.answered).
  const conn = card.conn;
  setTimeout(() => {
    if (conn?.answered(f)) return;
    card.store.set({ notice: { code: String(f.code ?? 'error'), message: String(f.message ?? '') } });
  }, 0);
}

/** Sends an IM over the socket; the message shows at once as 'sending' and receipts move it on. */
export function sendIm(card, key, imNumber, text) {
  const clientId = uuid();
  card.data.addMessage(key, {
    key: clientId,
    dir: 'out',
    clientId,
    text,
    at: Date.now(),
    sentAs: 'im',
    status: 'sending',
    statuses: [],
    errors: [],
  });
  if (card.conn.send({ action: 'sendMessage', to: imNumber, text, clientId })) return;
  const f = card.data.find((m) => m.clientId === clientId);
  if (f) {
    f.msg.status = 'error';
    f.msg.errors.push({ code: 'not_connected', message: 'the socket closed before the message went out' });
    card.data.persist();
  }
}

function logFrame(card, dir, frame) {
  const type = dir === 'out' ? frame.action : frame.type;
  let summary = '';
  let path;
  let status;
  if (type === 'sendMessage') summary = `to ${frame.to}: ${frame.text}`;
  else if (type === 'ack') summary = `id ${frame.id}`;
  else if (type === 'setPresence') summary = frame.status;
  else if (type === 'message') {
    summary = `from ${frame.fromName ?? ''} (${frame.from}): ${frame.text}`;
    path = frame.via === 'sms' ? 'sms' : 'im';
    status = 'via ' + (frame.via ?? 'im');
  } else if (type === 'receipt') {
    summary = `${frame.clientId ?? ''} → id ${frame.id ?? ''}${frame.reason ? ` (${frame.reason})` : ''}`;
    status = frame.status;
    const found = frame.clientId && card.data?.find((m) => m.dir === 'out' && m.clientId === frame.clientId);
    if (found && found.msg.path) path = found.msg.path;
  } else if (type === 'error') summary = `${frame.code}: ${frame.message}`;
  else if (type === 'presence') summary = frame.imNumber ? `${frame.imNumber} ${frame.status}` : frame.status;
  else if (type === 'getContacts')
    summary = frame.cursor ? 'next page' : frame.since === undefined ? 'all' : `since ${frame.since}`;
  else if (type === 'contacts')
    summary = frame.unchanged
      ? `version ${frame.version}, unchanged`
      : `version ${frame.version}, ${frame.contacts?.length ?? 0} contacts${frame.nextCursor ? ', more follow' : ''}`;
  else if (type === 'contact')
    summary = `${frame.op} ${frame.contact?.imNumber ?? frame.contact?.phone ?? ''}`;
  else if (type === 'history')
    summary =
      dir === 'out'
        ? `with ${frame.with}${frame.before ? ' (older)' : ''}`
        : `with ${frame.with}: ${frame.messages?.length ?? 0} messages${frame.next ? ', more' : ''}`;
  else if (type === 'invite' || type === 'invitation')
    summary = `${frame.name ?? ''} ${frame.phone ?? ''}${frame.status ? ` ${frame.status}` : ''}`;
  logEvent({
    kind: 'im',
    dir,
    source: card.label,
    title: type ?? '?',
    summary,
    path,
    status,
    level:
      type === 'error' || frame.status === 'failed'
        ? 'error'
        : type === 'ping' || type === 'pong'
          ? 'quiet'
          : undefined,
    data: frame,
  });
}
