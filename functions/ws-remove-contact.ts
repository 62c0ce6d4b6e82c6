import { removeContact } from '../shared/core/contacts/book';
import { contactRefOf, parseFrame, removeContactFrame } from '../shared/runtime/frames';
import { wsHandler } from '../shared/runtime/ws';

/**
 * removeContact (added): by imNumber or by phone. Answered with the removed contact as getContacts showed it (its
 * own current name, profile and presence: book.ts contactView).
 */
export const handler = wsHandler('ws-remove-contact', { sms: false }, async (deps, caller, body) => {
  const ref = contactRefOf(parseFrame(removeContactFrame, body), false);
  const input = 'imNumber' in ref ? { imNumber: ref.imNumber } : { phone: ref.phone };
  await deps.im.push(caller.connectionId, await removeContact(deps, caller.imNumber, input));
});
