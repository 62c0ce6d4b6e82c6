import { ImClient, ImError, wsUrl, type SocketEvent, type WebSocketLike } from '../../../shared/client';

/**
 * The reference client's own rules (pairing answers with calls, auto-ack, local checks) on an in-memory socket.
 * test/e2e/contacts-history.test.ts and the other e2e suites drive it against the real local stack.
 */
import type NodeWebSocket from 'ws';

/** Both WebSocket implementations fit the client (checked by tsc). */
export const implementations: WebSocketLike[] = [] as (WebSocket | NodeWebSocket)[];

const sockets: FakeSocket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) if (s.readyState !== 3) s.close(); // no call timer outlives its test
});

class FakeSocket implements WebSocketLike {
  readyState = 1;
  constructor() {
    sockets.push(this);
  }
  readonly sent: Record<string, unknown>[] = [];
  private readonly handlers = new Map<string, ((event: SocketEvent) => void)[]>();
  addEventListener(type: string, listener: (event: SocketEvent) => void): void {
    this.handlers.set(type, [...(this.handlers.get(type) ?? []), listener]);
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000, reason = ''): void {
    this.readyState = 3;
    this.fire('close', { code, reason });
  }
  /** The server sends a frame. */
  push(frame: unknown): void {
    this.fire('message', { data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }
  private fire(type: string, event: SocketEvent): void {
    for (const h of this.handlers.get(type) ?? []) h(event);
  }
}

describe('ImClient', () => {
  it('sends one request at a time and pairs each answer with its call', async () => {
    const socket = new FakeSocket();
    const client = new ImClient(socket);
    const contacts = client.getContacts();
    const history = client.history({ with: '12345678', limit: 10 });
    expect(socket.sent).toEqual([{ action: 'getContacts' }]); // history waits for the first answer
    socket.push({ type: 'presence', imNumber: '12345678', status: 'online' }); // an event, not an answer
    socket.push({ type: 'contacts', version: 3, contacts: [] });
    await expect(contacts).resolves.toEqual({ type: 'contacts', version: 3, contacts: [] });
    expect(socket.sent.at(-1)).toEqual({ action: 'history', with: '12345678', limit: 10 });
    socket.push({ type: 'history', with: '12345678', messages: [] });
    await expect(history).resolves.toMatchObject({ type: 'history', with: '12345678' });
  });

  it('rejects the waiting call with the code of an error frame that names no clientId', async () => {
    const socket = new FakeSocket();
    const client = new ImClient(socket);
    const invite = client.invite({ phone: '+14155550123', name: 'Dan' });
    const next = client.getContacts(2);
    socket.push({ type: 'error', code: 'invitation_pending', message: 'already invited' });
    await expect(invite).rejects.toMatchObject({ name: 'ImError', code: 'invitation_pending' });
    expect(socket.sent.at(-1)).toEqual({ action: 'getContacts', since: 2 });
    socket.push({ type: 'contacts', version: 2, unchanged: true });
    await expect(next).resolves.toEqual({ type: 'contacts', version: 2, unchanged: true });
  });

  it('keys sendMessage by clientId: its first receipt resolves it, its error rejects it', async () => {
    const socket = new FakeSocket();
    const client = new ImClient(socket);
    const ok = client.sendMessage({ to: '12345678', text: 'hi', clientId: 'a' });
    const bad = client.sendMessage({ to: '12345679', text: 'hi', clientId: 'b' });
    socket.push({ type: 'error', code: 'unknown_recipient', message: 'no such user', clientId: 'b' });
    socket.push({ type: 'receipt', clientId: 'a', id: 'm1', status: 'accepted', path: [] });
    await expect(ok).resolves.toMatchObject({ id: 'm1', status: 'accepted' });
    await expect(bad).rejects.toMatchObject({ code: 'unknown_recipient' });
  });

  it('gives a message a fresh clientId when none is given', async () => {
    const socket = new FakeSocket();
    void new ImClient(socket).sendMessage({ to: '12345678', text: 'hi' }).catch(() => undefined);
    expect(socket.sent[0]).toMatchObject({ action: 'sendMessage', clientId: expect.stringMatching(/^\S+$/) });
  });

  it('refuses a frame the server would refuse, with the server’s code, and sends nothing', async () => {
    const socket = new FakeSocket();
    const client = new ImClient(socket);
    await expect(client.sendMessage({ to: '12345678', text: '   ' })).rejects.toMatchObject({
      code: 'invalid_text',
    });
    await expect(client.history({ with: 'bob' })).rejects.toMatchObject({ code: 'invalid_recipient' });
    await expect(
      client.addContact({ imNumber: '12345678', phone: '+1415', name: 'x' } as never),
    ).rejects.toMatchObject({ code: 'bad_frame' });
    expect(socket.sent).toEqual([]);
  });

  it('acks each pushed message unless autoAck says not to', async () => {
    const socket = new FakeSocket();
    const client = new ImClient(socket, { autoAck: (m) => m.via === 'im' });
    const message = { from: '1', fromName: 'A', to: '2', text: 't', sentAt: '2026-01-01T00:00:00.000Z' };
    const seen: string[] = [];
    client.on('message', (m) => seen.push(m.id));
    socket.push({ type: 'message', id: 'm1', via: 'im', ...message });
    socket.push({ type: 'message', id: 'm2', via: 'sms', ...message });
    expect(socket.sent).toEqual([{ action: 'ack', id: 'm1' }]);
    expect(seen).toEqual(['m1', 'm2']);
  });

  it('passes unknown frames on and reports invalid ones, without settling a call', async () => {
    const socket = new FakeSocket();
    const client = new ImClient(socket);
    const unknown: unknown[] = [];
    const invalid: string[] = [];
    client.on('unknown', (f) => unknown.push(f));
    client.on('invalid', (f) => invalid.push(f.error));
    const ping = client.ping();
    socket.push({ type: 'typing', sid: 'CA1' });
    socket.push('{oops');
    socket.push({ type: 'pong' });
    await expect(ping).resolves.toEqual({ type: 'pong' });
    expect(unknown).toEqual([{ type: 'typing', sid: 'CA1' }]);
    expect(invalid).toEqual(['not JSON']);
  });

  it('rejects every waiting call with `closed` when the socket closes', async () => {
    const socket = new FakeSocket();
    const client = new ImClient(socket);
    const a = client.getContacts();
    const b = client.setPresence('offline');
    const c = client.sendMessage({ to: '12345678', text: 'hi' });
    const closed = client.close();
    await Promise.all([a, b, c].map((p) => expect(p).rejects.toMatchObject({ code: 'closed' })));
    await closed;
    await expect(client.ping()).rejects.toMatchObject({ code: 'not_open' });
  });

  it('times a call out with `timeout` and moves on to the next', async () => {
    jest.useFakeTimers();
    try {
      const socket = new FakeSocket();
      const client = new ImClient(socket, { timeoutMs: 1000 });
      const slow = client.ping();
      const next = client.getContacts();
      jest.advanceTimersByTime(1000);
      await expect(slow).rejects.toBeInstanceOf(ImError);
      await expect(slow).rejects.toMatchObject({ code: 'timeout' });
      expect(socket.sent.at(-1)).toEqual({ action: 'getContacts' });
      socket.push({ type: 'contacts', version: 0, contacts: [] });
      await expect(next).resolves.toMatchObject({ version: 0 });
    } finally {
      jest.useRealTimers();
    }
  });

  it('builds the WebSocket URL from the HTTP origin', () => {
    expect(wsUrl('http://127.0.0.1:3000', 'a b')).toBe('ws://127.0.0.1:3000/ws?token=a%20b');
    expect(wsUrl('https://x.example/prod', 't')).toBe('wss://x.example/prod/ws?token=t');
    expect(wsUrl('wss://x.example/prod/ws', 't')).toBe('wss://x.example/prod/ws?token=t');
  });
});

describe('ImClient contacts pages', () => {
  /** Answers each getContacts the socket sent (from `from` on) with the next frame of `answers`. */
  async function serve(socket: FakeSocket, answers: Record<string, unknown>[]): Promise<void> {
    for (const [i, frame] of answers.entries()) {
      await new Promise((r) => setImmediate(r));
      expect(socket.sent).toHaveLength(i + 1);
      socket.push(frame);
    }
  }
  const phone = (n: number) => ({ phone: `+1415555000${n}`, name: `P${n}` });

  it('getContacts sends since, cursor and limit only when given', async () => {
    const socket = new FakeSocket();
    const client = new ImClient(socket);
    const page = client.getContacts({ cursor: 'phone#+14155550001', limit: 2 });
    expect(socket.sent).toEqual([{ action: 'getContacts', cursor: 'phone#+14155550001', limit: 2 }]);
    socket.push({ type: 'contacts', version: 1, contacts: [phone(2)], nextCursor: 'phone#+14155550002' });
    await expect(page).resolves.toMatchObject({ nextCursor: 'phone#+14155550002' });
    await expect(client.getContacts({ limit: 0 })).rejects.toMatchObject({ code: 'invalid_limit' });
    await expect(client.getContacts({ cursor: 'x'.repeat(129) })).rejects.toMatchObject({
      code: 'invalid_cursor',
    });
  });

  it('getAllContacts follows nextCursor to the end and joins the pages', async () => {
    const socket = new FakeSocket();
    const client = new ImClient(socket);
    const all = client.getAllContacts(4, { limit: 1 });
    await serve(socket, [
      { type: 'contacts', version: 5, contacts: [phone(1)], nextCursor: 'phone#+14155550001' },
      { type: 'contacts', version: 5, contacts: [phone(2)], nextCursor: 'phone#+14155550002' },
      { type: 'contacts', version: 5, contacts: [phone(3)] },
    ]);
    await expect(all).resolves.toEqual({
      type: 'contacts',
      version: 5,
      contacts: [phone(1), phone(2), phone(3)],
    });
    expect(socket.sent).toEqual([
      { action: 'getContacts', since: 4, limit: 1 },
      { action: 'getContacts', cursor: 'phone#+14155550001', limit: 1 },
      { action: 'getContacts', cursor: 'phone#+14155550002', limit: 1 },
    ]);
  });

  it('getAllContacts keeps a copy that is current: unchanged is passed on', async () => {
    const socket = new FakeSocket();
    const client = new ImClient(socket);
    const all = client.getAllContacts(5);
    await serve(socket, [{ type: 'contacts', version: 5, unchanged: true }]);
    await expect(all).resolves.toEqual({ type: 'contacts', version: 5, unchanged: true });
  });

  it('getAllContacts reads again when the list changed between pages, and labels a still-moving list old', async () => {
    const socket = new FakeSocket();
    const client = new ImClient(socket);
    const steady = client.getAllContacts();
    await serve(socket, [
      { type: 'contacts', version: 1, contacts: [phone(1)], nextCursor: 'phone#+14155550001' },
      { type: 'contacts', version: 2, contacts: [phone(3)] }, // phone 2 was added before the cursor: missed
      { type: 'contacts', version: 2, contacts: [phone(1)], nextCursor: 'phone#+14155550001' },
      { type: 'contacts', version: 2, contacts: [phone(2), phone(3)] },
    ]);
    await expect(steady).resolves.toEqual({
      type: 'contacts',
      version: 2,
      contacts: [phone(1), phone(2), phone(3)],
    });

    socket.sent.splice(0);
    const moving = client.getAllContacts(undefined, { attempts: 2 });
    await serve(socket, [
      { type: 'contacts', version: 3, contacts: [phone(1)], nextCursor: 'phone#+14155550001' },
      { type: 'contacts', version: 4, contacts: [phone(2)] },
      { type: 'contacts', version: 5, contacts: [phone(1)], nextCursor: 'phone#+14155550001' },
      { type: 'contacts', version: 6, contacts: [phone(2)] },
    ]);
    // The first page's version: older than the list's, so a later `since` read fetches it again.
    await expect(moving).resolves.toEqual({ type: 'contacts', version: 5, contacts: [phone(1), phone(2)] });
  });

  it('getAllContacts stops a server that never stops sending cursors', async () => {
    const socket = new FakeSocket();
    const client = new ImClient(socket);
    const all = client.getAllContacts(undefined, { maxPages: 3 });
    await serve(socket, [
      { type: 'contacts', version: 1, contacts: [], nextCursor: 'phone#+14155550001' },
      { type: 'contacts', version: 1, contacts: [], nextCursor: 'phone#+14155550001' },
      { type: 'contacts', version: 1, contacts: [], nextCursor: 'phone#+14155550001' },
    ]);
    await expect(all).rejects.toMatchObject({ code: 'too_many_pages' });
  });
});
