import { pushPlan } from '../delivery/ack-wait';
import { pushToRecipient } from '../delivery/push';
import type { NewMessage, RouteOutcome } from '../delivery/route';
import { deliverBySms, failMessage, smsToRecipient } from '../delivery/sms-leg';
import { judge, liveConnections } from '../judgement/judge';
import { LogEvent } from '../log-events';
import type { Deps } from '../ports';
import type { Channel, Connection, MessageRecord, Recipient } from '../types';
import { routeCheckKey } from '../delivery/check-key';

/**
 * How long (ms) after a route check first finds no row it sets itself again, by the number of times it found none
 * so far. A route check is set before its row is written (so no crash between the two can strand the text), and
 * due at once, so it can come before the write lands; it then tries again, and after the last delay it ends (the
 * webhook died before its write, or the write never came). Together they cover {@link ROUTE_CHECK_SPAN_MS}.
 */
export const ROUTE_RETRY_DELAYS_MS = [250, 1_000, 4_000, 15_000, 40_000] as const;

/**
 * A store at least this slow (ms) sets a second route check, due at once: the first may have come before the row
 * and its next try be far off. Its first two tries (0.25 s, 1.25 s after it came) bound what a faster store waits
 * (about 1 s at most), so only a store slower than both costs the second check.
 */
export const ROUTE_RECHECK_AFTER_MS = ROUTE_RETRY_DELAYS_MS[0] + ROUTE_RETRY_DELAYS_MS[1];

/** How long (ms) a route check set before its row keeps looking for that row: the sum of its retry delays. */
export const ROUTE_CHECK_SPAN_MS = ROUTE_RETRY_DELAYS_MS.reduce((a, b) => a + b, 0);

/**
 * A text from a phone is stored and then routed off its webhook, so the provider's wait (Twilio gives up after
 * 15 s and, by default, never retries) is the store's alone, never a push's or an SMS send's with its retries.
 *
 * The message row is written as `routing` (internal, like `sending_sms`; on the wire it reads `accepted`), and
 * one check routes it: a route check (delivery/check-key.ts) set before the row, due at once, for the channel
 * judged here (`onRouteCheck`, delivery/ack-timeout.ts). Set before, so a process that dies after the store still has its text
 * routed; if it comes before the row, it sets itself again ({@link ROUTE_RETRY_DELAYS_MS}), and a store slower
 * than {@link ROUTE_RECHECK_AFTER_MS} sets a new one, due at once (so a slow store waits for no later try). Its id comes from the MessageSid, so the provider's retry of the same text
 * is a duplicate (its own route check finds the text routed, or routes it if the first webhook died before).
 * The judgement is made here, on `recipient` (the webhook's own strongly consistent read, which it made anyway to
 * know whether the recipient exists), and stored with the row (`judged`, and the IM plan), so routing it reads
 * neither the recipient nor, when the claim succeeds, the message. Returns as `routeMessage` does.
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
  const scheduledAt = deps.clock.now();
  const routeKey = routeCheckKey(message.id, channel, plan?.ackWaitMs ?? 0);
  await deps.ack.schedule(routeKey, 0);
  if ((await deps.messages.putMessage(message)) === 'exists') {
    deps.log.info(LogEvent.MessageDuplicate, { messageId: input.id });
    // The route check just set routes it if the first webhook died before its own check could.
    return { kind: 'duplicate', message: await deps.messages.getMessage(input.id) };
  }
  // A slow store (rare but under load): the route check may have come before the row, and its next try be far off
  // (or past its last); a new one, due at once, routes the text now.
  if (deps.clock.now() - scheduledAt >= ROUTE_RECHECK_AFTER_MS) {
    deps.log.warn(LogEvent.AckCheckRescheduled, { messageId: message.id });
    await deps.ack.schedule(routeKey, 0);
  }
  deps.log.info(LogEvent.MessageAccepted, { messageId: message.id, via: message.via, route: 'queued' });
  return { kind: 'routed', message };
}

/** A claimed text on its way (an IM push's ack check is set before the claim): the push, or the SMS leg. */
export async function routeClaimed(deps: Deps, claimed: MessageRecord, channel: Channel): Promise<void> {
  deps.log.info(LogEvent.MessageRouted, { messageId: claimed.id, route: channel });
  if (channel === 'im') await pushToRecipient(deps, claimed, undefined, judgedConnections(claimed));
  else await smsToRecipient(deps, claimed);
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
  if (claimed) await routeClaimed(deps, claimed, channel);
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
