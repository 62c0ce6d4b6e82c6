import type { APIGatewayProxyWebsocketEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { unauthorized } from '../core/errors';
import { API_SMS_BUDGET_MS } from '../core/im-sms/deadlines';
import { LogEvent } from '../core/log-events';
import { admitFrame } from '../core/login-status/presence';
import type { Deps } from '../core/ports';
import { defaultName } from '../core/provisioning/names';
import { getDeps } from './deps';
import { describeError, wsErrorAnswer } from './error-mappers';
import { ackIdOf, clientIdOf } from './frames';
import { forInvocation } from './invocation';
import { ReplyChannel } from './reply';

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

/** The caller of a WebSocket event, from the authorizer's context; null when it names nobody. */
export function callerOf(event: WsEvent): WsCaller | null {
  const auth = event.requestContext.authorizer ?? {};
  const imNumber = auth.imNumber;
  if (typeof imNumber !== 'string' || !imNumber) return null;
  return {
    imNumber,
    name: typeof auth.name === 'string' ? auth.name : defaultName(imNumber),
    connectionId: event.requestContext.connectionId,
  };
}

/**
 * A WebSocket action route: runs one core call for the caller. A bad frame or a domain error becomes an
 * `error` frame on the same connection, which stays open; nothing is half-written because every core call
 * validates before it writes. Logs carry the Lambda context and the API Gateway request id. Each frame first
 * passes the frame-rate limits (`admitFrame`) unless the route is `unlimited` (acks: limiting them would send the
 * messages they confirm by SMS). The route that takes acks says `ack`: its error frames carry the acked `id`, since
 * acks run in a lane of their own and their answers are not in order with the others' (docs/protocol.md).
 */
export function wsHandler(
  name: string,
  opts: { sms: boolean; unlimited?: boolean; reply?: boolean; ack?: boolean },
  run: (deps: Deps, caller: WsCaller, body: string, event: WsEvent) => Promise<void>,
): (event: WsEvent, context?: Context) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event, context) => {
    let deps: Deps | undefined;
    let reply: ReplyChannel | undefined;
    const connectionId = event.requestContext.connectionId;
    // A two-way route answers its caller's last frame as the route response (reply.ts); others post it.
    const answer = (statusCode: number): APIGatewayProxyStructuredResultV2 => {
      const body = reply?.body();
      return body === undefined ? { statusCode } : { statusCode, body };
    };
    try {
      deps = forInvocation(await getDeps(opts), context, event.requestContext.requestId, API_SMS_BUDGET_MS);
      if (opts.reply) {
        reply = new ReplyChannel(deps.im, connectionId);
        deps = { ...deps, im: reply, sms: reply.guard(deps.sms) };
      }
      const caller = callerOf(event);
      if (!caller) throw unauthorized('connection has no authorized user');
      if (!opts.unlimited) await admitFrame(deps, caller.imNumber, connectionId);
      await run(deps, caller, event.body ?? '', event);
      return answer(200);
    } catch (err) {
      if (!deps) throw err;
      // The error names the frame it answers when that frame has a key: a sendMessage's clientId, an ack's id.
      const errorAnswer = wsErrorAnswer(err, deps.log, name, connectionId, {
        clientId: clientIdOf(event.body),
        ...(opts.ack ? { id: ackIdOf(event.body) } : {}),
      });
      // One line per refused frame, whatever refused it (the frame parser, the core's rules, an unexpected
      // failure): its route and the error frame's code, never its body (it may hold texts or phones).
      deps.log.info(LogEvent.WsFrameRefused, {
        where: name,
        connectionId,
        action: event.requestContext.routeKey,
        reason: errorAnswer.event.kind === 'error' ? errorAnswer.event.code : undefined,
      });
      try {
        await deps.im.push(connectionId, errorAnswer.event);
      } catch (pushErr) {
        deps.log.warn(LogEvent.ErrorFramePushFailed, {
          where: name,
          connectionId,
          ...describeError(pushErr),
        });
      }
      return answer(errorAnswer.statusCode);
    }
  };
}
