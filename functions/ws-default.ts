import { FrameRefusal } from '../shared/runtime/frames';
import { wsHandler } from '../shared/runtime/ws';

/** $default: a frame no route matched: bad JSON, no action, or an action this API does not have. */
export const handler = wsHandler('ws-default', { sms: false }, async (_deps, _caller, body) => {
  let action: unknown;
  try {
    action = JSON.parse(body)?.action;
  } catch {
    throw new FrameRefusal('bad_json', 'frame is not valid JSON');
  }
  // Worded as every validation message is: the field, then its rule (shared/runtime/validation-message.ts).
  if (action === undefined) throw new FrameRefusal('bad_frame', 'action is required');
  if (typeof action !== 'string') throw new FrameRefusal('bad_frame', 'action must be a string');
  throw new FrameRefusal('unknown_action', `action "${action.slice(0, 40)}" is not an action of this API`);
});
