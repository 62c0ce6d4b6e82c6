import { updateProfile } from '../shared/core/contacts/book';
import { parseFrame, updateProfileFrame } from '../shared/runtime/frames';
import { wsHandler } from '../shared/runtime/ws';

/** updateProfile (added): the caller's name, mood phrase and avatar URL. */
export const handler = wsHandler('ws-update-profile', { sms: false }, async (deps, caller, body) => {
  const frame = parseFrame(updateProfileFrame, body);
  const changes = { name: frame.name, mood: frame.mood, avatarUrl: frame.avatarUrl };
  await deps.im.push(caller.connectionId, await updateProfile(deps, caller.imNumber, changes));
});
