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
  if (typeof action !== 'string') throw new FrameRefusal('bad_frame', 'frame needs an "action"');
  throw new FrameRefusal('unknown_action', `unknown action "${action.slice(0, 40)}"`);
});
