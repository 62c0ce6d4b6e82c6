import { replayRules } from '../phases/mobile-fallback';
import { serveRpc } from './threads';

/**
 * The mobile phase's replay in virtual time (its sample for the false-fallback rate): CPU-heavy, nothing timed.
 * bench/run.ts starts this thread at the lowest priority, beside the start-up.
 */
serveRpc({ replay: (args: Parameters<typeof replayRules>[0]) => replayRules(args) }, async () => undefined);
