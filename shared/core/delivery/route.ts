import { judge, liveConnections } from '../judgement/judge';
import { LogEvent } from '../log-events';
import type { Deps } from '../ports';
import type { MessageRecord, Recipient } from '../types';
import { pushPlan } from './ack-wait';
import { pushToRecipient } from './push';
import { sendReceipt } from './receipts';
import { deliverBySms } from './sms-leg';

/** A message as the sender's side knows it, before the judgement gives it a path and a status. */
export type NewMessage = Omit<MessageRecord, 'path' | 'status' | 'reason' | 'sms' | 'sentAt' | 'updatedAt'>;

/**
 * How much earlier than its delay a delivery check may run, for the store's write to count as possibly too late
 * for it (ms): clocks of different hosts (the route's, the queue's, the check's) differ a little. At most half
 * the wait, so a short wait is not set twice for every message.
 */
export const CHECK_CLOCK_SKEW_MS = 1_000;

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
  const live = channel === 'im' ? liveConnections(recipient, now) : [];
  // IM: the wait learned from the connections (ack-wait.ts), the longest any outcome of the push could give.
  const plan = channel === 'im' ? pushPlan(live, now, deps.config) : undefined;
  const ackWaitMs = plan?.ackWaitMs ?? deps.config.ackTimeoutMs;
  const message: MessageRecord = {
    ...input,
    path: [channel],
    status: channel === 'im' ? 'accepted' : 'sending_sms',
    sentAt: now,
    updatedAt: now,
    ...plan,
  };
  // The delivery check is set before the message exists, so no crash after this point can strand it: when it
  // fires, an unconfirmed push falls back to SMS and an interrupted SMS send is resumed (onAckTimeout).
  const scheduledAt = deps.clock.now();
  await deps.ack.schedule(message.id, ackWaitMs);
  if ((await deps.messages.putMessage(message)) === 'exists') {
    deps.log.info(LogEvent.MessageDuplicate, { messageId: input.id });
    return { kind: 'duplicate', message: await deps.messages.getMessage(input.id) };
  }
  // A check that comes due before the row is written finds no message, and that ends it. Under overload the
  // write can outlast a short wait (a 3 s one took longer on a starved process): then the check is set again,
  // a full wait from now, since the push has not even started. Idempotent, like every check.
  if (deps.clock.now() - scheduledAt >= Math.max(ackWaitMs - CHECK_CLOCK_SKEW_MS, ackWaitMs / 2)) {
    deps.log.warn(LogEvent.AckCheckRescheduled, { messageId: message.id });
    await deps.ack.schedule(message.id, ackWaitMs);
  }
  deps.log.info(LogEvent.MessageAccepted, { messageId: message.id, via: message.via, route: channel });
  await sendReceipt(deps, { ...message, status: 'accepted' });
  if (channel === 'im') {
    await pushToRecipient(deps, message, recipient.profile, live);
  } else {
    await deliverBySms(deps, message, recipient.profile);
  }
  return { kind: 'routed', message };
}
