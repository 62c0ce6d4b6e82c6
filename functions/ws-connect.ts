import { DomainError } from '../shared/core/errors';
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
  try {
    await connect(deps, caller.imNumber, caller.connectionId);
  } catch (err) {
    // Over the per-user connection cap: API Gateway refuses the handshake with this status.
    if (err instanceof DomainError && err.kind === 'rate_limited') return { statusCode: 429 };
    throw err;
  }
  return { statusCode: 200 };
}
