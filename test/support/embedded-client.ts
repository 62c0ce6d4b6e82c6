import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../infra/local/embedded-dynamo';

/**
 * Starts the embedded DynamoDB (dynalite) once for a test file, with a real SDK client on it, and stops both
 * after the file: registers jest's beforeAll/afterAll. The returned getter gives the client once beforeAll ran
 * (it throws before). `setup` runs after the client is made (tables, middleware).
 */
export function useEmbeddedDynamo(setup?: (client: DynamoDBClient) => Promise<void> | void): {
  client: () => DynamoDBClient;
  endpoint: () => string;
} {
  let embedded: EmbeddedDynamo | undefined;
  let dynamo: DynamoDBClient | undefined;
  beforeAll(async () => {
    embedded = await startEmbeddedDynamo();
    dynamo = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: embedded.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await setup?.(dynamo);
  });
  afterAll(async () => {
    dynamo?.destroy();
    await embedded?.close();
  });
  return {
    client: () => {
      if (!dynamo) throw new Error('the embedded DynamoDB is not started yet (use it inside a test)');
      return dynamo;
    },
    endpoint: () => {
      if (!embedded) throw new Error('the embedded DynamoDB is not started yet (use it inside a test)');
      return embedded.endpoint;
    },
  };
}
