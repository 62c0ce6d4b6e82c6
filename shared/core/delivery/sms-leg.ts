import { clearForSms } from '../im-sms/outbound';
import { isProviderOptOut, noteProviderRefusal } from '../im-sms/provider-opt-out';
import { composeSms, sendSmsWithRetry, type SmsOutcome } from '../im-sms/send';
import { LogEvent } from '../log-events';
import type { Deps } from '../ports';
import type { MessageRecord, UserProfile } from '../types';
import { sendReceipt } from './receipts';
import { smsTryDeadline } from './sms-fence';

/**
 * The SMS leg: sends a message (already claimed as `sending_sms`) to the recipient's phone, from the service
 * number of the recipient's thread with the sender. Passes the opt-out gate (STOP; never to a service number,
 * reason `service_number`) and the country allow-list. A try the provider did not answer is left to the
 * message's delivery check (it stays `sending_sms`). `askOnly` (a last resume): sends nothing, only asks the
 * provider whether it took an earlier try: `sent_sms` with that sid if so, else `failed` (`provider_error`).
 */
export async function deliverBySms(
  deps: Deps,
  message: MessageRecord,
  profile: UserProfile,
  opts: { askOnly?: boolean } = {},
): Promise<void> {
  // The gate (im-sms/outbound.ts: service numbers, SMS_COUNTRIES, opt-out), on the profile just read: setOptOut
  // writes it with the phone row.
  const cleared = await clearForSms(deps, profile.phone, 'message', profile);
  if (!cleared.ok) return failMessage(deps, message, cleared.reason);
  const sms = composeSms(deps.config.serviceNumbers, profile, message, deps.clock.now());
  // A message is charged once, by its first try. A resume (resends > 0) is the same message, already charged:
  // charging it again would spend the sender's budget twice for one SMS, or refuse it as over budget. A last look
  // (askOnly) sends nothing, so it charges nothing.
  const resume = (message.resends ?? 0) > 0;
  if (!opts.askOnly && !resume && !(await withinSmsBudget(deps, message, profile.phone, sms.segments)))
    return failMessage(deps, message, 'sms_budget');
  let result: SmsOutcome;
  try {
    result = await sendSmsWithRetry(
      deps,
      { from: sms.from, to: cleared.to, body: sms.body, reportRef: message.id },
      message.id,
      {
        // No try of this leg can be older than the message.
        since: message.sentAt,
        // A resume: the try a crash (or an unknown outcome) interrupted may have been taken.
        askFirst: resume,
        // A delivery report for it means the provider took an earlier try whose answer was lost.
        stillNeeded: async () => (await deps.messages.getMessage(message.id))?.status === 'sending_sms',
        // An unanswered try is left to the delivery check, which asks the provider after the grace period.
        resumable: true,
        askOnly: opts.askOnly,
        // No create of this claim may be under way when its resume asks the provider (sms-fence.ts): the claim
        // wrote `updatedAt`, and the resume waits SMS_RESEND_AFTER_MS from it.
        notAfter: smsTryDeadline(message.updatedAt, deps.config.smsResendAfterMs),
      },
    );
  } catch (err) {
    // The phone opted out of this number at the provider (Twilio's own STOP, 21610): permanent, not retried. The
    // number is blocked for the phone, so the thread moves to another number from the next message on.
    if (isProviderOptOut(err)) {
      await noteProviderRefusal(deps, profile.imNumber, sms.from);
      return failMessage(deps, message, 'number_opted_out');
    }
    return failMessage(deps, message, 'provider_error');
  }
  const leg = { from: sms.from, segments: sms.segments, encoding: sms.encoding };
  if (result === 'reported') {
    // Taken by an earlier try whose answer was lost: its delivery report has moved the message on already.
    await deps.messages.transitionMessage(message.id, ['sent_sms', 'delivered_sms', 'failed'], { sms: leg });
    return;
  }
  if (result === 'unasked') {
    // This resume sent nothing: the provider could not be asked whether the interrupted try was taken. So it was
    // no resend: it gives back the one its claim counted and counts a failed lookup instead, and the delivery
    // check asks again after the grace period (ack-timeout.ts bounds both counts).
    const deferred = await persistently(deps, message.id, () =>
      deps.messages.transitionMessage(
        message.id,
        ['sending_sms'],
        {
          // A last look's claim counted no resend.
          resends: opts.askOnly ? message.resends : Math.max(0, (message.resends ?? 0) - 1),
          failedLookups: (message.failedLookups ?? 0) + 1,
          updatedAt: deps.clock.now(),
        },
        { updatedAt: message.updatedAt },
      ),
    );
    deps.log.warn(LogEvent.MessageSmsResumeDeferred, {
      messageId: message.id,
      failedLookups: deferred?.failedLookups,
    });
    await deps.ack.schedule(message.id, deps.config.smsResendAfterMs);
    return;
  }
  if (result === 'unknown') {
    // Whether the provider took it is not known, so nothing more goes now: the message stays `sending_sms` and
    // its delivery check resumes it after the grace period, asking the provider first.
    deps.log.warn(LogEvent.SmsOutcomeUnknown, { messageId: message.id });
    await deps.ack.schedule(message.id, deps.config.smsResendAfterMs);
    return;
  }
  const sid = result.sid;
  const withSid = { ...leg, sid };
  const sent = await persistently(deps, message.id, () =>
    deps.messages.transitionMessage(message.id, ['sending_sms'], {
      status: 'sent_sms',
      sms: withSid,
      updatedAt: deps.clock.now(),
    }),
  );
  deps.log.info(LogEvent.MessageSentSms, {
    messageId: message.id,
    sid,
    segments: withSid.segments,
    encoding: withSid.encoding,
  });
  if (sent) await sendReceipt(deps, sent);
  else await deps.messages.transitionMessage(message.id, ['delivered_sms', 'failed'], { sms: withSid });
  if (sms.rebind) await deps.users.setThread(profile.imNumber, sms.from, sms.rebind);
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Charges one SMS leg to its sender's daily budget: `segments` (of the body actually sent) against
 * SMS_DAILY_SEGMENTS, and one SMS to this phone against SMS_DAILY_PER_PHONE. One row per sender and UTC day
 * (no global key), one conditional write, and only when an SMS leg happens. False, charging nothing, when either
 * would be passed.
 */
async function withinSmsBudget(
  deps: Deps,
  message: MessageRecord,
  phone: string,
  segments: number,
): Promise<boolean> {
  const ok = await deps.rates.spendBudget(
    `sms:${message.from}`,
    DAY_MS,
    [
      { name: 'segments', amount: segments, limit: deps.config.smsDailySegments },
      { name: `to:${phone}`, amount: 1, limit: deps.config.smsDailyPerPhone },
    ],
    deps.clock.now(),
  );
  if (!ok) deps.log.warn(LogEvent.SmsBudgetExceeded, { messageId: message.id, from: message.from, segments });
  return ok;
}

/** Ends a message as `failed` with `reason` (if it is still where the caller saw it) and tells the sender. */
export async function failMessage(deps: Deps, message: MessageRecord, reason: string): Promise<void> {
  const failed = await deps.messages.transitionMessage(message.id, [message.status], {
    status: 'failed',
    reason,
    updatedAt: deps.clock.now(),
  });
  deps.log.info(LogEvent.MessageFailed, { messageId: message.id, reason });
  if (failed) await sendReceipt(deps, failed);
}

/**
 * The SMS leg for a message whose recipient must be read again (the ack check runs in another process).
 * `askOnly`: no try is left, only ask the provider whether it took an earlier one (sent_sms if so, else failed).
 */
export async function smsToRecipient(
  deps: Deps,
  message: MessageRecord,
  opts: { askOnly?: boolean } = {},
): Promise<void> {
  // Consistent: a STOP (or a number change) confirmed a moment ago must be seen before an SMS goes out.
  const profile = await deps.users.getUser(message.to, { consistent: true });
  if (profile) await deliverBySms(deps, message, profile, opts);
  else await failMessage(deps, message, 'unknown_recipient');
}

/** Backoff (ms) between tries of a write that must land. */
const PERSIST_DELAYS_MS = [100, 400, 1600, 3200];

/**
 * Retries a write that must land because what it records has already happened (an SMS went out): giving up
 * would leave the message looking unsent, and its delivery check would send it again. Throws the last error.
 */
export async function persistently<T>(deps: Deps, ref: string, write: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (attempt >= PERSIST_DELAYS_MS.length) throw err;
      deps.log.warn(LogEvent.StoreWriteRetried, {
        ref,
        attempt,
        err,
      });
      await deps.clock.sleep(PERSIST_DELAYS_MS[attempt]);
    }
  }
}
