import { Worker } from 'node:worker_threads';
import { threadSchedStat } from '../../bench/lib/profiler';

/**
 * The benchmark's CPU per message reads the calling thread's own on-core time (/proc/thread-self/schedstat):
 * it must be that thread's, so work on another thread does not show in it. Linux only (the figure falls back to
 * the samples' busy time elsewhere).
 */
const linux = process.platform === 'linux' ? describe : describe.skip;

/** Spins on the calling thread until it has had `ms` of CPU by its own count. */
function spin(ms: number): void {
  const start = threadSchedStat()!.cpuNs;
  while (threadSchedStat()!.cpuNs - start < ms * 1e6) {
    /* busy */
  }
}

linux('threadSchedStat', () => {
  it('counts the calling thread’s CPU, not another thread’s', async () => {
    const before = threadSchedStat()!;
    spin(30);
    const mid = threadSchedStat()!;
    expect(mid.cpuNs - before.cpuNs).toBeGreaterThanOrEqual(30e6);
    // A worker that burns 300 ms of its own CPU (by its own count) while this thread waits on it.
    const worker = new Worker(
      `const { readFileSync } = require('node:fs');
       const cpu = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
       const start = cpu();
       while (cpu() - start < 300e6) {}
       require('node:worker_threads').parentPort.postMessage('done');`,
      { eval: true },
    );
    await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    const after = threadSchedStat()!;
    expect(after.waitNs).toBeGreaterThanOrEqual(mid.waitNs);
    // This thread was idle while the worker spun: far less than the worker's 300 ms shows here.
    expect(after.cpuNs - mid.cpuNs).toBeLessThan(250e6);
  });
});
