/**
 * The fence between a try of an SMS leg and the resume that may follow it (docs/reliability.md, finding 14).
 *
 * A message's SMS leg is claimed with a write that sets its `updatedAt`; its delivery check resumes it, asking the
 * provider first, once `SMS_RESEND_AFTER_MS` has passed since that write. The resume's lookup can only see a create
 * the provider has taken, so every create of the claim must be over, and taken or not, before the lookup runs.
 * Nothing else bounds it: the steps before a create (the recipient's read, the opt-out gate, the budget write, the
 * route's held receipt) can outlast any grace under throttling or a starved process, and a Lambda frozen mid-try
 * goes on when it is thawed. So each try carries a deadline, {@link smsTryDeadline}: no create starts at or after
 * it, and a create still unanswered then is abandoned (shared/adapters/twilio-sms.ts). The
 * {@link SMS_TRY_MARGIN_MS} between it and the resume is left for the provider to list a create it received
 * just before the deadline, and for the clocks of the sending and the resuming hosts to differ.
 */

/** Time (ms) between a claim's try deadline and the earliest resume: provider lag, clock skew, a late abort. */
export const SMS_TRY_MARGIN_MS = 10_000;

/**
 * The shortest SMS_RESEND_AFTER_MS the configuration takes (ms): the worst whole send with its retries when every
 * try times out (22.5 s with Twilio's timeouts: `SMS_SEND_WORST_MS`, shared/runtime/ack-batch.ts; a test holds the
 * two together) and {@link SMS_TRY_MARGIN_MS}, so a send that starts promptly is never cut by its own fence. A
 * shorter grace could not make an SMS go twice (the fence holds whatever the grace), but would cut sends short
 * and turn them into resumes.
 */
export const SMS_RESEND_AFTER_MIN_MS = 32_500;

/**
 * The deadline (epoch ms) of the tries of a claim made at `claimedAt` (the message's `updatedAt` as the claim
 * wrote it, epoch ms) when resumes wait `resendAfterMs`: `claimedAt + resendAfterMs - SMS_TRY_MARGIN_MS`.
 */
export function smsTryDeadline(claimedAt: number, resendAfterMs: number): number {
  return claimedAt + resendAfterMs - SMS_TRY_MARGIN_MS;
}
