import { LogEvent } from '../log-events';
import type { Deps } from '../ports';
import { routeStored } from '../im-sms/inbound-route';
import type { MessageRecord } from '../types';
import { failMessage, smsToRecipient } from './sms-leg';

/** How often an interrupted send is resumed before the message is reported failed. */
export const MAX_RESENDS = 3;

/**
 * The delivery check, set for every message before it is stored. A push still unconfirmed goes out as SMS
 * (at most once, however often the check fires). An SMS send that a crash interrupted is resumed.
 */
export async function onAckTimeout(deps: Deps, messageId: string): Promise<void> {
  const message = await deps.messages.getMessage(messageId);
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
  const claimed = await deps.messages.transitionMessage(
    message.id,
    ['sending_sms'],
    { resends: (message.resends ?? 0) + 1, updatedAt: deps.clock.now() },
    { updatedAt: message.updatedAt },
  );
  if (!claimed) return;
  deps.log.warn(LogEvent.MessageSmsResumed, { messageId: message.id, resends: claimed.resends });
  return smsToRecipient(deps, claimed);
}
