import { replayRules } from '../phases/mobile-fallback';
import { runPresenceFanout } from '../phases/presence-fanout';
import { serveRpc } from './threads';

/**
 * CPU-heavy work of a run that times nothing (bench/run.ts starts this thread with `lowPriority`): the presence
 * fan-out's request counts on a dynalite of its own, and the mobile phase's replay in virtual time. It runs beside
 * the start-up and the request-count cells, taking the cores only when the threads they need leave them idle.
 */
serveRpc(
  {
    presence: (args: { outDir: string; sizes?: number[] }) => runPresenceFanout(args.outDir, args.sizes),
    replay: (args: Parameters<typeof replayRules>[0]) => replayRules(args),
  },
  async () => undefined,
);
