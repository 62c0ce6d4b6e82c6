import { LogEvent } from '../log-events';
import type { Deps } from '../ports';
import type { MessageRecord } from '../types';

/**
 * Tells the sender's connection how its message is doing (`sending_sms` is internal and never reported). Best
 * effort: the status is on record either way.
 */
export async function sendReceipt(deps: Deps, message: MessageRecord): Promise<void> {
  if (!message.originConnectionId || message.status === 'sending_sms' || message.status === 'routing') return;
  try {
    await deps.im.push(message.originConnectionId, { kind: 'receipt', message });
  } catch (err) {
    deps.log.warn(LogEvent.ReceiptPushFailed, { messageId: message.id, err });
  }
}
