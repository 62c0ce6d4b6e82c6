import { formatSmsBody } from '../conversion/body-format';
import { encodeSms, type SmsEncoding } from '../conversion/sms-encoding';
import { LogEvent } from '../log-events';
import { SmsSendError, type Deps, type SmsRequest } from '../ports';
import type { MessageRecord, ThreadBinding, UserProfile } from '../types';
import type { ClearedPhone } from './outbound';
import { chooseServiceNumber } from './service-numbers';

export { API_SMS_BUDGET_MS, TWILIO_WEBHOOK_WAIT_MS, WEBHOOK_SMS_BUDGET_MS } from './deadlines';

/** Backoff (ms) before each retry of a retryable provider failure (throttling, timeout, 5xx). */
export const SMS_RETRY_DELAYS_MS = [250, 1000];

/** An IM converted to the SMS a phone gets (the patent's IM → SMS conversion). */
export interface ComposedSms {
  /** The service number it goes out from. */
  from: string;
  /** The body as sent: the sender line, the text, normalised and cut to fit (conversion/sms-encoding.ts). */
  body: string;
  segments: number;
  encoding: SmsEncoding;
  /** The thread binding to store for the recipient, or null when the stored one is still right. */
  rebind: ThreadBinding | null;
}

/**
 * Converts a message for the recipient's phone: the service number of the recipient's thread with the sender
 * (im-sms/service-numbers.ts), the body with its sender line (conversion/body-format.ts), encoded and counted.
 * `now` is epoch ms.
 */
export function composeSms(
  serviceNumbers: string[],
  recipient: UserProfile,
  message: Pick<MessageRecord, 'from' | 'fromName' | 'text'>,
  now: number,
): ComposedSms {
  const choice = chooseServiceNumber(
    serviceNumbers,
    recipient.threads ?? {},
    message.from,
    now,
    recipient.blockedNumbers,
  );
  const encoded = encodeSms(formatSmsBody(message.fromName, message.from, message.text));
  return {
    from: choice.number,
    body: encoded.body,
    segments: encoded.segments,
    encoding: encoded.encoding,
    rebind: choice.rebind,
  };
}

/** An SMS whose recipient has passed the opt-out gate (im-sms/outbound.ts: `clearForSms`). */
export type ClearedSmsRequest = Omit<SmsRequest, 'to'> & { to: ClearedPhone };

/**
 * What became of a send: `sid` when this call sent it or found that the provider had taken an earlier try of it
 * (`earlier`); `reported` when a delivery report for it arrived meanwhile (so the provider has it); `unknown`
 * when a try of this call may have been taken and the provider could not be asked: nothing more may be sent
 * now, and whoever resumes it must ask first; `unasked` when the provider could not be asked before anything was
 * sent (`askFirst`): this call sent nothing, and whether an earlier try was taken is as unknown as before.
 */
export type SmsOutcome = { sid: string; earlier?: boolean } | 'reported' | 'unknown' | 'unasked';

/** Options of {@link sendSmsWithRetry}. */
export interface SmsSendOptions {
  /** Epoch ms: no try of this SMS can be older (a message's `sentAt`). Lookups search from here. Default: now. */
  since?: number;
  /** An earlier try may have reached the provider (a resume): ask it before sending anything. */
  askFirst?: boolean;
  /** For a message: false once a delivery report for it has arrived (an earlier try was taken). */
  stillNeeded?: () => Promise<boolean>;
  /**
   * The caller resumes an `unknown` outcome later, asking the provider first (a message's delivery check); only
   * the log says so (SmsLeftToResume). Every send, resumable or not, ends as `unknown` at a try that got no
   * answer (see {@link sendSmsWithRetry}).
   */
  resumable?: boolean;
  /**
   * Send nothing, only ask (the last resume of a message): an earlier try's sid when the provider has it,
   * `unasked` when it cannot be asked; when it has none, throws (permanent).
   */
  askOnly?: boolean;
  /**
   * Epoch ms: the deadline of this claim's tries (core/delivery/sms-fence.ts), only with `resumable`. No create
   * starts at or after it, and the provider is told to abandon one still unanswered then; once it has passed, the
   * call ends as `unknown` and sends nothing more: the resume, which comes after it, asks the provider first.
   */
  notAfter?: number;
  /**
   * Epoch ms: the deadline of the whole call, because someone waits for its answer. Default (and at the latest):
   * `deps.smsDeadline`, the request's (a webhook's, an API call's). See {@link sendSmsWithRetry}.
   */
  deadline?: number;
}

/**
 * Sends one SMS, retrying retryable failures with backoff. The only caller of the SMS provider in the core (the
 * linter keeps it so), and it takes only a phone cleared by the opt-out gate. Throws the last error when every
 * try failed or the failure is permanent (a bad number, an opted-out phone at the provider).
 *
 * A timed-out or failed create may still have been taken by the provider, and Twilio's Messages API has no
 * idempotency key. So a provider timeout never makes an SMS go twice: after a retryable failure, and before a
 * resume (`askFirst`), `stillNeeded` is asked (has a delivery report arrived?) and then the provider itself
 * (`SmsProvider.find`: an SMS with this from, to and body since `since`). Only a "no" from the provider lets
 * the next try go; when it cannot be asked, the outcome is `unknown` and nothing is sent. A try that got no
 * answer at all ({@link SmsSendError.unanswered}: a timeout) ends the call as `unknown` at once, for every kind of
 * SMS (message, invitation, sign-in code, notice): that create may still be under way at the provider, so its
 * list cannot show it yet, and a lookup that finds nothing would let a second copy go. Providers that cannot be
 * asked (SNS) are retried as before. Returns the outcome ({@link SmsOutcome}).
 *
 * The call's deadline (`opts.deadline`, else `deps.smsDeadline`: the request's) bounds every step: no create,
 * backoff or lookup starts when it could not end before it, a create or lookup under way is abandoned at it (the
 * request carries it as `notAfter`), and the call then ends as what is known: `unknown` when a try may have been
 * taken and no lookup said otherwise (nothing more is sent: each caller keeps its answer for an unknown send),
 * else, nothing having gone, it throws the last error (or a retryable SmsSendError `past_deadline` when no try
 * could start); a `resumable` send always ends `unknown` there, for its resume to ask. So a send inside a request
 * ends by the deadline, plus at most the logging of its end.
 */
export async function sendSmsWithRetry(
  deps: Deps,
  request: ClearedSmsRequest,
  ref: string,
  opts: SmsSendOptions = {},
): Promise<SmsOutcome> {
  const since = opts.since ?? deps.clock.now();
  // The request's deadline: every step (tries, backoffs, lookups) ends by it.
  const answerBy = earliest(opts.deadline, deps.smsDeadline);
  const bounded = <T extends ClearedSmsRequest>(r: T): T =>
    answerBy === undefined ? r : { ...r, notAfter: earliest(r.notAfter, answerBy) };
  const timeLeft = () => (answerBy === undefined ? Infinity : answerBy - deps.clock.now());
  if (opts.askFirst || opts.askOnly) {
    const prior = timeLeft() > 0 ? await takenAlready(deps, bounded(request), ref, since) : 'unknown';
    if (prior === 'unknown') return 'unasked';
    if (prior) return prior;
    if (opts.askOnly) throw new SmsSendError('the provider has no earlier try, and no try is left', false);
  }
  const fenced = opts.resumable && deps.sms.find && opts.notAfter !== undefined ? opts.notAfter : undefined;
  const pastFence = () => fenced !== undefined && deps.clock.now() >= fenced;
  // Whether a try of this call may have been taken with no lookup saying otherwise, and the last failure.
  let maybeTaken = false;
  let lastErr: unknown;
  // The request's deadline came before the next step could: end as what is known (see above).
  const stopAtDeadline = (attempt: number, step: 'try' | 'backoff' | 'lookup'): SmsOutcome => {
    const outcome = opts.resumable || maybeTaken ? 'unknown' : 'not_sent';
    deps.log.warn(LogEvent.SmsAnswerDeadline, { ref, attempt, step, outcome });
    if (outcome === 'unknown') {
      if (opts.resumable) deps.log.info(LogEvent.SmsLeftToResume, { ref });
      return 'unknown';
    }
    throw lastErr ?? new SmsSendError('no try could start before the deadline', true, 'past_deadline');
  };
  for (let attempt = 0; ; attempt++) {
    if (pastFence()) {
      // Too late for this claim: a resume may be about to ask the provider, and a create now could land after
      // its lookup. Nothing is sent; whatever an earlier try did, the resume finds out.
      deps.log.warn(LogEvent.SmsTryPastDeadline, { ref, attempt });
      return 'unknown';
    }
    if (timeLeft() <= 0) return stopAtDeadline(attempt, 'try');
    try {
      const fencedRequest = fenced === undefined ? request : { ...request, notAfter: fenced };
      return await deps.sms.send(bounded(fencedRequest));
    } catch (err) {
      const retryable = err instanceof SmsSendError ? err.retryable : true;
      const code = err instanceof SmsSendError ? err.providerCode : undefined;
      const unanswered = err instanceof SmsSendError && err.unanswered;
      deps.log.warn(LogEvent.SmsSendFailed, {
        ref,
        provider: deps.sms.name,
        attempt,
        retryable,
        code,
        unanswered,
        err,
      });
      if (!retryable) throw err;
      lastErr = err;
      // A create refused before it was sent (past its deadline) took nothing; any other failure may have.
      if (code !== 'past_deadline') maybeTaken = true;
      if (pastFence()) {
        deps.log.warn(LogEvent.SmsTryPastDeadline, { ref, attempt: attempt + 1 });
        return 'unknown';
      }
      // Not even a lookup settles a try that got no answer (above): it is not retried, whoever sent it.
      if (deps.sms.find && unanswered) {
        if (opts.resumable) deps.log.info(LogEvent.SmsLeftToResume, { ref });
        return 'unknown';
      }
      // The backoff also gives a create the provider is still finishing the time to show in its list; after the
      // last try, only the first (shortest) one.
      const last = attempt >= SMS_RETRY_DELAYS_MS.length;
      const delay = SMS_RETRY_DELAYS_MS[last ? 0 : attempt];
      // Nothing could follow a backoff that ends at the deadline.
      if (timeLeft() <= delay) return stopAtDeadline(attempt + 1, 'backoff');
      await deps.clock.sleep(delay);
      if (opts.stillNeeded && !(await opts.stillNeeded())) {
        deps.log.info(LogEvent.SmsTakenBeforeRetry, { ref });
        return 'reported';
      }
      if (deps.sms.find && timeLeft() <= 0) return stopAtDeadline(attempt + 1, 'lookup');
      const taken = await takenAlready(deps, bounded(request), ref, since);
      if (taken) return taken;
      maybeTaken = false;
      if (last) throw err;
    }
  }
}

/** The earlier of two optional epoch-ms deadlines (undefined: none). */
function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

/**
 * Asks the provider whether it already has this SMS: its sid (`earlier`), null when it has not (or cannot be
 * asked at all: SNS), `unknown` when the lookup failed.
 */
async function takenAlready(
  deps: Deps,
  request: ClearedSmsRequest,
  ref: string,
  since: number,
): Promise<{ sid: string; earlier: true } | 'unknown' | null> {
  if (!deps.sms.find) return null;
  try {
    const found = await deps.sms.find(request, since);
    if (!found) return null;
    deps.log.info(LogEvent.SmsFoundAtProvider, { ref, sid: found.sid });
    return { sid: found.sid, earlier: true };
  } catch (err) {
    const code = err instanceof SmsSendError ? err.providerCode : undefined;
    deps.log.warn(LogEvent.SmsLookupFailed, { ref, provider: deps.sms.name, code, err });
    return 'unknown';
  }
}
