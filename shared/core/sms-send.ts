import { IM_NUMBER_PATTERN } from './addressing';
import { defaultName } from './names';
import { SmsSendError, type Deps, type SmsRequest } from './ports';

/** Backoff before each retry of a retryable provider failure (throttling, timeout, 5xx). */
export const SMS_RETRY_DELAYS_MS = [250, 1000];

/**
 * Sends one SMS, retrying retryable failures with backoff. Throws the last error when every try failed or the
 * failure is permanent (a bad number, an opted-out phone at the provider).
 *
 * A timed-out request may still have been taken by the provider, and Twilio's Messages API has no idempotency
 * key. So before each retry `stillNeeded` is asked (for a message: has a status callback for it arrived?); when
 * it says no, the send counts as done and `null` is returned instead of a sid.
 */
export async function sendSmsWithRetry(
  deps: Deps,
  request: SmsRequest,
  ref: string,
  stillNeeded: () => Promise<boolean> = async () => true,
): Promise<{ sid: string } | null> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await deps.sms.send(request);
    } catch (err) {
      const retryable = err instanceof SmsSendError ? err.retryable : true;
      const code = err instanceof SmsSendError ? err.providerCode : undefined;
      deps.log.warn('sms.send_failed', { ref, provider: deps.sms.name, attempt, retryable, code });
      if (!retryable || attempt >= SMS_RETRY_DELAYS_MS.length) throw err;
      await deps.clock.sleep(SMS_RETRY_DELAYS_MS[attempt]);
      if (!(await stillNeeded())) {
        deps.log.info('sms.taken_before_retry', { ref });
        return null;
      }
    }
  }
}

/**
 * Retries a write that must land because what it records has already happened (an SMS went out): giving up
 * would leave the message looking unsent, and its delivery check would send it again.
 */
export async function persistently<T>(deps: Deps, ref: string, write: () => Promise<T>): Promise<T> {
  const delays = [100, 400, 1600, 3200];
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (attempt >= delays.length) throw err;
      deps.log.warn('store.write_retried', {
        ref,
        attempt,
        error: err instanceof Error ? err.name : 'unknown',
      });
      await deps.clock.sleep(delays[attempt]);
    }
  }
}

/** The first line a phone sees names the sender; `@imNumber` doubles as the way to reply to them. */
export function formatSmsBody(fromName: string, fromImNumber: string, text: string): string {
  const isDefault = fromName === defaultName(fromImNumber);
  return isDefault ? `@${fromImNumber}: ${text}` : `${fromName} @${fromImNumber}: ${text}`;
}

/**
 * The inverse of {@link formatSmsBody}: the sender and text of an IM-SMS body the router wrote, or null when the
 * body is not in that format (a login code, a phone's own text). `fromName` is null when the sender had the default
 * name (`@<imNumber>: text`). The name is matched as formatSmsBody writes it: any run without spaces, since names
 * never hold a space. Pure; served to the browser console through shared/core/rules.ts.
 */
export function parseSmsBody(
  body: string,
): { fromName: string | null; fromImNumber: string; text: string } | null {
  const match = /^(?:(\S+) )?@(\d+): ([\s\S]*)$/u.exec(body);
  if (!match || !IM_NUMBER_PATTERN.test(match[2])) return null;
  const [, fromName, fromImNumber, text] = match;
  return { fromName: fromName ?? null, fromImNumber, text };
}
