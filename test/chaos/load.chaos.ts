import { defineLoadRun, FULL_LOAD } from './support/load-run';

/**
 * Load on the local stack as `npm start` runs it: 44 messages a second for 60 s (support/load-run.ts, FULL_LOAD),
 * on an otherwise idle machine. Every message is counted: delivered, lost, duplicated.
 */
defineLoadRun({
  ...FULL_LOAD,
  name: 'load',
  hogs: 0,
  // On an idle machine it drains in seconds; a busy one makes the sends queue (finding 16), so the bound has room.
  drainMs: 120_000,
  // 1000-1259: never a number ending in 0099, which the sandbox treats as unreachable.
  phoneBase: 1000,
});
