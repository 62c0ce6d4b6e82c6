import { mapLimit } from '../concurrency';
import { LogEvent } from '../log-events';
import { removeConnection } from '../login-status/presence';
import type { Deps } from '../ports';
import type { Connection, MessageRecord, UserProfile } from '../types';
import { deliverBySms, smsToRecipient } from './sms-leg';
import { messageWait, waitSettings } from './ack-wait';

/** A wait this much (ms) shorter than the one scheduled is worth a second, earlier delivery check. */
const RECHECK_GAIN_MS = 1_000;

/**
 * Some pushes failed: the wait the check was scheduled with counted every connection, and only the ones the push
 * reached can ack. When those give a wait shorter by {@link RECHECK_GAIN_MS} or more, a second check is scheduled
 * for then (the first still fires, finds the message settled, and does nothing).
 */
async function recheckSooner(
  deps: Deps,
  message: MessageRecord,
  connections: Connection[],
  results: Array<'ok' | 'gone' | 'error'>,
): Promise<void> {
  const reached = connections.map((connection, i) => ({ connection, pushed: results[i] === 'ok' }));
  const wait = messageWait(reached, message.sentAt, waitSettings(deps.config));
  const scheduled = message.ackWaitMs ?? deps.config.ackTimeoutMs;
  if (scheduled - wait < RECHECK_GAIN_MS) return;
  const elapsed = deps.clock.now() - message.sentAt;
  await deps.ack.schedule(message.id, Math.max(0, wait - elapsed));
}

/** Pushes to one recipient's devices run at most this many at once. */
const PUSH_CONCURRENCY = 8;

/**
 * How long after its row is written (`Connection.connectedAt`, ms) a connection may still be in its WebSocket
 * handshake. The $connect handler writes the row, then API Gateway completes the handshake only when the handler
 * returns; a post before that is answered 410 Gone although the socket is about to open. The $connect function's
 * Lambda timeout is 10 s (infra/aws/parts/functions.ts `timeoutFor`; test/infra/ack-batch.test.ts holds it to
 * this window), so no handshake that can still succeed is older than this. A Gone on a younger row keeps the row
 * (a socket that never opens expires with its TTL, or is deleted by the next Gone after the window).
 */
export const HANDSHAKE_WINDOW_MS = 10_000;

/**
 * The IM leg: pushes to every live connection (the delivery check is already set, so a half-open socket still
 * ends in an SMS). Gone connections are deleted, except those younger than {@link HANDSHAKE_WINDOW_MS} (maybe
 * still in their handshake); if no push got through, the SMS goes now either way: to `profile` (the recipient as
 * the judgement read it), or, when the caller has none (a text routed on its webhook's judgement), to the profile
 * read again (strongly consistent).
 */
export async function pushToRecipient(
  deps: Deps,
  message: MessageRecord,
  profile: UserProfile | undefined,
  connections: Connection[],
): Promise<void> {
  const results = await mapLimit(connections, PUSH_CONCURRENCY, async (c) => {
    try {
      const result = await deps.im.push(c.connectionId, { kind: 'message', message });
      if (result === 'gone') {
        const age = deps.clock.now() - c.connectedAt;
        // The row goes as on a disconnect: if it was the recipient's last, their contacts are told (best effort).
        if (age >= HANDSHAKE_WINDOW_MS)
          await removeConnection(deps, message.to, c.connectionId).catch((err: unknown) =>
            deps.log.warn(LogEvent.PresenceGoneFailed, {
              imNumber: message.to,
              connectionId: c.connectionId,
              err,
            }),
          );
        else
          deps.log.info(LogEvent.ImPushGoneInHandshake, {
            messageId: message.id,
            connectionId: c.connectionId,
          });
      }
      return result;
    } catch (err) {
      deps.log.warn(LogEvent.ImPushFailed, {
        messageId: message.id,
        connectionId: c.connectionId,
        err,
      });
      return 'error' as const;
    }
  });
  const pushed = results.filter((r) => r === 'ok').length;
  const gone = results.filter((r) => r === 'gone').length;
  deps.log.info(LogEvent.MessagePushed, { messageId: message.id, devices: connections.length, pushed, gone });
  if (pushed > 0) {
    if (pushed < connections.length) await recheckSooner(deps, message, connections, results);
    return;
  }
  const claimed = await deps.messages.transitionMessage(message.id, ['accepted'], {
    status: 'sending_sms',
    path: ['im', 'sms'],
    updatedAt: deps.clock.now(),
  });
  if (!claimed) return;
  if (profile) await deliverBySms(deps, claimed, profile);
  else await smsToRecipient(deps, claimed);
}
