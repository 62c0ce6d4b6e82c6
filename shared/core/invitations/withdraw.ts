import { LogEvent } from '../log-events';
import type { Deps } from '../ports';

/** A pending invitation expires this long after it was sent. */
export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;
/** After NO or an expiry, the phone may not be invited again for this long. */
export const INVITATION_COOLDOWN_MS = 30 * 24 * 3600 * 1000;
/**
 * After a withdrawal, the phone may not be invited again (by anyone) for this long: long enough that inviting
 * and withdrawing cannot text a phone more than once a day, short enough that it cannot be used to keep others
 * from inviting it for a month (the cooldown of NO or an expiry, which the phone's own answer or silence earns).
 */
export const WITHDRAWAL_COOLDOWN_MS = 24 * 3600 * 1000;

/**
 * The inviter removed the invited phone from their contacts before it answered (removeContact): their pending
 * invitation to it is closed (status `expired`, `withdrawn`) with a cooldown of {@link WITHDRAWAL_COOLDOWN_MS},
 * so removing and inviting again cannot text a phone more than once a day. A later YES or NO from the phone is
 * told the invitation was withdrawn and creates nothing. The inviter is not told: they did it. Returns false, changing nothing, when the
 * phone has no pending invitation from `inviter` (another user's invitation to the same phone is left alone).
 * Cost: one Get, and one conditional Update and one Delete when there was one.
 */
export async function withdrawInvitation(deps: Deps, inviter: string, phone: string): Promise<boolean> {
  const invitation = await deps.invitations.getInvitation(phone);
  if (invitation?.status !== 'pending' || invitation.inviter !== inviter) return false;
  const now = deps.clock.now();
  const closed = await deps.invitations.closeInvitation(phone, invitation.createdAt, {
    status: 'expired',
    withdrawn: true,
    cooldownUntil: now + WITHDRAWAL_COOLDOWN_MS,
  });
  if (!closed) return false;
  await deps.invitations.forgetInvited(inviter, phone);
  deps.log.info(LogEvent.InvitationClosed, { inviter, status: 'withdrawn' });
  return true;
}
