import { DomainError } from '../errors';
import { messageIdFor } from '../ids';
import type { Deps } from '../ports';
import { routeMessage } from './route';
import { sendReceipt } from './receipts';

/** The sender of an IM: who is logged in on which connection. */
export interface ImSender {
  imNumber: string;
  name: string;
  connectionId: string;
}

/**
 * An IM from a logged-in client (claim 3): checks the recipient, then judges and delivers by IM or SMS. A
 * retried send (same clientId) is not sent again; the client gets a receipt of where the original stands.
 * Errors (nothing stored or sent): `invalid_recipient` for the sender's own imNumber, `unknown_recipient` for an
 * imNumber nobody has.
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
    await sendReceipt(deps, { ...outcome.message, originConnectionId: sender.connectionId });
  }
}
