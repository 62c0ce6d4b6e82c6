import { disconnect } from '../shared/core/login-status/presence';
import { getDeps } from '../shared/runtime/deps';
import { callerOf, type WsEvent } from '../shared/runtime/ws';

/** $disconnect: remove the connection. Best effort; connection rows also expire. */
export async function handler(event: WsEvent): Promise<{ statusCode: number }> {
  const deps = await getDeps({ sms: false });
  const caller = callerOf(event);
  if (caller) await disconnect(deps, caller.imNumber, caller.connectionId);
  return { statusCode: 200 };
}
