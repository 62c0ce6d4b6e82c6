import type { APIGatewayProxyWebsocketEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DomainError, isDomainError } from '../core/errors';
import { clientIdOf } from '../core/frames';
import type { Deps } from '../core/ports';
import { describeError } from '../adapters/logger';
import { getDeps } from './deps';

/** Who is on this connection, as the $connect authorizer said (API Gateway passes its context on every event). */
export interface WsCaller {
  imNumber: string;
  name: string;
  connectionId: string;
}

/** API Gateway's WebSocket events carry the authorizer context, which aws-lambda's type leaves out. */
export type WsEvent = APIGatewayProxyWebsocketEventV2 & {
  requestContext: APIGatewayProxyWebsocketEventV2['requestContext'] & {
    authorizer?: Record<string, unknown> | null;
  };
};

export function callerOf(event: WsEvent): WsCaller | null {
  const auth = event.requestContext.authorizer ?? {};
  const imNumber = auth.imNumber;
  if (typeof imNumber !== 'string' || !imNumber) return null;
  return {
    imNumber,
    name: typeof auth.name === 'string' ? auth.name : `u${imNumber}`,
    connectionId: event.requestContext.connectionId,
  };
}

/**
 * A WebSocket action route: runs one core call for the caller. A bad frame or a domain error becomes an
 * `error` frame on the same connection, which stays open; nothing is half-written because every core call
 * validates before it writes.
 */
export function wsHandler(
  name: string,
  opts: { sms: boolean },
  run: (deps: Deps, caller: WsCaller, body: string, event: WsEvent) => Promise<void>,
): (event: WsEvent) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event) => {
    let deps: Deps | undefined;
    const connectionId = event.requestContext.connectionId;
    try {
      deps = await getDeps(opts);
      const caller = callerOf(event);
      if (!caller) throw new DomainError('unauthorized', 'connection has no authorized user', 401);
      await run(deps, caller, event.body ?? '', event);
      return { statusCode: 200 };
    } catch (err) {
      if (!deps) throw err;
      const frameErr = isDomainError(err) ? err : new DomainError('internal', 'internal error', 500);
      if (!isDomainError(err))
        deps.log.error('handler.failed', { where: name, connectionId, ...describeError(err) });
      const clientId = clientIdOf(event.body);
      try {
        await deps.im.push(connectionId, {
          type: 'error',
          code: frameErr.code,
          message: frameErr.message,
          ...(clientId ? { clientId } : {}),
        });
      } catch (pushErr) {
        deps.log.warn('error_frame.push_failed', { where: name, connectionId, ...describeError(pushErr) });
      }
      return { statusCode: frameErr.status };
    }
  };
}
