import { DomainError } from '../errors';
import { LogEvent } from '../log-events';
import type { Deps } from '../ports';
import { sendReceipt } from './receipts';

/**
 * The recipient's client confirms a pushed message. Only the first confirmation of a still-pending message
 * counts; a late ack (after the SMS went) or a repeated one changes nothing. Throws `unknown_message` when no
 * message with that id was sent to this recipient.
 */
export async function acknowledge(deps: Deps, recipientImNumber: string, messageId: string): Promise<void> {
  const delivered = await deps.messages.transitionMessage(
    messageId,
    ['accepted'],
    { status: 'delivered', updatedAt: deps.clock.now() },
    { to: recipientImNumber },
  );
  if (delivered) {
    deps.log.info(LogEvent.MessageDelivered, { messageId });
    await sendReceipt(deps, delivered);
    return;
  }
  const existing = await deps.messages.getMessage(messageId);
  if (!existing || existing.to !== recipientImNumber) {
    throw new DomainError('unknown_message', 'no message with that id was sent to you');
  }
  deps.log.info(LogEvent.MessageAckIgnored, { messageId, status: existing.status });
}
