import { SmsSendError, type Deps, type SmsRequest } from './ports';

/** Backoff before each retry of a retryable provider failure (throttling, timeout, 5xx). */
export const SMS_RETRY_DELAYS_MS = [250, 1000];

/**
 * Sends one SMS, retrying retryable failures with backoff. Throws the last error when every try failed or the
 * failure is permanent (a bad number, an opted-out phone at the provider).
 */
export async function sendSmsWithRetry(
  deps: Deps,
  request: SmsRequest,
  ref: string,
): Promise<{ sid: string }> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await deps.sms.send(request);
    } catch (err) {
      const retryable = err instanceof SmsSendError ? err.retryable : true;
      const code = err instanceof SmsSendError ? err.providerCode : undefined;
      deps.log.warn('sms.send_failed', { ref, provider: deps.sms.name, attempt, retryable, code });
      if (!retryable || attempt >= SMS_RETRY_DELAYS_MS.length) throw err;
      await deps.clock.sleep(SMS_RETRY_DELAYS_MS[attempt]);
    }
  }
}

/** The first line a phone sees names the sender; `@imNumber` doubles as the way to reply to them. */
export function formatSmsBody(fromName: string, fromImNumber: string, text: string): string {
  const isDefault = fromName === `u${fromImNumber}`;
  return isDefault ? `@${fromImNumber}: ${text}` : `${fromName} @${fromImNumber}: ${text}`;
}
