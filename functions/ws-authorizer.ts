import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { verifyToken } from '../shared/core/provisioning/tokens';
import { LogEvent } from '../shared/core/log-events';
import { getDeps } from '../shared/runtime/deps';
import { forInvocation } from '../shared/runtime/invocation';

/**
 * The $connect REQUEST authorizer: `?token=` must be a valid session token of a user who still exists. API
 * Gateway answers 401 when this throws 'Unauthorized', and passes the returned context (imNumber, name) on to
 * every event of the connection. The name is the profile's, read here (one eventually consistent GetItem per
 * connect), not the token's: a token keeps the name of its sign-in for its whole life, so after a rename
 * (`updateProfile`) every message sent on a connection opened later still showed the old name. A connection
 * opened before the rename keeps the name it was opened with (API Gateway's context is fixed per connection).
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
  const profile = claims ? await deps.users.getUser(claims.imNumber) : null;
  if (!claims || !profile) {
    deps.log.info(LogEvent.WsUnauthorized, {});
    throw new Error('Unauthorized');
  }
  return {
    principalId: claims.imNumber,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
    },
    context: { imNumber: profile.imNumber, name: profile.name },
  };
}
