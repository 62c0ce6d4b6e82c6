/** What one run measures, from the command line: `npm run bench -- --quick --online=0.5`. */
export interface Options {
  quick: boolean;
  /** Registered recipients per level. */
  users: number[];
  /**
   * Quick runs: a smaller level that counts DynamoDB requests per message only (no rates, no latencies), so that
   * "requests per message do not grow with users" has two user counts. It runs beside the start-up (counts do
   * not depend on the CPU left) and is the V8 warm-up of the paths too. Undefined: no such level.
   */
  countOnlyUsers?: number;
  /** Share of registered users online in the four-path cells. */
  online: number;
  /** Concurrent sender slots (messages in flight). */
  concurrency: number;
  /** Real WebSocket clients per system at most; further online users have connection rows only. */
  socketCap: number;
  warmupMs: number;
  durationMs: number;
  /** Messages a sender slot sends to one recipient before moving on. */
  conversation: number;
  fallbackSamples: { ackMs: number; samples: number }[];
  /**
   * The mobile-link phase: links per rule, ms of traffic, one message per link about every messageEveryMs, when
   * the dying links die (ms), and links × virtual ms of the replay in virtual time.
   */
  mobile: {
    links: number;
    phaseMs: number;
    messageEveryMs: number;
    dieFromMs: number;
    dieToMs: number;
    replayLinks: number;
    replaySpanMs: number;
  };
  initRuns: number;
  /** Bundles whose cold init is timed, the largest first (quick: a few; full: every one). */
  initLargest?: number;
  /** CPU-profile one IM → IM cell and one baseline cell at 1,000 users. */
  profile: boolean;
  /** Only the mobile-link phase, its figures as JSON on stdout. */
  mobileOnly: boolean;
  /**
   * Phases left out of this run (`--only=` / `--skip=`), to try one part quickly; their targets then say
   * "not measured". Names: PHASES.
   */
  skip: Set<Phase>;
  outDir: string;
}

/** The parts of a run that `--only` and `--skip` name. */
export const PHASES = ['throughput', 'fallback', 'mobile', 'init', 'presence'] as const;
export type Phase = (typeof PHASES)[number];

const HELP = `npm run bench [-- options]

  --quick              small run for regular use (< 60 s): 1,000 users only, short cells
  --users=10,100,...   registered users per level (default 10,100,1000,10000; quick 1000)
  --online=0.5         share of registered users online in the four-path cells (default 0.5)
  --concurrency=16     sender slots, one message in flight each (default 16)
  --sockets=1000       real WebSocket clients per system at most (default 1000; quick 200)
  --duration=5         measured seconds per cell (default 5; quick 1)
  --conversation=20    messages a sender sends one recipient before moving on (default 20)
  --profile            CPU-profile IM → IM and the baseline at 1,000 users (default on)
  --no-profile
  --out=bench/results  where latest.md, latest.json and the SVG go
  --mobile-only        only the ack-wait phase on simulated mobile links; prints its figures as JSON
  --only=init,mobile   run only these parts (throughput, fallback, mobile, init, presence); the rest of the
                       report says "not measured". --skip=... leaves the named parts out instead
`;

export function parseOptions(argv: string[]): Options {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(HELP);
      process.exit(0);
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unknown argument ${arg}\n\n${HELP}`);
    flags.set(m[1], m[2] ?? 'true');
  }
  const quick = flags.get('quick') === 'true';
  const num = (name: string, def: number, min: number, max: number) => {
    const raw = flags.get(name);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max)
      throw new Error(`--${name} must be a number from ${min} to ${max}`);
    return n;
  };
  const users = (flags.get('users') ?? (quick ? '1000' : '10,100,1000,10000'))
    .split(',')
    .map((s) => Number(s.trim()));
  if (users.some((n) => !Number.isInteger(n) || n < 2 || n > 100_000)) {
    throw new Error('--users must be integers from 2 to 100000');
  }
  users.sort((a, b) => a - b);
  const names = (flag: string): Phase[] => {
    const list = (flags.get(flag) ?? '').split(',').filter(Boolean);
    const bad = list.filter((n) => !(PHASES as readonly string[]).includes(n));
    if (bad.length)
      throw new Error(`--${flag}: unknown part ${bad.join(', ')} (parts: ${PHASES.join(', ')})`);
    return list as Phase[];
  };
  const only = names('only');
  const skip = new Set<Phase>(names('skip'));
  if (only.length) for (const p of PHASES) if (!only.includes(p)) skip.add(p);
  // On in quick runs too: CPU per message against the baseline is a target.
  const profile = !flags.has('no-profile');
  // Quick runs with one level: a 100-user level that counts requests only (not when --users names two levels).
  const countOnlyUsers = quick && users.length === 1 && users[0] > 100 ? 100 : undefined;
  return {
    quick,
    users,
    ...(countOnlyUsers ? { countOnlyUsers } : {}),
    online: num('online', 0.5, 0.01, 0.99),
    concurrency: Math.round(num('concurrency', 16, 1, 64)),
    socketCap: Math.round(num('sockets', quick ? 200 : 1000, 1, 5000)),
    warmupMs: quick ? 250 : 800,
    durationMs: num('duration', quick ? 1 : 5, 0.2, 120) * 1000,
    conversation: Math.round(num('conversation', 20, 1, 10_000)),
    // The 15 s rule is measured on mobile links beside the learned one (below), not here.
    fallbackSamples: quick ? [{ ackMs: 2000, samples: 8 }] : [{ ackMs: 2000, samples: 24 }],
    // Quick: the fixed rule's 15 s wait after a dead link's first unacked message is the floor of this phase
    // (the last death, 5.5 s, + 15 s + the SMS: about 22 s); the bundles and the presence fan-out run beside it. Few links at a
    // light rate, so a loaded machine does not time its own queue; the replay gives the sample.
    mobile: quick
      ? {
          links: 20,
          phaseMs: 10_000,
          messageEveryMs: 2_500,
          dieFromMs: 3_000,
          dieToMs: 5_500,
          replayLinks: 500,
          replaySpanMs: 600_000,
        }
      : {
          links: 100,
          phaseMs: 60_000,
          messageEveryMs: 1_500,
          dieFromMs: 15_000,
          dieToMs: 45_000,
          replayLinks: 3_000,
          replaySpanMs: 600_000,
        },
    initRuns: quick ? 3 : 7,
    ...(quick ? { initLargest: 6 } : {}),
    profile,
    mobileOnly: flags.get('mobile-only') === 'true',
    skip,
    outDir: flags.get('out') ?? 'bench/results',
  };
}
