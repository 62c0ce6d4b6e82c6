import { mapLimit } from '../../shared/core/concurrency';
import { distribution, sleep, type Distribution } from '../lib/stats';
import { MobileLink, MOBILE, seeded, type LinkModel } from '../load/mobile-link';
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
  /** Per dying link: its first message that was never acked, send → the sender's `sent_sms` receipt, ms. */
  deadFirst: Distribution;
  /** Every message to a link after it died, send → `sent_sms`, ms. */
  deadAll: Distribution;
  /** SMS sent per 1,000 messages (fallbacks, false or not). */
  smsPerThousand: number;
  /** Messages with no final receipt by the end (should be 0). */
  unresolved: number;
}

export interface MobileReport {
  model: LinkModel;
  phaseMs: number;
  messageEveryMs: number;
  rules: MobileRuleReport[];
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

/**
 * One rule on one stack: `links` recipients behind simulated mobile links, a fifth of which die (stop acking,
 * socket left open) at a random moment in the middle of the phase. Each link gets a message about every
 * `messageEveryMs` for `phaseMs` from a pool of sender sockets; then the phase drains until every message has its
 * final receipt (`delivered`, or `sent_sms` after a fallback), at most ACK_TIMEOUT_MS + 10 s. The seeds depend on
 * the link's index only, so both rules meet the same delays, stalls and deaths.
 */
export async function runMobileRule(
  rule: 'learned' | 'fixed',
  population: Population,
  stackUrl: string,
  opts: { links: number; phaseMs: number; messageEveryMs: number; ackTimeoutMs: number; senders: number },
): Promise<MobileRuleReport> {
  const users = Array.from({ length: opts.links }, (_, i) => mobileUserAt(rule, i));
  await population.register(users);
  const wsUrl = `${stackUrl.replace(/^http/, 'ws')}/ws`;
  const open = async (u: BenchUser) =>
    WsClient.open(`${wsUrl}?token=${encodeURIComponent(await population.token(u))}`);
  const clients = await mapLimit(users, 8, open);
  const senderUsers = population.senders.slice(0, opts.senders);
  const senders = await mapLimit(senderUsers, 8, open);
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
    // The last `dying` links die between 30% and 70% of the phase.
    const diesAt = i >= opts.links - dying ? opts.phaseMs * (0.3 + 0.4 * die()) : undefined;
    return new MobileLink(client, 1_000 + i, MOBILE, t0, opts.phaseMs, diesAt);
  });

  // Each link: a message every messageEveryMs (±25%), from the sender socket its index picks.
  await Promise.all(
    links.map(async (_, i) => {
      const rand = seeded(9_000 + i);
      let k = 0;
      await sleep(rand() * opts.messageEveryMs);
      while (performance.now() - t0 < opts.phaseMs) {
        const clientId = `mobile-${rule}-${i}-${k++}`;
        const m: Sent = { link: i, at: performance.now() };
        sent.set(clientId, m);
        senders[i % senders.length].send({
          action: 'sendMessage',
          to: users[i].imNumber,
          text: TEXT,
          clientId,
        });
        await sleep(opts.messageEveryMs * (0.75 + 0.5 * rand()));
      }
    }),
  );
  // Drain: every message ends delivered or as SMS, within the ceiling and the SMS send.
  const deadline = performance.now() + opts.ackTimeoutMs + 10_000;
  const open_ = () =>
    [...sent.values()].filter((m) => !m.failed && m.delivered === undefined && m.sms === undefined);
  while (open_().length && performance.now() < deadline) await sleep(200);
  const unresolved = open_().length;
  await mapLimit([...clients, ...senders], 16, (c) => c.close());

  let acked = 0;
  let falseFallbacks = 0;
  let sms = 0;
  const deadAll: number[] = [];
  const firstDead = new Map<number, number>();
  const ordered = [...sent.values()].sort((a, b) => a.at - b.at);
  for (const m of ordered) {
    const outcome = m.id ? links[m.link].outcomes.get(m.id) : undefined;
    if (m.sms !== undefined) sms++;
    if (!outcome) continue;
    if (outcome.ackedAt !== undefined || links[m.link].diesAt === undefined) {
      // The link delivered it and its client acked, or will: an SMS for it is a false fallback.
      acked++;
      if (m.sms !== undefined) falseFallbacks++;
    } else if (m.sms !== undefined) {
      const took = m.sms - m.at;
      deadAll.push(took);
      if (!firstDead.has(m.link)) firstDead.set(m.link, took);
    }
  }
  return {
    rule,
    ackTimeoutMs: opts.ackTimeoutMs,
    links: opts.links,
    dyingLinks: dying,
    messages: sent.size,
    acked,
    falseFallbacks,
    falseFallbackRate: acked ? falseFallbacks / acked : NaN,
    deadFirst: distribution([...firstDead.values()]),
    deadAll: distribution(deadAll),
    smsPerThousand: sent.size ? (sms / sent.size) * 1000 : NaN,
    unresolved,
  };
}
