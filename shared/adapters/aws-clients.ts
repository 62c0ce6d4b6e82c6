import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Config } from '../config';

/** Local endpoints accept any credentials; real AWS uses the Lambda role's. */
const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export function createDynamoClient(config: Config): DynamoDBClient {
  return new DynamoDBClient({
    region: config.region,
    ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint, credentials: localCredentials } : {}),
    maxAttempts: 5,
  });
}

/** Credentials for clients pointed at local emulators (the gateway's @connections API). */
export function localClientOptions(endpoint: string | undefined): {
  endpoint?: string;
  credentials?: typeof localCredentials;
} {
  if (!endpoint || /^https:\/\/[^/]+\.amazonaws\.com/.test(endpoint)) return endpoint ? { endpoint } : {};
  return { endpoint, credentials: localCredentials };
}
