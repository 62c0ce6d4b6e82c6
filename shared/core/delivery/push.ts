import { mapLimit } from '../concurrency';
import { LogEvent } from '../log-events';
import type { Deps } from '../ports';
import type { Connection, MessageRecord, Recipient } from '../types';
import { errorName } from './errors';
import { deliverBySms } from './sms-leg';

/** Pushes to one recipient's devices run at most this many at once. */
const PUSH_CONCURRENCY = 8;

/**
 * The IM leg: pushes to every live connection (the delivery check is already set, so a half-open socket still
 * ends in an SMS). Gone connections are deleted; if no push got through, the SMS goes now.
 */
export async function pushToRecipient(
  deps: Deps,
  message: MessageRecord,
  recipient: Recipient,
  connections: Connection[],
): Promise<void> {
  const results = await mapLimit(connections, PUSH_CONCURRENCY, async (c) => {
    try {
      const result = await deps.im.push(c.connectionId, { kind: 'message', message });
      if (result === 'gone') await deps.logins.deleteConnection(message.to, c.connectionId);
      return result;
    } catch (err) {
      deps.log.warn(LogEvent.ImPushFailed, {
        messageId: message.id,
        connectionId: c.connectionId,
        error: errorName(err),
      });
      return 'error' as const;
    }
  });
  const pushed = results.filter((r) => r === 'ok').length;
  const gone = results.filter((r) => r === 'gone').length;
  deps.log.info(LogEvent.MessagePushed, { messageId: message.id, devices: connections.length, pushed, gone });
  if (pushed > 0) return;
  const claimed = await deps.messages.transitionMessage(message.id, ['accepted'], {
    status: 'sending_sms',
    path: ['im', 'sms'],
    updatedAt: deps.clock.now(),
  });
  if (claimed) await deliverBySms(deps, claimed, recipient.profile);
}
