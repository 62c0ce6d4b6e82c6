import {
  type AckScheduler,
  type Clock,
  type Ids,
  type ImChannel,
  type ImEvent,
  type PushResult,
  type SmsProvider,
  type SmsRequest,
} from '../../core/ports';

/**
 * In-memory counterparts of the servers around the core (IM, SMS, the ack timer, time, ids), for unit tests of
 * the core's rules. Each records what the core asked of it, so a test reads outcomes instead of mocking calls.
 */

/** The IM server in memory: events per connection; connections can be made gone or failing. */
export class MemoryImChannel implements ImChannel {
  readonly pushed: Array<{ connectionId: string; event: ImEvent }> = [];
  /** Connections that answer 'gone' (closed without a disconnect). */
  readonly gone = new Set<string>();
  /** Connections whose push throws (a network error). */
  readonly failing = new Set<string>();

  async push(connectionId: string, event: ImEvent): Promise<PushResult> {
    if (this.failing.has(connectionId)) throw new Error('push failed');
    if (this.gone.has(connectionId)) return 'gone';
    this.pushed.push({ connectionId, event: structuredClone(event) });
    return 'ok';
  }

  /** The events one connection got, optionally of one kind, in order. */
  eventsOf<K extends ImEvent['kind']>(connectionId: string, kind?: K): Array<Extract<ImEvent, { kind: K }>> {
    return this.pushed
      .filter((p) => p.connectionId === connectionId && (!kind || p.event.kind === kind))
      .map((p) => p.event as Extract<ImEvent, { kind: K }>);
  }
}

/** The SMS server in memory: what was sent, with sids like a provider's; `failNext` makes sends fail. */
export class MemorySmsProvider implements SmsProvider {
  readonly name = 'memory';
  readonly sent: Array<SmsRequest & { sid: string }> = [];
  /** Errors the next sends throw, in order (e.g. `new SmsSendError('503', true)`). */
  failNext: Error[] = [];
  private seq = 0;

  async send(request: SmsRequest): Promise<{ sid: string }> {
    const failure = this.failNext.shift();
    if (failure && !this.takenOnFailure) throw failure;
    const sid = `SM${String(++this.seq).padStart(32, '0')}`;
    this.sent.push({ ...request, sid });
    if (failure) throw failure;
    return { sid };
  }

  /** Errors the next lookups (`find`) throw, in order. */
  failNextFind: Error[] = [];
  /** When set, a send that `failNext` fails is still taken (its answer lost, as with a timeout). */
  takenOnFailure = false;
  /** How often `find` was asked. */
  finds = 0;

  /** The newest SMS sent with this to and body (from any number, as the Twilio adapter looks) (memory keeps no times: `since` is not checked). */
  async find(request: SmsRequest): Promise<{ sid: string } | null> {
    this.finds++;
    const failure = this.failNextFind.shift();
    if (failure) throw failure;
    const found = this.sent.filter((m) => m.to === request.to && m.body === request.body).pop();
    return found ? { sid: found.sid } : null;
  }

  /** What one phone got, in order. */
  inbox(phone: string): Array<SmsRequest & { sid: string }> {
    return this.sent.filter((m) => m.to === phone);
  }
}

/** The ack timer held by hand: checks are recorded, and a test runs them when it chooses (`due()`). */
export class ManualAckScheduler implements AckScheduler {
  readonly scheduled: Array<{ messageId: string; delayMs: number }> = [];

  async schedule(messageId: string, delayMs: number): Promise<void> {
    this.scheduled.push({ messageId, delayMs });
  }

  /** Takes every check scheduled so far (a test then runs them, as the timer would). */
  due(): string[] {
    return this.scheduled.splice(0).map((s) => s.messageId);
  }

  /** Takes only the checks due at once (delay 0: a stored text's routing), leaving the others scheduled. */
  dueNow(): string[] {
    const now = this.scheduled.filter((s) => s.delayMs === 0);
    this.scheduled.splice(0, this.scheduled.length, ...this.scheduled.filter((s) => s.delayMs !== 0));
    return now.map((s) => s.messageId);
  }
}

/** Time held by hand: `now()` moves only by `advance(ms)`; `sleep(ms)` advances at once. */
export class ManualClock implements Clock {
  constructor(private t = 1_800_000_000_000) {}

  now(): number {
    return this.t;
  }

  async sleep(ms: number): Promise<void> {
    this.t += ms;
  }

  advance(ms: number): void {
    this.t += ms;
  }
}

/** Ids in sequence: imNumbers 10000001, 10000002, …; codes from `codes` (then 123456). */
export class SequenceIds implements Ids {
  private next = 10_000_000;
  constructor(readonly codes: string[] = []) {}

  imNumber(): string {
    return String(++this.next);
  }

  otpCode(): string {
    return this.codes.shift() ?? '123456';
  }
}
