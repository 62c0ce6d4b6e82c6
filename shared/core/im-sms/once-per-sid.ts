import { unavailable } from '../errors';
import { LogEvent } from '../log-events';
import type { Deps } from '../ports';

/** How long a webhook's claim on its MessageSid is leased while it runs (a crash frees it after this). */
export const SID_LEASE_SECONDS = 30;
/** How long a handled MessageSid is remembered, so the provider's retries of it are duplicates. */
export const SID_DONE_SECONDS = 7 * 24 * 3600;

/**
 * Runs a webhook's work once per MessageSid: claim, work, complete. If the work throws, the claim is released
 * and the error goes on (the webhook answers 500), so the provider's retry of the same sid does it again. A sid
 * done already is a duplicate (answered `{}`: no reply); one another attempt is still working on is refused as
 * unavailable (500), so the provider retries it later instead of it being lost if that attempt fails. Every
 * inbound path with a side effect before its answer (keywords, invitation answers, INVITE) goes through here.
 */
export async function oncePerSid<T extends object>(
  deps: Deps,
  sid: string,
  work: () => Promise<T>,
): Promise<T | Record<string, never>> {
  const key = `sms:${sid}`;
  const state = await deps.once.begin(key, deps.clock.now(), SID_LEASE_SECONDS);
  if (state === 'done') {
    deps.log.info(LogEvent.SmsDuplicate, { sid });
    return {};
  }
  if (state === 'busy') throw unavailable('this message is being handled; try again later', 'busy');
  try {
    const result = await work();
    await deps.once.complete(key, deps.clock.now(), SID_DONE_SECONDS);
    return result;
  } catch (err) {
    // If the release fails too, the lease runs out and the retry redoes the work then.
    await deps.once.release(key).catch(() => undefined);
    throw err;
  }
}
