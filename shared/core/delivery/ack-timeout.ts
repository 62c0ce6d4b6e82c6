import { LogEvent } from '../log-events';
import type { Deps } from '../ports';
import { ROUTE_RETRY_DELAYS_MS, routeClaimed, routeStored } from '../im-sms/inbound-route';
import type { MessageRecord } from '../types';
import { failMessage, smsToRecipient } from './sms-leg';
import { parseCheckKey, routeCheckKey, type RouteCheck } from './check-key';

/** How often an interrupted send is resumed (tried again after a provider lookup) before the message fails. */
export const MAX_RESENDS = 3;

/**
 * How often a resume may find the provider unanswerable (its lookup failed, so nothing was sent) before the
 * message fails: with the default SMS_RESEND_AFTER_MS of 60 s, about 10 minutes of a provider that cannot be
 * asked. Counted apart from MAX_RESENDS, which counts tries that may have sent.
 */
export const MAX_FAILED_LOOKUPS = 10;

/**
 * The delivery check, set for every message before it is stored, by `key` (delivery/check-key.ts): a message id,
 * or a text's route check ({@link onRouteCheck}). A push still unconfirmed goes out as SMS
 * (at most once, however often the check fires). An SMS send that a crash interrupted is resumed.
 *
 * It reads the message eventually consistent (half a strong read's units) and acts only through conditional
 * writes, so a stale read can cost a refused write but never a wrong action. A message's status only moves on
 * (routing → accepted | sending_sms → delivered | sent_sms → delivered_sms | failed), so a stale read shows the
 * message as it was, never as it will be:
 * - `accepted` (it may be `delivered` or claimed by now): the claim is conditional on `accepted`, and fails.
 * - `sending_sms` (it may have been sent, or claimed again): within the grace period it only sets another check;
 *   after it, the claim is guarded on the `updatedAt` read, which every later write changed, and a `failed` for
 *   too many lookups is conditional on `sending_sms` (the count read can only be lower than the real one).
 * - `routing` (it may be routed by now): the claim is conditional on `routing`; before it fails, the recipient is
 *   read and one more check is set, which finds the message settled.
 * - `delivered`, `sent_sms`, `delivered_sms`, `failed`: nothing to do, and the real status is the same or later.
 * - nothing: the one case a stale read could turn into a wrong action (a check that ends although the message is
 *   stored, stranding an unconfirmed push). So "nothing" is read again strongly, and only that ends the check. It
 *   is rare: a check finds no message only when it fired before the row was written, or the write never came.
 */
export async function onAckTimeout(deps: Deps, key: string): Promise<void> {
  const check = parseCheckKey(key);
  if (check.kind === 'route') return onRouteCheck(deps, check);
  const messageId = check.messageId;
  const message =
    (await deps.messages.getMessage(messageId, { consistent: false })) ??
    (await deps.messages.getMessage(messageId));
  if (message?.status === 'accepted') {
    const claimed = await deps.messages.transitionMessage(messageId, ['accepted'], {
      status: 'sending_sms',
      path: ['im', 'sms'],
      updatedAt: deps.clock.now(),
    });
    if (!claimed) return;
    deps.log.info(LogEvent.MessageAckTimeout, { messageId });
    return smsToRecipient(deps, claimed);
  }
  if (message?.status === 'sending_sms') return resumeSmsSend(deps, message);
  // A text from a phone, stored by its webhook: routed here (im-sms/inbound-route.ts).
  if (message?.status === 'routing') return routeStored(deps, message);
}

/**
 * The route check of a stored text (delivery/check-key.ts): claims it (`routing` → `accepted` or `sending_sms`,
 * for the channel its webhook judged: only one check wins) with a conditional write that returns the row, so the
 * common case reads nothing, then pushes or texts as `routeMessage` does. An IM push's ack check is set before
 * the claim, with the wait the webhook chose (in the key). An SMS reads the recipient's profile first, strongly
 * consistent, as every SMS leg run by a check does (an opt-out confirmed a moment ago is seen); a crash during
 * the leg leaves the check to the timer, which runs it again (SQS redelivers it; the local timer keeps its row
 * until it ran), and that run resumes the leg.
 *
 * When the claim fails, the message is read (strongly: "no row" must be true; DynamoDB could return the row with
 * the failure, `ReturnValuesOnConditionCheckFailure`, but dynalite 4 does not implement it, and the path is rare)
 * and:
 * - no row: the check came before the webhook's write; it sets itself again (or ends after the last try);
 * - `routing`: judged otherwise (a retried webhook's check), or before webhooks judged: routed as stored;
 * - `sending_sms`: its SMS leg may have died mid-send: resumed as any delivery check resumes it;
 * - anything later: nothing to do.
 */
export async function onRouteCheck(deps: Deps, check: RouteCheck): Promise<void> {
  const { messageId, channel } = check;
  // Before the claim, so no crash after it can strand the push (a check that finds the message routed, or not
  // there yet, costs one read when it fires, and does nothing).
  if (channel === 'im') await deps.ack.schedule(messageId, check.waitMs || deps.config.ackTimeoutMs);
  const claimed = await deps.messages.transitionMessage(
    messageId,
    ['routing'],
    { status: channel === 'im' ? 'accepted' : 'sending_sms', path: [channel], updatedAt: deps.clock.now() },
    { judged: channel },
  );
  if (claimed) return routeClaimed(deps, claimed, channel);
  const message = await deps.messages.getMessage(messageId);
  if (!message) {
    const delay = ROUTE_RETRY_DELAYS_MS[check.tries];
    if (delay === undefined)
      return deps.log.warn(LogEvent.RouteCheckGaveUp, { messageId, tries: check.tries });
    return deps.ack.schedule(routeCheckKey(messageId, channel, check.waitMs, check.tries + 1), delay);
  }
  if (message.status === 'routing') return routeStored(deps, message);
  if (message.status === 'sending_sms') return resumeSmsSend(deps, message);
}

/**
 * A message left in `sending_sms`: the process sending it may have died before the provider answered, or the
 * provider could not be asked whether it took a try. After a grace period longer than any send takes, it is
 * claimed again (guarded on its last update, so only one check wins), the provider is asked whether it has it,
 * and only then is it sent. No try of the earlier claim can still be sending then, however slow: each stops 10 s
 * before this grace ends (sms-fence.ts), so the lookup sees whatever it sent. A resume whose lookup fails sends nothing and is no resend (sms-leg.ts gives its
 * count back): MAX_RESENDS bounds the tries that may have sent, MAX_FAILED_LOOKUPS the lookups that failed;
 * past either, the message is `failed` (`provider_error`).
 */
async function resumeSmsSend(deps: Deps, message: MessageRecord): Promise<void> {
  // SMS_RESEND_AFTER_MS (default 60 s, at least 32.5 s) is longer than any send with its retries takes, and the
  // earlier claim's tries have passed their deadline (sms-fence.ts) by then whatever they took.
  const grace = deps.config.smsResendAfterMs;
  const waited = deps.clock.now() - message.updatedAt;
  if (waited < grace) return deps.ack.schedule(message.id, grace - waited);
  if ((message.failedLookups ?? 0) >= MAX_FAILED_LOOKUPS) return failMessage(deps, message, 'provider_error');
  // No try left: one last look, sending nothing. A try that got no answer may have gone: it is found, or the
  // message fails (rather than failing a message whose SMS went).
  const lastLook = (message.resends ?? 0) >= MAX_RESENDS;
  const claimed = await deps.messages.transitionMessage(
    message.id,
    ['sending_sms'],
    { resends: (message.resends ?? 0) + (lastLook ? 0 : 1), updatedAt: deps.clock.now() },
    { updatedAt: message.updatedAt },
  );
  if (!claimed) return;
  deps.log.warn(LogEvent.MessageSmsResumed, { messageId: message.id, resends: claimed.resends, lastLook });
  return smsToRecipient(deps, claimed, { askOnly: lastLook });
}
