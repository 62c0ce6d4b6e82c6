import type { Connection, LinkStats, MessageRecord } from '../types';

/**
 * How long a pushed message waits for its ack before it goes as SMS: per connection and per message, learned
 * from what each connection has shown. docs/design.md "The ack wait" states the rule; this module is all of it.
 *
 * The estimate is TCP's retransmission timer (RFC 6298, "Computing TCP's Retransmission Timer", §2): a smoothed
 * round trip SRTT and its mean deviation RTTVAR, updated on every sample R with α = 1/8, β = 1/4
 * (RTTVAR ← (1−β)·RTTVAR + β·|SRTT − R|, then SRTT ← (1−α)·SRTT + α·R; the first sample sets SRTT = R,
 * RTTVAR = R/2), and the wait is SRTT + K·RTTVAR with K = 4. Our round trip is the time from a message's
 * `sentAt` to its ack being handled: the push, the client, the link both ways and our own ack handler.
 */

/** RFC 6298 §2.3: the gains of the smoothed round trip and of its deviation, and the deviation's weight. */
export const ALPHA = 1 / 8;
export const BETA = 1 / 4;
export const K = 4;

/**
 * The shortest wait, ms. RFC 6298 (§2.4) floors its timer at 1 s; ours also absorbs what TCP's does not: a cold
 * start of the ack function on Lambda (up to about a second) and a phone's radio waking up. A link that died is
 * texted about this long after the message was sent, plus the SMS send.
 */
export const MIN_WAIT_MS = 2_500;

/**
 * The wait of a connection that has not acked anything yet (no sample), ms: RFC 2988's initial timer. RFC 6298
 * lowered its own to 1 s for wired paths; a phone's first round trip after connecting often includes waking its
 * radio, and a wrong guess here is paid in SMS.
 */
export const INITIAL_WAIT_MS = 3_000;

/**
 * Waits are told apart in steps of this many ms (a wait's bucket is `ceil(wait / WAIT_STEP_MS)`): the ack writes a
 * connection's stats back only when they move its wait to another bucket ({@link learnedStats}). A steady link
 * therefore costs one write (its first sample takes it from the initial wait to the floor), then none.
 */
export const WAIT_STEP_MS = 250;

/** What decides one connection's wait: the ceiling (ACK_TIMEOUT_MS) and when a connection counts as silent. */
export interface WaitSettings {
  /** ACK_TIMEOUT_MS: no wait is longer. */
  ceilingMs: number;
  /**
   * A connection not heard from (connect, ping, or a recorded ack) for longer than this, ms, has missed its
   * keep-alives: it gets the shortest wait, whatever it showed before.
   */
  silentAfterMs: number;
  /** ACK_WAIT=fixed: every connection waits the ceiling (the rule before this one; the benchmark compares them). */
  fixed?: boolean;
}

/** When a connection was last heard from (epoch ms): its last recorded frame, else its connect. */
export const lastHeard = (c: Pick<Connection, 'connectedAt' | 'seenAt'>): number => c.seenAt ?? c.connectedAt;

/**
 * One connection's wait, ms, at `now` (epoch ms): SRTT + 4·RTTVAR from its ack round trips (no sample yet:
 * {@link INITIAL_WAIT_MS}), at least {@link MIN_WAIT_MS}; {@link MIN_WAIT_MS} for a connection silent longer than
 * `silentAfterMs`; never more than `ceilingMs` (which wins even below the minimum).
 */
export function connectionWait(c: Connection, now: number, s: WaitSettings): number {
  if (s.fixed) return s.ceilingMs;
  const silent = now - lastHeard(c) > s.silentAfterMs;
  const estimate =
    c.samples && c.srtt !== undefined && c.rttvar !== undefined ? c.srtt + K * c.rttvar : INITIAL_WAIT_MS;
  const wait = silent ? MIN_WAIT_MS : Math.max(MIN_WAIT_MS, estimate);
  return Math.round(Math.min(s.ceilingMs, wait));
}

/**
 * A message's wait, ms: the longest of its connections' waits, since an ack from any device delivers it. Only
 * connections the push reached count: `pushed` is false for those whose push failed or found them gone, and with
 * none reached the wait is 0 (the SMS goes now). Called before the push with every live connection, it is the
 * longest wait any outcome of the push could give.
 */
export function messageWait(
  connections: Array<{ connection: Connection; pushed: boolean }>,
  now: number,
  s: WaitSettings,
): number {
  const reached = connections.filter((c) => c.pushed);
  if (!reached.length) return 0;
  return Math.max(...reached.map((c) => connectionWait(c.connection, now, s)));
}

/** The stats after one more round-trip sample `sampleMs` (RFC 6298 §2.2, §2.3), the sample capped at `ceilingMs`. */
export function addSample(
  stats: LinkStats,
  sampleMs: number,
  ceilingMs: number,
): Required<Omit<LinkStats, 'seenAt'>> {
  const r = Math.max(0, Math.min(sampleMs, ceilingMs));
  if (!stats.samples || stats.srtt === undefined || stats.rttvar === undefined) {
    return { srtt: r, rttvar: r / 2, samples: 1 };
  }
  const rttvar = (1 - BETA) * stats.rttvar + BETA * Math.abs(stats.srtt - r);
  const srtt = (1 - ALPHA) * stats.srtt + ALPHA * r;
  return { srtt: Math.round(srtt), rttvar: Math.round(rttvar), samples: stats.samples + 1 };
}

/** A wait's bucket: waits in one bucket are the same wait to the rule ({@link WAIT_STEP_MS}). */
export const waitBucket = (waitMs: number): number => Math.ceil(waitMs / WAIT_STEP_MS);

/**
 * What one ack teaches its connection: the stats after the sample `sampleMs` (its message's `sentAt` to the ack,
 * ms) was added to `before` (the stats the message saw when it was sent), stamped heard at `now` — when they move
 * the connection's wait to another bucket ({@link waitBucket}); else undefined, and the sample is let go (it
 * would not change any wait). Both waits are taken as of a connection heard just now: silence is not what
 * changed. With ACK_WAIT=fixed no wait ever moves, so nothing is learned.
 */
export function learnedStats(
  before: LinkStats & { connectedAt: number },
  sampleMs: number,
  now: number,
  s: WaitSettings,
): Required<LinkStats> | undefined {
  const after = { ...addSample(before, sampleMs, s.ceilingMs), seenAt: now };
  const at = { connectedAt: now, seenAt: now };
  const old = connectionWait({ connectionId: '', expiresAt: Infinity, ...before, ...at }, now, s);
  const next = connectionWait({ connectionId: '', expiresAt: Infinity, ...after, ...at }, now, s);
  return waitBucket(next) === waitBucket(old) ? undefined : after;
}

/**
 * The settings from the configuration: ACK_TIMEOUT_MS is the ceiling; a connection is silent past half its
 * CONNECTION_TTL_SECONDS without a frame (clients ping every few minutes, well inside the TTL, so half of it is
 * at least one missed ping).
 */
export const waitSettings = (config: {
  ackTimeoutMs: number;
  connectionTtlSeconds: number;
  ackWait?: 'learned' | 'fixed';
}): WaitSettings => ({
  ceilingMs: config.ackTimeoutMs,
  silentAfterMs: (config.connectionTtlSeconds * 1000) / 2,
  fixed: config.ackWait === 'fixed',
});

/** The snapshot a message keeps of the connections it is pushed to (MessageRecord.links). */
export function linksOf(connections: Connection[]): NonNullable<MessageRecord['links']> {
  const links: NonNullable<MessageRecord['links']> = {};
  for (const c of connections) {
    links[c.connectionId] = {
      connectedAt: c.connectedAt,
      ...(c.samples ? { srtt: c.srtt, rttvar: c.rttvar, samples: c.samples } : {}),
      ...(c.seenAt !== undefined ? { seenAt: c.seenAt } : {}),
    };
  }
  return links;
}

/**
 * What a message about to be pushed to `live` records and schedules: its wait (ms, before the push, so the
 * longest any outcome of the push could give) and the snapshot of those connections' stats that its ack learns
 * from. Used by every path that pushes a new message (sendMessage, a routed text from a phone).
 */
export function pushPlan(
  live: Connection[],
  now: number,
  config: Parameters<typeof waitSettings>[0],
): { ackWaitMs: number; links: NonNullable<MessageRecord['links']> } {
  return {
    ackWaitMs: messageWait(
      live.map((connection) => ({ connection, pushed: true })),
      now,
      waitSettings(config),
    ),
    links: linksOf(live),
  };
}
