// A simulated phone texts a service number: the one way both the phone card and the IM card's offline mode do it.
import { api } from './api.js';
import { markLogged, pollNow } from './inbox.js';
import { logEvent } from './log.js';
import { recordSent } from './outbox.js';

/**
 * Sends `body` from phone `from` to service number `to` through the sandbox (`POST /sandbox/sms`), records it in
 * that phone's outbox (so every card watching the phone shows it) and in the activity log, labelled `source`.
 * @returns {Promise<{sid: string}>} the sandbox's answer
 * @throws the sandbox's error (the outbox entry is then marked failed and the log says why)
 */
export async function textFromPhone({ from, to, body, source }) {
  const update = recordSent(from, {
    sid: null,
    from,
    to,
    body,
    sentAt: Date.now(),
    status: 'sending',
    local: true,
  });
  const title = `${from} → ${to}`;
  try {
    const r = await api.sendSms(from, to, body);
    markLogged(r?.sid);
    update({ sid: r?.sid ?? null, status: 'sent' });
    logEvent({
      kind: 'sms',
      dir: 'out',
      source,
      title,
      summary: body,
      path: 'sms',
      status: 'sent',
      data: { from, to, body, sid: r?.sid },
    });
    pollNow(from);
    return r;
  } catch (err) {
    update({ status: 'failed' });
    logEvent({
      kind: 'sms',
      dir: 'out',
      source,
      title,
      summary: `${body} (${err.message})`,
      status: 'failed',
      level: 'error',
    });
    throw err;
  }
}
