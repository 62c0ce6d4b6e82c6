import { defineLoadRun, FULL_LOAD } from './support/load-run';

/**
 * The same load as load.chaos.ts (44 messages a second for 60 s) beside two CPU hogs (`node -e "for(;;){}"`) on a
 * 2-core machine, more than the stack can take: the hogs start with the first send and are killed once the count
 * is done (and on exit; each also ends by itself after the run's longest possible time). Its bar is correctness,
 * not speed: 0 lost (a text from a phone counts as lost unless it reached its recipient, whatever its webhook
 * answered), 0 duplicated, 0 failed. Latencies and false fallbacks (an IM acked after its SMS went) are reported,
 * not asserted. The sends the stack cannot take at once wait in the local gateway's queue (docs/reliability.md,
 * finding 16); the drain gives that queue up to 7 minutes to empty (it took 3–5 minutes at load averages of 4–9),
 * which keeps the whole count inside jest's 10 minutes.
 */
defineLoadRun({
  ...FULL_LOAD,
  name: 'load-overload',
  hogs: 2,
  drainMs: 420_000,
  // 2000-2259: apart from load.chaos.ts's phones, and never a number ending in 0099.
  phoneBase: 2000,
});
