import type { LinkStats } from '../../shared/core/types';
import { distribution, type Distribution } from '../lib/stats';
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

/** Poisson stalls over `spanMs` (ms from 0), each [start, end): lengths lognormal, capped (the model's). */
export function drawStalls(rand: () => number, model: LinkModel, spanMs: number): Array<[number, number]> {
  const stalls: Array<[number, number]> = [];
  let t = 0;
  for (;;) {
    t += -Math.log(Math.max(rand(), 1e-12)) * model.stallEverySeconds * 1000;
    if (t > spanMs) return stalls;
    const length = Math.min(model.stallCapMs, lognormal(rand, model.stallMedianMs, model.stallSigma));
    stalls.push([t, t + length]);
  }
}

/** When something sent at `t` gets through `stalls` (sorted): at once, or when the stall it meets ends. */
export function release(stalls: ReadonlyArray<[number, number]>, t: number): number {
  for (const [start, end] of stalls) {
    if (start > t) break;
    if (t < end) return end;
  }
  return t;
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
  private readonly stalls: Array<[number, number]>;
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
    this.stalls = drawStalls(this.rand, model, phaseMs + 30_000);
    client.onFrame = (frame, at) => {
      if (frame.type === 'message' && typeof frame.id === 'string') this.onMessage(frame.id, at);
    };
  }

  /** How many stalls start in the first `ms` of the phase. */
  stallsBefore(ms: number): number {
    return this.stalls.filter(([start]) => start < ms).length;
  }

  /** When something sent at `t` (ms after t0) gets through: at once, or when the stall it meets ends. */
  private release(t: number): number {
    return release(this.stalls, t);
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

/** What a rule did in virtual time on the model (see {@link replayLinks}). */
export interface ReplayResult {
  links: number;
  /** Virtual time per link, ms. */
  spanMs: number;
  messages: number;
  /** Messages whose ack came after their wait: all of them would be acked later, so each is a false fallback. */
  falseFallbacks: number;
  /** Stalls over all links. */
  stalls: number;
  /** The waits the messages got, ms. */
  waits: Distribution;
}

/**
 * A rule replayed in virtual time on `links` live links of `model`: each link gets a message every
 * `messageEveryMs` (±25%) for `spanMs`; the server adds a time drawn from `serverMs` (half before the push, half
 * handling the ack); the link's round trip and stalls are {@link MobileLink}'s. `wait` gives a message's wait from
 * the stats its connection row holds when it is sent; each ack, in the order acks arrive, offers its sample to
 * `learn`, which returns the stats to write or undefined (no write); a write whose message saw stats that another
 * write has since replaced is refused, as the stack's conditional write is. Deterministic for a seed. Yields to
 * the event loop between links, so the phases running beside it keep their timers.
 */
export async function replayLinks(
  model: LinkModel,
  o: {
    links: number;
    spanMs: number;
    messageEveryMs: number;
    seed: number;
    serverMs: readonly number[];
    wait: (row: LinkStats, now: number) => number;
    learn: (before: LinkStats, sampleMs: number, now: number) => Required<LinkStats> | undefined;
  },
): Promise<ReplayResult> {
  let messages = 0;
  let falseFallbacks = 0;
  let stalls = 0;
  const waits: number[] = [];
  for (let l = 0; l < o.links; l++) {
    if (l % 10 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const rand = seeded(o.seed + l);
    const linkStalls = drawStalls(rand, model, o.spanMs + 30_000);
    stalls += linkStalls.filter(([start]) => start < o.spanMs).length;
    let row: LinkStats = {};
    // Acks not yet handled, by when they are: [ackAt, sentAt, the row the message saw].
    let pending: Array<[number, number, LinkStats]> = [];
    const handleUntil = (t: number) => {
      pending.sort((a, b) => a[0] - b[0]);
      while (pending.length && pending[0][0] <= t) {
        const [ackAt, sentAt, seen] = pending.shift()!;
        const next = o.learn(seen, ackAt - sentAt, ackAt);
        if (next && (row.samples ?? 0) === (seen.samples ?? 0)) row = next;
      }
    };
    let t = rand() * o.messageEveryMs;
    while (t < o.spanMs) {
      handleUntil(t);
      const wait = o.wait(row, t);
      const server = o.serverMs[Math.floor(rand() * o.serverMs.length)];
      const rtt = lognormal(rand, model.rttMedianMs, model.rttSigma);
      const arrived = release(linkStalls, t + server / 2 + rtt / 2);
      const ackAt = release(linkStalls, arrived + rtt / 2) + server / 2;
      messages++;
      waits.push(wait);
      if (ackAt - t > wait) falseFallbacks++;
      pending.push([ackAt, t, row]);
      t += o.messageEveryMs * (0.75 + 0.5 * rand());
    }
    pending = [];
  }
  return { links: o.links, spanMs: o.spanMs, messages, falseFallbacks, stalls, waits: distribution(waits) };
}
