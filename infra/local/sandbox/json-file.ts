import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * One JSON file the sandbox keeps its state in, under DATA_DIR, so simulated phones keep their inboxes and calls
 * across restarts as accounts and history do. Writes are coalesced: `changed()` schedules one write
 * {@link JsonFile.COALESCE_MS} later, and `flush()` writes at once (the sandbox calls it on close). Each write is the
 * whole state (thousands of messages under load), so a short delay made it most of the sandbox's CPU: at 25 ms, 40
 * writes a second of a growing file. A crash (SIGKILL) loses at most the last quarter second of phone traffic. A
 * write goes to a temporary file then is renamed over the old one, so a crash mid-write leaves the previous state,
 * never half a file.
 */
export class JsonFile<T> {
  /** How long after a change the file is written (ms); changes in between go in the same write. */
  static readonly COALESCE_MS = 250;
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param file absolute path of the JSON file; its folder is created when needed.
   * @param snapshot returns what to write (called at write time, so the latest state is written).
   */
  constructor(
    readonly file: string,
    private readonly snapshot: () => T,
  ) {}

  /** What the file holds, or undefined when it is missing or not valid JSON (a fresh start). */
  static read(file: string): unknown {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as unknown;
    } catch {
      return undefined;
    }
  }

  /** Schedules a write of the current state (several changes in a row make one write). */
  changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), JsonFile.COALESCE_MS);
    this.timer.unref();
  }

  /** Writes the current state now, if a write is pending. */
  flush(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.snapshot()));
    renameSync(tmp, this.file);
  }
}
