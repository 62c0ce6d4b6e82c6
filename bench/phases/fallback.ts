import { diff, snapshot, SYSTEM } from '../db/counter';
import { distribution, sleep } from '../lib/stats';
import { waitQuiet } from '../load/cell';
import { TEXT } from '../load/paths';
import type { BenchUser, Population } from '../load/population';
import { SenderSocket, WsClient } from '../load/ws-client';
import { perMessage, type FallbackReport } from '../results';
import { mapLimit } from '../../shared/core/concurrency';

/** Recipients whose client never acks: imNumbers from 30000000, phones +1 718 5xx xxxx. */
export function silentAt(i: number): BenchUser {
  const imNumber = String(30_000_000 + i);
  return { imNumber, name: `u${imNumber}`, phone: `+1718${500 + Math.floor(i / 9000)}${1000 + (i % 9000)}` };
}

const SENDERS = 4;
const STAGGER_MS = 60;

/**
 * Fallback time: messages to recipients whose socket is open but never acks. Each is pushed, not confirmed,
 * and when ACK_TIMEOUT_MS has passed the delivery check sends it as SMS; the sender's `sent_sms` receipt (path
 * im → sms) comes right after the SMS is in the phone's sandbox inbox. Timed from send to that receipt.
 */
export async function runFallback(
  population: Population,
  stackUrl: string,
  ackTimeoutMs: number,
  samples: number,
  counters: Int32Array,
): Promise<FallbackReport> {
  const silent = Array.from({ length: samples }, (_, i) => silentAt(i));
  await population.register(silent);
  const wsUrl = `${stackUrl.replace(/^http/, 'ws')}/ws`;
  const open = async (u: BenchUser) =>
    WsClient.open(`${wsUrl}?token=${encodeURIComponent(await population.token(u))}`);
  // Silent sockets: frames arrive and are ignored, as from a phone whose app froze with the socket up.
  const recipients = await mapLimit(silent, 8, open);
  const senders = (await mapLimit(population.senders.slice(0, SENDERS), 4, open)).map(
    (c) => new SenderSocket(c),
  );
  await waitQuiet(counters, SYSTEM);
  const before = snapshot(counters);

  const latencies: number[] = [];
  let failed = 0;
  await Promise.all(
    silent.map(async (to, i) => {
      await sleep(i * STAGGER_MS);
      const clientId = `fallback-${ackTimeoutMs}-${i}-${Date.now()}`;
      const t0 = performance.now();
      try {
        const frame = { action: 'sendMessage', to: to.imNumber, text: TEXT, clientId };
        const at = await senders[i % senders.length].sendAndWait(
          frame,
          'sent_sms',
          ['delivered'],
          ackTimeoutMs + 20_000,
        );
        latencies.push(at - t0);
      } catch {
        failed++;
      }
    }),
  );
  // The status callbacks of the last SMS, then the counts.
  await waitQuiet(counters, [...SYSTEM, 'deliveryCheck']);
  const counts = diff(snapshot(counters), before);
  await mapLimit([...recipients, ...senders.map((s) => s.client)], 16, (c) => c.close());
  return {
    ackTimeoutMs,
    samples,
    failed,
    latency: distribution(latencies),
    overhead: distribution(latencies.map((l) => l - ackTimeoutMs)),
    dynamo: perMessage(counts, samples, [...SYSTEM, 'deliveryCheck']),
  };
}
