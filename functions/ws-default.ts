import { FrameRefusal } from '../shared/runtime/frames';
import { wsHandler } from '../shared/runtime/ws';

/**
 * $default: a frame no route matched: bad JSON, JSON that is no object (`null`, `[1,2]`, `"ping"`, `5`), no
 * action, or an action this API does not have. Every action route parses with parseFrame, which words the first
 * two the same way, so a client gets one message for each whatever route took the frame.
 */
export const handler = wsHandler('ws-default', { sms: false }, async (_deps, _caller, body) => {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new FrameRefusal('bad_json', 'frame is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new FrameRefusal('bad_frame', 'frame must be a JSON object');
  }
  const action = (json as { action?: unknown }).action;
  // Worded as every validation message is: the field, then its rule (shared/runtime/validation-message.ts).
  if (action === undefined) throw new FrameRefusal('bad_frame', 'action is required');
  if (typeof action !== 'string') throw new FrameRefusal('bad_frame', 'action must be a string');
  throw new FrameRefusal('unknown_action', `action "${action.slice(0, 40)}" is not an action of this API`);
});
