import { OPS, READ_OPS, type Op } from '../db/counter';
import type { CellReport, Report } from '../results';
import { wilsonBounds } from '../lib/stats';
import { LABELS } from '../phases/throughput';
import { UNIT_NOTES, type Prices } from '../phases/sms-cost';
import { BUDGETS, checkTargets, LIMITS, totals, type TargetCheck } from './targets';

const n0 = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–');
const n1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–');
const n2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '–');
const kb = (b: number) => (b / 1024).toFixed(0);
const usd = (v: number) => `$${v < 1 ? v.toFixed(3) : v.toFixed(2)}`;
/** A target's verdict as the summary shows it: never a pass for what was not measured or only computed. */
const mark = (c: TargetCheck) =>
  c.verdict === 'not measured'
    ? '– not measured'
    : `${c.verdict === 'pass' ? '✅ pass' : '❌ fail'}${c.computed ? ' (computed)' : ''}`;
const table = (head: string[], rows: (string | number)[][], align?: string) =>
  [
    `| ${head.join(' | ')} |`,
    `|${align ?? head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

const SHORT_OP: Record<Op, string> = {
  GetItem: 'Get',
  Query: 'Query',
  Scan: 'Scan',
  BatchGetItem: 'BatchGet',
  PutItem: 'Put',
  UpdateItem: 'Update',
  DeleteItem: 'Delete',
  BatchWriteItem: 'BatchWrite',
  Other: 'other',
};

function ops(c: CellReport, reads: boolean): string {
  const parts = OPS.filter((o) => READ_OPS.includes(o) === reads && (c.dynamo.byOp[o] ?? 0) > 0).map(
    (o) => `${n2(c.dynamo.byOp[o]!)} ${SHORT_OP[o]}`,
  );
  return parts.length ? parts.join(' + ') : '0';
}

function summary(r: Report, prices: Prices): string {
  const checks = checkTargets(r);
  const misses = checks.filter((c) => c.verdict === 'fail').length;
  const unmeasured = checks.filter((c) => c.verdict === 'not measured').length;
  const computed = checks.filter((c) => c.computed).length;
  const notes = [
    misses
      ? `**${misses} target${misses > 1 ? 's' : ''} missed.** Causes, with the evidence, under [Misses](#misses).`
      : unmeasured
        ? 'No target measured is missed.'
        : 'Every target is met.',
    unmeasured
      ? `**${unmeasured} not measured** in this run (no verdict: the row says what was missing).`
      : '',
    computed
      ? `${computed} verdict${computed > 1 ? 's rest' : ' rests'} on a computed figure, not a measured one (the row says how).`
      : '',
  ].filter(Boolean);
  return [
    '## Summary',
    '',
    table(
      ['Target', 'Measured', 'Verdict'],
      checks.map((c) => [c.target, c.result, mark(c)]),
      '---|---|:---:',
    ),
    '',
    notes.join(' '),
    '',
    againstToday(r, prices),
  ].join('\n');
}

/**
 * Issue 16's proof in one table: the dead-link fallback time, the false-fallback rate and the SMS cost of the
 * learned ack wait beside the fixed 15 s rule, and the CPU per IM → IM message beside the Scan baseline.
 */
function againstToday(r: Report, prices: Prices): string {
  const learned = r.mobile?.rules.find((x) => x.rule === 'learned');
  const fixed = r.mobile?.rules.find((x) => x.rule === 'fixed');
  const perSms = prices.twilioSmsOutboundPerSegment + prices.carrierFeePerOutboundSegment;
  const dead = (x?: typeof learned) =>
    x && x.deadFirst.n ? `${n1(x.deadFirst.p50 / 1000)} / ${n1(x.deadFirst.p95 / 1000)} s` : 'not measured';
  const rate = (x?: typeof learned) =>
    x && Number.isFinite(x.falseFallbackRate)
      ? `${n2(x.falseFallbackRate * 100)}% (${x.falseFallbacks} of ${n0(x.acked)}, ≤ ${n2(wilsonBounds(x.falseFallbacks, x.acked).upper * 100)}%)`
      : 'not measured';
  const sms = (x?: typeof learned) => (x ? n1(x.smsPerThousand) : 'not measured');
  const cost = (x?: typeof learned) => (x ? usd(x.smsPerThousand * perSms) : 'not measured');
  const delta = (f: (x: NonNullable<typeof learned>) => number, unit: (v: number) => string) =>
    learned && fixed && Number.isFinite(f(learned)) && Number.isFinite(f(fixed))
      ? unit(f(learned) - f(fixed))
      : '–';
  const signed = (v: number, s: string) => `${v >= 0 ? '+' : '−'}${s}`;
  const prof = (label: string) =>
    r.profiles.find((p) => p.label.startsWith(label) && p.thread.startsWith('system'));
  const ours = prof('IM')?.cpuMsPerMessage;
  const base = prof('Baseline')?.cpuMsPerMessage;
  const rows = [
    [
      'Dead link → SMS, p50 / p95',
      dead(learned),
      dead(fixed),
      learned && fixed && learned.deadFirst.n && fixed.deadFirst.n
        ? `${signed(learned.deadFirst.p50 - fixed.deadFirst.p50, n1(Math.abs(learned.deadFirst.p50 - fixed.deadFirst.p50) / 1000))} s at the median`
        : '–',
    ],
    [
      'False fallbacks on live links',
      rate(learned),
      rate(fixed),
      delta(
        (x) => x.falseFallbackRate * 100,
        (v) => `${signed(v, n2(Math.abs(v)))} points`,
      ),
    ],
    [
      'SMS per 1,000 messages',
      sms(learned),
      sms(fixed),
      delta(
        (x) => x.smsPerThousand,
        (v) => signed(v, n1(Math.abs(v))),
      ),
    ],
    [
      'SMS cost per 1,000 messages',
      cost(learned),
      cost(fixed),
      delta(
        (x) => x.smsPerThousand * perSms,
        (v) => signed(v, usd(Math.abs(v))),
      ),
    ],
  ];
  const cpu =
    ours !== undefined && base !== undefined
      ? `CPU per IM → IM message on the system thread at 1,000 connected: ${n2(ours)} ms, against ${n2(base)} ms for ` +
        `the Scan baseline (${n2(ours / base)}×).`
      : 'CPU per IM → IM message against the Scan baseline: not measured (profiles need `--profile` and 1,000 users).';
  return [
    table(
      ['Against today’s rule (ACK_WAIT=fixed, 15 s)', 'Learned wait', 'Fixed 15 s', 'Difference'],
      rows,
      '---|---:|---:|---:',
    ),
    '',
    cpu,
  ].join('\n');
}

function throughputSection(r: Report): string {
  const countOnly = [...new Set(r.cells.filter((c) => c.countsOnly).map((c) => c.users))];
  const rows = r.cells
    .filter((c) => c.key !== 'baseline' && !c.countsOnly)
    .map((c) => [
      n0(c.users),
      LABELS[c.key],
      `${n0(c.connected)} / ${n0(c.sockets)}`,
      n0(c.throughput),
      n0(c.latency.p50),
      n0(c.latency.p95),
      n0(c.latency.p99),
      c.frameLatency ? `${n0(c.frameLatency.p50)} / ${n0(c.frameLatency.p95)}` : '',
      n0(c.messages),
      c.errors ? `**${c.errors}**` : '0',
    ]);
  return [
    '## 1. Throughput and latency',
    '',
    `Closed loop: ${r.settings.concurrency} senders, each with one message in flight; ${n1(Number(r.settings.durationMs) / 1000)} s measured per cell after a warm-up. ` +
      'Latency is send → the end of the path: the `delivered` receipt (IM → IM, after the recipient acked), the ' +
      '`sent_sms` receipt (IM → SMS), the recipient\u2019s frame (SMS → IM), the sandbox\u2019s answer once the signed ' +
      'webhook completed, by when the SMS is in the recipient phone\u2019s inbox (SMS → SMS). "To frame" is send → the ' +
      'recipient\u2019s client has the message.' +
      (countOnly.length
        ? ` The ${countOnly.map(n0).join(', ')}-user cells of this run count requests only (section 2): they ran ` +
          'beside the start-up (the bundles\u2019 build, the presence fan-out) and their four paths\u2019 warm-ups ran at ' +
          'once, so their rates would measure that.'
        : ''),
    '',
    table(
      [
        'Users',
        'Path',
        'Connected / sockets',
        'msg/s',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'To frame p50 / p95',
        'Messages',
        'Errors',
      ],
      rows,
      '---:|---|---:|---:|---:|---:|---:|---:|---:|---:',
    ),
    '',
    `![Throughput and p95 latency against users](latency-throughput.svg)`,
  ].join('\n');
}

function dynamoSection(r: Report): string {
  const all = totals(r);
  const rows = r.cells
    .filter((c) => c.key !== 'baseline')
    .map((c) => {
      const t = all.find((x) => x.key === c.key && x.users === c.users);
      const d = c.dynamo;
      return [
        LABELS[c.key],
        n0(c.users),
        `${n2(d.routing.reads)} / ${n2(d.routing.writes)}`,
        n2(d.ack),
        n2(d.linkStats ?? NaN),
        n2(d.smsBudget ?? NaN),
        n2(d.statusCallback),
        n2(d.deliveryChecks * r.checkReads),
        t ? `**${n2(t.reads)}**` : '',
        t && !Number.isNaN(t.readUnits) ? n2(t.readUnits) : '',
        t ? `**${n2(t.writes)}**` : '',
        n2(d.threadBinding ?? NaN),
        n2(d.frameLimit ?? NaN),
        `${ops(c, true)}; ${ops(c, false)}`,
        n2(d.failedConditions),
      ];
    });
  return [
    '## 2. DynamoDB requests per routed message',
    '',
    'Counted at dynalite by a wrapper around its request handler (operation from `X-Amz-Target`, table and key from ' +
      'the body), as the delta over each cell divided by the messages routed in it, and split by who made them: ' +
      'the routing step (the function that routes), the recipient\u2019s ack (a write), the ack\u2019s write of its ' +
      'connection\u2019s round-trip stats (the learned ack wait, only when its wait changes bucket: a cost per ' +
      'connection, counted apart like thread binding and not in "Writes"; with these cells\u2019 2 s ceiling no wait ' +
      'moves, so section 4b measures it), the SMS leg\u2019s charge ' +
      'to its sender\u2019s daily SMS budget (a write), the SMS status callback ' +
      '(a write), SMS thread (re)binding (counted apart from the budget, not in "Writes"), the sender connection\u2019s ' +
      'frame-limit block (one conditional write charges a block of its frames, the rest of the block costs none; ' +
      'apart, not in "Writes"), and the delivery checks a message schedules, each reading the message ' +
      `once when it fires (measured over the run: ${n2(r.checkReads)} reads per check, ${n0(r.checksFired)} checks ` +
      'fired; with nothing left to do it writes nothing); a text from a phone is routed by a route check instead, ' +
      'which claims it without reading it (its claim is in the routing step) and is not counted among them. ' +
      '"Refused" are conditional writes whose condition failed ' +
      '(billed, no effect). Read units count a strongly consistent read (`ConsistentRead`: the judgement\u2019s ' +
      'recipient Query, a duplicate\u2019s or a late ack\u2019s message read) as 1 RCU and an eventually consistent one ' +
      '(the delivery check\u2019s message read, strong again only when it found nothing) as 0.5, items up to 4 KB.',
    '',
    table(
      [
        'Path',
        'Users',
        'Routing step reads / writes',
        'Ack writes',
        'Link stats writes (apart)',
        'SMS budget writes',
        'Status callback writes',
        'Delivery check reads',
        'Reads',
        'Read units (RCU)',
        'Writes',
        'Thread binding writes (apart)',
        'Frame limit writes (apart)',
        'During the cell, by operation',
        'Refused',
      ],
      rows,
      '---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:',
    ),
    '',
    `Not in these figures: the local runtime\u2019s durable ack timer keeps a row per message (pk \`LOCALTIMER#ack\`; ` +
      `${n2(r.timerPerMessage)} requests per message: a Put when routed, then its delete after the check, batched up to 25 rows per request). On AWS that ` +
      'timer is an SQS message with a delivery delay, not a DynamoDB request, so it is counted apart and left out. ' +
      `Thread (re)binding writes depend on the workload: senders move to a new recipient every ${r.settings.conversation} ` +
      'messages; with 10 users, 16 senders share 5 offline phones with 3 service numbers each, so threads are rebound more.',
  ].join('\n');
}

function baselineSection(r: Report): string {
  const rows = r.cells
    .filter((c) => c.key === 'baseline')
    .map((b) => {
      const ours = r.cells.find((c) => c.key === 'im-im-all' && c.users === b.users)!;
      return [
        n0(b.users),
        n0(b.connected),
        n0(ours.throughput),
        n0(b.throughput),
        `**${n1(ours.throughput / b.throughput)}×**`,
        `${n0(ours.frameLatency?.p50 ?? NaN)} / ${n0(ours.frameLatency?.p95 ?? NaN)}`,
        `${n0(b.latency.p50)} / ${n0(b.latency.p95)}`,
        n0(b.scannedPerMessage ?? NaN),
        n1(b.readUnitsPerMessage ?? NaN),
      ];
    });
  return [
    '## 3. Against the baseline',
    '',
    'The baseline is the design of AWS\u2019s `simple-websockets-chat-app` sample (`bench/baseline/router.ts`): a ' +
      '`connections` table keyed by connectionId; a send Scans the whole table (every page) and posts to the ' +
      'recipient\u2019s connections it finds (a FilterExpression on userId: the sample broadcasts, this is the ' +
      'kindest one-to-one version). It runs beside ours in the same thread, behind the same local API Gateway ' +
      'emulation, on the same dynalite, driven by the same client code, with every registered user connected in ' +
      'both. It does less per message than ours (no message row, no receipts, no ack, no delivery check), so the ratio ' +
      'is conservative. Ours is timed to the `delivered` receipt; both "to frame" columns are send → recipient.',
    '',
    table(
      [
        'Users',
        'Connected',
        'Ours msg/s',
        'Baseline msg/s',
        'Ours / baseline',
        'Ours to frame p50/p95 ms',
        'Baseline p50/p95 ms',
        'Items scanned / msg',
        'RCU / msg',
      ],
      rows,
    ),
  ].join('\n');
}

function fallbackSection(r: Report): string {
  const rows = r.fallback.map((f) => [
    n0(f.ackTimeoutMs),
    `${f.samples - f.failed} / ${f.samples}`,
    n0(f.latency.min),
    n0(f.latency.p50),
    n0(f.latency.p95),
    n0(f.latency.max),
    `${n0(f.overhead.p50)} / ${n0(f.overhead.p95)}`,
    f.dynamo ? `${n2(f.dynamo.reads)} / ${n2(f.dynamo.writes)}` : '',
  ]);
  return [
    '## 4. Fallback time',
    '',
    'A recipient whose socket is open but never acks: the message is pushed, not confirmed, and when the delivery ' +
      'check fires it goes as SMS. Timed from send to the sender\u2019s `sent_sms` receipt (path im → sms), which ' +
      'follows the SMS landing in the phone\u2019s sandbox inbox by one conditional write and a push. Samples are ' +
      'sent 60 ms apart; in a full run the 15 s samples wait while the bundles are measured.',
    '',
    table(
      [
        'ACK_TIMEOUT_MS',
        'Samples',
        'min ms',
        'p50 ms',
        'p95 ms',
        'max ms',
        'Beyond the timeout p50 / p95 ms',
        'Reads / writes per message',
      ],
      rows,
    ),
  ].join('\n');
}

/** The learned ack wait beside the fixed one, on the same simulated mobile links, and what the SMS cost. */
function mobileSection(r: Report, prices: Prices): string {
  const m = r.mobile;
  if (!m) return '';
  const perSms = prices.twilioSmsOutboundPerSegment + prices.carrierFeePerOutboundSegment;
  const rule = (x: { rule: string; ackTimeoutMs?: number }) =>
    x.rule === 'learned'
      ? `learned (≤ ${n0(x.ackTimeoutMs ?? NaN)} ms)`
      : `fixed ${n0(x.ackTimeoutMs ?? NaN)} ms`;
  const bound = (k: number, n: number) => `≤ ${n2(wilsonBounds(k, n).upper * 100)}%`;
  const rows = m.rules.map((x) => [
    rule(x),
    `${n0(x.links)} (${n0(x.dyingLinks)} die${x.dyingAcked !== undefined ? `, ${x.dyingAcked} after acking` : ''})`,
    n0(x.messages),
    `${n0(x.deadFirst.p50)} / ${n0(x.deadFirst.p95)} (n ${x.deadFirst.n})`,
    `${n0(x.deadAll.p50)} / ${n0(x.deadAll.p95)}`,
    `**${x.falseFallbacks} of ${n0(x.acked)}** (${n2(x.falseFallbackRate * 100)}%; ${bound(x.falseFallbacks, x.acked)}; ${x.stalls ?? '–'} stall${x.stalls === 1 ? '' : 's'})`,
    n1(x.smsPerThousand),
    usd((x.smsPerThousand * perSms) / 1),
    x.unresolved ? `**${x.unresolved}**` : '0',
  ]);
  const [a, b] = [m.rules.find((x) => x.rule === 'learned'), m.rules.find((x) => x.rule === 'fixed')];
  const diff =
    a && b
      ? `Per 1,000 messages the learned wait sends ${n1(a.smsPerThousand - b.smsPerThousand)} SMS more than the fixed ` +
        `one (${usd(Math.abs(a.smsPerThousand - b.smsPerThousand) * perSms)} ${a.smsPerThousand >= b.smsPerThousand ? 'more' : 'less'} ` +
        `at ${usd(perSms)} per one-segment SMS, Twilio plus carrier fee, bench/prices.json); the SMS to dead links go ` +
        `out ${n1((b.deadFirst.p50 - a.deadFirst.p50) / 1000)} s sooner at the median.`
      : '';
  const where = m.rules
    .filter((x) => x.deadBreakdown?.wait.n)
    .map((x) => {
      const d = x.deadBreakdown!;
      return [
        rule(x),
        `${n0(d.queued.p50)} / ${n0(d.queued.p95)}`,
        `${n0(d.wait.p50)} / ${n0(d.wait.p95)}`,
        `${n0(d.afterDue.p50)} / ${n0(d.afterDue.p95)}`,
        `${n0(d.samples.p50)} (${n0(d.samples.min)}–${n0(d.samples.max)})`,
        x.serverTime ? `${n0(x.serverTime.p50)} / ${n0(x.serverTime.p95)}` : '–',
      ];
    });
  const replay = (m.replay ?? []).map((x) => [
    x.rule === 'learned' ? 'learned' : 'fixed',
    `${n0(x.links)} × ${n0(x.spanMs / 60_000)} min`,
    n0(x.messages),
    n0(x.stalls),
    `**${n0(x.falseFallbacks)}** (${n2((x.falseFallbacks / x.messages) * 100)}%; ${bound(x.falseFallbacks, x.messages)})`,
    `${n0(x.waits.p50)} / ${n0(x.waits.p95)} / ${n0(x.waits.p99)}`,
  ]);
  const learnedLinks = a?.links ?? NaN;
  const learning =
    m.linkStatsWrites !== undefined && a
      ? `Link-stats writes (the ack’s, on connection rows; the learning cost, counted apart from the per-message ` +
        `requests): ${n0(m.linkStatsWrites)} over the phase, **${n2(m.linkStatsWrites / learnedLinks)} per connection** ` +
        `(${n0(learnedLinks)} links, learned rule; the fixed rule’s waits never move, so it writes none), ` +
        `${n2(m.linkStatsWrites / a.messages)} per message here.`
      : '';
  return [
    '## 4b. The ack wait on a mobile link',
    '',
    `The same links, seeded alike, against two stacks at once: the learned wait (\`ACK_WAIT=learned\`, ` +
      `docs/design.md "The ack wait") and the fixed one (\`ACK_WAIT=fixed\`, every message waits ` +
      `\`ACK_TIMEOUT_MS\`), both with \`ACK_TIMEOUT_MS=${n0(m.rules[0]?.ackTimeoutMs ?? NaN)}\`. Each link gets a message about every ` +
      `${n0(m.messageEveryMs)} ms for ${n1(m.phaseMs / 1000)} s, from a sender socket of its own; its client acks after the link’s round trip ` +
      `(lognormal, median ${n0(m.model.rttMedianMs)} ms, σ ${m.model.rttSigma}), and stalls of median ` +
      `${n1(m.model.stallMedianMs / 1000)} s (σ ${m.model.stallSigma}, at most ${n0(m.model.stallCapMs / 1000)} s) come on average every ` +
      `${n0(m.model.stallEverySeconds)} s per link. A fifth of the links die mid-phase, after a few messages: no frame, no ack, socket left open. ` +
      '"Dead link → SMS" is from sending a dying link’s first message that was never acked to the sender’s ' +
      '`sent_sms` receipt; "false fallbacks" are SMS for messages the client acked after all, with the 95% upper ' +
      'bound of their rate (Wilson) and the stalls the live links met: false fallbacks come from stalls, and messages ' +
      'caught in one stall fail together, so a few stalls are a thin sample whatever the message count.',
    '',
    table(
      [
        'Rule',
        'Links',
        'Messages',
        'Dead link → SMS p50 / p95 ms',
        'Every message to a dead link p50 / p95 ms',
        'False fallbacks',
        'SMS per 1,000 msgs',
        'SMS cost per 1,000 msgs',
        'Unresolved',
      ],
      rows,
    ),
    '',
    diff,
    ...(where.length
      ? [
          '',
          'Where a dead link’s time goes (its first unacked message, p50 / p95 ms over the dying links): from the send ' +
            'to the route reading its clock (`sentAt`), the wait the route chose, and from `sentAt` + wait to the ' +
            'sender’s `sent_sms` receipt (the timer firing, the check, the SMS send, the receipt); the samples the ' +
            'connection had learned; and, for scale, the stack’s own time in a live link’s round trip (the ' +
            '`delivered` receipt after the send, less the link’s part). On an idle machine the stack’s parts are tens ' +
            'of ms; what they add here is the machine’s load.',
          '',
          table(
            ['Rule', 'Send → sentAt', 'Wait', 'Due → sent_sms', 'Samples', 'Stack’s time in a round trip'],
            where,
          ),
        ]
      : []),
    ...(replay.length
      ? [
          '',
          'The same rule (the stack’s own code, `shared/core/delivery/ack-wait.ts`: the wait from what the ' +
            'connection row holds, the row rewritten only when the ack says so) replayed in virtual time on many ' +
            'more links of the same model, the stack’s own time left out: the sample that bounds the false-fallback ' +
            'rate.',
          '',
          table(
            ['Rule', 'Links', 'Messages', 'Stalls', 'False fallbacks', 'Wait p50 / p95 / p99 ms'],
            replay,
          ),
        ]
      : []),
    ...(learning ? ['', learning] : []),
  ].join('\n');
}

function bundleSection(r: Report): string {
  const withMaps = r.bundles.rows.some((b) => Number.isFinite(b.requireWithSourceMapsMs));
  const rows = r.bundles.rows.map((b) => [
    b.name,
    kb(b.bytes),
    kb(b.gzipBytes),
    kb(b.split.own),
    kb(b.split.twilio),
    `**${kb(b.split.own + b.split.twilio)}**`,
    kb(b.split.awsSdk),
    `${kb(b.split.other)}${b.otherTop.length ? ` (${b.otherTop.map((o) => o.pkg).join(', ')})` : ''}`,
    `**${n0(b.requireMs)}**`,
    ...(withMaps ? [n0(b.requireWithSourceMapsMs)] : []),
    n0(b.spawnMinusEmptyMs),
  ]);
  return [
    '## 5. Lambda bundles',
    '',
    'Built with the CDK stack\u2019s own esbuild settings (`infra/aws/bundling.ts`: minified CJS, AWS SDK bundled, ' +
      'external source map). Bytes are split with esbuild\u2019s metafile; a library counts as twilio or the SDK when ' +
      'only that imports it (xmlbuilder, dayjs; bowser, mnemonist). Init is `require()` of the bundle in a fresh ' +
      `node process, median of ${r.settings.initRuns}, as deployed (no \`NODE_OPTIONS\`: a stack trace is mapped to the ` +
      `sources when one is printed)${withMaps ? '; "with --enable-source-maps": the setting before, which reads each map at load' : ''}; ` +
      `"process" is spawn → exit minus an empty script (${n0(r.bundles.emptyScriptMs)} ms, timed right before each function). ` +
      `Node ${process.version} here, Node 22 on Lambda.`,
    '',
    table(
      [
        'Function',
        'KB',
        'gzip KB',
        'Own KB',
        'twilio KB',
        'Own + twilio KB',
        'AWS SDK KB',
        'Other KB',
        'Init ms',
        ...(withMaps ? ['With --enable-source-maps ms'] : []),
        'Process ms',
      ],
      rows,
      `---|---:|---:|---:|---:|---:|---:|---|---:|${withMaps ? '---:|' : ''}---:`,
    ),
  ].join('\n');
}

function smsSection(r: Report, prices: Prices): string {
  const rows = r.sms.samples.map((s) => [
    s.label,
    n0(s.chars),
    `${s.before.segments} (${s.before.encoding})`,
    `${s.after.segments} (${s.after.encoding})${s.after.normalized ? ', normalised' : ''}${s.after.truncated ? ', cut at 1,600' : ''}`,
    `${Math.round(s.weight * 100)}%`,
  ]);
  const costs = r.sms.costs.map((c) => [
    `${Math.round(c.onlineShare * 100)}%`,
    `${usd(c.imSender)} (SMS ${usd(c.imSenderSmsPart)})`,
    usd(c.imSenderNoNormalisation),
    `${usd(c.smsSender)} (SMS ${usd(c.smsSenderSmsPart)})`,
  ]);
  return [
    '## 6. SMS cost',
    '',
    'Segments of each text as a phone receives it from an IM user (`Alice @12345678: ` + text), as typed and after ' +
      'the GSM-7 normalisation the router applies (`encodeSms`).',
    '',
    table(
      ['Text', 'Chars', 'As typed', 'As sent', 'Share of traffic (assumed)'],
      rows,
      '---|---:|---|---|---:',
    ),
    '',
    `Cost per 1,000 routed messages, by share of recipients online (the rest get SMS). Prices: \`bench/prices.json\`, ` +
      `list-price estimates as of ${prices.asOf}: Twilio $${prices.twilioSmsOutboundPerSegment}/segment out + ` +
      `$${prices.carrierFeePerOutboundSegment} carrier fee, $${prices.twilioSmsInboundPerSegment} in; Lambda arm64 ` +
      `${prices.lambdaMemoryGb * 1024} MB, ${prices.lambdaAverageDurationMs} ms assumed per invocation; API Gateway ` +
      `WebSocket $${prices.apiGatewayWebSocketPerMillionMessages}/M messages, HTTP $${prices.apiGatewayHttpPerMillionRequests}/M; ` +
      `DynamoDB on demand $${prices.dynamoDbPerMillionWrites}/M writes, $${prices.dynamoDbPerMillionReads}/M reads; ` +
      `SQS $${prices.sqsPerMillionRequests}/M. DynamoDB requests per path are this run\u2019s measured ones.`,
    '',
    table(
      ['Online', 'Sent from the IM app', 'same, without normalisation', 'Sent from a phone (SMS in)'],
      costs,
    ),
    '',
    ...UNIT_NOTES.map((u) => `- ${u}`),
  ].join('\n');
}

function profileSection(r: Report): string {
  if (!r.profiles.length) return '';
  const parts = ['## CPU profiles', ''];
  for (const p of r.profiles) {
    parts.push(
      `**${p.label}, ${p.thread} thread**: ${n0(p.summary.totalMs)} ms sampled, ${Math.round((1 - p.summary.idleShare) * 100)}% busy, ` +
        `${n2(p.cpuMsPerMessage)} ms of CPU per message (${n0(p.messages)} messages)` +
        (p.waitMsPerMessage !== undefined && p.sampledMsPerMessage !== undefined
          ? ` on a core as the kernel counts it, plus ${n2(p.waitMsPerMessage)} ms waiting for one ` +
            `(the samples' busy time: ${n2(p.sampledMsPerMessage)} ms)`
          : '') +
        '. Self time by area (share of busy time):',
      '',
      p.summary.areas
        .slice(0, 8)
        .map((a) => `${a.area} ${Math.round(a.share * 100)}%`)
        .join(' · '),
      '',
    );
  }
  return parts.join('\n');
}

function missesSection(r: Report): string {
  const checks = checkTargets(r).filter((c) => c.verdict === 'fail');
  if (!checks.length) return '';
  const out = ['## Misses', ''];
  for (const c of checks) out.push(`- **${c.target}**: ${c.result}. ${explain(c.target, r)}`);
  return out.join('\n');
}

const pct = (v: number) => `${Math.round(v * 100)}%`;

/** What this run shows about a miss; docs/benchmark.md explains how to read it. */
function explain(target: string, r: Report): string {
  if (target.includes('RCU')) return 'Section 3 has the RCU per message at each level.';
  if (target.includes('CPU')) return explainRatio(r);
  if (target.includes('mobile'))
    return 'Section 4b has both rules side by side and where a dead link\u2019s time goes (the wait, and the stack\u2019s own time before and after it, which a loaded machine inflates); docs/design.md ("The ack wait") the trade between the two figures.';
  const key = Object.entries(LABELS).find(([, label]) => target.startsWith(`${label}:`))?.[0];
  if (key) return explainBudget(r, key);
  if (target.includes('init'))
    return 'See the per-function figures in section 5: what is left is V8 compiling and running about 1 MB of bundle (the AWS SDK is most of it).';
  if (target.includes('finishes'))
    return 'The row lists each phase with its span (phases beside each other overlap); the header gives the load average before and after, since every phase is CPU-bound except the mobile phase’s wait on its timers (docs/benchmark.md, "The order of a run").';
  if (target.includes('grow')) return 'See section 2 for the operation that grows.';
  return '';
}

function explainRatio(r: Report): string {
  const prof = (label: string, thread: string) =>
    r.profiles.find((p) => p.label.startsWith(label) && p.thread.startsWith(thread));
  const oursSys = prof('IM', 'system');
  const baseSys = prof('Baseline', 'system');
  const baseDb = prof('Baseline', 'database');
  const ratios = r.cells
    .filter((c) => c.key === 'baseline')
    .map((b) => {
      const ours = r.cells.find((c) => c.key === 'im-im-all' && c.users === b.users)!;
      return `${n1(ours.throughput / b.throughput)}× at ${n0(b.connected)}`;
    })
    .join(', ');
  const parts = [
    `The ratio grows with the number connected (${ratios}): the baseline\u2019s cost is linear in it, ours is not.`,
  ];
  if (oursSys && baseSys && baseDb) {
    const top = oursSys.summary.areas
      .slice(0, 3)
      .map((a) => `${a.area} ${pct(a.share)}`)
      .join(', ');
    const im = r.cells.find((c) => c.key === 'im-im-all' && c.users === 1000);
    const requests = im ? im.dynamo.reads + im.dynamo.writes + im.dynamo.deliveryChecks * r.checkReads : NaN;
    const timer = r.timerPerMessage;
    parts.push(
      `At 1,000 both are CPU-bound on different threads. Ours costs ${n2(oursSys.cpuMsPerMessage)} ms of system-thread CPU ` +
        `per IM → IM message (${pct(1 - oursSys.summary.idleShare)} busy; ${top}): three handler runs (send, ack, ` +
        `delivery check), ${n1(requests + timer)} DynamoDB requests (${n1(timer)} of them the local timer\u2019s rows) ` +
        'and two `@connections` posts (the push and the `delivered` receipt; `accepted` goes back as the route ' +
        'response), each an AWS SDK call, plus serving those posts. ' +
        `The baseline costs ${n2(baseSys.cpuMsPerMessage)} ms there and ${n2(baseDb.cpuMsPerMessage)} ms in ` +
        `dynalite (${pct(1 - baseDb.summary.idleShare)} busy) for a Scan that, in memory, stays cheap at 1,000 rows. ` +
        'Most of either side is the SDK call (sign, serialise, send, parse) and serving it, so the floor is the ' +
        'count of calls: the baseline makes 2 per message (one Scan page, one post); a message that is stored, ' +
        'confirmed and checked makes at least 6 (the judgement Query, the message Put, the push, the ack\u2019s ' +
        'write, the `delivered` post, the check\u2019s read) plus its delivery check\u2019s timer (an SQS send on ' +
        'AWS, a row here) and two more handler runs. At about the same cost per call, ours stays some 3\u20134\u00d7 ' +
        'the baseline\u2019s at 1,000 connected while it keeps those guarantees; the baseline\u2019s grows with the ' +
        'rows it Scans.',
    );
  } else {
    parts.push('Run with --profile for where the time goes.');
  }
  return parts.join(' ');
}

/**
 * What each request over a path's budget is for, and why it stays: the requests the message needs and that no
 * write happening anyway can carry (docs/design.md, "What a message costs").
 */
const CAUSES: Record<string, string> = {
  'im-im':
    'Each request: the routing step reads the recipient (the judgement, strongly consistent) and writes the message ' +
    '(the idempotency key; its delivery check is set first); the ack writes `delivered`; the delivery check reads ' +
    'the message once (eventually consistent) when it fires, the price of crash safety (a message stored but not ' +
    'confirmed always ends, by SMS if need be). Over the budget: the ack\u2019s link-stats write (the learned ack ' +
    'wait), only when a connection\u2019s stats moved enough.',
  'im-sms':
    'Each request: the judgement read and the message row, as for IM; the SMS leg\u2019s record of the send ' +
    '(`sent_sms` with the provider\u2019s sid); the status callback\u2019s `delivered_sms`; the delivery check\u2019s ' +
    'read. Over the budget: the charge to the sender\u2019s daily SMS budget (one conditional write per SMS leg, on ' +
    'its own row per sender and day: it cannot ride on the message row; charging a block ahead would refuse a ' +
    'sender below the limit). `sent_sms` stays although every try is fenced and a resume asks the provider first ' +
    '(docs/design.md): without it each SMS whose status callback comes after the grace would be resumed (a read ' +
    'and a provider lookup), and SNS, which cannot be asked, could send again.',
  'sms-im':
    'Each request: the webhook reads the sender (name, SMS threads) and the recipient (the judgement, strongly ' +
    'consistent; an unknown recipient gets a help reply in the webhook\u2019s answer) and stores the text as ' +
    '`routing` with the channel judged; its route check, set before the row and due at once, claims it for that ' +
    'channel with a conditional write that returns the row (only one check routes it; nothing is read) and ' +
    'pushes; the ack writes `delivered`; the ack check reads the message once. Over the budget: the claim, the ' +
    'price of answering the webhook once the text is stored, before any push (without it a redelivered check ' +
    'would push twice).',
  'sms-sms':
    'Each request: as SMS \u2192 IM up to the claim (it sets `sending_sms`; no check reads the message); then ' +
    'the SMS leg reads the recipient\u2019s profile again, strongly consistent, charges the daily SMS budget, ' +
    'records `sent_sms`, and the status callback writes `delivered_sms`. Over the budget: the claim (as SMS ' +
    '\u2192 IM), the budget charge (as IM \u2192 SMS), and in the routing step the profile read (over the life ' +
    'the reads are within the budget): an opt-out confirmed since the ' +
    'webhook\u2019s read must stop the SMS, and it lives on rows the leg does not write (a condition on them ' +
    'needs a transaction, which dynalite does not implement and DynamoDB bills double).',
};

/** The frame-limit block writes of the sender's connection, when there were any. */
function frameLimitNote(d: Report['cells'][number]['dynamo']): string {
  return (d.frameLimit ?? 0) > 0
    ? `Frame-limit blocks (${n2(d.frameLimit)} writes per message here) are counted apart: one conditional write ` +
        'charges a block of a connection\u2019s frames to its limits, the rest of the block costs none. '
    : '';
}

function explainBudget(r: Report, key: string): string {
  const cells = r.cells.filter((c) => c.key === key);
  const c = cells[cells.length - 1];
  if (!c) return '';
  const d = c.dynamo;
  const reads = `reads: routing step ${n2(d.routing.reads)}, delivery check ${n2(d.deliveryChecks * r.checkReads)}`;
  const writes =
    `writes: routing step ${n2(d.routing.writes)}` +
    (d.ack ? `, ack ${n2(d.ack)}` : '') +
    (d.statusCallback ? `, status callback ${n2(d.statusCallback)}` : '');
  const bind =
    d.threadBinding > 0
      ? `Thread (re)binding writes (${n2(d.threadBinding)} per message here) are counted apart: one the first ` +
        'time a contact reaches a phone on a service number (here senders change recipient every ' +
        `${r.settings.conversation} messages), none in a steady conversation. `
      : '';
  const limit = BUDGETS[key];
  const budget = limit
    ? `The budget: ${limit.routing.reads} and ${limit.routing.writes} in the routing step, ${limit.life.reads} and ${limit.life.writes} over the life${limit.why}. `
    : '';
  const why = bind + frameLimitNote(d) + (CAUSES[key] ?? '');
  return `At ${n0(c.users)} users, ${reads}; ${writes} (section 2 has them by operation). ${budget}${why}`;
}

export function renderMarkdown(r: Report, prices: Prices): string {
  const machine = r.machine;
  return [
    '# Benchmark: IM ⇄ SMS on the local stack',
    '',
    `${r.date} · **${r.mode}** run · ${machine.cpus} CPUs (${machine.cpuModel}) · Node ${machine.node} · ${machine.platform} · ` +
      `load average ${machine.loadBefore.map(n1).join(' ')} before, ${machine.loadAfter.map(n1).join(' ')} after · ${n0(r.durationSeconds)} s.`,
    '',
    `Reproduce: \`npm run bench\` (full, < 10 min) or \`npm run bench -- --quick\` (< 60 s); \`-- --help\` for the ` +
      'settings. Method: [docs/benchmark.md](../../docs/benchmark.md). The machine is shared with other work, so ' +
      'rates move by a third or more between runs; compare figures within one run.',
    '',
    `Settings: ${Object.entries(r.settings)
      .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join('/') : String(v)}`)
      .join(' · ')}.`,
    '',
    summary(r, prices),
    '',
    throughputSection(r),
    '',
    dynamoSection(r),
    '',
    baselineSection(r),
    '',
    fallbackSection(r),
    '',
    mobileSection(r, prices),
    '',
    bundleSection(r),
    '',
    smsSection(r, prices),
    '',
    profileSection(r),
    missesSection(r),
    '',
    `Logs from the handlers during the run (level:event → count): ${
      Object.entries(r.logs)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none at warn or above'
    }.`,
    '',
  ].join('\n');
}

export { LIMITS };
