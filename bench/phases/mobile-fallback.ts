import { mapLimit } from '../../shared/core/concurrency';
import { connectionWait, learnedStats, waitSettings } from '../../shared/core/delivery/ack-wait';
import type { LinkStats } from '../../shared/core/types';
import { distribution, sleep, wilsonUpper, type Distribution } from '../lib/stats';
import {
  MobileLink,
  MOBILE,
  replayLinks,
  seeded,
  type LinkModel,
  type ReplayResult,
} from '../load/mobile-link';
import { TEXT } from '../load/paths';
import type { BenchUser, Population } from '../load/population';
import { WsClient } from '../load/ws-client';

/** What one ack rule did over the same simulated mobile links (bench/load/mobile-link.ts). */
export interface MobileRuleReport {
  /** ACK_WAIT of the stack: `learned` (per connection) or `fixed` (ACK_TIMEOUT_MS for every message). */
  rule: 'learned' | 'fixed';
  ackTimeoutMs: number;
  links: number;
  dyingLinks: number;
  messages: number;
  /** Messages the link delivered and the client acked (sooner or later). */
  acked: number;
  /** Of those, how many also went out as SMS (their ack came after the fallback). */
  falseFallbacks: number;
  falseFallbackRate: number;
  /** 95% upper bound of the false-fallback rate (Wilson score interval, one-sided), from falseFallbacks of acked. */
  falseFallbackUpper?: number;
  /** Stalls that started on the live links during the phase: false fallbacks come from these, so few stalls met
   * is a thin sample whatever the message count. */
  stalls?: number;
  /** Dying links that had acked a message before they died (the target's "a link that was acking"). */
  dyingAcked?: number;
  /** Per dying link: its first message that was never acked, send → the sender's `sent_sms` receipt, ms. */
  deadFirst: Distribution;
  /** Every message to a link after it died, send → `sent_sms`, ms. */
  deadAll: Distribution;
  /**
   * Where a dying link's time goes (its first unacked message, one value per link, ms): `queued` from the send to
   * the route reading the clock (`sentAt`), `wait` the ack wait the route chose (`ackWaitMs`), `afterDue` from
   * sentAt + wait to the sender's `sent_sms` receipt (the timer firing, the check, the SMS send, the receipt);
   * `samples` what the connection had learned when it was sent.
   */
  deadBreakdown?: { queued: Distribution; wait: Distribution; afterDue: Distribution; samples: Distribution };
  /** Messages to dead links, after their first, still without a final receipt when the phase ended. */
  pendingToDead?: number;
  /**
   * The stack's own time in a live link's round trip, ms: the sender's `delivered` receipt after its send, less
   * what the link took (the push reaching the client → its ack leaving). On an idle machine tens of ms; what a
   * loaded machine adds to every wait's test.
   */
  serverTime?: Distribution;
  /**
   * SMS per 1,000 messages (fallbacks, false or not), counting the messages to dead links still pending when the
   * phase ended (`pendingToDead`): their check is set and nothing can ack them, so each goes as SMS when its wait
   * ends. Without them the fixed rule, whose later dead-link messages outlast the phase, looked cheaper.
   */
  smsPerThousand: number;
  /** Messages with no final receipt by the end (should be 0). */
  unresolved: number;
}

export interface MobileReport {
  model: LinkModel;
  phaseMs: number;
  messageEveryMs: number;
  rules: MobileRuleReport[];
  /**
   * Each rule replayed in virtual time on many more links of the same model (bench/load/mobile-link.ts
   * `replayLinks`), the stack's own time left out (it is the machine's, shown as `serverTime`): the sample that
   * makes "under 1%" mean something, which a few minutes of real links on a shared machine cannot.
   */
  replay?: Array<ReplayResult & { rule: 'learned' | 'fixed'; falseFallbackUpper: number }>;
  /**
   * Link-stats writes (the ack's, on connection rows) during the phase, both stacks: the fixed rule's waits never
   * move, so all are the learned rule's. A cost per connection (its learning), counted apart from the per-message
   * requests.
   */
  linkStatsWrites?: number;
}

/** Links per rule: imNumbers 31000000 (learned) and 32000000 (fixed); phones +1 718 6xx / 7xx xxxx. */
export function mobileUserAt(rule: 'learned' | 'fixed', i: number): BenchUser {
  const base = rule === 'learned' ? 31_000_000 : 32_000_000;
  const imNumber = String(base + i);
  const exchange = (rule === 'learned' ? 600 : 700) + Math.floor(i / 9000);
  return { imNumber, name: `u${imNumber}`, phone: `+1718${exchange}${1000 + (i % 9000)}` };
}

interface Sent {
  link: number;
  at: number;
  id?: string;
  delivered?: number;
  sms?: number;
  failed?: boolean;
}

/** The phase's shape: links per rule, traffic time, message spacing, when the dying links die, the ceiling. */
export interface MobileRuleOptions {
  links: number;
  phaseMs: number;
  messageEveryMs: number;
  /** The dying links die between these times (ms after the start), after a few acked messages. */
  dieFromMs: number;
  dieToMs: number;
  ackTimeoutMs: number;
}

/**
 * One rule on one stack: `links` recipients behind simulated mobile links, a fifth of which die (stop acking,
 * socket left open) at a random moment between `dieFromMs` and `dieToMs`. Each link gets a message about every
 * `messageEveryMs` for `phaseMs`, each link from a sender socket of its own (the local gateway runs one socket's
 * frames one after another, so a shared socket would queue them and time that queue). Then the phase drains until
 * every message that is measured has its final receipt (`delivered`, or `sent_sms` after a fallback): those to
 * live links and each dead link's first unacked one (the fixed rule's later ones to dead links would hold the
 * phase 15 s more and are left pending), at most ACK_TIMEOUT_MS + 10 s. The seeds depend on the link's index
 * only, so both rules meet the same delays, stalls and deaths.
 */
export async function runMobileRule(
  rule: 'learned' | 'fixed',
  population: Population,
  stackUrl: string,
  opts: MobileRuleOptions,
): Promise<MobileRuleReport> {
  return runPreparedRule(await prepareMobileRule(rule, population, stackUrl, opts), opts);
}

/** A rule's links, registered and with their sockets open (recipients and senders), ready to be driven. */
export interface PreparedMobileRule {
  rule: 'learned' | 'fixed';
  population: Population;
  users: BenchUser[];
  clients: WsClient[];
  senders: WsClient[];
}

/**
 * The set-up of {@link runMobileRule}: registers the rule's link users and opens their sockets and their senders'
 * on the stack at `stackUrl`. Nothing in it is timed, so a run does it while nothing is measured (its start-up).
 */
export async function prepareMobileRule(
  rule: 'learned' | 'fixed',
  population: Population,
  stackUrl: string,
  opts: Pick<MobileRuleOptions, 'links'>,
): Promise<PreparedMobileRule> {
  const users = Array.from({ length: opts.links }, (_, i) => mobileUserAt(rule, i));
  await population.register(users);
  const wsUrl = `${stackUrl.replace(/^http/, 'ws')}/ws`;
  const open = async (u: BenchUser) =>
    WsClient.open(`${wsUrl}?token=${encodeURIComponent(await population.token(u))}`);
  const clients = await mapLimit(users, 8, open);
  const senders = await mapLimit(
    users.map((_, i) => population.senders[i % population.senders.length]),
    8,
    open,
  );
  return { rule, population, users, clients, senders };
}

/**
 * {@link runMobileRule} on links prepared beforehand ({@link prepareMobileRule}); closes their sockets. With
 * `beforeClose`, the sockets stay open until the promise it returns settles (receipts that come after the drain
 * are not counted either way), so that closing them (a burst of disconnects) does not land beside work the run
 * times meanwhile.
 */
export async function runPreparedRule(
  prepared: PreparedMobileRule,
  opts: MobileRuleOptions,
  beforeClose?: () => Promise<unknown>,
): Promise<MobileRuleReport> {
  const { rule, population, users, clients, senders } = prepared;
  const sent = new Map<string, Sent>();
  for (const s of senders) {
    s.onFrame = (frame, at) => {
      const m = typeof frame.clientId === 'string' ? sent.get(frame.clientId) : undefined;
      if (!m) return;
      if (frame.type === 'error') m.failed = true;
      if (frame.type !== 'receipt') return;
      if (typeof frame.id === 'string') m.id = frame.id;
      if (frame.status === 'delivered') m.delivered ??= at;
      else if (frame.status === 'sent_sms' || frame.status === 'delivered_sms') m.sms ??= at;
      else if (frame.status === 'failed') m.failed = true;
    };
  }
  const dying = Math.max(1, Math.round(opts.links / 5));
  const t0 = performance.now();
  const links = clients.map((client, i) => {
    const die = seeded(7_000 + i);
    const diesAt =
      i >= opts.links - dying ? opts.dieFromMs + (opts.dieToMs - opts.dieFromMs) * die() : undefined;
    return new MobileLink(client, 1_000 + i, MOBILE, t0, opts.phaseMs, diesAt);
  });

  // Each link: a message every messageEveryMs (±25%), from its own sender socket.
  await Promise.all(
    links.map(async (_, i) => {
      const rand = seeded(9_000 + i);
      let k = 0;
      await sleep(rand() * opts.messageEveryMs);
      while (performance.now() - t0 < opts.phaseMs) {
        const clientId = `mobile-${rule}-${i}-${k++}`;
        const m: Sent = { link: i, at: performance.now() };
        sent.set(clientId, m);
        senders[i].send({ action: 'sendMessage', to: users[i].imNumber, text: TEXT, clientId });
        await sleep(opts.messageEveryMs * (0.75 + 0.5 * rand()));
      }
    }),
  );
  // A message is measured unless it went to a dead link after that link's first unacked one.
  const ordered = () => [...sent.values()].sort((a, b) => a.at - b.at);
  const deadOnes = (m: Sent) => {
    const o = m.id ? links[m.link].outcomes.get(m.id) : undefined;
    return links[m.link].diesAt !== undefined && o !== undefined && o.ackedAt === undefined;
  };
  const measured = () => {
    const seenDead = new Set<number>();
    return ordered().filter((m) => {
      if (!deadOnes(m)) return true;
      if (seenDead.has(m.link)) return false;
      seenDead.add(m.link);
      return true;
    });
  };
  const isOpen = (m: Sent) => !m.failed && m.delivered === undefined && m.sms === undefined;
  const deadline = performance.now() + opts.ackTimeoutMs + 10_000;
  while (measured().some(isOpen) && performance.now() < deadline) await sleep(200);
  const unresolved = measured().filter(isOpen).length;
  const pendingToDead = [...sent.values()].filter(isOpen).length - unresolved;
  for (const s of senders) s.onFrame = () => undefined;
  await beforeClose?.().catch(() => undefined);
  await mapLimit([...clients, ...senders], 16, (c) => c.close());

  let acked = 0;
  let falseFallbacks = 0;
  let sms = 0;
  const deadAll: number[] = [];
  const firstDead = new Map<number, Sent>();
  const serverMs: number[] = [];
  for (const m of ordered()) {
    const link = links[m.link];
    const outcome = m.id ? link.outcomes.get(m.id) : undefined;
    if (m.sms !== undefined) sms++;
    if (!outcome) continue;
    if (outcome.ackedAt !== undefined || link.diesAt === undefined) {
      // The link delivered it and its client acked, or will: an SMS for it is a false fallback.
      acked++;
      if (m.sms !== undefined) falseFallbacks++;
      if (m.delivered !== undefined && outcome.arrivedAt !== undefined && outcome.ackedAt !== undefined) {
        serverMs.push(Math.max(0, m.delivered - m.at - (outcome.ackedAt - outcome.arrivedAt)));
      }
    } else if (m.sms !== undefined) {
      deadAll.push(m.sms - m.at);
      if (!firstDead.has(m.link)) firstDead.set(m.link, m);
    }
  }
  // The dying links' first unacked messages, as the stack stored them (one read each).
  const origin = performance.timeOrigin;
  const rows = await mapLimit([...firstDead.values()], 8, async (m) => ({
    m,
    row: m.id ? await population.store.messages.getMessage(m.id) : null,
  }));
  const queued: number[] = [];
  const waits: number[] = [];
  const afterDue: number[] = [];
  const samples: number[] = [];
  for (const { m, row } of rows) {
    if (!row || row.ackWaitMs === undefined || m.sms === undefined) continue;
    const stored = row.sentAt - origin;
    queued.push(stored - m.at);
    waits.push(row.ackWaitMs);
    afterDue.push(m.sms - (stored + row.ackWaitMs));
    samples.push(Object.values(row.links ?? {})[0]?.samples ?? 0);
  }
  const dyingLinks = links.filter((l) => l.diesAt !== undefined);
  return {
    rule,
    ackTimeoutMs: opts.ackTimeoutMs,
    links: opts.links,
    dyingLinks: dying,
    dyingAcked: dyingLinks.filter((l) => [...l.outcomes.values()].some((o) => o.ackedAt !== undefined))
      .length,
    messages: sent.size,
    acked,
    falseFallbacks,
    falseFallbackRate: acked ? falseFallbacks / acked : NaN,
    falseFallbackUpper: wilsonUpper(falseFallbacks, acked),
    stalls: links.filter((l) => l.diesAt === undefined).reduce((n, l) => n + l.stallsBefore(opts.phaseMs), 0),
    deadFirst: distribution([...firstDead.values()].map((m) => m.sms! - m.at)),
    deadAll: distribution(deadAll),
    deadBreakdown: {
      queued: distribution(queued),
      wait: distribution(waits),
      afterDue: distribution(afterDue),
      samples: distribution(samples),
    },
    pendingToDead,
    serverTime: distribution(serverMs),
    smsPerThousand: sent.size ? ((sms + pendingToDead) / sent.size) * 1000 : NaN,
    unresolved,
  };
}

/**
 * Both rules in virtual time on `links` links of the model for `spanMs` each, one message every messageEveryMs
 * (±25%), with no server time. The rule is the stack's own code (shared/core/delivery/ack-wait.ts): the wait from
 * the stats the connection row holds, and the row rewritten only when the ack's `learnedStats` says so, as
 * recordRoundTrip does.
 */
export async function replayRules(o: {
  links: number;
  spanMs: number;
  messageEveryMs: number;
  ackTimeoutMs: number;
}): Promise<NonNullable<MobileReport['replay']>> {
  const out: NonNullable<MobileReport['replay']> = [];
  for (const rule of ['learned', 'fixed'] as const) {
    const settings = waitSettings({
      ackTimeoutMs: o.ackTimeoutMs,
      connectionTtlSeconds: 3600,
      ackWait: rule,
    });
    const result = await replayLinks(MOBILE, {
      ...o,
      seed: 50_000,
      serverMs: [0],
      wait: (stats: LinkStats, now: number) =>
        connectionWait(
          { connectionId: '', connectedAt: 0, expiresAt: Infinity, ...stats, seenAt: now },
          now,
          settings,
        ),
      learn: (before: LinkStats, sampleMs: number, now: number) =>
        learnedStats({ connectedAt: 0, ...before }, sampleMs, now, settings),
    });
    out.push({ rule, ...result, falseFallbackUpper: wilsonUpper(result.falseFallbacks, result.messages) });
  }
  return out;
}
