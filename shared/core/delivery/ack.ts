import { DomainError } from '../errors';
import { LogEvent } from '../log-events';
import type { Deps } from '../ports';
import type { MessageRecord } from '../types';
import { addSample, shouldRecord, waitSettings } from './ack-wait';
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
 * the snapshot the message kept of them, so no read. Written to the connection row only when it changes that
 * connection's wait enough to matter, or restamps when it was last heard from (`shouldRecord`): a steady link costs
 * no write per ack. Best effort: a failed write loses one sample, never the ack. Concurrent acks on one
 * connection each start from the stats their own message saw; the last write wins.
 */
async function recordRoundTrip(deps: Deps, message: MessageRecord, connectionId: string): Promise<void> {
  const before = message.links?.[connectionId];
  if (!before) return;
  const now = deps.clock.now();
  const settings = waitSettings(deps.config);
  const after = { ...addSample(before, now - message.sentAt, settings.ceilingMs), seenAt: now };
  if (!shouldRecord(before, after, now, settings)) return;
  try {
    await deps.logins.recordLink(message.to, connectionId, after);
  } catch (err) {
    deps.log.warn(LogEvent.LinkStatsWriteFailed, {
      messageId: message.id,
      connectionId,
      err,
    });
  }
}
