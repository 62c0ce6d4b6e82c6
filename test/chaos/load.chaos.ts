import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { eventually, http, ImClient, type E2eUser, type Frame } from '../support/e2e-client';
import { inboxOf, signUp } from './support/chaos-stack';
import { writeResults } from './support/results';
import { crashes, findLeaks, marker, Secrets } from './support/privacy';
import { mapLimit, summarize } from './support/stats';
import { freePort, StackProcess } from './support/stack-process';

/**
 * Load on the local stack as `npm start` runs it (its own process, its own sandbox): 200 WebSocket clients
 * sending at a steady rate to random peers (online and acking, online but never acking, offline), and a steady
 * stream of inbound SMS, for 60 s. Then the tail drains (ack timeouts, SMS, status callbacks) and every message
 * is counted: delivered, lost, duplicated. Figures go to test/chaos/results/load.json and docs/reliability.md.
 */

const SECONDS = Number(process.env.CHAOS_LOAD_SECONDS ?? 60);
const CLIENTS = 200;
const NON_ACKERS = 10; // of the clients: they get frames but never ack, so each message to them falls back
const OFFLINE = 50; // users with no socket: messages to them go by SMS
const PLAIN_PHONES = 10; // phones with no account that text users
const SEND_INTERVAL_MS = Number(process.env.CHAOS_LOAD_INTERVAL_MS ?? 5000); // per client
const INBOUND_PER_SECOND = Number(process.env.CHAOS_LOAD_INBOUND ?? 4);
const ACK_TIMEOUT_MS = 3000;
const SERVICE = '+15005550100';

type Kind = 'im→im' | 'im→fallback' | 'im→sms' | 'sms→im' | 'sms→sms';
interface Sent {
  key: string;
  kind: Kind;
  text: string;
  to: E2eUser;
  at: number;
  /** IM sends: the sender's clientId. */
  clientId?: string;
  sender?: ImClient;
  accepted?: number;
  terminal?: { status: string; at: number };
  /** Inbound SMS: the webhook's status and how long the sandbox's POST took. */
  webhookStatus?: number | null;
  postMs?: number;
  error?: string;
}

const secrets = new Secrets();
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'imsms-load-'));
let proc: StackProcess;
const sent: Sent[] = [];
const framesByText = new Map<string, Array<{ id: string; at: number; via: string }>>();
const clientsOf = new Map<string, ImClient>();
let online: E2eUser[] = [];
let offline: E2eUser[] = [];
let plain: string[] = [];
const errorFrames: Frame[] = [];
/** When each frame arrived (receipts: for the latency figures). */
const arrivedAt = new WeakMap<Frame, number>();
let unexpectedCloses = 0;
const report: Record<string, unknown> = {};

beforeAll(async () => {
  proc = new StackProcess(await freePort(), {
    DATA_DIR: dataDir,
    ACK_TIMEOUT_MS: String(ACK_TIMEOUT_MS),
    LOG_LEVEL: 'debug',
  });
  await proc.start();
  // 1000-1249 and 9000-9009: never a number ending in 0099, which the sandbox treats as unreachable.
  const phone = (i: number) => secrets.phone(`+1646555${String(1000 + i)}`);
  const users = await mapLimit(
    Array.from({ length: CLIENTS + OFFLINE }, (_, i) => i),
    8,
    (i) => signUp(proc.base, proc.base, secrets, phone(i), `load${i}`),
  );
  online = users.slice(0, CLIENTS);
  offline = users.slice(CLIENTS);
  plain = Array.from({ length: PLAIN_PHONES }, (_, i) => phone(8000 + i));
  await mapLimit(online, 20, async (u, i) => {
    const c = await ImClient.connect(proc.base, u.token);
    c.autoAck = i >= NON_ACKERS;
    c.ws.on('error', () => undefined);
    c.ws.on('close', () => unexpectedCloses++);
    // ImClient's own listener (registered first) has just parsed and recorded the frame.
    c.ws.on('message', () => {
      const f = c.frames[c.frames.length - 1];
      arrivedAt.set(f, performance.now());
      if (f.type === 'message') {
        const list = framesByText.get(f.text) ?? [];
        list.push({ id: f.id, at: performance.now(), via: f.via });
        framesByText.set(f.text, list);
      } else if (f.type === 'error') {
        errorFrames.push(f);
      }
    });
    clientsOf.set(u.imNumber, c);
  });
}, 300_000);

afterAll(async () => {
  for (const c of clientsOf.values()) c.ws.removeAllListeners('close');
  await Promise.all([...clientsOf.values()].map((c) => c.close()));
  await proc.stop();
  rmSync(dataDir, { recursive: true, force: true });
  writeResults('load', report);
});

const pick = <T>(list: readonly T[]) => list[Math.floor(Math.random() * list.length)];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One IM send from a client to a random peer: 70% online and acking, 5% never acking, 25% offline. */
function sendIm(from: E2eUser, seq: number): void {
  const roll = Math.random();
  const peers = online.filter((u) => u !== from);
  const to =
    roll < 0.7
      ? pick(peers.slice(NON_ACKERS))
      : roll < 0.75
        ? pick(peers.slice(0, NON_ACKERS))
        : pick(offline);
  const kind: Kind = offline.includes(to)
    ? 'im→sms'
    : online.indexOf(to) < NON_ACKERS
      ? 'im→fallback'
      : 'im→im';
  const clientId = `L${from.imNumber}-${seq}`;
  const text = `${clientId} ${marker()}`;
  const sender = clientsOf.get(from.imNumber)!;
  const record: Sent = { key: clientId, kind, text, to, at: performance.now(), clientId, sender };
  sent.push(record);
  sender.send({ action: 'sendMessage', to: to.imNumber, text, clientId });
}

/** One inbound SMS: a plain phone or an offline user's phone texts an online user (IM) or an offline one (SMS). */
async function sendSms(seq: number): Promise<void> {
  const from = Math.random() < 0.5 ? pick(plain) : pick(offline).phone;
  const to =
    Math.random() < 0.7 ? pick(online.slice(NON_ACKERS)) : pick(offline.filter((u) => u.phone !== from));
  const text = `S${seq} ${marker()}`;
  const record: Sent = {
    key: `S${seq}`,
    kind: offline.includes(to) ? 'sms→sms' : 'sms→im',
    text,
    to,
    at: performance.now(),
  };
  sent.push(record);
  try {
    const res = await http(proc.base, 'POST', '/sandbox/sms', {
      from,
      to: SERVICE,
      body: `@${to.imNumber} ${text}`,
    });
    record.webhookStatus = res.json?.webhookStatus ?? null;
    record.postMs = performance.now() - record.at;
    if (res.status !== 201) record.error = `sandbox ${res.status}`;
  } catch (err) {
    record.error = (err as Error).name;
  }
}

/** Reads the sender's receipts for an IM send: when it was accepted, and its last (terminal) status. */
function readReceipts(s: Sent): void {
  const mine = s.sender!.frames.filter((f) => f.type === 'receipt' && f.clientId === s.clientId);
  const accepted = mine.find((r) => r.status === 'accepted');
  if (accepted) s.accepted = arrivedAt.get(accepted);
  const last = mine.filter((r) => ['delivered', 'delivered_sms', 'failed'].includes(r.status)).pop();
  if (last) s.terminal = { status: last.status, at: arrivedAt.get(last) ?? 0 };
}

describe(`load: ${CLIENTS} WebSocket clients and inbound SMS for ${SECONDS} s`, () => {
  it('delivers every message exactly once: delivered N, lost 0, duplicated 0', async () => {
    const started = performance.now();
    const load = os.loadavg();
    const timers: NodeJS.Timeout[] = [];
    const inflight: Promise<void>[] = [];
    online.forEach((u, i) => {
      let seq = 0;
      const first = setTimeout(
        () => {
          sendIm(u, ++seq);
          timers.push(setInterval(() => sendIm(u, ++seq), SEND_INTERVAL_MS));
        },
        (i * SEND_INTERVAL_MS) / CLIENTS,
      );
      timers.push(first);
    });
    let smsSeq = 0;
    timers.push(setInterval(() => inflight.push(sendSms(++smsSeq)), 1000 / INBOUND_PER_SECOND));
    await sleep(SECONDS * 1000);
    timers.forEach((t) => clearInterval(t));
    const sendingMs = performance.now() - started;
    await Promise.all(inflight);

    // Drain: every IM send has a terminal receipt (ack, SMS + status callback, or failed), or 60 s pass.
    const ims = sent.filter((s) => s.clientId);
    await eventually(() => {
      ims.forEach(readReceipts);
      return ims.every((s) => s.terminal) ? true : undefined;
    }, 60_000).catch(() => undefined);
    await sleep(ACK_TIMEOUT_MS + 2000);
    ims.forEach(readReceipts);

    // Every SMS the phones got, matched to the message by its unique text.
    const phones = [...new Set(sent.map((s) => s.to.phone))];
    const inboxes = await mapLimit(phones, 8, async (p) => ({ p, messages: await inboxOf(proc.base, p) }));
    const smsByText = new Map<string, number>();
    for (const { messages } of inboxes) {
      for (const m of messages) {
        const t = /((?:L\d+-\d+|S\d+) ~pv[0-9a-z]{10}~)$/.exec(m.body)?.[1];
        if (t) smsByText.set(t, (smsByText.get(t) ?? 0) + 1);
      }
    }

    const counted = sent.map((s) => {
      const frames = framesByText.get(s.text) ?? [];
      const ids = new Set(frames.map((f) => f.id));
      const sms = smsByText.get(s.text) ?? 0;
      const accepted = s.clientId
        ? s.accepted !== undefined || s.terminal !== undefined
        : s.webhookStatus === 200;
      const failed = s.terminal?.status === 'failed';
      const delivered = frames.length > 0 || sms > 0;
      return {
        s,
        frames,
        sms,
        accepted,
        failed,
        delivered,
        duplicated: frames.length > ids.size || ids.size > 1 || sms > 1,
        lost: accepted && !delivered && !failed,
      };
    });
    const by = (k: Kind) => counted.filter((c) => c.s.kind === k);
    const latency = {
      'im→im: send → frame at the recipient': summarize(
        by('im→im').flatMap((c) => (c.frames[0] ? [c.frames[0].at - c.s.at] : [])),
      ),
      'im→im: send → delivered receipt': summarize(
        by('im→im').flatMap((c) => (c.s.terminal?.status === 'delivered' ? [c.s.terminal.at - c.s.at] : [])),
      ),
      'im: send → accepted receipt': summarize(
        counted.flatMap((c) => (c.s.accepted ? [c.s.accepted - c.s.at] : [])),
      ),
      'im→sms: send → delivered_sms receipt': summarize(
        by('im→sms').flatMap((c) =>
          c.s.terminal?.status === 'delivered_sms' ? [c.s.terminal.at - c.s.at] : [],
        ),
      ),
      'im→fallback: send → delivered_sms receipt (includes the ack timeout)': summarize(
        by('im→fallback').flatMap((c) =>
          c.s.terminal?.status === 'delivered_sms' ? [c.s.terminal.at - c.s.at] : [],
        ),
      ),
      'sms→im: phone texts → frame at the recipient': summarize(
        by('sms→im').flatMap((c) => (c.frames[0] ? [c.frames[0].at - c.s.at] : [])),
      ),
      'sms→sms: phone texts → webhook answered (SMS sent on)': summarize(
        by('sms→sms').flatMap((c) => (c.s.postMs !== undefined ? [c.s.postMs] : [])),
      ),
    };
    const kinds: Kind[] = ['im→im', 'im→fallback', 'im→sms', 'sms→im', 'sms→sms'];
    const totals = {
      sent: counted.length,
      accepted: counted.filter((c) => c.accepted).length,
      delivered: counted.filter((c) => c.delivered).length,
      lost: counted.filter((c) => c.lost).length,
      duplicated: counted.filter((c) => c.duplicated).length,
      failed: counted.filter((c) => c.failed).length,
      notAccepted: counted.filter((c) => !c.accepted).length,
    };
    Object.assign(report, {
      date: new Date().toISOString(),
      command: 'npm run test:chaos -- test/chaos/load.chaos.ts',
      machine: {
        cpus: os.cpus().length,
        node: process.version,
        loadAverageAtStart: load.map((l) => Math.round(l * 100) / 100),
      },
      setup: {
        seconds: SECONDS,
        clients: CLIENTS,
        nonAckers: NON_ACKERS,
        offlineUsers: OFFLINE,
        plainPhones: PLAIN_PHONES,
        sendIntervalPerClientMs: SEND_INTERVAL_MS,
        inboundSmsPerSecond: INBOUND_PER_SECOND,
        ackTimeoutMs: ACK_TIMEOUT_MS,
        logLevel: 'debug',
      },
      throughput: { messagesPerSecond: Math.round((counted.length / (sendingMs / 1000)) * 10) / 10 },
      totals,
      byKind: Object.fromEntries(
        kinds.map((k) => [
          k,
          {
            sent: by(k).length,
            delivered: by(k).filter((c) => c.delivered).length,
            lost: by(k).filter((c) => c.lost).length,
            duplicated: by(k).filter((c) => c.duplicated).length,
            failed: by(k).filter((c) => c.failed).length,
            viaFallbackSms: by(k).filter((c) => c.frames.length > 0 && c.sms > 0).length,
            terminalReceipt: k.startsWith('im') ? by(k).filter((c) => c.s.terminal).length : undefined,
          },
        ]),
      ),
      errors: {
        errorFrames: errorFrames.length,
        errorFrameCodes: [...new Set(errorFrames.map((f) => f.code))],
        failedReceipts: totals.failed,
        webhookNot200: sent.filter((s) => !s.clientId && s.webhookStatus !== 200).length,
        requestErrors: sent.filter((s) => s.error).length,
        unexpectedSocketCloses: unexpectedCloses,
        rates: {
          errorFrames: errorFrames.length / Math.max(1, ims.length),
          failed: totals.failed / Math.max(1, counted.length),
          webhookNot200:
            sent.filter((s) => !s.clientId && s.webhookStatus !== 200).length /
            Math.max(1, sent.length - ims.length),
        },
      },
      latencyMs: latency,
      stackLogLines: proc.logLines().length,
    });

    expect(totals.sent).toBeGreaterThan(SECONDS * (CLIENTS / (SEND_INTERVAL_MS / 1000)) * 0.9);
    expect(totals).toMatchObject({
      accepted: totals.sent,
      delivered: totals.sent,
      lost: 0,
      duplicated: 0,
      failed: 0,
    });
    expect(errorFrames).toEqual([]);
    expect(unexpectedCloses).toBe(0);
    expect(ims.filter((s) => !s.terminal)).toHaveLength(0);
  });

  it('the stack logged no phone number, code or message text, and no handler crashed', () => {
    expect(proc.logLines().length).toBeGreaterThan(1000);
    expect(findLeaks(proc.output, secrets)).toEqual([]);
    expect(crashes(proc.output)).toEqual([]);
  });
});
