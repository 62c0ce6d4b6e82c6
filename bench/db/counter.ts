/**
 * Request counters shared between the DynamoDB thread (which writes them) and the driver (which reads
 * them), in a SharedArrayBuffer so a snapshot costs no message round trip.
 *
 * Every request is counted once, by category, operation and outcome:
 * - `routing`: the system's own traffic on its table, other than the three below;
 * - `ack`: the recipient's ack (a message's conditional accepted → delivered);
 * - `statusCallback`: the SMS provider's final status (a message's conditional → delivered_sms);
 * - `deliveryCheck`: the delivery check's read of the message (GetItem on MSG#). Every message schedules one; it
 *   runs ACK_TIMEOUT_MS later (an SQS delay on AWS), after its cell, so it is counted apart and attributed per
 *   message from the checks scheduled;
 * - `timer`: rows of the local durable ack timer (pk LOCALTIMER#ack). On AWS that is an SQS message, not a
 *   DynamoDB request, so it is reported but left out of the budget;
 * - `baseline`: the reference router's connections table;
 * - `control`: table management and the benchmark's own seeding batches.
 */
export const OPS = [
  'GetItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'Other',
] as const;
export type Op = (typeof OPS)[number];
export const READ_OPS: readonly Op[] = ['GetItem', 'Query', 'Scan', 'BatchGetItem'];
export const WRITE_OPS: readonly Op[] = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'];

export const CATEGORIES = [
  'routing',
  'ack',
  'statusCallback',
  'deliveryCheck',
  'timer',
  'baseline',
  'control',
] as const;

/** What the system under test does for the messages of a cell while the cell runs. */
export const SYSTEM: Category[] = ['routing', 'ack', 'statusCallback'];
export type Category = (typeof CATEGORIES)[number];

/** Slots per (category, op): requests answered 2xx, and requests refused (4xx, mostly failed conditions). */
const OUTCOMES = 2;
const SLOTS = CATEGORIES.length * OPS.length * OUTCOMES;

export function newCounterBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT);
}

const slot = (c: number, o: number, failed: boolean) => (c * OPS.length + o) * OUTCOMES + (failed ? 1 : 0);

export function record(view: Int32Array, category: Category, op: Op, failed: boolean): void {
  Atomics.add(view, slot(CATEGORIES.indexOf(category), OPS.indexOf(op), failed), 1);
}

/** Which category a request belongs to, from its operation, table and body (no JSON parse: this is hot). */
export function classify(op: string, body: string, systemTable: string): Category {
  if (!OPS.includes(op as Op) || op === 'BatchWriteItem') return 'control';
  const table = /"TableName":"([^"]+)"/.exec(body)?.[1];
  if (table !== systemTable) return table ? 'baseline' : 'control';
  if (body.includes('LOCALTIMER#ack')) return 'timer';
  // getMessage(id): in this workload only the delivery check reads a message back (late acks and duplicates,
  // which would too, do not happen here).
  const onMessage = body.includes('"Key":{"pk":{"S":"MSG#');
  if (op === 'GetItem' && onMessage) return 'deliveryCheck';
  if (op === 'UpdateItem' && onMessage) {
    // The value a transition sets; the other transitions (sent_sms, the fallback claim) stay `routing`.
    if (body.includes('{"S":"delivered_sms"}')) return 'statusCallback';
    if (body.includes('{"S":"delivered"}')) return 'ack';
  }
  return 'routing';
}

export type Counts = Record<Category, Record<Op, { ok: number; failed: number }>>;

export function snapshot(view: Int32Array): Counts {
  const out = {} as Counts;
  CATEGORIES.forEach((c, ci) => {
    out[c] = {} as Counts[Category];
    OPS.forEach((o, oi) => {
      out[c][o] = {
        ok: Atomics.load(view, slot(ci, oi, false)),
        failed: Atomics.load(view, slot(ci, oi, true)),
      };
    });
  });
  return out;
}

export function diff(after: Counts, before: Counts): Counts {
  const out = {} as Counts;
  for (const c of CATEGORIES) {
    out[c] = {} as Counts[Category];
    for (const o of OPS) {
      out[c][o] = { ok: after[c][o].ok - before[c][o].ok, failed: after[c][o].failed - before[c][o].failed };
    }
  }
  return out;
}

export function total(counts: Counts, category: Category, ops: readonly Op[] = OPS): number {
  return ops.reduce((sum, o) => sum + counts[category][o].ok + counts[category][o].failed, 0);
}
