import type { Idempotency } from '../../core/ports';
import type { MemoryTable } from './table';

/** Idempotency claims in memory, re-claimable once past their expiry, as on DynamoDB. */
export class MemoryIdempotency implements Idempotency {
  constructor(private readonly t: MemoryTable) {}

  async claimOnce(key: string, now: number, ttlSeconds: number): Promise<boolean> {
    const expiresAt = this.t.once.get(key);
    if (expiresAt !== undefined && expiresAt > now) return false;
    this.t.once.set(key, now + ttlSeconds * 1000);
    return true;
  }
}
