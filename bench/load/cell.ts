import { diff, snapshot, total, type Category, type Counts } from '../db/counter';
import { distribution, sleep, type Distribution } from '../lib/stats';
import type { BenchUser } from './population';

/** One message's timings, in performance.now() ms. */
export interface Sent {
  doneAt: number;
  /** When the recipient's client got the frame (IM recipients), if measured. */
  frameAt?: number;
}

/** A way of sending one message: a path of the system under test, or the baseline. */
export interface PathDriver {
  /** The recipients this path may send to (indices into the population's recipients). */
  pool(): number[];
  send(slot: number, recipient: BenchUser, clientId: string): Promise<Sent>;
}

export interface CellSettings {
  /** Sender slots, each with one message in flight (a closed loop). */
  slots: number;
  warmupMs: number;
  durationMs: number;
  /** A slow cell (the baseline at 10,000) runs on until this many messages, up to maxMs. */
  minMessages: number;
  maxMs: number;
  timeoutMs: number;
  /** Messages a slot sends to one recipient before it moves to another (a conversation). */
  conversation: number;
  /** How long the request counters must stay still before a cell's counts are read (default 250 ms). */
  quietMs?: number;
}

export interface CellResult {
  /** Messages started in the measured window (every one completes or fails before the counts are read). */
  messages: number;
  /** Messages of the warm-up before it. */
  warmupMessages: number;
  /** Completed inside the window: the throughput numerator. */
  completed: number;
  windowMs: number;
  throughput: number;
  latency: Distribution;
  frameLatency?: Distribution;
  errors: number;
  /** DynamoDB requests from the start of the window until the system was quiet again. */
  counts: Counts;
  distinctRecipients: number;
}

/**
 * Runs one cell: a warm-up (not measured), a pause until the system is quiet, then the measured window with
 * `slots` closed loops; then it waits for every message in flight and for the system to go quiet (status
 * callbacks, acks) before reading the request counters, so each message's requests are all inside the delta.
 */
export async function runCell(
  driver: PathDriver,
  recipients: BenchUser[],
  settings: CellSettings,
  counters: Int32Array,
  quietOn: Category[],
  cellId: string,
): Promise<CellResult> {
  const loop = newLoop(driver, recipients, settings, cellId);
  const warm = await loop.run(settings.warmupMs, false);
  await waitQuiet(counters, quietOn, settings.quietMs);
  return measureWindow(loop, warm.started, settings, counters, quietOn);
}

/**
 * Cells that count requests only, one per driver: every driver's warm-up (`settings.warmupMs`, its own closed
 * loops and conversations, as in {@link runCell}) runs at the same time as the others', then, after one quiet
 * spell, each driver's measured window runs in turn on the conversations its warm-up began, counted from quiet to
 * quiet as in runCell. Counts per message are the same as one runCell after another (each message's requests are
 * its path's; the windows never overlap); the rates and latencies are not comparable (the warm-ups ran beside each
 * other), so use it only where counts are all that is reported. `afterEach` runs after each window's counts,
 * `afterWarmUp` once the warm-ups are over and the system is quiet.
 */
export async function runCountCells(
  cells: { driver: PathDriver; cellId: string }[],
  recipients: BenchUser[],
  settings: CellSettings,
  counters: Int32Array,
  quietOn: Category[],
  afterEach: (index: number, result: CellResult) => void = () => undefined,
  afterWarmUp: () => void = () => undefined,
): Promise<CellResult[]> {
  const loops = cells.map((c) => newLoop(c.driver, recipients, settings, c.cellId));
  const warm = await Promise.all(loops.map((loop) => loop.run(settings.warmupMs, false)));
  await waitQuiet(counters, quietOn, settings.quietMs);
  afterWarmUp();
  const results: CellResult[] = [];
  for (const [i, loop] of loops.entries()) {
    results.push(await measureWindow(loop, warm[i].started, settings, counters, quietOn));
    afterEach(i, results[i]);
  }
  return results;
}

function newLoop(
  driver: PathDriver,
  recipients: BenchUser[],
  settings: CellSettings,
  cellId: string,
): ClosedLoop {
  const pool = driver.pool();
  if (pool.length === 0) throw new Error('no recipients for this path');
  return new ClosedLoop(driver, recipients, pool, settings, cellId);
}

/** A cell's measured window, from a quiet system, and its counts once the system is quiet again. */
async function measureWindow(
  loop: ClosedLoop,
  warmupMessages: number,
  settings: CellSettings,
  counters: Int32Array,
  quietOn: Category[],
): Promise<CellResult> {
  const before = snapshot(counters);
  const window = await loop.run(settings.durationMs, true);
  await waitQuiet(counters, quietOn, settings.quietMs);
  const counts = diff(snapshot(counters), before);
  const latencies = window.samples.map((s) => s.latency);
  const frames = window.samples.filter((s) => s.frame !== undefined).map((s) => s.frame!);
  return {
    messages: window.started,
    warmupMessages,
    completed: window.completed,
    windowMs: window.windowMs,
    throughput: (window.completed / window.windowMs) * 1000,
    latency: distribution(latencies),
    frameLatency: frames.length ? distribution(frames) : undefined,
    errors: window.errors,
    counts,
    distinctRecipients: window.recipients.size,
  };
}

/** Traffic that is not measured: lets V8 compile the hot paths before the first cell. */
export async function warmUp(
  driver: PathDriver,
  recipients: BenchUser[],
  settings: CellSettings,
  ms: number,
) {
  await new ClosedLoop(driver, recipients, driver.pool(), settings, `warm-${Date.now()}`).run(ms, false);
}

interface Window {
  started: number;
  completed: number;
  windowMs: number;
  errors: number;
  samples: { latency: number; frame?: number }[];
  recipients: Set<number>;
}

class ClosedLoop {
  private seq = 0;
  private readonly current: { recipient: number; left: number }[];

  constructor(
    private readonly driver: PathDriver,
    private readonly recipients: BenchUser[],
    private readonly pool: number[],
    private readonly settings: CellSettings,
    private readonly cellId: string,
  ) {
    this.current = Array.from({ length: settings.slots }, () => ({ recipient: -1, left: 0 }));
  }

  /** Runs every slot until `durationMs` has passed (longer if a measured window has too few messages). */
  async run(durationMs: number, measured: boolean): Promise<Window> {
    const start = performance.now();
    const w: Window = {
      started: 0,
      completed: 0,
      windowMs: 0,
      errors: 0,
      samples: [],
      recipients: new Set(),
    };
    let end = start + durationMs;
    const hardEnd = start + Math.max(durationMs, this.settings.maxMs);
    const keepGoing = () => {
      const now = performance.now();
      if (now < end) return true;
      // A slow cell keeps going until it has enough messages to say something, within maxMs.
      if (measured && w.completed < this.settings.minMessages && now < hardEnd) {
        end = now + 50;
        return true;
      }
      return false;
    };
    await Promise.all(
      this.current.map(async (_, slot) => {
        while (keepGoing()) {
          const recipient = this.nextRecipient(slot);
          w.recipients.add(recipient);
          const clientId = `${this.cellId}-${slot}-${this.seq++}`;
          const t0 = performance.now();
          w.started++;
          try {
            const sent = await this.driver.send(slot, this.recipients[recipient], clientId);
            w.samples.push({
              latency: sent.doneAt - t0,
              frame: sent.frameAt === undefined ? undefined : sent.frameAt - t0,
            });
            if (sent.doneAt <= end) w.completed++;
          } catch {
            w.errors++;
            // A failing path should not spin: back off a little before the next message.
            await sleep(20);
          }
        }
      }),
    );
    w.windowMs = end - start;
    return w;
  }

  private nextRecipient(slot: number): number {
    const c = this.current[slot];
    if (c.left <= 0 || c.recipient < 0) {
      c.recipient = this.pool[Math.floor(Math.random() * this.pool.length)];
      c.left = this.settings.conversation;
    }
    c.left--;
    return c.recipient;
  }
}

/**
 * Waits until the given request counters have not moved for `quietMs` (what is still in flight after the
 * last message: acks, status callbacks, $disconnects), or `maxMs` at most.
 */
export async function waitQuiet(
  counters: Int32Array,
  categories: Category[],
  quietMs = 250,
  maxMs = 8000,
): Promise<void> {
  const read = () => {
    const s = snapshot(counters);
    return categories.reduce((sum, c) => sum + total(s, c), 0);
  };
  const deadline = Date.now() + maxMs;
  let last = read();
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(50);
    const now = read();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return;
    }
  }
}
