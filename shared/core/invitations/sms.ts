import { isDomainError } from '../errors';
import { LogEvent } from '../log-events';
import type { Deps } from '../ports';
import { parseInvitationAnswer, parseInviteCommand } from './answers';
import { acceptInvitation, declineInvitation, expireInvitation, invite, INVITATION_TEXTS } from './invite';

/** An inbound SMS as the invitation flow needs it. */
export interface InvitationSms {
  messageSid: string;
  from: string;
  body: string;
}

/** Webhook ids are claimed this long, as for keywords. */
const SID_CLAIM_SECONDS = 7 * 24 * 3600;
/** A "no invitation" reply goes to one phone at most this often (the same limit as help replies). */
const REPLY_INTERVAL_SECONDS = 60 * 60;

/**
 * An invitee's answer, before keywords (the rule in docs/design.md): YES (or a synonym) from a phone with a
 * pending invitation agrees to it, NO declines it; an answer after expiry is told so and changes nothing. YES
 * with no invitation is left to the keywords (START: re-subscribe); NO from a phone with no invitation and no
 * account is told it has none; from a user it is an ordinary message. Returns null when it is not an answer.
 */
export async function answerInvitationSms(
  deps: Deps,
  sms: InvitationSms,
): Promise<{ reply?: string } | null> {
  const answer = parseInvitationAnswer(sms.body);
  if (!answer) return null;
  const invitation = await deps.invitations.getInvitation(sms.from);
  const now = deps.clock.now();
  if (invitation?.status === 'pending' || invitation?.status === 'expired') {
    if (invitation.status === 'expired' && (await deps.users.getPhone(sms.from))?.optedOut) return null;
    if (!(await deps.once.claimOnce(`sms:${sms.messageSid}`, now, SID_CLAIM_SECONDS))) return {};
    if (invitation.status === 'expired' || invitation.expiresAt <= now) {
      await expireInvitation(deps, invitation);
      return { reply: INVITATION_TEXTS.expiredReply };
    }
    const reply =
      answer === 'yes' ? await acceptInvitation(deps, invitation) : await declineInvitation(deps, invitation);
    return reply ? { reply } : {};
  }
  if (answer === 'no' && !(await deps.users.userOfPhone(sms.from))) {
    const allowed = await deps.once.claimOnce(`reply:${sms.from}`, now, REPLY_INTERVAL_SECONDS);
    deps.log.info(LogEvent.SmsNotRouted, { sid: sms.messageSid, reason: 'no_invitation', replied: allowed });
    return allowed ? { reply: INVITATION_TEXTS.noInvitation } : {};
  }
  return null;
}

/**
 * `INVITE <phone> <name>` texted by a user from their own phone (the offline invitation). The answer is an SMS
 * reply: sent, or the refusal's message. Returns null when the text is not that command.
 */
export async function inviteBySms(deps: Deps, sms: InvitationSms): Promise<{ reply?: string } | null> {
  const command = parseInviteCommand(sms.body);
  if (!command) return null;
  if (!(await deps.once.claimOnce(`sms:${sms.messageSid}`, deps.clock.now(), SID_CLAIM_SECONDS))) return {};
  const imNumber = await deps.users.userOfPhone(sms.from);
  const inviter = imNumber ? await deps.users.getUser(imNumber) : null;
  if (!inviter) return { reply: INVITATION_TEXTS.notAUser };
  try {
    const invitation = await invite(deps, inviter, command);
    return { reply: INVITATION_TEXTS.sent(invitation.name) };
  } catch (err) {
    if (!isDomainError(err)) throw err;
    return { reply: `Not sent: ${err.message}.` };
  }
}
