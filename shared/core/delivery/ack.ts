import { DomainError } from '../errors';
import { LogEvent } from '../log-events';
import type { Deps } from '../ports';
import type { MessageRecord } from '../types';
import { learnedStats, waitSettings } from './ack-wait';
import { sendReceipt } from './receipts';

/**
 * The recipient's client confirms a pushed message. Only the first confirmation of a still-pending message
 * counts; a late ack (after the SMS went) or a repeated one changes nothing. Either way, when `connectionId`
 * (the connection the ack came on) is given, its round trip is a sample of that connection's link
 * ({@link recordRoundTrip}). Throws `unknown_message` when no message with that id was sent to this recipient.
 */
export async function acknowledge(
  deps: Deps,
  recipientImNumber: string,
  messageId: string,
  connectionId?: string,
): Promise<void> {
  const delivered = await deps.messages.transitionMessage(
    messageId,
    ['accepted'],
    { status: 'delivered', updatedAt: deps.clock.now() },
    { to: recipientImNumber },
  );
  if (delivered) {
    deps.log.info(LogEvent.MessageDelivered, { messageId });
    await sendReceipt(deps, delivered);
    if (connectionId) await recordRoundTrip(deps, delivered, connectionId);
    return;
  }
  const existing = await deps.messages.getMessage(messageId);
  if (!existing || existing.to !== recipientImNumber) {
    throw new DomainError('unknown_message', 'no message with that id was sent to you');
  }
  deps.log.info(LogEvent.MessageAckIgnored, { messageId, status: existing.status });
  // A late ack is the most telling sample of all: the link is slower than its wait said.
  if (connectionId && existing.status !== 'delivered') await recordRoundTrip(deps, existing, connectionId);
}

/**
 * One ack round trip (from the message's `sentAt` to now) added to the stats of the connection it came on, from
 * the snapshot the message kept of them, so no read. Written to the connection row only when it moves that
 * connection's wait to another bucket (`learnedStats`): a steady link costs one write, then none. The write is
 * conditional on the row still holding the stats the message saw (its `samples`), so when acks race, the first
 * to write wins and the others, computed from stats since replaced, are let go rather than overwrite newer ones
 * with older. Best effort: a failed write loses one sample, never the ack.
 */
async function recordRoundTrip(deps: Deps, message: MessageRecord, connectionId: string): Promise<void> {
  const before = message.links?.[connectionId];
  if (!before) return;
  const now = deps.clock.now();
  const after = learnedStats(before, now - message.sentAt, now, waitSettings(deps.config));
  if (!after) return;
  try {
    await deps.logins.recordLink(message.to, connectionId, after, before.samples ?? 0);
  } catch (err) {
    deps.log.warn(LogEvent.LinkStatsWriteFailed, {
      messageId: message.id,
      connectionId,
      err,
    });
  }
}
