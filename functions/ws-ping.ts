import { keepAlive } from '../shared/core/login-status/presence';
import { parseFrame, pingFrame } from '../shared/runtime/frames';
import { wsHandler } from '../shared/runtime/ws';

/** ping → pong, and the connection stays counted as live. */
export const handler = wsHandler('ws-ping', { sms: false }, async (deps, caller, body) => {
  parseFrame(pingFrame, body);
  await keepAlive(deps, caller.imNumber, caller.connectionId);
  await deps.im.push(caller.connectionId, { kind: 'alive' });
});
