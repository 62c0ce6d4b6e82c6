import { removeContact } from '../shared/core/contacts/book';
import { contactRefOf, parseFrame, removeContactFrame } from '../shared/runtime/frames';
import { wsHandler } from '../shared/runtime/ws';

/** removeContact (added): by imNumber or by phone. */
export const handler = wsHandler('ws-remove-contact', { sms: false }, async (deps, caller, body) => {
  const ref = contactRefOf(parseFrame(removeContactFrame, body), false);
  const input = 'imNumber' in ref ? { imNumber: ref.imNumber } : { phone: ref.phone };
  await deps.im.push(caller.connectionId, await removeContact(deps, caller.imNumber, input));
});
