import { connect } from '../shared/core/login-status/presence';
import type { Context } from 'aws-lambda';
import { getDeps } from '../shared/runtime/deps';
import { forInvocation } from '../shared/runtime/invocation';
import { callerOf, type WsEvent } from '../shared/runtime/ws';

/** $connect: the authorizer has vouched for the caller; register the connection in the login-status table. */
export async function handler(event: WsEvent, context?: Context): Promise<{ statusCode: number }> {
  const deps = forInvocation(await getDeps({ sms: false }), context, event.requestContext.requestId);
  const caller = callerOf(event);
  if (!caller) return { statusCode: 401 };
  await connect(deps, caller.imNumber, caller.connectionId);
  return { statusCode: 200 };
}
