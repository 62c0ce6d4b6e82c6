import { announcePresence } from '../contacts/presence';
import { tooMany } from '../errors';
import { liveConnections } from '../judgement/judge';
import { LogEvent } from '../log-events';
import type { Deps } from '../ports';
import type { PresenceMode, Recipient } from '../types';

/** The expiry (epoch ms) of a connection seen alive at `now`. */
const expiryFrom = (deps: Deps, now: number) => now + deps.config.connectionTtlSeconds * 1000;

/**
 * Whether `connectionId` is the oldest live connection of `recipient` at `now`, by (connectedAt, connectionId):
 * the one of a user's live connections that announces them `online`. False when it is not live (or not there).
 */
function oldestLive(recipient: Recipient, connectionId: string, now: number): boolean {
  const live = liveConnections(recipient, now);
  if (!live.some((c) => c.connectionId === connectionId)) return false;
  const first = live.reduce((a, b) =>
    b.connectedAt < a.connectedAt || (b.connectedAt === a.connectedAt && b.connectionId < a.connectionId)
      ? b
      : a,
  );
  return first.connectionId === connectionId;
}

/**
 * The edge rule (docs/design.md, "Presence edges"): every presence decision is taken on a strongly consistent
 * read made after the deciding call's own write, never on a read made before it. Of two calls racing, the one
 * that reads last sees both writes, so a real first-connect or last-disconnect edge is always announced; two
 * racing calls may both announce the same status (an idempotent repeat, which clients take as it is).
 *
 * A connection went away (its socket closed, a push found it gone, or a refused connect takes its row back):
 * deletes its row, then reads what is left; when the delete took a row and no live connection is left and the
 * mode is not offline, the user's online contacts are told `offline` (the bounded fan-out of announcePresence).
 * True when it announced. Costs one delete and one Query (plus the fan-out on the edge).
 */
export async function removeConnection(deps: Deps, imNumber: string, connectionId: string): Promise<boolean> {
  const took = await deps.logins.deleteConnection(imNumber, connectionId);
  // A row already gone was taken by someone else (a push that found it gone, the expiry cleanup), who decides.
  if (!took) return false;
  const left = await deps.logins.getRecipient(imNumber);
  if (!left || left.profile.mode === 'offline' || liveConnections(left, deps.clock.now()).length > 0)
    return false;
  await announcePresence(deps, imNumber, 'offline');
  return true;
}

/**
 * A client logged in (claim 2): registers the connection in the login-status table, with an expiry. A user
 * already holding WS_MAX_CONNECTIONS_PER_USER live connections is refused (`too_many_connections`, kind
 * rate_limited): the new connection, not the oldest, so a stolen token cannot push the owner's devices off. A
 * first Query refuses early (no write) when the user is already at the cap. Below it, the row is written first
 * and the user's live connections are then read again, strongly: the connection stays only if that read sees at
 * most the cap (its own row included); otherwise its row is taken back and it is refused. Of connects racing,
 * the last to read sees the rows of every one kept before it, so no burst passes the cap (docs/design.md,
 * "connection cap"); a burst may be refused more than strictly needed (a refused row is counted until deleted).
 * The same read after the write decides presence: when this connection is the user's oldest live one and the
 * mode is not offline, the user's online contacts are told `online` (of connects racing from offline, the one
 * that stamped the earliest `connectedAt` reads its own row as the oldest: at least one announces; two may, when
 * a later stamp read before an earlier one was written). Whatever fails after the write (the count, the
 * announcement) takes the row back too ({@link removeConnection}), since no $disconnect follows a refused
 * $connect, and rethrows. Costs one Query, one put and one more Query (a delete and a Query more when refused).
 */
export async function connect(deps: Deps, imNumber: string, connectionId: string): Promise<void> {
  const before = await deps.logins.getRecipient(imNumber);
  const now = deps.clock.now();
  const others = before
    ? liveConnections(before, now).filter((c) => c.connectionId !== connectionId).length
    : 0;
  if (others >= deps.config.wsMaxConnectionsPerUser) {
    deps.log.warn(LogEvent.WsRateLimited, { imNumber, scope: 'connections', live: others });
    throw tooMany('too many open connections for this user; close one first', 'too_many_connections');
  }
  await deps.logins.putConnection(imNumber, {
    connectionId,
    connectedAt: now,
    expiresAt: expiryFrom(deps, now),
  });
  try {
    // Write, then count: the read is strong and comes after this connection's own write, so of any set of
    // connections kept at once, the last to read saw them all, and it saw at most the cap.
    const after = await deps.logins.getRecipient(imNumber);
    const at = deps.clock.now();
    const live = after ? liveConnections(after, at) : [];
    const othersAfter = live.filter((c) => c.connectionId !== connectionId).length;
    if (othersAfter >= deps.config.wsMaxConnectionsPerUser) {
      deps.log.warn(LogEvent.WsRateLimited, {
        imNumber,
        scope: 'connections',
        live: othersAfter,
        raced: true,
      });
      throw tooMany('too many open connections for this user; close one first', 'too_many_connections');
    }
    deps.log.info(LogEvent.PresenceConnected, { imNumber, connectionId });
    if (after && after.profile.mode !== 'offline' && oldestLive(after, connectionId, at)) {
      await announcePresence(deps, imNumber, 'online');
    }
  } catch (err) {
    // A $connect that fails is refused, and API Gateway sends no $disconnect for it: take the row back, or it
    // would stand for a socket that never opened until its expiry or a push's 410. Best effort: the error
    // that refused the connection is the one to report.
    await removeConnection(deps, imNumber, connectionId).catch(() => undefined);
    throw err;
  }
}

/**
 * A client logged out: removes the connection ({@link removeConnection}: delete, then read what is left). Best
 * effort on AWS, which is why connections also expire. After the user's last live connection, their online
 * contacts are told `offline`; two last sockets closing at once tell them at least once (maybe twice).
 */
export async function disconnect(deps: Deps, imNumber: string, connectionId: string): Promise<void> {
  await removeConnection(deps, imNumber, connectionId);
  deps.log.info(LogEvent.PresenceDisconnected, { imNumber, connectionId });
}

/**
 * A client showed it is still there: its connection counts as live for another connection TTL, and was heard
 * from now (its ack wait, shared/core/delivery/ack-wait.ts, reads that; the same write). A row that
 * expired or was removed while the socket stayed open is registered again, and announced like a connect: the
 * put, then one strongly consistent Query, only on this rare path; `online` when it is the oldest live row.
 * (The transport's answer to a keep-alive, `pong` on the WebSocket, is the runtime's.)
 */
export async function keepAlive(deps: Deps, imNumber: string, connectionId: string): Promise<void> {
  const now = deps.clock.now();
  const expiresAt = expiryFrom(deps, now);
  if (!(await deps.logins.touchConnection(imNumber, connectionId, expiresAt, now))) {
    // The row is gone: maybe its expiry was noticed and announced (noticeExpiry).
    await deps.logins.putConnection(imNumber, { connectionId, connectedAt: now, expiresAt });
    const after = await deps.logins.getRecipient(imNumber);
    if (after && after.profile.mode !== 'offline' && oldestLive(after, connectionId, deps.clock.now())) {
      await announcePresence(deps, imNumber, 'online');
    }
  }
}

/**
 * Announces a user's expired connections when the system notices them (docs/design.md, "Presence"). Nothing
 * runs at a connection's expiry (DynamoDB's TTL deletes late, and nothing is scheduled), so expiry is judged on
 * read; a reader that has just read `recipient` (its login status, as the judgement sees it at `now`) calls
 * this. Each expired row is deleted by a conditional delete (a ping that refreshed it meanwhile wins). The caller
 * whose delete took a row then reads the user's login status again (strongly, after its own deletes: a connect
 * that raced it is seen), and when no live connection is left and the mode is not offline, tells the user's
 * online contacts `offline` with the bounded fan-out of announcePresence, like a last disconnect. True when it
 * announced. Costs nothing when no row has expired; else a conditional delete per expired row, and a Query when
 * one was taken.
 */
export async function noticeExpiry(deps: Deps, recipient: Recipient, now: number): Promise<boolean> {
  const expired = recipient.connections.filter((c) => c.expiresAt <= now);
  if (expired.length === 0) return false;
  const imNumber = recipient.profile.imNumber;
  let took = false;
  for (const c of expired) {
    if (await deps.logins.deleteExpiredConnection(imNumber, c.connectionId, now)) took = true;
  }
  if (!took) return false;
  const left = await deps.logins.getRecipient(imNumber);
  if (!left || left.profile.mode === 'offline' || liveConnections(left, deps.clock.now()).length > 0)
    return false;
  deps.log.info(LogEvent.PresenceExpired, { imNumber, connections: expired.length });
  await announcePresence(deps, imNumber, 'offline');
  return true;
}

/**
 * The patent's manual offline mode, on or off. While offline, messages come by SMS even with a socket open.
 * The connection that asked is told the mode now in force. The mode is written first (the write answers the
 * mode it replaced), then the login status is read (strongly), and contacts are told when the mode read differs
 * from the one replaced: `offline` always (a repeat if they were already told), `online` only while a live
 * connection is there. Costs one update and one Query.
 */
export async function setPresence(
  deps: Deps,
  imNumber: string,
  connectionId: string,
  mode: PresenceMode,
): Promise<void> {
  const previous = await deps.logins.setMode(imNumber, mode);
  deps.log.info(LogEvent.PresenceMode, { imNumber, mode });
  await deps.im.push(connectionId, { kind: 'presence', mode });
  if (previous === null) return;
  const after = await deps.logins.getRecipient(imNumber);
  if (!after) return;
  if (after.profile.mode === 'offline') {
    // Even with no live connection left: a last disconnect racing this one read the mode offline and left the
    // `offline` to it (a repeat when the disconnect had announced it already).
    if (previous !== 'offline') await announcePresence(deps, imNumber, 'offline');
  } else if (previous === 'offline' && liveConnections(after, deps.clock.now()).length > 0) {
    await announcePresence(deps, imNumber, 'online');
  }
}

/**
 * Frames a connection is charged for at once: one conditional write admits a block of this many (fewer when a
 * limit is smaller), and the next ones of the block, in the same process and window, are admitted from memory.
 * A busy socket costs one write per block instead of one per frame.
 */
export const FRAME_BLOCK = 10;

/** The blocks still open per process: by rate-limit store (one per process on AWS, one per test in memory). */
const frameBlocks = new WeakMap<Deps['rates'], Map<string, { windowStart: number; left: number }>>();
/** Connections whose open block a process remembers at most (the oldest is forgotten first). */
const FRAME_BLOCKS_KEPT = 10_000;

/**
 * Counts one frame from a connection against its limits (WS_FRAMES_PER_CONNECTION and WS_FRAMES_PER_USER per
 * WS_RATE_WINDOW_SECONDS). Throws `rate_limited` (kind rate_limited) past either; the frame is then not served,
 * and the socket stays open. State is a DynamoDB row per user and window (Lambda containers share no memory),
 * both counters in it, charged ahead in blocks of {@link FRAME_BLOCK}: a frame with no open block in this process
 * charges a whole block in one conditional write, and the block's other frames pass on it without a write. When
 * the block would pass a limit, the frame is charged alone (a second conditional write), so a frame is refused
 * only when even one more would pass the limit. Never more frames pass than the row counts; a connection may be
 * refused early by at most the unused rest of the blocks that its user's other connections (or its own, in
 * another process) hold in the window (at most FRAME_BLOCK − 1 each). A fixed window, so a client may burst up
 * to twice a limit across a window's edge.
 */
export async function admitFrame(deps: Deps, imNumber: string, connectionId: string): Promise<void> {
  const windowMs = deps.config.wsRateWindowSeconds * 1000;
  const now = deps.clock.now();
  const windowStart = Math.floor(now / windowMs) * windowMs;
  let blocks = frameBlocks.get(deps.rates);
  if (!blocks) frameBlocks.set(deps.rates, (blocks = new Map()));
  const key = `${imNumber} ${connectionId}`;
  const open = blocks.get(key);
  if (open && open.windowStart === windowStart && open.left > 0) {
    open.left--;
    return;
  }
  const charge = (amount: number) =>
    deps.rates.spendBudget(
      `frames:${imNumber}`,
      windowMs,
      [
        { name: `conn:${connectionId}`, amount, limit: deps.config.wsFramesPerConnection },
        { name: 'user', amount, limit: deps.config.wsFramesPerUser },
      ],
      now,
    );
  const block = Math.min(FRAME_BLOCK, deps.config.wsFramesPerConnection, deps.config.wsFramesPerUser);
  const charged = block > 1 && (await charge(block)) ? block : (await charge(1)) ? 1 : 0;
  if (!charged) {
    deps.log.warn(LogEvent.WsRateLimited, { imNumber, connectionId, scope: 'frames' });
    // The refusal says when the window ends (the error frame's retryAfterMs), so a client can wait exactly that.
    throw tooMany('too many frames; slow down and try again', 'rate_limited', windowStart + windowMs - now);
  }
  blocks.delete(key);
  if (blocks.size >= FRAME_BLOCKS_KEPT) blocks.delete(blocks.keys().next().value!);
  blocks.set(key, { windowStart, left: charged - 1 });
}
