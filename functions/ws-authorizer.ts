import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { verifyToken } from '../shared/core/provisioning/tokens';
import { LogEvent } from '../shared/core/log-events';
import { getDeps } from '../shared/runtime/deps';
import { forInvocation } from '../shared/runtime/invocation';

/**
 * The $connect REQUEST authorizer: `?token=` must be a valid session token. API Gateway answers 401 when this
 * throws 'Unauthorized', and passes the returned context (imNumber, name) on to every event of the connection.
 */
export async function handler(
  event: APIGatewayRequestAuthorizerEvent,
  context?: Context,
): Promise<APIGatewayAuthorizerResult> {
  const deps = forInvocation(await getDeps({ sms: false }), context, event.requestContext?.requestId);
  const claims = await verifyToken(
    deps.secrets.jwtSecret,
    event.queryStringParameters?.token,
    deps.clock.now(),
  );
  if (!claims) {
    deps.log.info(LogEvent.WsUnauthorized, {});
    throw new Error('Unauthorized');
  }
  return {
    principalId: claims.imNumber,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
    },
    context: { imNumber: claims.imNumber, name: claims.name },
  };
}
