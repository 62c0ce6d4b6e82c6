import { getContacts } from '../shared/core/contacts/book';
import { getContactsFrame, parseFrame } from '../shared/runtime/frames';
import { wsHandler } from '../shared/runtime/ws';

/** getContacts (added): the caller's contact list with each IM contact's presence, or "unchanged". */
export const handler = wsHandler('ws-get-contacts', { sms: false }, async (deps, caller, body) => {
  const frame = parseFrame(getContactsFrame, body);
  await deps.im.push(caller.connectionId, await getContacts(deps, caller.imNumber, frame.since));
});
