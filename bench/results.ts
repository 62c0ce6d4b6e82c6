import type { MobileReport } from './phases/mobile-fallback';
import {
  OPS,
  READ_OPS,
  readUnits,
  SYSTEM,
  total,
  WRITE_OPS,
  type Category,
  type Counts,
  type Op,
} from './db/counter';
import type { CellResult } from './load/cell';
import type { PathKey } from './load/paths';
import type { Distribution } from './lib/stats';
import type { ProfileSummary } from './lib/profile-summary';

/** DynamoDB requests per message of one cell. */
export interface PerMessage {
  /** Everything the cell's messages caused while it ran (routing step, ack, status callbacks), by operation. */
  reads: number;
  /** Read capacity units of those reads: 0.5 per eventually consistent read, 1 per strongly consistent one. */
  readUnits: number;
  writes: number;
  byOp: Partial<Record<Op, number>>;
  /** The same split by who made them: the routing step (with thread binding), the ack, the status callback. */
  routing: { reads: number; readUnits: number; writes: number };
  ack: number;
  statusCallback: number;
  /** The ack handler's write of its connection's round-trip stats (the learned wait), per message. */
  linkStats: number;
  /** Writes charging an SMS leg to its sender's daily SMS budget, per message. */
  smsBudget: number;
  /** SMS thread (re)binding writes per message: counted apart from the budget. */
  threadBinding: number;
  /** Frame-limit block writes per message (one per block of frames a connection is charged): apart, shown. */
  frameLimit: number;
  /** Requests refused by their condition (a billed write that changed nothing), per message. */
  failedConditions: number;
  scans: number;
  /** Delivery checks scheduled per message (each reads the message once, ACK_TIMEOUT_MS later). */
  deliveryChecks: number;
  /** Requests on the local ack timer's rows (SQS on AWS), per message. Not in the budget. */
  localTimer: number;
}

export type CellKey = PathKey | 'im-im-all' | 'baseline';

export interface CellReport {
  key: CellKey;
  users: number;
  /** Connected users (rows or sockets), sender slots included. */
  connected: number;
  sockets: number;
  messages: number;
  /** Messages of the cell's warm-up, before its measured window. */
  warmupMessages?: number;
  completed: number;
  windowMs: number;
  throughput: number;
  latency: Distribution;
  frameLatency?: Distribution;
  errors: number;
  distinctRecipients: number;
  dynamo: PerMessage;
  /**
   * A level that counts requests only (quick runs' `countOnlyUsers`): run beside the start-up, so its rates and
   * latencies say nothing and are not reported; its requests per message are.
   */
  countsOnly?: boolean;
  /** Baseline only: items its Scans read, per message. */
  scannedPerMessage?: number;
  readUnitsPerMessage?: number;
}

export interface FallbackReport {
  ackTimeoutMs: number;
  samples: number;
  failed: number;
  /** send → `sent_sms` receipt (path im → sms), ms. */
  latency: Distribution;
  /** The same minus ACK_TIMEOUT_MS: what the fallback adds after the timer is due. */
  overhead: Distribution;
  /** DynamoDB requests per fallback message, from send to the SMS status callback. */
  dynamo: PerMessage;
}

export interface BundleReport {
  name: string;
  bytes: number;
  mapBytes: number;
  gzipBytes: number;
  split: { own: number; twilio: number; awsSdk: number; other: number };
  otherTop: { pkg: string; bytes: number }[];
  /** Median ms of require() inside a fresh node process, as deployed (no NODE_OPTIONS). */
  requireMs: number;
  /** Median ms from spawn to exit for the same process, minus the median for an empty script. */
  spawnMinusEmptyMs: number;
  /** Median ms of require() with NODE_OPTIONS=--enable-source-maps (full runs), the setting before 2026-11-30. */
  requireWithSourceMapsMs: number;
}

export interface SmsSample {
  label: string;
  chars: number;
  before: { encoding: string; segments: number };
  after: { encoding: string; segments: number; normalized: boolean; truncated: boolean };
  weight: number;
}

export interface CostRow {
  onlineShare: number;
  imSender: number;
  smsSender: number;
  imSenderSmsPart: number;
  smsSenderSmsPart: number;
  /** Cost without GSM-7 normalisation, IM senders. */
  imSenderNoNormalisation: number;
}

export interface Report {
  date: string;
  mode: 'quick' | 'full';
  machine: {
    cpus: number;
    cpuModel: string;
    node: string;
    platform: string;
    loadBefore: number[];
    loadAfter: number[];
  };
  settings: Record<string, unknown>;
  durationSeconds: number;
  /** Where the run's time went: each phase's wall seconds and its span from the start (phases may overlap). */
  phases?: { phase: string; seconds: number; from: number; to: number }[];
  cells: CellReport[];
  fallback: FallbackReport[];
  /** The ack wait on simulated mobile links, the learned rule beside the fixed one (bench/phases/mobile-fallback.ts). */
  mobile?: MobileReport;
  /** `timed`: how many bundles had their cold init timed (quick runs: the largest few; absent: all). */
  bundles: { emptyScriptMs: number; rows: BundleReport[]; timed?: number };
  sms: { samples: SmsSample[]; costs: CostRow[] };
  profiles: {
    label: string;
    thread: string;
    summary: ProfileSummary;
    messages: number;
    /**
     * The thread's CPU per message: its time on a core as the kernel counts it (/proc/thread-self/schedstat)
     * where readable, else the profile's busy (non-idle) sampled time.
     */
    cpuMsPerMessage: number;
    /** The profile's busy sampled time per message: CPU plus time runnable but waiting for a core. */
    sampledMsPerMessage?: number;
    /** Time runnable but waiting for a core, per message (the kernel's count; absent where unreadable). */
    waitMsPerMessage?: number;
  }[];
  logs: Record<string, number>;
  scansByUs: number;
  /** Reads per delivery check that fired during the cells (a check with nothing left to do writes nothing). */
  checkReads: number;
  /** Read capacity units per fired delivery check (its message read is eventually consistent: 0.5 RCU). */
  checkReadUnits: number;
  checksFired: number;
  /** Local durable-timer requests per message (a Put at routing; deletes of rows whose check ran, batched): SQS on AWS. */
  timerPerMessage: number;
}

export function perMessage(counts: Counts, messages: number, categories: Category[] = SYSTEM): PerMessage {
  const per = (n: number) => (messages > 0 ? n / messages : 0);
  const byOp: Partial<Record<Op, number>> = {};
  let failed = 0;
  for (const op of OPS) {
    let n = 0;
    for (const c of categories) {
      n += counts[c][op].ok + counts[c][op].failed;
      failed += counts[c][op].failed;
    }
    if (n > 0) byOp[op] = per(n);
  }
  const sum = (ops: readonly Op[]) => ops.reduce((s, op) => s + (byOp[op] ?? 0), 0);
  return {
    reads: sum(READ_OPS),
    readUnits: per(categories.reduce((n, c) => n + readUnits(counts, c), 0)),
    writes: sum(WRITE_OPS),
    byOp,
    routing: {
      reads: per(total(counts, 'routing', READ_OPS)),
      readUnits: per(readUnits(counts, 'routing')),
      writes: per(total(counts, 'routing', WRITE_OPS)),
    },
    ack: per(total(counts, 'ack')),
    statusCallback: per(total(counts, 'statusCallback')),
    linkStats: per(total(counts, 'linkStats')),
    smsBudget: per(total(counts, 'smsBudget')),
    threadBinding: per(total(counts, 'threadBinding')),
    frameLimit: per(total(counts, 'frameLimit')),
    failedConditions: per(failed),
    scans: byOp.Scan ?? 0,
    deliveryChecks: per(counts.timer.PutItem.ok),
    localTimer: per(total(counts, 'timer') + total(counts, 'routeCheck')),
  };
}

export function cellReport(
  key: CellKey,
  users: number,
  connected: number,
  sockets: number,
  r: CellResult,
  categories: Category[] = SYSTEM,
): CellReport {
  return {
    key,
    users,
    connected,
    sockets,
    messages: r.messages,
    completed: r.completed,
    windowMs: r.windowMs,
    throughput: r.throughput,
    latency: r.latency,
    frameLatency: r.frameLatency,
    errors: r.errors,
    distinctRecipients: r.distinctRecipients,
    dynamo: perMessage(r.counts, r.messages, categories),
  };
}
