import '../shared/runtime/sms';
import { sendInstantMessage } from '../shared/core/delivery/send-im';
import { parseFrame, sendMessageFrame } from '../shared/runtime/frames';
import { wsHandler } from '../shared/runtime/ws';

/**
 * sendMessage: an IM from a logged-in client, judged and delivered by IM or SMS (claim 3). A two-way route: the
 * last frame for the sender (its `accepted` receipt, or the receipt or error that followed it) is the route's
 * response rather than an @connections post.
 */
export const handler = wsHandler(
  'ws-send-message',
  { sms: true, reply: true },
  async (deps, caller, body) => {
    const frame = parseFrame(sendMessageFrame, body);
    await sendInstantMessage(deps, caller, { to: frame.to, text: frame.text, clientId: frame.clientId });
  },
);
