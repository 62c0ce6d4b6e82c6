/**
 * Progress on stderr: one line per step, with the share of the planned work done and the time so far. Steps
 * are weighted by their expected seconds, so the percentage moves with the clock rather than the step count.
 */
export class Progress {
  private done = 0;
  private readonly started = Date.now();
  private readonly phases = new Map<string, { from: number; to?: number }>();

  constructor(private readonly plannedSeconds: number) {}

  /** Prints a line about the step that is starting now. */
  note(phase: string, detail = ''): void {
    this.line(`${phase}${detail ? ' · ' + detail : ''}`);
  }

  /** Marks `seconds` of planned work done and prints the outcome. */
  advance(seconds: number, phase: string, outcome: string): void {
    this.done += seconds;
    this.line(`${phase} · ${outcome}`);
  }

  /** The last line: 100%. */
  finish(outcome: string): void {
    this.done = this.plannedSeconds;
    this.line(`done · ${outcome}`, 100);
  }

  /**
   * Times one phase of the run: `fn` from its start to its end, in seconds from the run's start, so the report
   * can say where the time went. Phases may overlap (the mobile phase runs beside the cold-init timing).
   */
  async timed<T>(phase: string, fn: () => Promise<T>): Promise<T> {
    const end = this.begin(phase);
    try {
      return await fn();
    } finally {
      end();
    }
  }

  /** Starts timing `phase` now, for a phase that is not one function: call the returned function at its end. */
  begin(phase: string): () => void {
    const entry: { from: number; to?: number } = { from: this.elapsedSeconds() };
    this.phases.set(phase, entry);
    return () => {
      entry.to ??= this.elapsedSeconds();
    };
  }

  /** Every timed phase so far: its wall seconds, its start and end in seconds from the run's start. */
  phaseTimes(): { phase: string; seconds: number; from: number; to: number }[] {
    return [...this.phases].map(([phase, { from, to }]) => {
      const end = to ?? this.elapsedSeconds();
      return { phase, seconds: end - from, from, to: end };
    });
  }

  elapsedSeconds(): number {
    return (Date.now() - this.started) / 1000;
  }

  private line(text: string, fixed?: number): void {
    const pct = fixed ?? Math.min(99, Math.floor((this.done / this.plannedSeconds) * 100));
    // Tenths of a second: the lines are also the finest account of where a run's time goes.
    const t = Math.floor(this.elapsedSeconds() * 10) / 10;
    const clock = `${Math.floor(t / 60)}:${(t % 60).toFixed(1).padStart(4, '0')}`;
    process.stderr.write(`[${String(pct).padStart(3)}% ${clock.padStart(7)}] ${text}\n`);
  }
}
