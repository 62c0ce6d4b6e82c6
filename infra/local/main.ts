import './node-env';
import { describeError } from '../../shared/adapters/logger';
import { startLocalStack } from './stack';

/** `npm start`: the whole system on this machine, until SIGINT or SIGTERM. */
async function main(): Promise<void> {
  const stack = await startLocalStack();
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping…\n`);
    stack.stop().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`stop failed: ${JSON.stringify(describeError(err))}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
