import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * The local stack as `npm start` runs it, in a child process (`node --import tsx infra/local/main.ts`), so a
 * test can kill it with SIGKILL mid-flight and start it again on the same port and DATA_DIR. Every line it
 * prints (its JSON logs included) is kept in `output`, across restarts.
 */
export class StackProcess {
  readonly output: string[] = [];
  /**
   * Health checks that got no answer at all within 2 s. The stack listens before it routes, so a request that
   * lands in that window during a start is never answered; this counts how often a start hit it.
   */
  unansweredHealthChecks = 0;
  private child?: ChildProcess;
  private exited?: Promise<void>;

  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The URL signatures are computed over (the stack's default PUBLIC_URL). */
  get publicUrl(): string {
    return `http://localhost:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process and resolves once /healthz answers; rejects if it exits first or takes over `ms`. */
  async start(ms = 60_000): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: String(this.port),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let exitedEarly = false;
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        exitedEarly = true;
        resolve();
      }),
    );
    for (const stream of [child.stdout!, child.stderr!]) {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        this.output.push(...lines.filter((l) => l.trim() !== ''));
      });
      stream.on('end', () => {
        if (rest.trim() !== '') this.output.push(rest);
      });
    }
    const deadline = Date.now() + ms;
    for (;;) {
      if (exitedEarly)
        throw new Error(`the stack exited during start:\n${this.output.slice(-20).join('\n')}`);
      try {
        const res = await fetch(`${this.base}/healthz`, { signal: AbortSignal.timeout(2000) });
        if (res.ok) return;
      } catch (err) {
        // Not listening yet (refused), or listening but not yet answering (timed out).
        if ((err as Error).name === 'TimeoutError') this.unansweredHealthChecks++;
      }
      if (Date.now() > deadline) throw new Error('the stack did not answer /healthz in time');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Kills the process with SIGKILL (no cleanup of any kind) and waits until it is gone. */
  async kill(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Stops the process as Ctrl-C would (SIGTERM), falling back to SIGKILL after `ms`. */
  async stop(ms = 15_000): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), ms);
    await this.exited;
    clearTimeout(timer);
  }

  /** The JSON log lines among the output. */
  logLines(): string[] {
    return this.output.filter((l) => l.startsWith('{'));
  }
}

/** A TCP port free right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
