import type { AnyHandler } from '../../../infra/local/gateway';
import { spec } from './harness';

/** A WebSocket manifest shaped like the real one: an authorizer, the reserved routes and action routes. */
export const wsManifest = [
  spec('authorizer', { kind: 'ws-authorizer' }),
  spec('connect', { kind: 'ws', routeKey: '$connect' }),
  spec('disconnect', { kind: 'ws', routeKey: '$disconnect' }),
  spec('default', { kind: 'ws', routeKey: '$default' }),
  spec('send-message', { kind: 'ws', routeKey: 'sendMessage' }),
  spec('ack', { kind: 'ws', routeKey: 'ack' }),
];

type Event = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The context a good token's authorizer returns; mixed value types, as API Gateway allows. */
export const GOOD_CONTEXT = { userId: 'u-1', imNumber: 4242, admin: false };

const policy = (effect: 'Allow' | 'Deny', resource: string) => ({
  Version: '2012-10-17',
  Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
});

/** A fake REQUEST authorizer driven by the `token` query parameter. */
export const fakeAuthorizer: AnyHandler = async (event: Event) => {
  switch (event.queryStringParameters?.token) {
    case 'good':
      return { principalId: 'u-1', policyDocument: policy('Allow', event.methodArn), context: GOOD_CONTEXT };
    case 'wildcard':
      return { principalId: 'u-2', policyDocument: policy('Allow', 'arn:aws:execute-api:*:*:local/*') };
    case 'other-api':
      return { principalId: 'u-3', policyDocument: policy('Allow', 'arn:aws:execute-api:*:*:other/*') };
    case 'deny':
      return { principalId: 'u-4', policyDocument: policy('Deny', event.methodArn) };
    case 'nested-context':
      return {
        principalId: 'u-5',
        policyDocument: policy('Allow', event.methodArn),
        context: { a: { b: 1 } },
      };
    case 'crash':
      throw new Error('table unavailable');
    default:
      throw new Error('Unauthorized');
  }
};

/** Handlers that accept everything; tests override the ones they exercise. */
export function okHandlers(overrides: Record<string, AnyHandler> = {}): Record<string, AnyHandler> {
  const ok: AnyHandler = async () => ({ statusCode: 200 });
  return {
    authorizer: fakeAuthorizer,
    connect: ok,
    disconnect: ok,
    default: ok,
    'send-message': ok,
    ack: ok,
    ...overrides,
  };
}
