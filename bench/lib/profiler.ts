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
}

/** Samples the CPU of the calling thread only (each thread has its own inspector). */
export class ThreadProfiler {
  private session: Session | undefined;

  async start(intervalUs = 500): Promise<void> {
    this.session = new Session();
    this.session.connect();
    await this.post('Profiler.enable');
    await this.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await this.post('Profiler.start');
  }

  async stop(): Promise<CpuProfile> {
    const { profile } = (await this.post('Profiler.stop')) as { profile: CpuProfile };
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
