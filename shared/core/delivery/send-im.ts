import { DomainError } from '../errors';
import { messageIdFor } from '../ids';
import { LogEvent } from '../log-events';
import type { Deps } from '../ports';
import type { MessageRecord, MessageStatus } from '../types';
import { routeMessage } from './route';
import { sendReceipt } from './receipts';

/** The sender of an IM: who is logged in on which connection. */
export interface ImSender {
  imNumber: string;
  name: string;
  connectionId: string;
}

/**
 * An IM from a logged-in client (claim 3): checks the recipient, then judges and delivers by IM or SMS. The
 * message's id is derived from the sender and its clientId, so a clientId is remembered as long as the message
 * row is kept (message rows have no expiry). A retried send of the same message (same clientId, same `to`, same
 * text, compared with the row's own `to` and `text`) is not sent again; the client gets a receipt of where the
 * original stands. Errors (nothing stored or sent): `invalid_recipient` for the sender's own imNumber,
 * `unknown_recipient` for an imNumber nobody has, `client_id_reused` (kind conflict) for a different message
 * under a clientId the sender already used.
 */
export async function sendInstantMessage(
  deps: Deps,
  sender: ImSender,
  input: { to: string; text: string; clientId: string },
): Promise<void> {
  if (input.to === sender.imNumber) {
    throw new DomainError('invalid_recipient', 'to must be another user; you cannot message yourself');
  }
  const recipient = await deps.logins.getRecipient(input.to);
  if (!recipient) throw new DomainError('unknown_recipient', `no user has imNumber ${input.to}`);
  const outcome = await routeMessage(
    deps,
    {
      id: messageIdFor('im', sender.imNumber, input.clientId),
      from: sender.imNumber,
      fromName: sender.name,
      to: input.to,
      text: input.text,
      via: 'im',
      clientId: input.clientId,
      originConnectionId: sender.connectionId,
    },
    recipient,
  );
  if (outcome.kind === 'duplicate' && outcome.message) {
    if (!sameMessage(outcome.message, input)) {
      // Not a resend: another message under a used clientId. Refused, not dropped in silence (nothing of it is
      // stored or sent); the log names the message kept, never the texts.
      deps.log.info(LogEvent.MessageClientIdReused, { messageId: outcome.message.id });
      throw new DomainError(
        'client_id_reused',
        'clientId was already used for another message (another recipient or text); use a fresh clientId for each new message',
        'conflict',
      );
    }
    const current = await followSender(deps, outcome.message, sender.connectionId);
    await sendReceipt(deps, { ...current, originConnectionId: sender.connectionId });
  }
}

/**
 * Whether a send under a used clientId is a resend of the message `kept` under it: the same recipient and the
 * same text, exactly as stored (the row holds both; the sender is the same by the id's derivation).
 */
export function sameMessage(kept: MessageRecord, input: { to: string; text: string }): boolean {
  return kept.to === input.to && kept.text === input.text;
}

/** Statuses a message can still leave: a receipt may still follow each. */
const UNSETTLED: MessageStatus[] = ['routing', 'accepted', 'sending_sms', 'sent_sms'];

/**
 * A resend from another connection (the sender reconnected, and resent to learn where its message stands):
 * the receipts still to come go to that connection from now on, not to the closed one. One conditional write,
 * only on such a resend, and only while the message can still change; it returns the message as it stands after
 * it, so a status reached just before the move is in the resend's answer rather than lost with the old socket.
 * Returns the message as best known (the one read, if it has settled meanwhile).
 */
async function followSender(
  deps: Deps,
  message: MessageRecord,
  connectionId: string,
): Promise<MessageRecord> {
  if (message.originConnectionId === connectionId || !UNSETTLED.includes(message.status)) return message;
  const moved = await deps.messages.transitionMessage(message.id, UNSETTLED, {
    originConnectionId: connectionId,
  });
  return moved ?? (await deps.messages.getMessage(message.id)) ?? message;
}
