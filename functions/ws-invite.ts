import '../shared/runtime/sms';
import { unauthorized } from '../shared/core/errors';
import { invite } from '../shared/core/invitations/invite';
import { inviteFrame, parseFrame } from '../shared/runtime/frames';
import { wsHandler } from '../shared/runtime/ws';

/** invite (added): an IM user invites a non-IM contact by SMS (claims 6, 13). */
export const handler = wsHandler('ws-invite', { sms: true }, async (deps, caller, body) => {
  const frame = parseFrame(inviteFrame, body);
  const inviter = await deps.users.getUser(caller.imNumber);
  if (!inviter) throw unauthorized('the account no longer exists');
  const invitation = await invite(deps, inviter, { phone: frame.phone, name: frame.name });
  await deps.im.push(caller.connectionId, { kind: 'invitation', invitation });
});
