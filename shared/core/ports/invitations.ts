/** Where an invitation stands. Only `pending` can change; `cancelled` is for ever (the phone said CANCEL). */
export type InvitationStatus = 'pending' | 'accepted' | 'declined' | 'expired' | 'cancelled';

/** An invitation to a phone (claims 6, 13): one row per phone, so at most one is pending for it. */
export interface Invitation {
  phone: string;
  inviter: string;
  inviterName: string;
  /** The name the inviter gave the invitee. */
  name: string;
  status: InvitationStatus;
  /** The service number the invitation SMS went from: the pair's thread. */
  serviceNumber: string;
  createdAt: number;
  /** Epoch ms after which a pending invitation no longer counts. */
  expiresAt: number;
  /** Epoch ms before which the phone may not be invited again (after NO or expiry). */
  cooldownUntil?: number;
  /** The invitee's imNumber, once accepted. */
  invitee?: string;
  /** Closed (status `expired`) because the inviter removed the phone from their contacts before it answered. */
  withdrawn?: boolean;
}

/** The invitations, by phone, and each inviter's list of them (for telling the inviter of expiries). */
export interface InvitationStore {
  getInvitation(phone: string): Promise<Invitation | null>;
  /**
   * Writes a new pending invitation unless the phone's current one is pending, cancelled, or in its cooldown at
   * `now` ('blocked': nothing written). Also records it on the inviter's list.
   */
  putInvitation(invitation: Invitation, now: number): Promise<'created' | 'blocked'>;
  /**
   * Moves the phone's invitation from `pending` (by that inviter, created at `createdAt`) to `changes.status`;
   * null when it was not so (someone else moved it first).
   */
  closeInvitation(
    phone: string,
    createdAt: number,
    changes: Pick<Invitation, 'status'> &
      Partial<Pick<Invitation, 'cooldownUntil' | 'invitee' | 'withdrawn'>>,
  ): Promise<Invitation | null>;
  /** The phones the inviter has invited (pending or not), at most `limit`, oldest first. */
  invitedBy(inviter: string, limit: number): Promise<string[]>;
  /** Drops a phone from the inviter's list once nothing is left to tell. */
  forgetInvited(inviter: string, phone: string): Promise<void>;
}
