import { disconnect } from '../shared/core/login-status/presence';
import type { Context } from 'aws-lambda';
import { getDeps } from '../shared/runtime/deps';
import { forInvocation } from '../shared/runtime/invocation';
import { callerOf, type WsEvent } from '../shared/runtime/ws';

/** $disconnect: remove the connection. Best effort; connection rows also expire. */
export async function handler(event: WsEvent, context?: Context): Promise<{ statusCode: number }> {
  const deps = forInvocation(await getDeps({ sms: false }), context, event.requestContext.requestId);
  const caller = callerOf(event);
  if (caller) await disconnect(deps, caller.imNumber, caller.connectionId);
  return { statusCode: 200 };
}
