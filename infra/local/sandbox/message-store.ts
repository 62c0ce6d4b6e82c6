import { JsonFile } from './json-file';
import type { InboxMessage } from './types';

/** Message statuses with Twilio's names. */
export type MessageStatus =
  'accepted' | 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'received';

/** One message the sandbox knows, inbound or outbound, in the fields Twilio's Message resource has. */
export interface StoredMessage {
  sid: string;
  accountSid: string;
  from: string;
  to: string;
  body: string;
  direction: 'inbound' | 'outbound-api' | 'outbound-reply';
  status: MessageStatus;
  numSegments: number;
  /** How many media items an MMS from a phone carried (absent: none). */
  numMedia?: number;
  messagingServiceSid?: string;
  dateCreated: Date;
  dateUpdated: Date;
  dateSent?: Date;
  errorCode?: number;
  errorMessage?: string;
  /** Where its status steps are posted (outbound only); kept so a restart can post the steps still due. */
  statusCallback?: string;
}

/**
 * A bound on `date_sent`, as Twilio's list filters take it: `DateSent` (that day, or that second), `DateSent<`
 * (on or before) and `DateSent>` (on or after). `at` is epoch ms; `span` is 86,400,000 for a date given as a day
 * (`YYYY-MM-DD`) and 1,000 for a date-time (Twilio keeps `date_sent` to the second).
 */
export interface DateSentBound {
  op: '=' | '<' | '>';
  at: number;
  span: number;
}

/** Filters for listing messages, as the REST list endpoint takes them. */
export interface MessageFilter {
  to?: string;
  from?: string;
  /** Every bound must hold; a message not sent yet (no `dateSent`) matches none. */
  dateSent?: DateSentBound[];
}

// A laptop sandbox runs for days; cap memory rather than grow without bound.
const MAX_MESSAGES = 10_000;
const MAX_INBOX = 1_000;

/** Numbers ending in this suffix never receive anything: their messages end 'undelivered' (error 30003). */
export const UNDELIVERABLE_SUFFIX = '0099';

/** The file form of a MessageStore (dates as ISO strings). */
interface StoredState {
  version: 1;
  messages: (Omit<StoredMessage, 'dateCreated' | 'dateUpdated' | 'dateSent'> & {
    dateCreated: string;
    dateUpdated: string;
    dateSent?: string;
  })[];
  inboxes: [string, InboxMessage[]][];
  unreachable: string[];
  /** Twilio's per-number opt-outs, as `<service number> <phone>` (absent in files of earlier runs). */
  optOuts?: string[];
}

/**
 * Store of messages by SID and of each phone's inbox (what that phone received, oldest first). A service number's
 * inbox holds what phones texted it. In memory; with `file`, also kept in that JSON file (loaded at construction,
 * written shortly after each change and on `flush()`), so a restart finds every phone's inbox again.
 */
export class MessageStore {
  private readonly messages = new Map<string, StoredMessage>();
  private readonly inboxes = new Map<string, InboxMessage[]>();
  private readonly unreachable = new Set<string>();
  /** `<service number> <phone>` pairs Twilio's opt-out handling blocks (the phone texted STOP to that number). */
  private readonly optOuts = new Set<string>();
  private readonly persisted: JsonFile<StoredState> | undefined;

  /** @param file where to keep the store across restarts (e.g. `<DATA_DIR>/sandbox/messages.json`); none: memory only. */
  constructor(file?: string) {
    if (file === undefined) return;
    this.load(JsonFile.read(file));
    this.persisted = new JsonFile(file, () => this.toJson());
  }

  /** Writes a pending change to the file now (no-op without a file). */
  flush(): void {
    this.persisted?.flush();
  }

  private changed(): void {
    this.persisted?.changed();
  }

  private toJson(): StoredState {
    return {
      version: 1,
      messages: [...this.messages.values()].map((m) => ({
        ...m,
        dateCreated: m.dateCreated.toISOString(),
        dateUpdated: m.dateUpdated.toISOString(),
        dateSent: m.dateSent?.toISOString(),
      })),
      inboxes: [...this.inboxes],
      unreachable: [...this.unreachable],
      optOuts: [...this.optOuts],
    };
  }

  /** Takes what an earlier run wrote; anything else (no file, another version) starts empty. */
  private load(data: unknown): void {
    const state = data as Partial<StoredState> | undefined;
    if (state?.version !== 1) return;
    for (const m of state.messages ?? []) {
      this.messages.set(m.sid, {
        ...m,
        dateCreated: new Date(m.dateCreated),
        dateUpdated: new Date(m.dateUpdated),
        dateSent: m.dateSent === undefined ? undefined : new Date(m.dateSent),
      });
    }
    for (const [phone, inbox] of state.inboxes ?? []) this.inboxes.set(phone, inbox);
    for (const phone of state.unreachable ?? []) this.unreachable.add(phone);
    for (const pair of state.optOuts ?? []) this.optOuts.add(pair);
  }

  /** Keeps a message so the REST API can fetch it by SID. */
  save(message: StoredMessage): void {
    this.messages.delete(message.sid);
    this.messages.set(message.sid, message);
    if (this.messages.size > MAX_MESSAGES) this.messages.delete(this.messages.keys().next().value as string);
    this.changed();
  }

  /** Records that a stored message changed in place (its status moved on), so the file is rewritten. */
  updated(): void {
    this.changed();
  }

  get(sid: string): StoredMessage | undefined {
    return this.messages.get(sid);
  }

  /** Messages matching the filter, newest first, as Twilio lists them. */
  list(filter: MessageFilter): StoredMessage[] {
    return [...this.messages.values()]
      .filter(
        (m) =>
          (filter.to === undefined || m.to === filter.to) &&
          (filter.from === undefined || m.from === filter.from) &&
          (filter.dateSent ?? []).every((bound) => sentWithin(m, bound)),
      )
      .reverse();
  }

  /**
   * Outbound messages whose status has not reached its end (`queued` or `sent`): a stop cut their steps short,
   * and Twilio's network would have gone on with them.
   */
  unfinished(): StoredMessage[] {
    return [...this.messages.values()].filter(
      (m) => m.direction !== 'inbound' && (m.status === 'queued' || m.status === 'sent'),
    );
  }

  /** Whether a phone's inbox holds the message with this SID (it was delivered there). */
  holds(phone: string, sid: string): boolean {
    return (this.inboxes.get(phone) ?? []).some((m) => m.sid === sid);
  }

  /** Puts a message in the recipient's inbox. */
  deliver(message: StoredMessage): void {
    const inbox = this.inboxes.get(message.to) ?? [];
    inbox.push({
      sid: message.sid,
      from: message.from,
      to: message.to,
      body: message.body,
      sentAt: message.dateCreated.toISOString(),
    });
    if (inbox.length > MAX_INBOX) inbox.shift();
    this.inboxes.set(message.to, inbox);
    this.changed();
  }

  /**
   * What a phone received, oldest first. `since` is a message SID (only later messages) or an ISO time (only
   * messages sent after it); undefined when `since` names a SID this inbox does not hold.
   */
  inbox(phone: string, since?: string): InboxMessage[] | undefined {
    const inbox = this.inboxes.get(phone) ?? [];
    if (since === undefined) return [...inbox];
    const index = inbox.findIndex((m) => m.sid === since);
    if (index >= 0) return inbox.slice(index + 1);
    const time = Date.parse(since);
    if (Number.isNaN(time)) return undefined;
    return inbox.filter((m) => Date.parse(m.sentAt) > time);
  }

  /** Empties a phone's inbox and says how many messages it held. */
  clear(phone: string): number {
    const count = this.inboxes.get(phone)?.length ?? 0;
    this.inboxes.delete(phone);
    this.changed();
    return count;
  }

  /** Phones that have an inbox. */
  phones(): string[] {
    return [...this.inboxes.keys()];
  }

  /** Marks a phone as switched off (or back on), so messages to it end 'undelivered'. */
  setReachable(phone: string, reachable: boolean): void {
    if (reachable) this.unreachable.delete(phone);
    else this.unreachable.add(phone);
    this.changed();
  }

  /**
   * Records Twilio's per-number opt-out: `phone` texted an opt-out word to `serviceNumber` (true), or an opt-in
   * word (false). Only that pair changes: the phone's other threads are as they were.
   */
  setOptedOut(serviceNumber: string, phone: string, optedOut: boolean): void {
    const pair = `${serviceNumber} ${phone}`;
    if (optedOut === this.optOuts.has(pair)) return;
    if (optedOut) this.optOuts.add(pair);
    else this.optOuts.delete(pair);
    this.changed();
  }

  /** Whether Twilio refuses messages from `serviceNumber` to `phone` (error 21610) until it opts in again. */
  isOptedOut(serviceNumber: string, phone: string): boolean {
    return this.optOuts.has(`${serviceNumber} ${phone}`);
  }

  isReachable(phone: string): boolean {
    return !this.unreachable.has(phone) && !phone.endsWith(UNDELIVERABLE_SUFFIX);
  }
}

/** Whether a message's `date_sent`, to the second as Twilio keeps it, satisfies one DateSent bound. */
function sentWithin(message: StoredMessage, bound: DateSentBound): boolean {
  if (message.dateSent === undefined) return false;
  const sent = Math.floor(message.dateSent.getTime() / 1000) * 1000;
  switch (bound.op) {
    case '=':
      return sent >= bound.at && sent < bound.at + bound.span;
    case '<':
      return sent <= bound.at;
    case '>':
      return sent >= bound.at;
  }
}
