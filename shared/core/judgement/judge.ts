import type { Channel, Connection, Recipient } from '../types';

/** The connections that still count: a lost $disconnect cannot keep anyone online past its expiry. */
export function liveConnections(recipient: Recipient, now: number): Connection[] {
  return recipient.connections.filter((c) => c.expiresAt > now);
}

/**
 * The judgement (claims 1, 3, 4): IM when the recipient is logged in (not in manual offline mode and at least
 * one live connection at `now`, epoch ms), otherwise SMS.
 */
export function judge(recipient: Recipient, now: number): Channel {
  return recipient.profile.mode !== 'offline' && liveConnections(recipient, now).length > 0 ? 'im' : 'sms';
}
