import type { BudgetCounter, CodeStore, OtpAttempt, OtpRecord, RateLimits } from '../../core/ports';
import { copy, type MemoryTable } from './table';

/** One-time codes in memory, with the DynamoDB adapter's conditions (../dynamo/codes.ts). */
export class MemoryCodeStore implements CodeStore {
  constructor(private readonly t: MemoryTable) {}

  async putOtp(phone: string, record: OtpRecord, _ttlSeconds: number): Promise<void> {
    this.t.otps.set(phone, copy(record));
  }

  async getOtp(phone: string): Promise<OtpRecord | null> {
    const r = this.t.otps.get(phone);
    return r ? copy(r) : null;
  }

  async countResend(phone: string, expiresAt: number, maxSends: number): Promise<boolean> {
    const r = this.t.otps.get(phone);
    if (!r || r.expiresAt !== expiresAt || (r.sends ?? 1) >= maxSends) return false;
    r.sends = (r.sends ?? 1) + 1;
    return true;
  }

  async attemptOtp(phone: string, now: number, maxTries: number): Promise<OtpAttempt> {
    const r = this.t.otps.get(phone);
    if (!r || r.expiresAt <= now) return { kind: 'missing' };
    if (r.tries >= maxTries) return { kind: 'locked' };
    r.tries += 1;
    return { kind: 'ok', record: { hash: r.hash, expiresAt: r.expiresAt, tries: r.tries } };
  }

  async consumeOtp(phone: string, hash: string): Promise<boolean> {
    if (this.t.otps.get(phone)?.hash !== hash) return false;
    this.t.otps.delete(phone);
    return true;
  }
}

/** Fixed-window counters in memory, with the DynamoDB adapter's conditions (../dynamo/codes.ts). */
export class MemoryRateLimits implements RateLimits {
  constructor(private readonly t: MemoryTable) {}

  async hitRateLimit(key: string, windowMs: number, limit: number, now: number): Promise<boolean> {
    const k = `${key}#${Math.floor(now / windowMs) * windowMs}`;
    const hits = this.t.rates.get(k) ?? 0;
    if (hits >= limit) return false;
    this.t.rates.set(k, hits + 1);
    return true;
  }

  async spendBudget(key: string, windowMs: number, counters: BudgetCounter[], now: number): Promise<boolean> {
    const row = `${key}#${Math.floor(now / windowMs) * windowMs}`;
    const at = (c: BudgetCounter) => this.t.rates.get(`${row}#${c.name}`) ?? 0;
    if (counters.some((c) => at(c) + c.amount > c.limit)) return false;
    for (const c of counters) this.t.rates.set(`${row}#${c.name}`, at(c) + c.amount);
    return true;
  }
}
