import type { Connection, LinkStats, PresenceMode, Recipient } from '../types';

/**
 * The login-status store (the patent's login status table): a user's live connections and manual presence
 * mode. Connections carry their own expiry, so a lost disconnect cannot keep anyone online.
 */
export interface LoginStatusStore {
  /** Profile plus live (unexpired) connections: one read answers "who and where". Null for no such user. */
  getRecipient(imNumber: string): Promise<Recipient | null>;
  /**
   * Sets the manual presence mode, in one write that also answers the mode it replaced (`online` when none was
   * set); null when the user does not exist (nothing is written).
   */
  setMode(imNumber: string, mode: PresenceMode): Promise<PresenceMode | null>;
  putConnection(imNumber: string, connection: Connection): Promise<void>;
  /**
   * Refreshes a connection's expiry and, with `seenAt` (epoch ms), when it was last heard from; false when it no
   * longer exists.
   */
  touchConnection(
    imNumber: string,
    connectionId: string,
    expiresAt: number,
    seenAt?: number,
  ): Promise<boolean>;
  /**
   * Writes a connection's link stats (ack round trips, last heard; see shared/core/delivery/ack-wait.ts): one
   * conditional write that never creates a row. With `ifSamples`, only if the row's `samples` is still that
   * (0: none yet), so a write computed from stats another write has replaced is refused. False when the
   * connection no longer exists or the condition failed.
   */
  recordLink(
    imNumber: string,
    connectionId: string,
    stats: Required<LinkStats>,
    ifSamples?: number,
  ): Promise<boolean>;
  /**
   * Deletes a connection row, in one write that also says whether it took one: true when the row was there
   * (expired or not), false when someone else had already removed it (presence decides on that: the one whose
   * delete took the row announces).
   */
  deleteConnection(imNumber: string, connectionId: string): Promise<boolean>;
  /**
   * Deletes a connection row only if it has expired by `now` (expiresAt <= now; a ping that refreshed it wins).
   * True for the one caller whose delete took it: the one that announces the expiry.
   */
  deleteExpiredConnection(imNumber: string, connectionId: string, now: number): Promise<boolean>;
}
