import { acknowledge } from '../shared/core/delivery/ack';
import { ackFrame, parseFrame } from '../shared/runtime/frames';
import { wsHandler } from '../shared/runtime/ws';

/** ack: the recipient's client got a pushed message; it counts as delivered now. Its errors name the acked id. */
export const handler = wsHandler(
  'ws-ack',
  { sms: false, unlimited: true, ack: true },
  async (deps, caller, body) => {
    const frame = parseFrame(ackFrame, body);
    await acknowledge(deps, caller.imNumber, frame.id, caller.connectionId);
  },
);
