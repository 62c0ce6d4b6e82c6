import '../shared/runtime/sms';
import { DomainError } from '../shared/core/errors';
import { parseFrame, sendMessageFrame } from '../shared/core/frames';
import { messageIdFor } from '../shared/core/ids';
import { routeMessage, sendReceipt } from '../shared/core/routing';
import { wsHandler } from '../shared/runtime/ws';

/** sendMessage: an IM from a logged-in client, judged and delivered by IM or SMS (claim 3). */
export const handler = wsHandler('ws-send-message', { sms: true }, async (deps, caller, body) => {
  const frame = parseFrame(sendMessageFrame, body);
  const recipient = await deps.store.getRecipient(frame.to);
  if (!recipient) throw new DomainError('unknown_recipient', `no user has imNumber ${frame.to}`);
  const outcome = await routeMessage(
    deps,
    {
      id: messageIdFor('im', caller.imNumber, frame.clientId),
      from: caller.imNumber,
      fromName: caller.name,
      to: frame.to,
      text: frame.text,
      via: 'im',
      clientId: frame.clientId,
      originConnectionId: caller.connectionId,
    },
    recipient,
  );
  // A retried send (same clientId) is not sent again; the client gets where the original stands.
  if (outcome.kind === 'duplicate' && outcome.message) {
    await sendReceipt(deps, { ...outcome.message, originConnectionId: caller.connectionId });
  }
});
