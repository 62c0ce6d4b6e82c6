import type { Deps } from './ports';
import type { PresenceMode } from './types';

/** $connect: registers the connection in the login-status table, with an expiry. */
export async function connect(deps: Deps, imNumber: string, connectionId: string): Promise<void> {
  const now = deps.clock.now();
  await deps.store.putConnection(imNumber, {
    connectionId,
    connectedAt: now,
    expiresAt: now + deps.config.connectionTtlSeconds * 1000,
  });
  deps.log.info('presence.connected', { imNumber, connectionId });
}

/** $disconnect: removes the connection. Best effort on AWS, which is why connections also expire. */
export async function disconnect(deps: Deps, imNumber: string, connectionId: string): Promise<void> {
  await deps.store.deleteConnection(imNumber, connectionId);
  deps.log.info('presence.disconnected', { imNumber, connectionId });
}

/** ping: keeps the connection counted as live, and answers pong. */
export async function ping(deps: Deps, imNumber: string, connectionId: string): Promise<void> {
  const now = deps.clock.now();
  const expiresAt = now + deps.config.connectionTtlSeconds * 1000;
  if (!(await deps.store.touchConnection(imNumber, connectionId, expiresAt))) {
    // The row expired or was removed while the socket stayed open: register it again.
    await deps.store.putConnection(imNumber, { connectionId, connectedAt: now, expiresAt });
  }
  await deps.im.push(connectionId, { type: 'pong' });
}

/** setPresence: the patent's manual offline mode. While offline, messages come by SMS even with a socket open. */
export async function setPresence(
  deps: Deps,
  imNumber: string,
  connectionId: string,
  mode: PresenceMode,
): Promise<void> {
  await deps.store.setMode(imNumber, mode);
  deps.log.info('presence.mode', { imNumber, mode });
  await deps.im.push(connectionId, { type: 'presence', status: mode });
}
