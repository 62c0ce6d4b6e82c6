/**
 * Keeps track of the sandbox's background work (status callbacks, webhooks in flight) so `close()` can stop
 * the timers at once and still wait for requests already on the wire, leaving no handle open after a test.
 */
export class TaskTracker {
  private closed = false;
  private readonly sleepers = new Set<{ timer: NodeJS.Timeout; wake: (ran: boolean) => void }>();
  private readonly tasks = new Set<Promise<unknown>>();

  /** True once close() was called; no new background work should start. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Resolves true after `ms`, or false as soon as the tracker closes. */
  sleep(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const sleeper = {
        timer: setTimeout(() => {
          this.sleepers.delete(sleeper);
          resolve(true);
        }, ms),
        wake: resolve,
      };
      this.sleepers.add(sleeper);
    });
  }

  /** Runs `work` and keeps its promise until it settles, so close() can wait for it. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const promise = work();
    this.tasks.add(promise);
    const forget = () => this.tasks.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** Cancels pending sleeps and waits until every tracked task has settled. */
  async close(): Promise<void> {
    this.closed = true;
    for (const sleeper of this.sleepers) {
      clearTimeout(sleeper.timer);
      sleeper.wake(false);
    }
    this.sleepers.clear();
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
  }
}
