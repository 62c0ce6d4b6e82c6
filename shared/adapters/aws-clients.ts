import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Config } from '../config';
import { traceAwsClient } from './xray';

/** Every AWS SDK client the runtime makes goes through this: X-Ray subsegments on Lambda, nothing locally. */
export { traceAwsClient };

/** Local endpoints accept any credentials; real AWS uses the Lambda role's. */
const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The DynamoDB client: the local endpoint when DYNAMODB_ENDPOINT is set, five attempts, traced (see xray.ts). */
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
