import { spawn } from 'node:child_process';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { LOWER_THIS_THREAD, LOWEST, lowerChildren } from '../../bench/lib/priority';

const linux = process.platform === 'linux';
const onLinux = linux ? it : it.skip;

/** The benchmark runs its untimed CPU-heavy work (esbuild, presence fan-out, replay) at the lowest priority. */
describe('bench priority', () => {
  onLinux('lowers every thread of a child process by its name, and no other process', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      const before = os.getPriority(child.pid!);
      expect(before).not.toBe(LOWEST);
      expect(lowerChildren('no-such-child')).toBe(0);
      expect(os.getPriority(child.pid!)).toBe(before);
      expect(lowerChildren('sleep')).toBeGreaterThanOrEqual(1);
      expect(os.getPriority(child.pid!)).toBe(LOWEST);
      // Already lowest: nothing more to do.
      expect(lowerChildren('sleep')).toBe(0);
    } finally {
      child.kill();
    }
  });

  onLinux('a worker started with LOWER_THIS_THREAD lowers itself only', async () => {
    const mine = os.getPriority();
    const source = `${LOWER_THIS_THREAD}
      const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
      require('node:worker_threads').parentPort.postMessage(require('node:os').getPriority(tid));`;
    const worker = new Worker(source, { eval: true });
    const priority = await new Promise<number>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(priority).toBe(LOWEST);
    expect(os.getPriority()).toBe(mine);
  });
});
