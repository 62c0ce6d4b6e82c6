import { pushPlan } from '../delivery/ack-wait';
import { pushToRecipient } from '../delivery/push';
import type { NewMessage, RouteOutcome } from '../delivery/route';
import { deliverBySms, failMessage, smsToRecipient } from '../delivery/sms-leg';
import { judge, liveConnections } from '../judgement/judge';
import { LogEvent } from '../log-events';
import type { Deps } from '../ports';
import type { Connection, MessageRecord, Recipient } from '../types';

/**
 * A text from a phone is stored and then routed off its webhook, so the provider's wait (Twilio gives up after
 * 15 s and, by default, never retries) is the store's alone, never a push's or an SMS send's with its retries.
 *
 * The message row is written as `routing` (internal, like `sending_sms`; on the wire it reads `accepted`) and
 * a delivery check due at once routes it ({@link routeStored}, run by the durable timer: SQS on AWS, the
 * table-backed timer locally). That check is set after the row exists (a check that ran first would find
 * nothing to route), so a safety check is set before it, as for every message: if the process dies between the
 * store and the check due at once, the safety check routes the text, later but once. Its id comes from the
 * MessageSid, so the provider's retry of the same text is a duplicate. The judgement is made here, on
 * `recipient` (the webhook's own strongly consistent read, which it made anyway to know whether the recipient
 * exists), and stored with the row (`judged`, and the IM plan), so routing it reads the recipient no more.
 * Returns as `routeMessage` does.
 */
export async function storeForRouting(
  deps: Deps,
  input: NewMessage,
  recipient: Recipient,
): Promise<RouteOutcome> {
  const now = deps.clock.now();
  const channel = judge(recipient, now);
  // IM: the wait learned from the connections live now (docs/design.md, "The ack wait"), and their snapshot,
  // which is what the routing check pushes to.
  const plan = channel === 'im' ? pushPlan(liveConnections(recipient, now), now, deps.config) : undefined;
  const message: MessageRecord = {
    ...input,
    path: [],
    status: 'routing',
    judged: channel,
    sentAt: now,
    updatedAt: now,
    ...plan,
  };
  // Later than any ack check the routing sets, so it never cuts an IM's ack wait short.
  await deps.ack.schedule(message.id, deps.config.smsResendAfterMs);
  if ((await deps.messages.putMessage(message)) === 'exists') {
    deps.log.info(LogEvent.MessageDuplicate, { messageId: input.id });
    const existing = await deps.messages.getMessage(input.id);
    // The provider's retry of a text whose first webhook died before its routing check was set.
    if (existing?.status === 'routing') await deps.ack.schedule(input.id, 0);
    return { kind: 'duplicate', message: existing };
  }
  await deps.ack.schedule(message.id, 0);
  deps.log.info(LogEvent.MessageAccepted, { messageId: message.id, via: message.via, route: 'queued' });
  return { kind: 'routed', message };
}

/**
 * The connections a stored text was judged to go to, from the snapshot its row keeps (`links`): each was live
 * when the webhook read it (`expiresAt` is not kept; nothing past the judgement looks at it).
 */
function judgedConnections(message: MessageRecord): Connection[] {
  return Object.entries(message.links ?? {}).map(([connectionId, link]) => ({
    connectionId,
    expiresAt: message.sentAt,
    ...link,
  }));
}

/**
 * Routes a stored `routing` message (its delivery check, due at once): on the channel its webhook judged (a row
 * from before the webhook judged reads the recipient and judges now), claims the message for that channel (only
 * one check wins), then pushes or texts as {@link routeMessage} does. The ack check of an IM push is set before
 * the claim, so no crash after it can strand the message. An SMS reads the recipient's profile first, strongly
 * consistent, as every SMS leg run by a check does (an opt-out confirmed a moment ago is seen).
 */
export async function routeStored(deps: Deps, message: MessageRecord): Promise<void> {
  if (!message.judged) return routeUnjudged(deps, message);
  const now = deps.clock.now();
  const channel = message.judged;
  if (channel === 'im') await deps.ack.schedule(message.id, message.ackWaitMs ?? deps.config.ackTimeoutMs);
  const claimed = await deps.messages.transitionMessage(message.id, ['routing'], {
    status: channel === 'im' ? 'accepted' : 'sending_sms',
    path: [channel],
    updatedAt: now,
  });
  if (!claimed) return;
  deps.log.info(LogEvent.MessageRouted, { messageId: message.id, route: channel });
  if (channel === 'im') await pushToRecipient(deps, claimed, undefined, judgedConnections(claimed));
  else await smsToRecipient(deps, claimed);
}

/** A `routing` row with no judgement (stored before webhooks judged): read the recipient, judge, route. */
async function routeUnjudged(deps: Deps, message: MessageRecord): Promise<void> {
  const recipient = await deps.logins.getRecipient(message.to);
  if (!recipient) return failMessage(deps, message, 'unknown_recipient');
  const now = deps.clock.now();
  const channel = judge(recipient, now);
  const live = channel === 'im' ? liveConnections(recipient, now) : [];
  const plan = channel === 'im' ? pushPlan(live, now, deps.config) : undefined;
  if (plan) await deps.ack.schedule(message.id, plan.ackWaitMs);
  const claimed = await deps.messages.transitionMessage(message.id, ['routing'], {
    status: channel === 'im' ? 'accepted' : 'sending_sms',
    path: [channel],
    updatedAt: now,
    ...plan,
  });
  if (!claimed) return;
  deps.log.info(LogEvent.MessageRouted, { messageId: message.id, route: channel });
  if (channel === 'im') await pushToRecipient(deps, claimed, recipient.profile, live);
  else await deliverBySms(deps, claimed, recipient.profile);
}
