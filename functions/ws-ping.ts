import { parseFrame, pingFrame } from '../shared/core/frames';
import { ping } from '../shared/core/presence';
import { wsHandler } from '../shared/runtime/ws';

/** ping → pong, and the connection stays counted as live. */
export const handler = wsHandler('ws-ping', { sms: false }, async (deps, caller, body) => {
  parseFrame(pingFrame, body);
  await ping(deps, caller.imNumber, caller.connectionId);
});
