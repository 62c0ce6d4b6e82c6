import { runPresenceFanout } from '../phases/presence-fanout';
import { serveRpc } from './threads';

/**
 * The presence fan-out's request counts (on a dynalite of its own, in this thread): CPU-heavy, nothing timed.
 * bench/run.ts starts this thread at the lowest priority, beside the start-up.
 */
serveRpc(
  { presence: (args: { outDir: string; sizes?: number[] }) => runPresenceFanout(args.outDir, args.sizes) },
  async () => undefined,
);
