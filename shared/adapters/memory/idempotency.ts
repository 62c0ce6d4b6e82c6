import type { ClaimState, Idempotency } from '../../core/ports';
import type { MemoryTable } from './table';

/** Idempotency claims in memory, re-claimable once past their expiry, as on DynamoDB (../dynamo/idempotency.ts). */
export class MemoryIdempotency implements Idempotency {
  constructor(private readonly t: MemoryTable) {}

  async claimOnce(key: string, now: number, ttlSeconds: number, holder?: string): Promise<boolean> {
    const row = this.t.once.get(key);
    if (row && row.expiresAt > now && !(holder !== undefined && row.holder === holder)) return false;
    this.t.once.set(key, { expiresAt: now + ttlSeconds * 1000, ...(holder !== undefined ? { holder } : {}) });
    return true;
  }

  async begin(key: string, now: number, leaseSeconds: number): Promise<ClaimState> {
    const row = this.t.once.get(key);
    if (row && row.expiresAt > now) return row.state === 'pending' ? 'busy' : 'done';
    this.t.once.set(key, { expiresAt: now + leaseSeconds * 1000, state: 'pending' });
    return 'claimed';
  }

  async complete(key: string, now: number, ttlSeconds: number): Promise<void> {
    this.t.once.set(key, { expiresAt: now + ttlSeconds * 1000, state: 'done' });
  }

  async release(key: string): Promise<void> {
    if (this.t.once.get(key)?.state === 'pending') this.t.once.delete(key);
  }
}
