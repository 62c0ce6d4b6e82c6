import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/** The lowest scheduling priority (the highest nice value): such a thread runs when nothing else wants the core. */
export const LOWEST = 19;

/**
 * Lowers to {@link LOWEST} the priority of every thread of every child process of this one whose name (as
 * /proc/<pid>/stat gives it, e.g. `esbuild`) is `name`. Linux keeps a nice value per thread, and a thread takes
 * its creator's, so a child's threads are lowered one by one (call it again for threads started since). Returns
 * how many threads it lowered; 0 where /proc is not there (then nothing changes).
 */
export function lowerChildren(name: string): number {
  let lowered = 0;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return 0;
  }
  for (const pid of pids) {
    const stat = readStat(pid);
    if (!stat || stat.ppid !== process.pid || stat.name !== name) continue;
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        if (os.getPriority(Number(tid)) !== LOWEST) {
          os.setPriority(Number(tid), LOWEST);
          lowered++;
        }
      } catch {
        // The thread ended meanwhile.
      }
    }
  }
  return lowered;
}

/**
 * Keeps {@link lowerChildren}(name) applied every `everyMs` until `until` settles (threads a child starts later
 * are lowered at the next pass).
 */
export function keepChildrenLowered(name: string, until: Promise<unknown>, everyMs = 200): void {
  lowerChildren(name);
  const timer = setInterval(() => lowerChildren(name), everyMs);
  void until.finally(() => clearInterval(timer)).catch(() => undefined);
}

/**
 * Source for the start of a worker thread that lowers its own priority to {@link LOWEST} before loading anything:
 * the thread's id from /proc/thread-self (Linux); elsewhere it runs at normal priority.
 */
export const LOWER_THIS_THREAD = `try { require('node:os').setPriority(Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop()), ${LOWEST}); } catch {}`;

function readStat(pid: string): { name: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (name) state ppid ...": the name may hold spaces and parentheses, so split at the last ')'.
    const close = stat.lastIndexOf(')');
    const name = stat.slice(stat.indexOf('(') + 1, close);
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    return { name, ppid };
  } catch {
    return undefined;
  }
}
