import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector';

/** A V8 CPU profile, as the inspector protocol returns it. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
  /**
   * The kernel's account of the calling thread over the same span (Linux only): `cpuMs` on a core, `waitMs`
   * runnable but waiting for one. The samples' busy time counts both (a thread preempted inside a call is
   * sampled there when it runs again), so on a loaded machine it overstates the CPU a message costs.
   */
  thread?: { cpuMs: number; waitMs: number };
}

/**
 * The calling thread's time on a core and waiting in the run queue, in ns, from /proc/thread-self/schedstat
 * (Linux; a synchronous read runs on the calling thread, so it is that thread's). Undefined where unreadable.
 */
export function threadSchedStat(): { cpuNs: number; waitNs: number } | undefined {
  try {
    const [cpu, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').trim().split(/\s+/).map(Number);
    return Number.isFinite(cpu) && Number.isFinite(wait) ? { cpuNs: cpu, waitNs: wait } : undefined;
  } catch {
    return undefined;
  }
}

/** Samples the CPU of the calling thread only (each thread has its own inspector). */
export class ThreadProfiler {
  private session: Session | undefined;
  private schedAtStart: ReturnType<typeof threadSchedStat>;

  async start(intervalUs = 500): Promise<void> {
    this.session = new Session();
    this.session.connect();
    await this.post('Profiler.enable');
    await this.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await this.post('Profiler.start');
    this.schedAtStart = threadSchedStat();
  }

  async stop(): Promise<CpuProfile> {
    const end = threadSchedStat();
    const { profile } = (await this.post('Profiler.stop')) as { profile: CpuProfile };
    const start = this.schedAtStart;
    if (start && end) {
      profile.thread = { cpuMs: (end.cpuNs - start.cpuNs) / 1e6, waitMs: (end.waitNs - start.waitNs) / 1e6 };
    }
    this.session?.disconnect();
    this.session = undefined;
    return profile;
  }

  private post(method: string, params: object = {}): Promise<unknown> {
    return new Promise((resolve, reject) =>
      this.session!.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
    );
  }
}
