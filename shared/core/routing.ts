import { LogEvent } from './log-events';
import { mapLimit } from './concurrency';
import { DomainError } from './errors';
import type { Deps } from './ports';
import { smsAllowed } from './phone';
import { chooseServiceNumber } from './service-numbers';
import { encodeSms } from './sms-encoding';
import { formatSmsBody, persistently, sendSmsWithRetry } from './sms-send';
import type {
  Channel,
  Connection,
  MessageRecord,
  ReceiptStatus,
  Recipient,
  ServerFrame,
  UserProfile,
} from './types';

/** Pushes to one recipient's devices run at most this many at once. */
const PUSH_CONCURRENCY = 8;

/** The connections that still count: a lost $disconnect cannot keep anyone online past its expiry. */
export function liveConnections(recipient: Recipient, now: number): Connection[] {
  return recipient.connections.filter((c) => c.expiresAt > now);
}

/**
 * The judgement (claims 1, 3, 4): IM when the recipient is logged in (not in manual offline mode and at least
 * one live connection), otherwise SMS.
 */
export function judge(recipient: Recipient, now: number): Channel {
  return recipient.profile.mode !== 'offline' && liveConnections(recipient, now).length > 0 ? 'im' : 'sms';
}

/** A message as the sender's side knows it, before the judgement gives it a path and a status. */
export type NewMessage = Omit<MessageRecord, 'path' | 'status' | 'reason' | 'sms' | 'sentAt' | 'updatedAt'>;

export type RouteOutcome =
  { kind: 'routed'; message: MessageRecord } | { kind: 'duplicate'; message: MessageRecord | null };

/**
 * Persists a message and delivers it by the judgement. The message row is written first (its id is the
 * idempotency key), so a duplicate is dropped before any side effect and nothing is delivered that is not
 * on record.
 */
export async function routeMessage(
  deps: Deps,
  input: NewMessage,
  recipient: Recipient,
): Promise<RouteOutcome> {
  const now = deps.clock.now();
  const channel = judge(recipient, now);
  const message: MessageRecord = {
    ...input,
    path: [channel],
    status: channel === 'im' ? 'accepted' : 'sending_sms',
    sentAt: now,
    updatedAt: now,
  };
  // The delivery check is set before the message exists, so no crash after this point can strand it: when it
  // fires, an unconfirmed push falls back to SMS and an interrupted SMS send is resumed (onAckTimeout).
  await deps.ack.schedule(message.id, deps.config.ackTimeoutMs);
  if ((await deps.store.putMessage(message)) === 'exists') {
    deps.log.info('message.duplicate', { messageId: input.id });
    return { kind: 'duplicate', message: await deps.store.getMessage(input.id) };
  }
  deps.log.info('message.accepted', { messageId: message.id, via: message.via, route: channel });
  await sendReceipt(deps, { ...message, status: 'accepted' });
  if (channel === 'im') {
    await pushToRecipient(deps, message, recipient, liveConnections(recipient, now));
  } else {
    await deliverBySms(deps, message, recipient.profile);
  }
  return { kind: 'routed', message };
}

/** The frame a recipient's client gets. */
export function messageFrame(message: MessageRecord): ServerFrame {
  return {
    type: 'message',
    id: message.id,
    from: message.from,
    fromName: message.fromName,
    to: message.to,
    text: message.text,
    sentAt: new Date(message.sentAt).toISOString(),
    via: message.via,
  };
}

/**
 * Pushes to every live connection (the delivery check is already set, so a half-open socket still ends in an
 * SMS). Gone connections are deleted; if no push got through, the SMS goes now.
 */
async function pushToRecipient(
  deps: Deps,
  message: MessageRecord,
  recipient: Recipient,
  connections: Connection[],
): Promise<void> {
  const frame = messageFrame(message);
  const results = await mapLimit(connections, PUSH_CONCURRENCY, async (c) => {
    try {
      const result = await deps.im.push(c.connectionId, frame);
      if (result === 'gone') await deps.store.deleteConnection(message.to, c.connectionId);
      return result;
    } catch (err) {
      deps.log.warn('im.push_failed', {
        messageId: message.id,
        connectionId: c.connectionId,
        error: errorName(err),
      });
      return 'error' as const;
    }
  });
  const pushed = results.filter((r) => r === 'ok').length;
  deps.log.info('message.pushed', { messageId: message.id, devices: connections.length, pushed });
  if (pushed > 0) return;
  const claimed = await deps.store.transitionMessage(message.id, ['accepted'], {
    status: 'sending_sms',
    path: ['im', 'sms'],
    updatedAt: deps.clock.now(),
  });
  if (claimed) await deliverBySms(deps, claimed, recipient.profile);
}

/**
 * Sends a message (already claimed as `sending_sms`) to the recipient's phone, from the service number of the
 * recipient's thread with the sender. Honours STOP and the country allow-list.
 */
export async function deliverBySms(deps: Deps, message: MessageRecord, profile: UserProfile): Promise<void> {
  if (profile.optedOut) return failMessage(deps, message, 'opted_out');
  if (!smsAllowed(profile.phone, deps.config.smsCountries))
    return failMessage(deps, message, 'country_not_allowed');
  const now = deps.clock.now();
  const choice = chooseServiceNumber(deps.config.serviceNumbers, profile.threads ?? {}, message.from, now);
  const encoded = encodeSms(formatSmsBody(message.fromName, message.from, message.text));
  let result: { sid: string } | null;
  try {
    result = await sendSmsWithRetry(
      deps,
      {
        from: choice.number,
        to: profile.phone,
        body: encoded.body,
        statusCallbackUrl: `${deps.config.publicUrl}/twilio/sms/status?m=${encodeURIComponent(message.id)}`,
      },
      message.id,
      // A status callback for it means the provider took an earlier try whose answer was lost.
      async () => (await deps.store.getMessage(message.id))?.status === 'sending_sms',
    );
  } catch {
    return failMessage(deps, message, 'provider_error');
  }
  const leg = { from: choice.number, segments: encoded.segments, encoding: encoded.encoding };
  if (!result) {
    // Taken by an earlier try whose answer was lost: its status callback has moved the message on already.
    await deps.store.transitionMessage(message.id, ['sent_sms', 'delivered_sms', 'failed'], { sms: leg });
    return;
  }
  const sid = result.sid;
  const sms = { ...leg, sid };
  const sent = await persistently(deps, message.id, () =>
    deps.store.transitionMessage(message.id, ['sending_sms'], {
      status: 'sent_sms',
      sms,
      updatedAt: deps.clock.now(),
    }),
  );
  deps.log.info('message.sent_sms', {
    messageId: message.id,
    sid,
    segments: sms.segments,
    encoding: sms.encoding,
  });
  if (sent) await sendReceipt(deps, sent);
  else await deps.store.transitionMessage(message.id, ['delivered_sms', 'failed'], { sms });
  if (choice.rebind) await deps.store.setThread(profile.imNumber, choice.number, choice.rebind);
}

async function failMessage(deps: Deps, message: MessageRecord, reason: string): Promise<void> {
  const failed = await deps.store.transitionMessage(message.id, [message.status], {
    status: 'failed',
    reason,
    updatedAt: deps.clock.now(),
  });
  deps.log.info(LogEvent.MessageFailed, { messageId: message.id, reason });
  if (failed) await sendReceipt(deps, failed);
}

/** Tells the sender's connection how its message is doing. Best effort: the status is on record either way. */
export async function sendReceipt(deps: Deps, message: MessageRecord): Promise<void> {
  if (!message.originConnectionId || message.status === 'sending_sms') return;
  const frame: ServerFrame = {
    type: 'receipt',
    clientId: message.clientId,
    id: message.id,
    status: message.status as ReceiptStatus,
    path: message.path,
    ...(message.reason ? { reason: message.reason } : {}),
  };
  try {
    await deps.im.push(message.originConnectionId, frame);
  } catch (err) {
    deps.log.warn('receipt.push_failed', { messageId: message.id, error: errorName(err) });
  }
}

/**
 * The recipient's client confirms a pushed message. Only the first confirmation of a still-pending message
 * counts; a late ack (after the SMS went) or a repeated one changes nothing.
 */
export async function acknowledge(deps: Deps, recipientImNumber: string, messageId: string): Promise<void> {
  const delivered = await deps.store.transitionMessage(
    messageId,
    ['accepted'],
    { status: 'delivered', updatedAt: deps.clock.now() },
    { to: recipientImNumber },
  );
  if (delivered) {
    deps.log.info('message.delivered', { messageId });
    await sendReceipt(deps, delivered);
    return;
  }
  const existing = await deps.store.getMessage(messageId);
  if (!existing || existing.to !== recipientImNumber) {
    throw new DomainError('unknown_message', 'no message with that id was sent to you');
  }
  deps.log.info('message.ack_ignored', { messageId, status: existing.status });
}

/** How often an interrupted send is resumed before the message is reported failed. */
export const MAX_RESENDS = 3;

/**
 * The delivery check, set for every message before it is stored. A push still unconfirmed goes out as SMS
 * (at most once, however often the check fires). An SMS send that a crash interrupted is resumed.
 */
export async function onAckTimeout(deps: Deps, messageId: string): Promise<void> {
  const message = await deps.store.getMessage(messageId);
  if (message?.status === 'accepted') {
    const claimed = await deps.store.transitionMessage(messageId, ['accepted'], {
      status: 'sending_sms',
      path: ['im', 'sms'],
      updatedAt: deps.clock.now(),
    });
    if (!claimed) return;
    deps.log.info('message.ack_timeout', { messageId });
    return smsToRecipient(deps, claimed);
  }
  if (message?.status === 'sending_sms') return resumeSmsSend(deps, message);
}

/**
 * A message left in `sending_sms`: the process sending it may have died before the provider answered. After a
 * grace period longer than any send takes, it is claimed again (guarded on its last update, so only one check
 * wins) and sent. A crash after the provider accepted and before the status was written can therefore repeat
 * that one SMS: at-least-once for that window of milliseconds, rather than a message lost.
 */
async function resumeSmsSend(deps: Deps, message: MessageRecord): Promise<void> {
  // SMS_RESEND_AFTER_MS (default 60 s) is longer than any send with its retries takes.
  const grace = deps.config.smsResendAfterMs;
  const waited = deps.clock.now() - message.updatedAt;
  if (waited < grace) return deps.ack.schedule(message.id, grace - waited);
  if ((message.resends ?? 0) >= MAX_RESENDS) return failMessage(deps, message, 'provider_error');
  const claimed = await deps.store.transitionMessage(
    message.id,
    ['sending_sms'],
    { resends: (message.resends ?? 0) + 1, updatedAt: deps.clock.now() },
    { updatedAt: message.updatedAt },
  );
  if (!claimed) return;
  deps.log.warn('message.sms_resumed', { messageId: message.id, resends: claimed.resends });
  return smsToRecipient(deps, claimed);
}

async function smsToRecipient(deps: Deps, message: MessageRecord): Promise<void> {
  const profile = await deps.store.getUser(message.to);
  if (profile) await deliverBySms(deps, message, profile);
  else await failMessage(deps, message, 'unknown_recipient');
}

/** Twilio's message statuses that end the SMS leg. Others (queued, sent, …) change nothing we report. */
const FINAL_SMS_STATUS: Record<string, 'delivered_sms' | 'failed'> = {
  delivered: 'delivered_sms',
  read: 'delivered_sms',
  undelivered: 'failed',
  failed: 'failed',
};

/**
 * The provider's status callback. Transitions only forward, so duplicate and out-of-order callbacks
 * (a `sent` after `delivered`) change nothing.
 */
export async function onSmsStatus(
  deps: Deps,
  input: { messageId: string; status: string; errorCode?: string },
): Promise<void> {
  const next = FINAL_SMS_STATUS[input.status];
  if (!next) return;
  const updated = await deps.store.transitionMessage(input.messageId, ['sending_sms', 'sent_sms'], {
    status: next,
    ...(next === 'failed'
      ? { reason: `sms_${input.status}${input.errorCode ? `_${input.errorCode}` : ''}` }
      : {}),
    updatedAt: deps.clock.now(),
  });
  deps.log.info(LogEvent.SmsStatus, {
    messageId: input.messageId,
    status: input.status,
    applied: Boolean(updated),
  });
  if (updated) await sendReceipt(deps, updated);
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : 'unknown';
}
