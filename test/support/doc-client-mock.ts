import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DocClient } from '../../shared/adapters/dynamo/doc-client';

/**
 * aws-sdk-client-mock at the document level for the Dynamo adapters: stubs `send` of every DocClient
 * (shared/adapters/dynamo/doc-client.ts), which takes lib-dynamodb's commands (GetCommand, QueryCommand, ...)
 * with plain values, as DynamoDBDocumentClient does. Match and inspect calls with those commands; restore it
 * after the test. (The cast: DocClient has DynamoDBDocumentClient's `send`, not the rest of an SDK client.)
 */
export function mockDocClient() {
  return mockClient(DocClient as unknown as typeof DynamoDBDocumentClient);
}
