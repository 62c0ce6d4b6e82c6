import { isDomainError } from '../errors';
import { oncePerSid } from '../im-sms/once-per-sid';
import { replyTo, type GatedReply } from '../im-sms/outbound';
import { LogEvent } from '../log-events';
import type { Deps } from '../ports';
import { parseInvitationAnswer, parseInviteCommand } from './answers';
import {
  acceptInvitation,
  declineInvitation,
  expireInvitation,
  invite,
  INVITATION_TEXTS,
  INVITATION_UNKNOWN,
} from './invite';

/** An inbound SMS as the invitation flow needs it. */
export interface InvitationSms {
  messageSid: string;
  from: string;
  body: string;
}

/** A "no invitation" reply goes to one phone at most this often (the same limit as help replies). */
const REPLY_INTERVAL_SECONDS = 60 * 60;

/**
 * An invitee's answer, before keywords (the rule in docs/design.md): YES (or a synonym) from a phone with a
 * pending invitation agrees to it, NO declines it; an answer after expiry is told so and changes nothing. YES
 * with no invitation is left to the keywords (START for an opted-out phone, else an ordinary message); NO from a phone with no invitation and no
 * account is told it has none; from a user it is an ordinary message. Returns null when it is not an answer.
 */
export async function answerInvitationSms(
  deps: Deps,
  sms: InvitationSms,
): Promise<{ reply?: GatedReply } | null> {
  const answer = parseInvitationAnswer(sms.body);
  if (!answer) return null;
  const invitation = await deps.invitations.getInvitation(sms.from);
  const now = deps.clock.now();
  if (invitation?.status === 'pending' || invitation?.status === 'expired') {
    if (invitation.status === 'expired' && (await deps.users.getPhone(sms.from))?.optedOut) return null;
    return oncePerSid(deps, sms.messageSid, async () => {
      if (invitation.withdrawn) return gated(deps, sms, INVITATION_TEXTS.withdrawnReply);
      if (invitation.status === 'expired' || invitation.expiresAt <= now) {
        await expireInvitation(deps, invitation);
        return gated(deps, sms, INVITATION_TEXTS.expiredReply);
      }
      const reply =
        answer === 'yes'
          ? await acceptInvitation(deps, invitation)
          : await declineInvitation(deps, invitation);
      return reply ? gated(deps, sms, reply) : {};
    });
  }
  if (answer === 'no' && !(await deps.users.userOfPhone(sms.from))) {
    const reply = await replyTo(deps, sms.from, INVITATION_TEXTS.noInvitation, 'reply');
    // The reply limit's token is held by the sid, so the provider's retry of it still gets its reply.
    const allowed =
      reply !== undefined &&
      (await deps.once.claimOnce(`reply:${sms.from}`, now, REPLY_INTERVAL_SECONDS, sms.messageSid));
    deps.log.info(LogEvent.SmsNotRouted, { sid: sms.messageSid, reason: 'no_invitation', replied: allowed });
    return allowed ? { reply } : {};
  }
  return null;
}

/** A reply to the phone that texted, through the opt-out gate (nothing when it may not get one). */
async function gated(deps: Deps, sms: InvitationSms, text: string): Promise<{ reply?: GatedReply }> {
  const reply = await replyTo(deps, sms.from, text, 'reply');
  return reply ? { reply } : {};
}

/**
 * `INVITE <phone> <name>` texted by a user from their own phone (the offline invitation). The answer is an SMS
 * reply: sent, or the refusal's message. Returns null when the text is not that command.
 */
export async function inviteBySms(deps: Deps, sms: InvitationSms): Promise<{ reply?: GatedReply } | null> {
  const command = parseInviteCommand(sms.body);
  if (!command) return null;
  return oncePerSid(deps, sms.messageSid, async () => {
    const imNumber = await deps.users.userOfPhone(sms.from);
    const inviter = imNumber ? await deps.users.getUser(imNumber) : null;
    if (!inviter) return gated(deps, sms, INVITATION_TEXTS.notAUser);
    try {
      const invitation = await invite(deps, inviter, command);
      return gated(deps, sms, INVITATION_TEXTS.sent(invitation.name));
    } catch (err) {
      if (!isDomainError(err)) throw err;
      // Kept pending, and perhaps sent: not "Not sent", and not the IM answer's "remove the contact".
      if (err.message === INVITATION_UNKNOWN)
        return gated(deps, sms, INVITATION_TEXTS.mayNotHaveGone(command.name));
      return gated(deps, sms, `Not sent: ${err.message}.`);
    }
  });
}
