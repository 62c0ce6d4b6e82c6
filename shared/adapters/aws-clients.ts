import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Config } from '../config';
import { traceAwsClient } from './xray';

/** Every AWS SDK client the runtime makes goes through this: X-Ray subsegments on Lambda, nothing locally. */
export { traceAwsClient };

/**
 * Settings for the @connections and SQS clients. `cacheMiddleware`: the client resolves its middleware stack once per
 * command type instead of on every call (a per-call cost in each handler run; valid because nothing changes a
 * stack after its first request: traceAwsClient adds its step when the client is made). A call must then pass
 * no per-call options (`send(command)` only), which is how every adapter calls.
 */
export const sharedClientSettings = { cacheMiddleware: true } as const;

/** Local endpoints accept any credentials; real AWS uses the Lambda role's. */
const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * The DynamoDB client: the local endpoint when DYNAMODB_ENDPOINT is set, five attempts, traced (see xray.ts).
 * Not given sharedClientSettings: lib-dynamodb's DynamoDBDocumentClient, which the stores send through,
 * refuses a client with `cacheMiddleware` (it builds its own stack per call). Replacing it with our own
 * marshalling over lib-dynamodb's internals would save about a fifth of each call's CPU, but the library is
 * the maintained one (docs/benchmark.md, CPU per message).
 */
export function createDynamoClient(config: Config): DynamoDBClient {
  return traceAwsClient(
    new DynamoDBClient({
      region: config.region,
      ...(config.dynamodbEndpoint
        ? { endpoint: config.dynamodbEndpoint, credentials: localCredentials }
        : {}),
      maxAttempts: 5,
    }),
  );
}

/** Credentials for clients pointed at local emulators (the gateway's @connections API). */
export function localClientOptions(endpoint: string | undefined): {
  endpoint?: string;
  credentials?: typeof localCredentials;
} {
  if (!endpoint || /^https:\/\/[^/]+\.amazonaws\.com/.test(endpoint)) return endpoint ? { endpoint } : {};
  return { endpoint, credentials: localCredentials };
}
