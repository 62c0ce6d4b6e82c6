import type { WsClient } from './ws-client';

/**
 * A simulated mobile link between the server and one recipient's client, in the load generator: every frame
 * the client gets is acked after the link's delay, as a phone on a cellular network would. Seeded, so two runs
 * (one per ack rule) see exactly the same delays, stalls and deaths. docs/benchmark.md gives the model and why.
 */
export interface LinkModel {
  /** Round trip (push to ack at the server), lognormal: median ms and σ of its log. */
  rttMedianMs: number;
  rttSigma: number;
  /** Stalls (nothing passes either way; frames queue and pass when it ends): mean seconds between two. */
  stallEverySeconds: number;
  /** Stall length, lognormal: median ms and σ of its log, capped. */
  stallMedianMs: number;
  stallSigma: number;
  stallCapMs: number;
}

/**
 * The model the benchmark uses. Round trips: median 300 ms, σ 0.6 (p95 ≈ 0.8 s, p99 ≈ 1.2 s), the spread of
 * cellular round trips under load. Stalls (a handover, a radio-state change, a tunnel): on average one every
 * 2 minutes per link, median 2 s, σ 0.5 (p95 ≈ 4.6 s), never over 15 s.
 */
export const MOBILE: LinkModel = {
  rttMedianMs: 300,
  rttSigma: 0.6,
  stallEverySeconds: 120,
  stallMedianMs: 2_000,
  stallSigma: 0.5,
  stallCapMs: 15_000,
};

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A lognormal draw with this median and σ of its log (Box–Muller). */
export function lognormal(rand: () => number, median: number, sigma: number): number {
  const u = Math.max(rand(), 1e-12);
  const v = rand();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return median * Math.exp(sigma * z);
}

/** What the link did with one pushed message. */
export interface LinkOutcome {
  /** ms (performance.now) the frame reached the client. */
  arrivedAt?: number;
  /** ms the ack was sent; undefined when the link died first. */
  ackedAt?: number;
}

/**
 * One recipient's client behind a mobile link. Times are relative to `t0` (performance.now at the phase start):
 * stalls are drawn for the whole phase up front, and the link dies at `diesAt` (ms after t0; never when
 * undefined): from then on it neither delivers nor acks, and the socket stays open (a phone that lost coverage).
 */
export class MobileLink {
  readonly outcomes = new Map<string, LinkOutcome>();
  private readonly stalls: Array<[number, number]> = [];
  private readonly rand: () => number;

  constructor(
    readonly client: WsClient,
    seed: number,
    private readonly model: LinkModel,
    private readonly t0: number,
    phaseMs: number,
    readonly diesAt?: number,
  ) {
    this.rand = seeded(seed);
    // Poisson stalls over the phase (and the drain after it).
    let t = 0;
    for (;;) {
      t += -Math.log(Math.max(this.rand(), 1e-12)) * model.stallEverySeconds * 1000;
      if (t > phaseMs + 30_000) break;
      const length = Math.min(model.stallCapMs, lognormal(this.rand, model.stallMedianMs, model.stallSigma));
      this.stalls.push([t, t + length]);
    }
    client.onFrame = (frame, at) => {
      if (frame.type === 'message' && typeof frame.id === 'string') this.onMessage(frame.id, at);
    };
  }

  /** When something sent at `t` (ms after t0) gets through: at once, or when the stall it meets ends. */
  private release(t: number): number {
    for (const [start, end] of this.stalls) if (t >= start && t < end) return end;
    return t;
  }

  private onMessage(id: string, at: number): void {
    const rtt = lognormal(this.rand, this.model.rttMedianMs, this.model.rttSigma);
    const sent = at - this.t0;
    const arrived = this.release(sent + rtt / 2);
    const acked = this.release(arrived + rtt / 2);
    const dead = this.diesAt !== undefined && acked >= this.diesAt;
    const outcome: LinkOutcome = {};
    if (this.diesAt === undefined || arrived < this.diesAt) outcome.arrivedAt = this.t0 + arrived;
    this.outcomes.set(id, outcome);
    if (dead) return;
    // The ack leaves the client when the uplink lets it; the server sees it after the second half of the trip.
    const wait = Math.max(0, acked - (performance.now() - this.t0));
    setTimeout(() => {
      outcome.ackedAt = performance.now();
      if (this.client.isOpen) this.client.send({ action: 'ack', id });
    }, wait);
  }
}
