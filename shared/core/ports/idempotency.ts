/** Claims that make a side effect happen once: webhook ids (MessageSid, CallSid) and reply rate limits. */
export interface Idempotency {
  /** Claims `key` for `ttlSeconds` from `now`; false while an earlier claim is live (a duplicate). */
  claimOnce(key: string, now: number, ttlSeconds: number): Promise<boolean>;
}
