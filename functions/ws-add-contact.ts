import { addContact } from '../shared/core/contacts/book';
import { unauthorized } from '../shared/core/errors';
import { addContactFrame, contactRefOf, parseFrame } from '../shared/runtime/frames';
import { wsHandler } from '../shared/runtime/ws';

/** addContact (added): an IM contact by imNumber, or a non-IM contact by phone and name. */
export const handler = wsHandler('ws-add-contact', { sms: false }, async (deps, caller, body) => {
  const input = contactRefOf(parseFrame(addContactFrame, body), true);
  const owner = await deps.users.getUser(caller.imNumber);
  if (!owner) throw unauthorized('the account no longer exists');
  await deps.im.push(caller.connectionId, await addContact(deps, owner, input));
});
