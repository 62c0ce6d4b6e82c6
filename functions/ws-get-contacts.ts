import '../shared/runtime/sms';
import { getContacts } from '../shared/core/contacts/book';
import { expireInvitationsOf } from '../shared/core/invitations/invite';
import { getContactsFrame, parseFrame } from '../shared/runtime/frames';
import { wsHandler } from '../shared/runtime/ws';

/**
 * getContacts (added): one page of the caller's contact list with each IM contact's presence (`nextCursor` when
 * more follow), or "unchanged". On a first page (no cursor), invitations of the caller's that ran out are expired
 * first, and the caller told of each.
 */
export const handler = wsHandler('ws-get-contacts', { sms: true }, async (deps, caller, body) => {
  const frame = parseFrame(getContactsFrame, body);
  if (frame.cursor === undefined) await expireInvitationsOf(deps, caller.imNumber);
  const query = { since: frame.since, cursor: frame.cursor, limit: frame.limit };
  await deps.im.push(caller.connectionId, await getContacts(deps, caller.imNumber, query));
});
