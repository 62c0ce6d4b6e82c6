import './node-env';
import { describeError } from '../../shared/adapters/logger';
import { startLocalStack } from './stack';

/**
 * `npm start`: the whole system on this machine, until SIGINT (Ctrl-C), SIGTERM or SIGHUP (its terminal closed),
 * or until npm, when npm runs it, is gone (npm does not pass SIGHUP on).
 * The first signal stops it cleanly (sockets closed, the sandbox's and the database's state written); a second
 * one while that runs exits at once, with status 1, as a second Ctrl-C does in most servers.
 */
async function main(): Promise<void> {
  // The signals are taken before the stack starts: one that came between the banner and a later registration
  // killed the process outright (Node's default for SIGINT), and a Ctrl-C during the start stops it cleanly too.
  const starting = startLocalStack();
  // After SIGHUP the terminal may be gone: a failed write (EIO, EPIPE) must not stop the shutdown.
  process.stdout.on('error', () => undefined);
  let first: { signal: string; at: number } | undefined;
  const shutdown = (signal: string) => {
    if (first) {
      // Ctrl-C in a terminal reaches this process twice: the terminal signals the whole process group, and npm
      // passes its own copy on. That is one Ctrl-C, not a second.
      if (signal === first.signal && Date.now() - first.at < SAME_SIGNAL_MS) return;
      say(`${signal} again: exiting without finishing the stop\n`);
      process.exit(1);
    }
    first = { signal, at: Date.now() };
    say(`\n${signal}: stopping…\n`);
    starting
      .then((stack) => stack.stop())
      .then(
        () => process.exit(0),
        (err) => {
          process.stderr.write(`stop failed: ${JSON.stringify(describeError(err))}\n`);
          process.exit(1);
        },
      );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => shutdown(signal));
  // npm passes SIGINT and SIGTERM on to this process, but not SIGHUP: a SIGHUP (or a kill -9) to npm alone ends
  // npm and left this server running without it, holding the port and the data folder. Run by npm, a parent
  // that is gone (this process handed to another) is a stop, as the signal would have been.
  if (process.env.npm_lifecycle_event) {
    // npm's pid as its shell saw it (`$PPID` in the start script): read here, this process's own parent would
    // already be another one when npm was killed while Node and tsx were still loading.
    const parent = Number(process.env.IMSMS_NPM_PID) || process.ppid;
    const watch = setInterval(() => {
      if (process.ppid === parent) return;
      clearInterval(watch);
      if (!first) shutdown('npm exited');
    }, PARENT_CHECK_MS);
    watch.unref();
  }
  await starting;
}

/**
 * A repeat of the first signal within this time (ms) is the same one: `npm start` in a terminal gets each Ctrl-C
 * twice, from the terminal (to the whole process group) and from npm, which forwards it. A person's second
 * Ctrl-C comes later than that.
 */
const SAME_SIGNAL_MS = 1_000;

/** How often the stack, when run by npm, checks that npm is still its parent (ms). */
const PARENT_CHECK_MS = 500;

/** A line on stdout that cannot stop the shutdown (its asynchronous errors are ignored in main). */
function say(line: string): void {
  try {
    process.stdout.write(line);
  } catch {
    // Nowhere to write to: stopping matters more than saying so.
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
