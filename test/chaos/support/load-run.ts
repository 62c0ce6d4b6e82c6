import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { messageIdFor } from '../../../shared/core/ids';
import { http, ImClient, type E2eUser, type Frame } from '../../support/e2e-client';
import { inboxOf, signUp } from './chaos-stack';
import { writeResults } from './results';
import { crashes, findLeaks, marker, Secrets } from './privacy';
import { mapLimit, summarize } from './stats';
import { freePort, StackProcess } from './stack-process';
import { progressLog, within } from './waits';

/** The shape of one load run (test/chaos/load.chaos.ts, load-overload.chaos.ts). */
export interface LoadRunOptions {
  /** Names the results file (test/chaos/results/<name>.json) and the describe block. */
  name: string;
  /** How long the senders send, in seconds. */
  seconds: number;
  /** WebSocket clients; the first `nonAckers` get frames but never ack, so each message to them falls back. */
  clients: number;
  nonAckers: number;
  /** Users with no socket: messages to them go by SMS. */
  offline: number;
  /** Phones with no account that text users. */
  plainPhones: number;
  /** Each client sends every this many ms. */
  sendIntervalMs: number;
  inboundPerSecond: number;
  ackTimeoutMs: number;
  /** CPU hogs (`node -e "for(;;){}"`) running beside the stack from the first send until the count is done. */
  hogs: number;
  /** The longest the drain waits for every message to reach its end, in ms. */
  drainMs: number;
  /** More settings for the stack (SMS_RESEND_AFTER_MS, say). */
  env?: Record<string, string>;
  /** The first number of this run's phones (+1646555xxxx), so two runs never share one. */
  phoneBase: number;
}

const SERVICE = '+15005550100';

/**
 * The full load (test/chaos/load.chaos.ts, and load-overload.chaos.ts beside CPU hogs): 200 WebSocket clients each
 * sending every 5 s to a random peer (10 never acking, 50 users offline), and 4 inbound SMS a second from 10
 * plain phones and offline users' phones, for 60 s (CHAOS_LOAD_SECONDS): 44 messages a second.
 */
export const FULL_LOAD = {
  seconds: Number(process.env.CHAOS_LOAD_SECONDS ?? 60),
  clients: 200,
  nonAckers: 10,
  offline: 50,
  plainPhones: 10,
  sendIntervalMs: 5000,
  inboundPerSecond: 4,
  ackTimeoutMs: 3000,
} satisfies Partial<LoadRunOptions>;

type Kind = 'im→im' | 'im→fallback' | 'im→sms' | 'sms→im' | 'sms→sms';
interface Sent {
  key: string;
  kind: Kind;
  text: string;
  to: E2eUser;
  at: number;
  /** IM sends: the sender's clientId, and the message id the server derives from it. */
  clientId?: string;
  messageId?: string;
  sender?: ImClient;
  accepted?: number;
  terminal?: { status: string; at: number };
  /** Inbound SMS: the webhook's status and how long the sandbox's POST took. */
  webhookStatus?: number | null;
  postMs?: number;
  error?: string;
}

/** How far each receipt status is along a message's way (docs/protocol.md: statuses only move forward). */
const RANK: Record<string, number> = { accepted: 1, sent_sms: 2, delivered: 3, delivered_sms: 3, failed: 4 };
const TERMINAL = ['delivered', 'delivered_sms', 'failed'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const loadAverage = () => os.loadavg().map((l) => Math.round(l * 100) / 100);
const pick = <T>(list: readonly T[]) => list[Math.floor(Math.random() * list.length)];

/**
 * The bounds of every wait in a run (ms). Each gives up with what it was waiting for (waits.ts), so a run that
 * cannot finish fails with a reason instead of hanging; together they stay under jest's hook and test timeouts.
 */
const BOUNDS = {
  /** One user's sign-up (code sent, read from the inbox, verified); and all of them. */
  signUp: 60_000,
  signUps: 300_000,
  /** One socket's upgrade. */
  connect: 30_000,
  /** One inbound text through `POST /sandbox/sms` (the sandbox itself gives the webhook 15 s). */
  text: 60_000,
  /** One read of a phone's inbox. */
  inbox: 15_000,
  /** Closing every socket at the end (they are terminated after it). */
  close: 30_000,
};

/** A GET that is safe to repeat, bounded, tried again when it fails or hangs (a loaded stack resets some). */
async function retried<T>(what: string, get: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await within(BOUNDS.inbox, what, get());
    } catch (err) {
      if (attempt >= 3) throw err;
      await sleep(500 * (attempt + 1));
    }
  }
}

/**
 * Starts `count` CPU hogs that stop by themselves after `maxMs` (so not even a killed test can leave one
 * behind); returns a function that kills them sooner (also called on the test process's exit).
 */
function startHogs(count: number, maxMs: number): () => void {
  const hogs: ChildProcess[] = Array.from({ length: count }, () =>
    spawn(process.execPath, ['-e', `const end = Date.now() + ${maxMs}; while (Date.now() < end);`], {
      stdio: 'ignore',
    }),
  );
  const kill = () => {
    for (const h of hogs) if (h.exitCode === null && h.signalCode === null) h.kill('SIGKILL');
  };
  process.once('exit', kill);
  return () => {
    kill();
    process.off('exit', kill);
  };
}

/**
 * Load on the local stack as `npm start` runs it (its own process, its own sandbox): WebSocket clients sending
 * at a steady rate to random peers (online and acking, online but never acking, offline), and a steady stream of
 * inbound SMS, optionally beside CPU hogs. Then the tail drains (ack timeouts, SMS, status callbacks) and every
 * message is counted: delivered, lost, duplicated (and why), false fallbacks. A text from a phone counts as lost
 * unless it reached its recipient, whatever its webhook answered: Twilio does not retry an inbound webhook by
 * default. Figures go to test/chaos/results/<name>.json and docs/reliability.md.
 */
export function defineLoadRun(o: LoadRunOptions): void {
  const secrets = new Secrets();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `imsms-${o.name}-`));
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
  const onClose = () => unexpectedCloses++;
  const report: Record<string, unknown> = {};
  let stopHogs: () => void = () => undefined;
  const progress = progressLog(o.name);

  beforeAll(async () => {
    progress(`starting the stack (load average ${loadAverage().join(', ')})`);
    proc = new StackProcess(await freePort(), {
      DATA_DIR: dataDir,
      ACK_TIMEOUT_MS: String(o.ackTimeoutMs),
      LOG_LEVEL: 'debug',
      ...(o.env ?? {}),
    });
    await proc.start();
    // Never a number ending in 0099, which the sandbox treats as unreachable.
    const phone = (i: number) => secrets.phone(`+1646555${String(o.phoneBase + i).padStart(4, '0')}`);
    const count = o.clients + o.offline;
    let signedUp = 0;
    progress(`stack up; signing up ${count} users`);
    const users = await within(
      BOUNDS.signUps,
      () => `sign-ups (${signedUp} of ${count} done)`,
      mapLimit(
        Array.from({ length: count }, (_, i) => i),
        8,
        async (i) => {
          const name = `${o.name.replace(/\W/g, '')}${i}`;
          const user = await within(
            BOUNDS.signUp,
            `the sign-up of user ${i} (code, inbox, verify)`,
            signUp(proc.base, proc.base, secrets, phone(i), name),
          );
          signedUp++;
          return user;
        },
      ),
    );
    online = users.slice(0, o.clients);
    offline = users.slice(o.clients);
    plain = Array.from({ length: o.plainPhones }, (_, i) => phone(o.clients + o.offline + i));
    progress(`signed up; connecting ${online.length} sockets`);
    await mapLimit(online, 20, async (u, i) => {
      const c = await within(
        BOUNDS.connect,
        `the socket of user ${i} to open`,
        ImClient.connect(proc.base, u.token),
      );
      c.autoAck = i >= o.nonAckers;
      c.ws.on('error', () => undefined);
      c.ws.on('close', onClose);
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
    progress('connected');
  }, 600_000);

  afterAll(async () => {
    progress('closing the sockets and stopping the stack');
    stopHogs();
    try {
      // Only this run's own listener: the client's own 'close' listener resolves its close() (removing every
      // 'close' listener left close() waiting for ever, and the stack running, so jest never ended).
      for (const c of clientsOf.values()) c.ws.off('close', onClose);
      await within(
        BOUNDS.close,
        'the sockets to close',
        Promise.all([...clientsOf.values()].map((c) => c.close())),
      ).catch((err: Error) => {
        progress(`${err.message}; terminating them`);
        for (const c of clientsOf.values()) c.ws.terminate();
      });
    } finally {
      // SIGTERM, then SIGKILL after 15 s: bounded.
      await proc?.stop();
      rmSync(dataDir, { recursive: true, force: true });
      // The stack's whole output, to read a failure by (it holds no phone, code or text: the privacy test checks).
      const logFile = path.join(os.tmpdir(), `imsms-${o.name}-stack.log`);
      if (proc) writeFileSync(logFile, proc.output.join('\n') + '\n');
      progress(`the stack's output is in ${logFile}`);
      if (Object.keys(report).length > 0) writeResults(o.name, report);
      progress('stopped');
    }
  }, 120_000);

  /** One IM send from a client to a random peer: 70% online and acking, 5% never acking, 25% offline. */
  function sendIm(from: E2eUser, seq: number): void {
    const roll = Math.random();
    const peers = online.filter((u) => u !== from);
    const to =
      roll < 0.7
        ? pick(peers.slice(o.nonAckers))
        : roll < 0.75
          ? pick(peers.slice(0, o.nonAckers))
          : pick(offline);
    const kind: Kind = offline.includes(to)
      ? 'im→sms'
      : online.indexOf(to) < o.nonAckers
        ? 'im→fallback'
        : 'im→im';
    const clientId = `L${from.imNumber}-${seq}`;
    const text = `${clientId} ${marker()}`;
    const sender = clientsOf.get(from.imNumber)!;
    const record: Sent = {
      key: clientId,
      kind,
      text,
      to,
      at: performance.now(),
      clientId,
      sender,
      messageId: messageIdFor('im', from.imNumber, clientId),
    };
    sent.push(record);
    sender.send({ action: 'sendMessage', to: to.imNumber, text, clientId });
  }

  /** One inbound SMS: a plain phone or an offline user's phone texts an online user (IM) or an offline one. */
  async function sendSms(seq: number): Promise<void> {
    const from = Math.random() < 0.5 ? pick(plain) : pick(offline).phone;
    const to =
      Math.random() < 0.7 ? pick(online.slice(o.nonAckers)) : pick(offline.filter((u) => u.phone !== from));
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
      const res = await within(
        BOUNDS.text,
        `POST /sandbox/sms of text S${seq}`,
        http(proc.base, 'POST', '/sandbox/sms', { from, to: SERVICE, body: `@${to.imNumber} ${text}` }),
      );
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
    // The furthest status seen, as docs/protocol.md tells a client to keep it (receipts from different functions
    // may overtake each other); of two terminal ones (which would be a bug), the later.
    const furthest = mine.reduce<Frame | undefined>(
      (best, r) => (!best || (RANK[r.status] ?? 0) >= (RANK[best.status] ?? 0) ? r : best),
      undefined,
    );
    if (furthest && TERMINAL.includes(furthest.status))
      s.terminal = { status: furthest.status, at: arrivedAt.get(furthest) ?? 0 };
  }

  /** Receipts that came after one further on (e.g. `delivered` before `accepted`), as "later after earlier". */
  function overtaken(s: Sent): string[] {
    const seen = s
      .sender!.frames.filter((f) => f.type === 'receipt' && f.clientId === s.clientId)
      .map((f) => String(f.status));
    return seen.flatMap((st, i) =>
      seen
        .slice(0, i)
        .filter((before) => (RANK[before] ?? 0) > (RANK[st] ?? 0))
        .map((before) => `${before} before ${st}`),
    );
  }

  /** What is still open, by kind: IMs without a terminal receipt, texts that have not arrived. */
  function describeOpen(open: { ims: Sent[]; texts: Sent[] }): string {
    const byKind = (list: Sent[]) =>
      [...new Set(list.map((s) => s.kind))]
        .map((k) => `${k} ${list.filter((s) => s.kind === k).length}`)
        .join(', ') || 'none';
    return `IMs without a terminal receipt: ${byKind(open.ims)}; texts not arrived: ${byKind(open.texts)}`;
  }

  /**
   * Why a message is still open: its receipts (statuses in order of arrival) and what the stack logged about it
   * (its events in order, with the status callbacks of its SMS), for the failure message and the results.
   */
  function storyOf(s: Sent) {
    const receipts = s.sender
      ? s.sender.frames.filter((f) => f.type === 'receipt' && f.clientId === s.clientId).map((f) => f.status)
      : [];
    const id =
      s.messageId ??
      s.sender?.frames.find((f) => f.type === 'receipt' && f.clientId === s.clientId)?.id ??
      framesByText.get(s.text)?.[0]?.id;
    const lines = proc.logLines();
    const mine = id ? lines.filter((l) => l.includes(id)) : [];
    const sids = new Set(mine.flatMap((l) => /"sid":"(SM\w+)"/.exec(l)?.[1] ?? []));
    const events = lines
      .filter((l) => mine.includes(l) || [...sids].some((sid) => l.includes(sid)))
      .map((l) => {
        const j = JSON.parse(l) as Record<string, unknown>;
        const detail = ['status', 'http', 'error', 'outcome', 'reason', 'applied', 'attempt']
          .filter((k) => j[k] !== undefined)
          .map((k) => `${k}=${typeof j[k] === 'object' ? JSON.stringify(j[k]) : String(j[k])}`);
        return [String(j.event ?? j.msg ?? '?'), ...detail].join(' ');
      });
    return {
      key: s.key,
      kind: s.kind,
      messageId: id,
      ageS: Math.round((performance.now() - s.at) / 1000),
      receipts,
      frames: framesByText.get(s.text)?.length ?? 0,
      webhookStatus: s.webhookStatus,
      error: s.error,
      events,
    };
  }

  /** Every SMS the phones got, by the message's unique text. */
  async function smsByText(): Promise<Map<string, number>> {
    const phones = [...new Set(sent.map((s) => s.to.phone))];
    const inboxes = await mapLimit(phones, 8, async (p) =>
      retried("a phone's inbox", () => inboxOf(proc.base, p)),
    );
    const byText = new Map<string, number>();
    for (const messages of inboxes) {
      for (const m of messages) {
        const t = /((?:L\d+-\d+|S\d+) ~pv[0-9a-z]{10}~)$/.exec(m.body)?.[1];
        if (t) byText.set(t, (byText.get(t) ?? 0) + 1);
      }
    }
    return byText;
  }

  const rate = o.clients / (o.sendIntervalMs / 1000) + o.inboundPerSecond;
  describe(`${o.name}: ${o.clients} WebSocket clients and ${o.inboundPerSecond} inbound SMS a second for ${o.seconds} s${o.hogs ? `, beside ${o.hogs} CPU hogs` : ''}`, () => {
    it('delivers every message exactly once: delivered N, lost 0, duplicated 0', async () => {
      const load = loadAverage();
      // The hogs outlive nothing: the sending, the bounded waits and the drain, then they stop by themselves.
      stopHogs = startHogs(o.hogs, (o.seconds + o.drainMs / 1000 + 180) * 1000);
      progress(`sending for ${o.seconds} s${o.hogs ? ` beside ${o.hogs} CPU hogs` : ''}`);
      const started = performance.now();
      const timers: NodeJS.Timeout[] = [];
      const inflight: Promise<void>[] = [];
      online.forEach((u, i) => {
        let seq = 0;
        const first = setTimeout(
          () => {
            sendIm(u, ++seq);
            timers.push(setInterval(() => sendIm(u, ++seq), o.sendIntervalMs));
          },
          (i * o.sendIntervalMs) / o.clients,
        );
        timers.push(first);
      });
      let smsSeq = 0;
      timers.push(setInterval(() => inflight.push(sendSms(++smsSeq)), 1000 / o.inboundPerSecond));
      await sleep(o.seconds * 1000);
      timers.forEach((t) => clearInterval(t));
      const sendingMs = performance.now() - started;
      // Each is bounded (BOUNDS.text) and records its own error, so this ends.
      progress(`sent ${sent.length}; waiting for the sandbox's POSTs of ${inflight.length} texts`);
      await Promise.all(inflight);

      // Drain: every IM send has a terminal receipt (ack, SMS + status callback, or failed) and every text from a
      // phone reached its recipient (a frame or an SMS), or the drain's time is up.
      const ims = sent.filter((s) => s.clientId);
      const texts = sent.filter((s) => !s.clientId);
      const drainUntil = performance.now() + o.drainMs;
      let drained = false;
      let open: { ims: Sent[]; texts: Sent[] } = { ims, texts };
      let told = 0;
      progress(`draining (at most ${o.drainMs / 1000} s)`);
      while (!drained && performance.now() < drainUntil) {
        await sleep(2000);
        ims.forEach(readReceipts);
        const arrived = await smsByText().catch(() => new Map<string, number>());
        open = {
          ims: ims.filter((s) => !s.terminal),
          texts: texts.filter((s) => !framesByText.has(s.text) && !arrived.has(s.text)),
        };
        drained = open.ims.length === 0 && open.texts.length === 0;
        if (performance.now() - told > 10_000) {
          told = performance.now();
          progress(`drain: ${describeOpen(open)}`);
        }
      }
      const drainMs = performance.now() - started - sendingMs;
      progress(
        drained ? `drained in ${Math.round(drainMs / 1000)} s` : `drain gave up: ${describeOpen(open)}`,
      );
      const stuck = [...open.ims, ...open.texts].map(storyOf);
      for (const st of stuck.slice(0, 10)) progress(`  ${JSON.stringify(st)}`);
      // Late duplicates (a second SMS, a second frame) get the time to show.
      await sleep(o.ackTimeoutMs + 2000);
      stopHogs();
      ims.forEach(readReceipts);
      const sms = await smsByText();
      progress('counting');
      const line = (name: string, l: { n: number; p50: number; p95: number; max: number }) =>
        `${name}: n ${l.n}, p50 ${Math.round(l.p50)} ms, p95 ${Math.round(l.p95)} ms, max ${Math.round(l.max)} ms`;

      const counted = sent.map((s) => {
        const frames = framesByText.get(s.text) ?? [];
        const ids = new Set(frames.map((f) => f.id));
        const smsCount = sms.get(s.text) ?? 0;
        const accepted = s.clientId
          ? s.accepted !== undefined || s.terminal !== undefined
          : s.webhookStatus === 200;
        const failed = s.terminal?.status === 'failed';
        const delivered = frames.length > 0 || smsCount > 0;
        const dupWhy =
          smsCount > 1
            ? 'sms_twice'
            : ids.size > 1
              ? 'two_message_ids'
              : frames.length > ids.size
                ? 'frame_twice'
                : undefined;
        return {
          s,
          frames,
          sms: smsCount,
          accepted,
          failed,
          delivered,
          dupWhy,
          duplicated: dupWhy !== undefined,
          // An IM is lost when it was accepted and neither arrived nor was reported failed; a text from a phone
          // when it did not arrive, whatever its webhook answered.
          lost: s.clientId ? accepted && !delivered && !failed : !delivered,
          // Pushed to a socket that acks every frame, and still sent as SMS: its ack came after the SMS went.
          falseFallback: (s.kind === 'im→im' || s.kind === 'sms→im') && frames.length > 0 && smsCount > 0,
          // The sender's final state (the furthest receipt) against what happened: an SMS reached the phone
          // exactly when it says delivered_sms, and an ack ended it exactly when it says delivered.
          wrongFinal:
            s.clientId !== undefined &&
            s.terminal !== undefined &&
            (smsCount > 0 ? s.terminal.status !== 'delivered_sms' : s.terminal.status === 'delivered_sms'),
          overtaken: s.clientId ? overtaken(s) : [],
        };
      });
      const by = (k: Kind) => counted.filter((c) => c.s.kind === k);
      const kinds: Kind[] = ['im→im', 'im→fallback', 'im→sms', 'sms→im', 'sms→sms'];
      const latency = {
        'im→im: send → frame at the recipient': summarize(
          by('im→im').flatMap((c) => (c.frames[0] ? [c.frames[0].at - c.s.at] : [])),
        ),
        'im→im: send → delivered receipt': summarize(
          by('im→im').flatMap((c) =>
            c.s.terminal?.status === 'delivered' ? [c.s.terminal.at - c.s.at] : [],
          ),
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
        'sms (both paths): phone texts → webhook answered': summarize(
          texts.flatMap((s) => (s.postMs !== undefined ? [s.postMs] : [])),
        ),
      };
      const totals = {
        sent: counted.length,
        accepted: counted.filter((c) => c.accepted).length,
        delivered: counted.filter((c) => c.delivered).length,
        lost: counted.filter((c) => c.lost).length,
        duplicated: counted.filter((c) => c.duplicated).length,
        failed: counted.filter((c) => c.failed).length,
        notAccepted: counted.filter((c) => !c.accepted).length,
        falseFallbacks: counted.filter((c) => c.falseFallback).length,
      };
      const webhookNot200 = texts.filter((s) => s.webhookStatus !== 200);
      const overtakes = counted.flatMap((c) => c.overtaken);
      const receiptOrder = {
        messagesWithAReceiptOvertaken: counted.filter((c) => c.overtaken.length > 0).length,
        byPair: Object.fromEntries(
          [...new Set(overtakes)].map((p) => [p, overtakes.filter((x) => x === p).length]),
        ),
        wrongFinalState: counted.filter((c) => c.wrongFinal).map((c) => storyOf(c.s)),
      };
      // An IM acked after its SMS went: how long after the send the frame reached the recipient (its ack follows).
      const falseFallbackFrameMs = summarize(
        counted.filter((c) => c.falseFallback && c.s.clientId).map((c) => c.frames[0].at - c.s.at),
      );
      Object.assign(report, {
        date: new Date().toISOString(),
        command: `npm run test:chaos -- test/chaos/${o.name}.chaos.ts`,
        machine: {
          cpus: os.cpus().length,
          node: process.version,
          loadAverageAtStart: load.map((l) => Math.round(l * 100) / 100),
          loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100),
        },
        setup: {
          seconds: o.seconds,
          clients: o.clients,
          nonAckers: o.nonAckers,
          offlineUsers: o.offline,
          plainPhones: o.plainPhones,
          sendIntervalPerClientMs: o.sendIntervalMs,
          inboundSmsPerSecond: o.inboundPerSecond,
          offeredMessagesPerSecond: rate,
          ackTimeoutMs: o.ackTimeoutMs,
          cpuHogs: o.hogs,
          env: o.env ?? {},
          logLevel: 'debug',
        },
        throughput: { messagesPerSecond: Math.round((counted.length / (sendingMs / 1000)) * 10) / 10 },
        drain: { allEnded: drained, ms: Math.round(drainMs), stillOpen: stuck },
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
              falseFallbacks: by(k).filter((c) => c.falseFallback).length,
              terminalReceipt: k.startsWith('im') ? by(k).filter((c) => c.s.terminal).length : undefined,
            },
          ]),
        ),
        duplicatesByCause: Object.fromEntries(
          ['sms_twice', 'two_message_ids', 'frame_twice'].map((why) => [
            why,
            counted.filter((c) => c.dupWhy === why).length,
          ]),
        ),
        errors: {
          errorFrames: errorFrames.length,
          errorFrameCodes: [...new Set(errorFrames.map((f) => f.code))],
          failedReceipts: totals.failed,
          webhookNot200: webhookNot200.length,
          webhookStatuses: Object.fromEntries(
            [...new Set(webhookNot200.map((s) => String(s.webhookStatus)))].map((st) => [
              st,
              webhookNot200.filter((s) => String(s.webhookStatus) === st).length,
            ]),
          ),
          requestErrors: sent.filter((s) => s.error).length,
          unexpectedSocketCloses: unexpectedCloses,
        },
        latencyMs: latency,
        falseFallbacks: {
          count: totals.falseFallbacks,
          of: counted.filter((c) => c.s.kind === 'im→im' || c.s.kind === 'sms→im').length,
          'im→im: send → frame at the recipient, when its SMS went too': falseFallbackFrameMs,
        },
        receiptOrder,
        stackLogLines: proc.logLines().length,
        stackLogEvents: Object.fromEntries(
          ['sms.send_failed', 'sms.found_at_provider', 'sms.lookup_failed', 'sms.outcome_unknown']
            .concat(['sms.taken_before_retry', 'message.sms_resumed', 'message.ack_timeout'])
            .concat(['sms.left_to_resume', 'message.sms_resume_deferred', 'ack.check_rescheduled'])
            .concat(['route.check_gave_up'])
            .map((e) => [e, proc.logLines().filter((l) => l.includes(`"event":"${e}"`)).length]),
        ),
      });
      // The figures a reader wants without opening the results file.
      progress(
        `sent ${totals.sent}, delivered ${totals.delivered}, lost ${totals.lost}, duplicated ${totals.duplicated}, ` +
          `failed ${totals.failed}; false fallbacks ${totals.falseFallbacks}; receipts overtaken ` +
          `${receiptOrder.messagesWithAReceiptOvertaken}; load average ${load.join(', ')} → ${loadAverage().join(', ')}`,
      );
      for (const [name, l] of Object.entries(latency)) progress(line(name, l));

      expect(totals.sent).toBeGreaterThan(o.seconds * rate * 0.8);
      expect(totals).toMatchObject({ lost: 0, duplicated: 0, failed: 0 });
      expect(totals.delivered).toBe(totals.sent);
      // The sender never ends on a wrong state, whatever order its receipts came in.
      expect(receiptOrder.wrongFinalState).toEqual([]);
      expect(errorFrames).toEqual([]);
      expect(unexpectedCloses).toBe(0);
      expect(ims.filter((s) => !s.accepted && !s.terminal)).toHaveLength(0);
      // What the drain still waited for, with its receipts and the stack's log of it.
      expect(ims.filter((s) => !s.terminal).map(storyOf)).toEqual([]);
    });

    it('the stack logged no phone number, code or message text, and no handler crashed', () => {
      expect(proc.logLines().length).toBeGreaterThan(1000);
      expect(findLeaks(proc.output, secrets)).toEqual([]);
      expect(crashes(proc.output)).toEqual([]);
    });
  });
}
