import { parentPort, Worker } from 'node:worker_threads';
import { LOWER_THIS_THREAD } from './priority';

/**
 * Starts a TypeScript module in a worker thread. Workers do not inherit tsx's loader, so the worker first
 * registers tsx's CommonJS hook and then requires the module. `lowPriority`: the thread lowers its own scheduling
 * priority first (Linux; bench/lib/priority.ts), for CPU-heavy work that is not timed and may take whatever the
 * timed threads leave.
 */
export function startTsWorker(
  file: string,
  workerData: unknown,
  opts: { lowPriority?: boolean } = {},
): Worker {
  const tsx = require.resolve('tsx/cjs');
  const code = `${opts.lowPriority ? LOWER_THIS_THREAD : ''} require(${JSON.stringify(tsx)}); require(${JSON.stringify(file)});`;
  return new Worker(code, { eval: true, workerData, stdout: false, stderr: false });
}

interface Request {
  id: number;
  cmd: string;
  args: unknown;
}

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** The main thread's side of a worker: request/reply by id, so calls may overlap. */
export class WorkerRpc {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited = false;

  constructor(private readonly worker: Worker) {
    worker.on('message', (reply: Reply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.value);
      else waiter.reject(new Error(reply.error));
    });
    const failAll = (err: Error) => {
      this.exited = true;
      for (const w of this.pending.values()) w.reject(err);
      this.pending.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`worker exited (${code})`)));
  }

  call<T>(cmd: string, args: unknown = {}): Promise<T> {
    if (this.exited) return Promise.reject(new Error('worker has exited'));
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, cmd, args } satisfies Request);
    });
  }

  /** Asks the worker to finish, then waits for it to exit (terminating it if it hangs). */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    await this.call('exit').catch(() => undefined);
    const timer = setTimeout(() => void this.worker.terminate(), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}

export type Handlers = Record<string, (args: never) => unknown>;

/** The worker's side: serves commands until 'exit', then lets the thread end by itself. */
export function serveRpc(handlers: Handlers, onExit: () => Promise<void>): void {
  const port = parentPort;
  if (!port) throw new Error('serveRpc must run in a worker thread');
  port.on('message', async (req: Request) => {
    try {
      if (req.cmd === 'exit') {
        await onExit();
        port.postMessage({ id: req.id, ok: true } satisfies Reply);
        port.close();
        return;
      }
      const handler = handlers[req.cmd];
      if (!handler) throw new Error(`unknown command ${req.cmd}`);
      const value = await handler(req.args as never);
      port.postMessage({ id: req.id, ok: true, value } satisfies Reply);
    } catch (err) {
      const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      port.postMessage({ id: req.id, ok: false, error } satisfies Reply);
    }
  });
}
