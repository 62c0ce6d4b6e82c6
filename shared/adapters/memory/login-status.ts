import type { LoginStatusStore } from '../../core/ports';
import type { Connection, LinkStats, PresenceMode, Recipient } from '../../core/types';
import { copy, type MemoryTable } from './table';

/** The login-status store in memory, with the DynamoDB adapter's conditions (../dynamo/login-status.ts). */
export class MemoryLoginStatusStore implements LoginStatusStore {
  constructor(private readonly t: MemoryTable) {}

  async getRecipient(imNumber: string): Promise<Recipient | null> {
    const profile = this.t.profiles.get(imNumber);
    if (!profile) return null;
    // Like the Query on DynamoDB: every connection row, expired or not, in connectionId order.
    const connections = [...(this.t.connections.get(imNumber)?.values() ?? [])].sort((a, b) =>
      a.connectionId < b.connectionId ? -1 : a.connectionId > b.connectionId ? 1 : 0,
    );
    return copy({ profile, connections });
  }

  async setMode(imNumber: string, mode: PresenceMode): Promise<PresenceMode | null> {
    const profile = this.t.profiles.get(imNumber);
    if (!profile) return null;
    const previous = profile.mode ?? 'online';
    profile.mode = mode;
    return previous;
  }

  async putConnection(imNumber: string, connection: Connection): Promise<void> {
    let mine = this.t.connections.get(imNumber);
    if (!mine) this.t.connections.set(imNumber, (mine = new Map()));
    mine.set(connection.connectionId, copy(connection));
  }

  async touchConnection(
    imNumber: string,
    connectionId: string,
    expiresAt: number,
    seenAt?: number,
  ): Promise<boolean> {
    const connection = this.t.connections.get(imNumber)?.get(connectionId);
    if (!connection) return false;
    connection.expiresAt = expiresAt;
    if (seenAt !== undefined) connection.seenAt = seenAt;
    return true;
  }

  async recordLink(
    imNumber: string,
    connectionId: string,
    stats: Required<LinkStats>,
    ifSamples?: number,
  ): Promise<boolean> {
    const connection = this.t.connections.get(imNumber)?.get(connectionId);
    if (!connection) return false;
    if (ifSamples !== undefined && (connection.samples ?? 0) !== ifSamples) return false;
    Object.assign(connection, copy(stats));
    return true;
  }

  async deleteConnection(imNumber: string, connectionId: string): Promise<boolean> {
    return this.t.connections.get(imNumber)?.delete(connectionId) ?? false;
  }

  async deleteExpiredConnection(imNumber: string, connectionId: string, now: number): Promise<boolean> {
    const mine = this.t.connections.get(imNumber);
    const connection = mine?.get(connectionId);
    if (!connection || connection.expiresAt > now) return false;
    mine!.delete(connectionId);
    return true;
  }
}
