import { BatchWriteItemCommand, GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoStores } from '../../shared/adapters/dynamo';
import { mapLimit } from '../../shared/core/concurrency';
import { signToken } from '../../shared/core/provisioning/tokens';
import type { UserProfile } from '../../shared/core/types';
import { batchPut, type RawItem } from '../db/batch-put';
import { Arrivals, SenderSocket, WsClient } from './ws-client';

/** A registered user as the driver knows it. Phones are fictional (+1 212 5xx, +1 646 555 01xx). */
export interface BenchUser {
  imNumber: string;
  name: string;
  phone: string;
}

/**
 * Recipients: 8-digit imNumbers from 20000000, phones +1 212 5xx xxxx with line numbers 1000-9999, so no number
 * ends in the sandbox's undeliverable suffix 0099.
 */
export function recipientAt(i: number): BenchUser {
  const imNumber = String(20_000_000 + i);
  const exchange = 500 + Math.floor(i / 9000);
  const line = 1000 + (i % 9000);
  return { imNumber, name: `u${imNumber}`, phone: `+1212${exchange}${line}` };
}

/** Sender accounts (one per concurrent sender slot): imNumbers from 10000000, phones +1 646 555 01xx. */
export function senderAt(slot: number): BenchUser {
  const imNumber = String(10_000_000 + slot);
  return { imNumber, name: `u${imNumber}`, phone: `+1646555${String(100 + slot).padStart(4, '0')}` };
}

const SEED_CONCURRENCY = 24;

/**
 * Users are written straight into the table rather than signed up through /auth/* (10,000 sign-ups would take
 * longer than the whole benchmark). The first user goes through the system's own store (createUser +
 * linkPhone, as account creation does); its two rows, read back raw, are the template every other user's rows
 * are copied from in batches, so the rows are exactly what the store writes, whatever attributes it adds.
 */
export class Population {
  readonly store: ReturnType<typeof dynamoStores>;
  readonly recipients: BenchUser[] = [];
  readonly senders: BenchUser[] = [];

  private template: { user: BenchUser; rows: RawItem[] } | undefined;
  /** Recipients whose rows are in the table (ahead of the list when {@link preseedRecipients} ran). */
  private rowsUpTo = 0;
  private preseeding: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: DynamoDBClient,
    readonly table: string,
    private readonly jwtSecret: string,
  ) {
    this.store = dynamoStores(client, table);
  }

  async seedSenders(count: number): Promise<void> {
    const fresh = Array.from({ length: count - this.senders.length }, (_, k) =>
      senderAt(this.senders.length + k),
    );
    await this.seed(fresh);
    this.senders.push(...fresh);
  }

  /** Registers recipients until there are `count` (rows written ahead by {@link preseedRecipients} are kept). */
  async seedRecipients(count: number): Promise<void> {
    await this.preseeding;
    const start = this.recipients.length;
    const from = Math.max(start, this.rowsUpTo);
    await this.seed(range(from, count).map(recipientAt));
    this.rowsUpTo = Math.max(this.rowsUpTo, count);
    this.recipients.push(...range(start, count).map(recipientAt));
  }

  /**
   * Writes the rows of recipients up to `count` now, without making them recipients yet: a later
   * {@link seedRecipients} then only adds them to the list. The rows are batch copies of the template (counted as
   * the benchmark's own `control` requests, none of the system's), so a quick run writes the next level's users
   * while its request-count level runs. Needs the template: seed the senders first.
   * @throws Error when nothing was seeded yet (the first user goes through the system's store, which the system's
   *   counts would see).
   */
  preseedRecipients(count: number): Promise<void> {
    if (!this.template) throw new Error('preseedRecipients: seed the senders first');
    const from = Math.max(this.recipients.length, this.rowsUpTo);
    this.rowsUpTo = Math.max(this.rowsUpTo, count);
    const done = this.preseeding.then(() => this.seed(range(from, count).map(recipientAt)));
    this.preseeding = done.catch(() => undefined);
    return done;
  }

  private async seed(users: BenchUser[]): Promise<void> {
    if (!users.length) return;
    if (!this.template) {
      await this.registerOne(users[0]);
      this.template = { user: users[0], rows: await this.rawRows(users[0]) };
      users = users.slice(1);
    }
    await batchPut(
      this.client,
      this.table,
      users.flatMap((u) => this.copyRows(u)),
    );
  }

  private async rawRows(u: BenchUser): Promise<RawItem[]> {
    const keys = [
      { pk: { S: `USER#${u.imNumber}` }, sk: { S: 'PROFILE' } },
      { pk: { S: `PHONE#${u.phone}` }, sk: { S: 'PHONE' } },
    ];
    const rows = await Promise.all(
      keys.map(
        async (Key) => (await this.client.send(new GetItemCommand({ TableName: this.table, Key }))).Item,
      ),
    );
    if (rows.some((r) => !r)) throw new Error('the template user was not stored as expected');
    return rows as RawItem[];
  }

  /** The template's rows with its imNumber (also in its default name) and phone replaced in every string. */
  private copyRows(u: BenchUser): RawItem[] {
    const t = this.template!.user;
    const swap = (v: string) => v.split(t.imNumber).join(u.imNumber).split(t.phone).join(u.phone);
    return this.template!.rows.map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v.S !== undefined ? { S: swap(v.S) } : v])),
    );
  }

  /** Registers users outside the recipient and sender lists (the fallback's silent recipients). */
  async register(users: BenchUser[]): Promise<void> {
    await mapLimit(users, SEED_CONCURRENCY, async (u) => {
      if (!(await this.store.users.getUser(u.imNumber))) await this.registerOne(u);
    });
  }

  token(user: BenchUser): Promise<string> {
    return signToken(this.jwtSecret, { imNumber: user.imNumber, name: user.name }, Date.now());
  }

  private async registerOne(u: BenchUser): Promise<void> {
    const profile: UserProfile = {
      imNumber: u.imNumber,
      name: u.name,
      phone: u.phone,
      mode: 'online',
      optedOut: false,
      threads: {},
      createdAt: Date.now(),
    };
    await this.store.users.createUser(profile);
    await this.store.users.linkPhone(u.phone, u.imNumber);
  }
}

/**
 * Who is online in the system under test: recipients [0, k) have a live connection. The first `socketCap` of
 * them hold a real WebSocket (auto-acking every message); the rest have a connection row only, as a user
 * connected to another gateway node would. IM recipients are drawn from the socket holders.
 */
export class OnlineSet {
  readonly arrivals = new Arrivals();
  private readonly sockets = new Map<number, WsClient>();
  private readonly rows = new Set<number>();
  private readonly senderSockets: SenderSocket[] = [];
  /** Sockets and rows set up ahead by {@link park}, not online yet in this set's view. */
  private readonly parked = { sockets: new Map<number, WsClient>(), rows: new Set<number>() };

  constructor(
    private readonly population: Population,
    private readonly wsUrl: string,
    private readonly socketCap: number,
  ) {}

  get online(): number {
    return this.sockets.size + this.rows.size;
  }

  get socketCount(): number {
    return this.sockets.size;
  }

  /** Recipients with a real socket (IM paths send to these). */
  socketHolders(): number[] {
    return [...this.sockets.keys()];
  }

  /** Recipients with no connection at all (SMS paths send to these). */
  offline(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.population.recipients.length; i++) {
      if (!this.sockets.has(i) && !this.rows.has(i)) out.push(i);
    }
    return out;
  }

  async openSenders(): Promise<SenderSocket[]> {
    for (const user of this.population.senders.slice(this.senderSockets.length)) {
      const client = await WsClient.open(
        `${this.wsUrl}?token=${encodeURIComponent(await this.population.token(user))}`,
      );
      this.senderSockets.push(new SenderSocket(client));
    }
    return this.senderSockets;
  }

  /**
   * Opens sockets for recipients `sockets` and writes connection rows for `rows` ahead of the {@link setOnline}
   * that makes them online, which then takes them as they are. Meant for recipients past the current list (a
   * quick run's next level, while its request-count level runs on the first 100): until then the system has them
   * connected, but this set counts them nowhere and no path draws them. Their users must be registered first.
   * @throws Error for a recipient already in the list, or already online or parked.
   */
  async park(sockets: number[], rows: number[]): Promise<void> {
    const listed = this.population.recipients.length;
    const taken = (i: number) =>
      i < listed ||
      this.sockets.has(i) ||
      this.rows.has(i) ||
      this.parked.sockets.has(i) ||
      this.parked.rows.has(i);
    const bad = [...sockets, ...rows].find(taken);
    if (bad !== undefined) throw new Error(`park: recipient ${bad} is listed, online or parked already`);
    await mapLimit(sockets, 16, async (i) => {
      this.parked.sockets.set(i, await this.openRecipient(i));
    });
    await mapLimit(rows, 32, async (i) => {
      await this.putRow(i);
      this.parked.rows.add(i);
    });
  }

  /**
   * Makes exactly recipients [0, k) online: sockets up to the cap, rows beyond it (parked ones as they are).
   * @throws Error when a recipient in the list is still parked (online in the system, offline in this view).
   */
  async setOnline(k: number, onProgress: (done: number) => void = () => undefined): Promise<void> {
    const wantSockets = Math.min(k, this.socketCap);
    const toClose = [...this.sockets.keys()].filter((i) => i >= wantSockets);
    for (const i of range(0, wantSockets)) {
      const parked = this.parked.sockets.get(i);
      if (parked && !this.sockets.has(i)) this.sockets.set(i, parked);
      this.parked.sockets.delete(i);
    }
    for (const i of range(wantSockets, k)) {
      if (this.parked.rows.delete(i)) this.rows.add(i);
    }
    const listed = this.population.recipients.length;
    const stray = [...this.parked.sockets.keys(), ...this.parked.rows].find((i) => i < listed);
    if (stray !== undefined) throw new Error(`setOnline: recipient ${stray} is parked, not made online`);
    const toOpen = range(0, wantSockets).filter((i) => !this.sockets.has(i));
    const toUnrow = [...this.rows].filter((i) => i < wantSockets || i >= k);
    const toRow = range(wantSockets, k).filter((i) => !this.rows.has(i));
    const work = toClose.length + toOpen.length + toUnrow.length + toRow.length;
    let done = 0;
    const tick = () => {
      if (++done % 200 === 0) onProgress(done / work);
    };
    await mapLimit(toClose, 32, async (i) => {
      await this.sockets.get(i)!.close();
      this.sockets.delete(i);
      tick();
    });
    await mapLimit(toUnrow, 32, async (i) => {
      await this.population.store.logins.deleteConnection(recipientAt(i).imNumber, rowId(i));
      this.rows.delete(i);
      tick();
    });
    await mapLimit(toOpen, 16, async (i) => {
      this.sockets.set(i, await this.openRecipient(i));
      tick();
    });
    await mapLimit(toRow, 32, async (i) => {
      await this.putRow(i);
      this.rows.add(i);
      tick();
    });
  }

  private async putRow(i: number): Promise<void> {
    const now = Date.now();
    await this.population.store.logins.putConnection(recipientAt(i).imNumber, {
      connectionId: rowId(i),
      connectedAt: now,
      expiresAt: now + 3600_000,
    });
  }

  async closeAll(): Promise<void> {
    await mapLimit([...this.sockets.values(), ...this.parked.sockets.values()], 64, (s) => s.close());
    this.parked.sockets.clear();
    await mapLimit(this.senderSockets, 64, (s) => s.client.close());
    this.sockets.clear();
    this.senderSockets.length = 0;
  }

  private async openRecipient(i: number): Promise<WsClient> {
    const user = recipientAt(i);
    const client = await WsClient.open(
      `${this.wsUrl}?token=${encodeURIComponent(await this.population.token(user))}`,
    );
    client.onFrame = (frame, at) => {
      if (frame.type !== 'message' || typeof frame.id !== 'string') return;
      this.arrivals.record(frame.id, at);
      client.send({ action: 'ack', id: frame.id });
    };
    return client;
  }
}

/**
 * The same connected population in the baseline's table: real sockets (to the baseline's gateway) for the
 * socket holders and the senders, and rows (fake connection ids) for everyone else online.
 */
export class BaselineClients {
  readonly arrivals = new Arrivals();
  private sockets: WsClient[] = [];
  senders: WsClient[] = [];
  /** Who is connected: the recipients with a socket, and how many users in all (sockets and rows). */
  private connected = { holders: new Set<number>(), users: 0 };

  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly wsUrl: string,
  ) {}

  /**
   * Connects `senders`, a socket for each of `socketHolders` and a row for each of `rowsOnly` (recipients by
   * index: recipientAt, as the population registers them, so a quick run can connect its 1,000 before they are
   * all registered with the system under test, which the baseline never reads).
   */
  async connect(senders: BenchUser[], socketHolders: number[], rowsOnly: number[]): Promise<void> {
    const open = (user: BenchUser) => WsClient.open(`${this.wsUrl}?user=${user.imNumber}`);
    this.senders = await mapLimit(senders, 16, open);
    this.sockets = await mapLimit(socketHolders, 16, async (i) => {
      const client = await open(recipientAt(i));
      client.onFrame = (frame, at) => {
        if (frame.type === 'message' && typeof frame.clientId === 'string')
          this.arrivals.record(frame.clientId, at);
      };
      return client;
    });
    this.connected = { holders: new Set(socketHolders), users: socketHolders.length + rowsOnly.length };
    for (let k = 0; k < rowsOnly.length; k += 25) {
      const batch = rowsOnly.slice(k, k + 25).map((i) => ({
        PutRequest: {
          Item: { connectionId: { S: rowId(i) }, userId: { S: recipientAt(i).imNumber } },
        },
      }));
      await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.table]: batch } }));
    }
  }

  /** Whether these clients are connected for `users` users with a socket for exactly `holders`. */
  connectedAs(users: number, holders: number[]): boolean {
    const { holders: mine } = this.connected;
    return (
      this.connected.users === users && mine.size === holders.length && holders.every((i) => mine.has(i))
    );
  }

  async disconnect(): Promise<void> {
    await mapLimit([...this.sockets, ...this.senders], 64, (s) => s.close());
    this.sockets = [];
    this.senders = [];
  }
}

/** A connection id for a row without a socket; shaped like API Gateway's (16 characters ending in '='). */
const rowId = (i: number) => `row${String(i).padStart(12, '0')}=`;

const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);
