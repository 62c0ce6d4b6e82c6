import { parseFrame, setPresenceFrame } from '../shared/runtime/frames';
import { setPresence } from '../shared/core/login-status/presence';
import { wsHandler } from '../shared/runtime/ws';

/** setPresence: manual offline mode on or off. */
export const handler = wsHandler('ws-set-presence', { sms: false }, async (deps, caller, body) => {
  const frame = parseFrame(setPresenceFrame, body);
  await setPresence(deps, caller.imNumber, caller.connectionId, frame.status);
});
