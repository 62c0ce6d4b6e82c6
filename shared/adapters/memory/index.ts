import type { Stores } from '../../core/ports';
import { MemoryInvitationStore } from './invitations';
import { MemoryContactBook } from './contacts';
import { MemoryCodeStore, MemoryRateLimits } from './codes';
import { MemoryIdempotency } from './idempotency';
import { MemoryLoginStatusStore } from './login-status';
import { MemoryMessageLog } from './message-log';
import { MemoryTable } from './table';
import { MemoryUserDirectory } from './users';

export { MemoryTable } from './table';

/**
 * Every store port in memory, for unit tests of the core's rules (milliseconds, no database). Conditional
 * writes answer exactly as the DynamoDB adapter's do; test/integration/store-parity.test.ts runs the same
 * script on both to keep it so. `table` is exposed for assertions.
 */
export function memoryStores(): Stores & { table: MemoryTable } {
  const table = new MemoryTable();
  return {
    table,
    users: new MemoryUserDirectory(table),
    logins: new MemoryLoginStatusStore(table),
    messages: new MemoryMessageLog(table),
    codes: new MemoryCodeStore(table),
    rates: new MemoryRateLimits(table),
    contacts: new MemoryContactBook(table),
    invitations: new MemoryInvitationStore(table),
    once: new MemoryIdempotency(table),
  };
}
