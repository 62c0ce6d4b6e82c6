import { history } from '../shared/core/history/history';
import { historyFrame, parseFrame } from '../shared/runtime/frames';
import { wsHandler } from '../shared/runtime/ws';

/** history (added): one page of the conversation with an IM contact, newest first, both channels. */
export const handler = wsHandler('ws-history', { sms: false }, async (deps, caller, body) => {
  const frame = parseFrame(historyFrame, body);
  const page = await history(deps, caller.imNumber, {
    with: frame.with,
    before: frame.before,
    limit: frame.limit,
  });
  await deps.im.push(caller.connectionId, page);
});
