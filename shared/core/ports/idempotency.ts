/**
 * What {@link Idempotency.begin} found: `claimed` (this attempt does the work, then completes or releases it),
 * `done` (an earlier attempt completed it) or `busy` (another attempt holds a live lease on it).
 */
export type ClaimState = 'claimed' | 'done' | 'busy';

/**
 * Claims that make a side effect happen once per provider id (a MessageSid), and rate-limit tokens.
 *
 * The rule for work keyed by a provider id (docs/design.md, "Idempotency claims"): claim, do the work, then
 * complete. On failure the claim is released, so the provider's retry of the same id does the work again; if
 * the process dies before it can release, the claim's lease runs out and the retry does it then.
 */
export interface Idempotency {
  /**
   * A rate-limit token: takes `key` for `ttlSeconds` from `now` (epoch ms). False while an earlier token is live,
   * unless it was taken by the same `holder` (a provider id), so a retry of that id gets the same answer.
   */
  claimOnce(key: string, now: number, ttlSeconds: number, holder?: string): Promise<boolean>;
  /**
   * Starts once-only work on `key`: `claimed` with a lease of `leaseSeconds` when the key is free, released, or
   * its lease or completion has expired; else `done` or `busy`.
   */
  begin(key: string, now: number, leaseSeconds: number): Promise<ClaimState>;
  /** Marks the work on `key` done, for `ttlSeconds` from `now`: a retry within that time is a duplicate. */
  complete(key: string, now: number, ttlSeconds: number): Promise<void>;
  /** Gives up a claim whose work failed, so a retry of the same id claims it again. A completed key is kept. */
  release(key: string): Promise<void>;
}
