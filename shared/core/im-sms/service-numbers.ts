import type { ThreadBinding } from '../types';

/** Re-stamp a binding's time only this often, so a steady conversation does not cost a write per message. */
const REFRESH_AFTER_MS = 24 * 60 * 60 * 1000;

export interface NumberChoice {
  number: string;
  /** The binding to store, or null when the stored one is still right. */
  rebind: ThreadBinding | null;
}

/**
 * Picks the service number an SMS to a phone goes out from, so that each contact keeps its own thread on the
 * phone and a reply without a prefix reaches the right contact:
 * the number already bound to this contact; else a number with no thread yet; else the least recently used
 * one, which is then rebound (its old contact's replies then need an @-prefix). Numbers in `blocked` (the
 * provider refuses them to this phone: UserProfile.blockedNumbers) are passed over, so a contact whose thread
 * was on one moves to another; only when every number is blocked is the pool taken as it is (the send is then
 * refused, and the message fails `number_opted_out`).
 */
export function chooseServiceNumber(
  allNumbers: string[],
  threads: Record<string, ThreadBinding>,
  peer: string,
  now: number,
  blocked: readonly string[] = [],
): NumberChoice {
  const open = allNumbers.filter((n) => !blocked.includes(n));
  const pool = open.length > 0 ? open : allNumbers;
  const bound = pool.find((n) => threads[n]?.peer === peer);
  if (bound) {
    const stale = now - threads[bound].at > REFRESH_AFTER_MS;
    return { number: bound, rebind: stale ? { peer, at: now } : null };
  }
  const free = pool.find((n) => !threads[n]);
  if (free) return { number: free, rebind: { peer, at: now } };
  const lru = pool.reduce((a, b) => (threads[b].at < threads[a].at ? b : a));
  return { number: lru, rebind: { peer, at: now } };
}
