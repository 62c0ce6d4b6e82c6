import { LogEvent } from '../log-events';
import type { Deps } from '../ports';
import type { PresenceMode } from '../types';

/** The expiry (epoch ms) of a connection seen alive at `now`. */
const expiryFrom = (deps: Deps, now: number) => now + deps.config.connectionTtlSeconds * 1000;

/** A client logged in (claim 2): registers the connection in the login-status table, with an expiry. */
export async function connect(deps: Deps, imNumber: string, connectionId: string): Promise<void> {
  const now = deps.clock.now();
  await deps.logins.putConnection(imNumber, {
    connectionId,
    connectedAt: now,
    expiresAt: expiryFrom(deps, now),
  });
  deps.log.info(LogEvent.PresenceConnected, { imNumber, connectionId });
}

/** A client logged out: removes the connection. Best effort on AWS, which is why connections also expire. */
export async function disconnect(deps: Deps, imNumber: string, connectionId: string): Promise<void> {
  await deps.logins.deleteConnection(imNumber, connectionId);
  deps.log.info(LogEvent.PresenceDisconnected, { imNumber, connectionId });
}

/**
 * A client showed it is still there: its connection counts as live for another connection TTL. A row that
 * expired or was removed while the socket stayed open is registered again. (The transport's answer to a
 * keep-alive, `pong` on the WebSocket, is the runtime's.)
 */
export async function keepAlive(deps: Deps, imNumber: string, connectionId: string): Promise<void> {
  const now = deps.clock.now();
  const expiresAt = expiryFrom(deps, now);
  if (!(await deps.logins.touchConnection(imNumber, connectionId, expiresAt))) {
    await deps.logins.putConnection(imNumber, { connectionId, connectedAt: now, expiresAt });
  }
}

/**
 * The patent's manual offline mode, on or off. While offline, messages come by SMS even with a socket open.
 * The connection that asked is told the mode now in force.
 */
export async function setPresence(
  deps: Deps,
  imNumber: string,
  connectionId: string,
  mode: PresenceMode,
): Promise<void> {
  await deps.logins.setMode(imNumber, mode);
  deps.log.info(LogEvent.PresenceMode, { imNumber, mode });
  await deps.im.push(connectionId, { kind: 'presence', mode });
}
