import { mapLimit } from '../concurrency';
import { liveConnections } from '../judgement/judge';
import { LogEvent } from '../log-events';
import type { Deps } from '../ports';
import type { PresenceMode } from '../types';

/** Watchers read per page (one Query each). */
export const PRESENCE_PAGE = 100;
/** At most this many watchers are told of one change: MAX_CONTACTS-sized lists, bounded either way. */
export const PRESENCE_FANOUT_MAX = 1000;
/** Watchers' login status read and pushed at once. */
const FANOUT_CONCURRENCY = 8;

export interface FanoutCounts {
  /** Watcher pages read (Queries). */
  pages: number;
  /** Watchers whose login status was read (one Query each). */
  watchers: number;
  /** Frames pushed to live connections. */
  pushes: number;
}

/**
 * Tells the online users who have `imNumber` as a contact that its status is now `status`, with a `presence`
 * frame naming it. Writes nothing: the cost per change is ceil(watchers / PRESENCE_PAGE) Queries of the reverse
 * edges, one login-status Query per watcher, and one push per live connection of a watcher that is online, for
 * at most PRESENCE_FANOUT_MAX watchers. A push that fails is logged and skipped.
 */
export async function announcePresence(
  deps: Deps,
  imNumber: string,
  status: PresenceMode,
): Promise<FanoutCounts> {
  const counts: FanoutCounts = { pages: 0, watchers: 0, pushes: 0 };
  let cursor: string | undefined;
  do {
    const limit = Math.min(PRESENCE_PAGE, PRESENCE_FANOUT_MAX - counts.watchers);
    const page = await deps.contacts.watchers(imNumber, limit, cursor);
    counts.pages++;
    counts.watchers += page.imNumbers.length;
    await mapLimit(page.imNumbers, FANOUT_CONCURRENCY, async (watcher) => {
      const recipient = await deps.logins.getRecipient(watcher);
      if (!recipient || recipient.profile.mode === 'offline') return;
      for (const c of liveConnections(recipient, deps.clock.now())) {
        try {
          await deps.im.push(c.connectionId, { kind: 'presence', mode: status, imNumber });
          counts.pushes++;
        } catch {
          deps.log.warn(LogEvent.PresencePushFailed, { imNumber, connectionId: c.connectionId });
        }
      }
    });
    cursor = page.next;
  } while (cursor && counts.watchers < PRESENCE_FANOUT_MAX);
  deps.log.info(LogEvent.PresenceFannedOut, { imNumber, status, ...counts });
  return counts;
}
