/** A one-time code as stored: a keyed hash, never the code. `expiresAt` is epoch ms. */
export interface OtpRecord {
  hash: string;
  expiresAt: number;
  tries: number;
  /** The code sealed under a keyed pad (provisioning/codes.ts), so a live code can be sent again unchanged. */
  sealed?: string;
  /** Texts of this code so far, the first included (provisioning/codes.ts, OTP_SENDS_PER_CODE); absent on rows
   * written before it was counted, which count as 1. */
  sends?: number;
}

export type OtpAttempt = { kind: 'ok'; record: OtpRecord } | { kind: 'missing' } | { kind: 'locked' };

/** One-time sign-in codes, one live code per phone. */
export interface CodeStore {
  /** Stores (or replaces) the phone's code; the row may be dropped `ttlSeconds` after its expiry. */
  putOtp(phone: string, record: OtpRecord, ttlSeconds: number): Promise<void>;
  /** The phone's code row as stored, expired or not (until the row is dropped); null if none. */
  getOtp(phone: string): Promise<OtpRecord | null>;
  /**
   * Counts one more text of the phone's code, only if it is still the code that expires at `expiresAt` and has
   * had fewer than `maxSends` texts (one conditional write): true when counted, false when not (then send nothing).
   */
  countResend(phone: string, expiresAt: number, maxSends: number): Promise<boolean>;
  /** Counts one try against the code if it is live (expiresAt > now) and has fewer than `maxTries` tries. */
  attemptOtp(phone: string, now: number, maxTries: number): Promise<OtpAttempt>;
  /** Consumes the code once: true only for the caller that deleted it (and only if its hash is `hash`). */
  consumeOtp(phone: string, hash: string): Promise<boolean>;
}

/** One counter of a budget row: add `amount`, but never past `limit`. */
export interface BudgetCounter {
  name: string;
  amount: number;
  limit: number;
}

/** Fixed-window counters, against SMS pumping and brute force. */
export interface RateLimits {
  /**
   * Adds each counter's `amount` to the named counters of one row (`key`, in the window of `windowMs` holding
   * `now`), all or none: false, and nothing added, if any counter would pass its limit. One conditional write.
   */
  spendBudget(key: string, windowMs: number, counters: BudgetCounter[], now: number): Promise<boolean>;
  /** Counts a hit in the window of `windowMs` holding `now`; false once `limit` hits are reached in it. */
  hitRateLimit(key: string, windowMs: number, limit: number, now: number): Promise<boolean>;
}
