import { formatSmsBody } from '../conversion/body-format';
import { encodeSms, type SmsEncoding } from '../conversion/sms-encoding';
import { LogEvent } from '../log-events';
import { SmsSendError, type Deps, type SmsRequest } from '../ports';
import type { MessageRecord, ThreadBinding, UserProfile } from '../types';
import type { ClearedPhone } from './outbound';
import { chooseServiceNumber } from './service-numbers';

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
  const choice = chooseServiceNumber(serviceNumbers, recipient.threads ?? {}, message.from, now);
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
 * Sends one SMS, retrying retryable failures with backoff. The only caller of the SMS provider in the core (the
 * linter keeps it so), and it takes only a phone cleared by the opt-out gate. Throws the last error when every try failed or the
 * failure is permanent (a bad number, an opted-out phone at the provider).
 *
 * A timed-out request may still have been taken by the provider, and Twilio's Messages API has no idempotency
 * key. So before each retry `stillNeeded` is asked (for a message: has a delivery report for it arrived?); when
 * it says no, the send counts as done and `null` is returned instead of a sid.
 */
export async function sendSmsWithRetry(
  deps: Deps,
  request: ClearedSmsRequest,
  ref: string,
  stillNeeded: () => Promise<boolean> = async () => true,
): Promise<{ sid: string } | null> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await deps.sms.send(request);
    } catch (err) {
      const retryable = err instanceof SmsSendError ? err.retryable : true;
      const code = err instanceof SmsSendError ? err.providerCode : undefined;
      deps.log.warn(LogEvent.SmsSendFailed, { ref, provider: deps.sms.name, attempt, retryable, code });
      if (!retryable || attempt >= SMS_RETRY_DELAYS_MS.length) throw err;
      await deps.clock.sleep(SMS_RETRY_DELAYS_MS[attempt]);
      if (!(await stillNeeded())) {
        deps.log.info(LogEvent.SmsTakenBeforeRetry, { ref });
        return null;
      }
    }
  }
}
