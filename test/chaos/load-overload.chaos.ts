import { defineLoadRun } from './support/load-run';

/**
 * The load run overloaded: two CPU hogs (`node -e "for(;;){}"`) beside the stack on a 2-core machine,
 * started by the test with the first send and killed once the count is done (and on exit). Smaller than
 * load.chaos.ts so that it ends in a few minutes however slow the machine is; its bar is correctness, not speed:
 * 0 lost (a text from a phone counts as lost unless it reached its recipient, whatever its webhook answered),
 * 0 duplicated. Latencies and false fallbacks (an IM acked after its SMS went) are reported, not asserted.
 */
defineLoadRun({
  name: 'load-overload',
  seconds: Number(process.env.CHAOS_OVERLOAD_SECONDS ?? 20),
  clients: 20,
  nonAckers: 2,
  offline: 8,
  plainPhones: 4,
  sendIntervalMs: 5000,
  inboundPerSecond: 1,
  ackTimeoutMs: 3000,
  hogs: 2,
  drainMs: 240_000,
  // A resume (after a send whose outcome is unknown) comes after 20 s rather than 60 s, so the drain sees it.
  env: { SMS_RESEND_AFTER_MS: '20000' },
  // 2000-2031: apart from load.chaos.ts's phones, and never a number ending in 0099.
  phoneBase: 2000,
});
