import { LogEvent } from '../log-events';
import type { Deps } from '../ports';
import type { MessageRecord } from '../types';

/**
 * Tells the sender's connection how its message is doing (`sending_sms` is internal and never reported). Best
 * effort: the status is on record either way. Only a message a client sent over IM has a connection to tell, and
 * it was stored with its sendMessage's clientId (send-im.ts sets both), so every receipt carries that clientId
 * (docs/protocol.md: the receipt's `clientId` is always there); a record without one gets no receipt.
 */
export async function sendReceipt(deps: Deps, message: MessageRecord): Promise<void> {
  const { originConnectionId, clientId } = message;
  if (!originConnectionId || !clientId || message.status === 'sending_sms' || message.status === 'routing') {
    return;
  }
  try {
    await deps.im.push(originConnectionId, { kind: 'receipt', message: { ...message, clientId } });
  } catch (err) {
    deps.log.warn(LogEvent.ReceiptPushFailed, { messageId: message.id, err });
  }
}
