import type { Invitation, InvitationStore } from '../../core/ports';
import { copy, type MemoryTable } from './table';

/** Invitations in memory, with the DynamoDB adapter's conditions (../dynamo/invitations.ts). */
export class MemoryInvitationStore implements InvitationStore {
  constructor(private readonly t: MemoryTable) {}

  async getInvitation(phone: string): Promise<Invitation | null> {
    const i = this.t.invitations.get(phone);
    return i ? copy(i) : null;
  }

  async putInvitation(invitation: Invitation, now: number): Promise<'created' | 'blocked'> {
    const current = this.t.invitations.get(invitation.phone);
    const open =
      !current ||
      (['accepted', 'declined', 'expired'].includes(current.status) &&
        (current.cooldownUntil === undefined || current.cooldownUntil <= now));
    if (!open) return 'blocked';
    this.t.invitations.set(invitation.phone, copy(invitation));
    let sent = this.t.sentInvitations.get(invitation.inviter);
    if (!sent) this.t.sentInvitations.set(invitation.inviter, (sent = new Set()));
    sent.add(invitation.phone);
    return 'created';
  }

  async closeInvitation(
    phone: string,
    createdAt: number,
    changes: Pick<Invitation, 'status'> &
      Partial<Pick<Invitation, 'cooldownUntil' | 'invitee' | 'withdrawn'>>,
  ): Promise<Invitation | null> {
    const current = this.t.invitations.get(phone);
    if (!current || current.status !== 'pending' || current.createdAt !== createdAt) return null;
    const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    const next = { ...current, ...defined } as Invitation;
    this.t.invitations.set(phone, next);
    return copy(next);
  }

  async invitedBy(inviter: string, limit: number): Promise<string[]> {
    return [...(this.t.sentInvitations.get(inviter) ?? [])].sort().slice(0, limit);
  }

  async forgetInvited(inviter: string, phone: string): Promise<void> {
    this.t.sentInvitations.get(inviter)?.delete(phone);
  }
}
