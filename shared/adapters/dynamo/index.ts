import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Stores } from '../../core/ports';
import { DynamoInvitationStore } from './invitations';
import { DynamoContactBook } from './contacts';
import { DynamoCodeStore, DynamoRateLimits } from './codes';
import { DynamoIdempotency } from './idempotency';
import { DynamoLoginStatusStore } from './login-status';
import { DynamoMessageLog } from './message-log';
import { Table } from './table';
import { DynamoUserDirectory } from './users';

/**
 * Every store port on one DynamoDB table (layout in ./table.ts), one file per entity. The returned object is
 * what Deps spreads in; `table` is exposed for tests that read rows directly.
 */
export function dynamoStores(client: DynamoDBClient, tableName: string): Stores & { table: Table } {
  const table = new Table(client, tableName);
  return {
    table,
    users: new DynamoUserDirectory(table),
    logins: new DynamoLoginStatusStore(table),
    messages: new DynamoMessageLog(table),
    codes: new DynamoCodeStore(table),
    rates: new DynamoRateLimits(table),
    contacts: new DynamoContactBook(table),
    invitations: new DynamoInvitationStore(table),
    once: new DynamoIdempotency(table),
  };
}
