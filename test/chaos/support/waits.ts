import { performance } from 'node:perf_hooks';

/** A wait that gave up: `what` names what it was waiting for and what was still missing. */
export class WaitTimeout extends Error {
  override name = 'WaitTimeout';
}

/**
 * Resolves as `work` does, or rejects with a {@link WaitTimeout} after `ms` saying what it was waiting for
 * (`what` is called then, so it can name what is still missing). The work itself is not cancelled: pass it an
 * AbortSignal of the same length where it takes one. Every wait of a chaos run goes through this, so a run ends
 * with a reason instead of hanging silently.
 */
export async function within<T>(ms: number, what: string | (() => string), work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new WaitTimeout(`gave up after ${ms} ms waiting for ${typeof what === 'string' ? what : what()}`),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Progress lines for a long chaos run, on stderr at once (jest prints a file's console output only when the file
 * ends, so a slow run would look hung): `[name +12.3s] message`, the time counted from this call.
 */
export function progressLog(name: string): (message: string) => void {
  const start = performance.now();
  return (message) => {
    const s = ((performance.now() - start) / 1000).toFixed(1);
    process.stderr.write(`[${name} +${s}s] ${message}\n`);
  };
}
