/**
 * Request counters shared between the DynamoDB thread (which writes them) and the driver (which reads
 * them), in a SharedArrayBuffer so a snapshot costs no message round trip.
 *
 * Every request is counted once, by category, operation and outcome:
 * - `routing`: the system's own traffic on its table, other than the ones below;
 * - `ack`: the recipient's ack (a message's conditional accepted → delivered);
 * - `linkStats`: the ack handler's write of its connection's round-trip stats (the learned ack wait), when they
 *   move its wait to another bucket (shared/core/delivery/ack-wait.ts `learnedStats`): a cost per connection;
 * - `smsBudget`: an SMS leg charged to its sender's daily SMS budget (pk `RATE#sms:…`, issue 14's limits);
 * - `frameLimit`: a connection's frame-limit block (pk `RATE#frames:…`): one conditional write charges a block of
 *   frames (shared/core/login-status/presence.ts `admitFrame`), the block's other frames cost none; counted apart
 *   from the budget, like thread binding, and shown;
 * - `threadBinding`: a sender's SMS thread (re)binding to a service number (`SET threads.#n`), the first time a
 *   contact reaches a phone on a service number: counted apart from the budget, as issue 16 asks;
 * - `statusCallback`: the SMS provider's final status (a message's conditional → delivered_sms);
 * - `deliveryCheck`: the delivery check's read of the message (GetItem on MSG#). Every message schedules one; it
 *   runs ACK_TIMEOUT_MS later (an SQS delay on AWS), after its cell, so it is counted apart and attributed per
 *   message from the checks scheduled;
 * - `routeCheck`: the local timer's row (PutItem) of an inbound text's route check (key `route:…`,
 *   shared/core/delivery/check-key.ts). It claims the text without reading it, so it is no `deliveryCheck`:
 *   counted apart from the reading checks, so reads per check stay reads per reading check;
 * - `timer`: rows of the local durable ack timer (pk LOCALTIMER#ack). On AWS that is an SQS message, not a
 *   DynamoDB request, so it is reported but left out of the budget. Its rows are deleted in batches after their
 *   checks ran, so
 * - `timerRows` counts the rows those batches delete (DeleteItem, one per row; not a request): the checks fired;
 * - `baseline`: the reference router's connections table;
 * - `control`: table management and the benchmark's own seeding batches.
 *
 * Reads are also counted by consistency: DynamoDB bills a strongly consistent read (`"ConsistentRead":true`)
 * 1 RCU per 4 KB and an eventually consistent one 0.5 ({@link readUnits}).
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
  'linkStats',
  'smsBudget',
  'frameLimit',
  'threadBinding',
  'deliveryCheck',
  'routeCheck',
  'timer',
  'timerRows',
  'baseline',
  'control',
] as const;

/** What the system under test does for the messages of a cell while the cell runs. */
export const SYSTEM: Category[] = [
  'routing',
  'ack',
  'statusCallback',
  'linkStats',
  'smsBudget',
  'frameLimit',
  'threadBinding',
];
export type Category = (typeof CATEGORIES)[number];

/**
 * Slots per (category, op): requests answered 2xx, requests refused (4xx, mostly failed conditions), and, of
 * either, those asking for a strongly consistent read.
 */
const OUTCOMES = 3;
const SLOTS = CATEGORIES.length * OPS.length * OUTCOMES;

export function newCounterBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT);
}

const base = (c: number, o: number) => (c * OPS.length + o) * OUTCOMES;
const slot = (c: number, o: number, failed: boolean) => base(c, o) + (failed ? 1 : 0);
const consistentSlot = (c: number, o: number) => base(c, o) + 2;

/** Counts one request; `consistent` when it asked for a strongly consistent read. */
export function record(
  view: Int32Array,
  category: Category,
  op: Op,
  failed: boolean,
  consistent = false,
): void {
  const c = CATEGORIES.indexOf(category);
  const o = OPS.indexOf(op);
  Atomics.add(view, slot(c, o, failed), 1);
  if (consistent) Atomics.add(view, consistentSlot(c, o), 1);
}

/**
 * Counts the rows a request of the local timer deletes in a batch (as `timerRows` DeleteItem), so the checks that
 * fired stay countable with their deletes batched. Nothing for any other request.
 */
export function recordTimerRows(
  view: Int32Array,
  category: Category,
  op: string,
  body: string,
  failed: boolean,
) {
  if (category !== 'timer' || op !== 'BatchWriteItem' || failed) return;
  const rows = body.split('"DeleteRequest"').length - 1;
  for (let i = 0; i < rows; i++) record(view, 'timerRows', 'DeleteItem', false);
}

/** Whether a request body asks for a strongly consistent read (the SDK sends `"ConsistentRead":true`). */
export function isConsistentRead(op: string, body: string): boolean {
  return READ_OPS.includes(op as Op) && body.includes('"ConsistentRead":true');
}

/** RCU per read of an item (or a Query's items) up to 4 KB: DynamoDB bills a strongly consistent read 2×. */
export const RCU = { eventual: 0.5, consistent: 1 } as const;

/**
 * The table a request names: `TableName`, or the first key of a batch's `RequestItems` (the benchmark's batches
 * each name one table). Undefined when it names none (ListTables and the like).
 */
export function tableOf(body: string): string | undefined {
  return (/"TableName":"([^"]+)"/.exec(body) ?? /"RequestItems":\{"([^"]+)"/.exec(body))?.[1];
}

/**
 * Where the database thread counts a request: `counters.mobile` when it names the mobile phase's table (its two
 * stacks then never move the main stack's counts, whenever they run), else `counters.main`.
 */
export function viewFor<T>(body: string, counters: { main: T; mobile?: T }, mobileTable?: string): T {
  return counters.mobile !== undefined && mobileTable !== undefined && tableOf(body) === mobileTable
    ? counters.mobile
    : counters.main;
}

/** Which category a request belongs to, from its operation, table and body (no JSON parse: this is hot). */
export function classify(op: string, body: string, systemTable: string): Category {
  if (!OPS.includes(op as Op)) return 'control';
  // The local timer deletes the rows of checks that ran in batches (infra/local/durable-ack-timer.ts).
  if (op === 'BatchWriteItem') return body.includes('LOCALTIMER#ack') ? 'timer' : 'control';
  const table = /"TableName":"([^"]+)"/.exec(body)?.[1];
  if (table !== systemTable) return table ? 'baseline' : 'control';
  if (body.includes('LOCALTIMER#ack'))
    return op === 'PutItem' && body.includes('"messageId":{"S":"route:') ? 'routeCheck' : 'timer';
  // getMessage(id): in this workload only the delivery check reads a message back (late acks and duplicates,
  // which would too, do not happen here).
  const onMessage = body.includes('"Key":{"pk":{"S":"MSG#');
  if (op === 'GetItem' && onMessage) return 'deliveryCheck';
  if (op === 'UpdateItem' && onMessage) {
    // The value a transition sets; the other transitions (sent_sms, the fallback claim) stay `routing`.
    if (body.includes('{"S":"delivered_sms"}')) return 'statusCallback';
    if (body.includes('{"S":"delivered"}')) return 'ack';
  }
  if (op === 'UpdateItem' && body.includes('"Key":{"pk":{"S":"RATE#sms:')) return 'smsBudget';
  if (op === 'UpdateItem' && body.includes('"Key":{"pk":{"S":"RATE#frames:')) return 'frameLimit';
  if (op === 'UpdateItem') {
    // shared/adapters/dynamo: users.ts setThread, login-status.ts recordLink (their UpdateExpressions).
    if (body.includes('SET threads.#n')) return 'threadBinding';
    if (body.includes('SET srtt = :r')) return 'linkStats';
  }
  return 'routing';
}

/** Per category and operation: requests answered, refused, and (of both) strongly consistent reads. */
export type Counts = Record<Category, Record<Op, { ok: number; failed: number; consistent: number }>>;

export function snapshot(view: Int32Array): Counts {
  const out = {} as Counts;
  CATEGORIES.forEach((c, ci) => {
    out[c] = {} as Counts[Category];
    OPS.forEach((o, oi) => {
      out[c][o] = {
        ok: Atomics.load(view, slot(ci, oi, false)),
        failed: Atomics.load(view, slot(ci, oi, true)),
        consistent: Atomics.load(view, consistentSlot(ci, oi)),
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
      out[c][o] = {
        ok: after[c][o].ok - before[c][o].ok,
        failed: after[c][o].failed - before[c][o].failed,
        consistent: after[c][o].consistent - before[c][o].consistent,
      };
    }
  }
  return out;
}

export function total(counts: Counts, category: Category, ops: readonly Op[] = OPS): number {
  return ops.reduce((sum, o) => sum + counts[category][o].ok + counts[category][o].failed, 0);
}

/**
 * Read capacity units of a category's reads, items taken as up to 4 KB (every item here is well under: a
 * profile, a message, a few connection rows): 0.5 per eventually consistent read, 1 per strongly consistent one.
 */
export function readUnits(counts: Counts, category: Category): number {
  return READ_OPS.reduce((sum, o) => {
    const { ok, failed, consistent } = counts[category][o];
    return sum + (ok + failed - consistent) * RCU.eventual + consistent * RCU.consistent;
  }, 0);
}
