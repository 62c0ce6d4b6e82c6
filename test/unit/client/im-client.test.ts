import {
  answerKindOf,
  answerKindOfFrame,
  ImClient,
  ImError,
  wsUrl,
  type ClientFrame,
  type ServerFrame,
  type SocketEvent,
  type WebSocketLike,
} from '../../../shared/client';

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

  it('a resend on the same clientId still gets its receipt when the first send times out', async () => {
    jest.useFakeTimers();
    try {
      const socket = new FakeSocket();
      const client = new ImClient(socket, { timeoutMs: 1000 });
      const first = client.sendMessage({ to: '12345678', text: 'hi', clientId: 'k' });
      jest.advanceTimersByTime(500);
      const resend = client.sendMessage({ to: '12345678', text: 'hi', clientId: 'k' });
      jest.advanceTimersByTime(500);
      await expect(first).rejects.toMatchObject({ code: 'timeout' });
      socket.push({ type: 'receipt', clientId: 'k', id: 'm1', status: 'accepted', path: ['im'] });
      await expect(resend).resolves.toMatchObject({ clientId: 'k', id: 'm1' });
    } finally {
      jest.useRealTimers();
    }
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

describe('ImClient pairs answers by their place, whatever comes late', () => {
  const entry = (id: string) => ({
    id,
    from: '12345678',
    fromName: 'B',
    to: '87654321',
    text: id,
    sentAt: '2026-01-01T00:00:00.000Z',
    via: 'im',
    path: ['im'],
    status: 'delivered',
  });
  const page = (...ids: string[]) => ({ type: 'history', with: '12345678', messages: ids.map(entry) });

  it('an error answering an ack (it names the id) settles no call, and is an error event', async () => {
    const socket = new FakeSocket();
    const client = new ImClient(socket);
    const errors: unknown[] = [];
    client.on('error', (e) => errors.push(e));
    client.ack('not-mine');
    const ping = client.ping();
    socket.push({ type: 'error', code: 'unknown_message', message: 'no message', id: 'not-mine' });
    socket.push({ type: 'pong' });
    await expect(ping).resolves.toEqual({ type: 'pong' });
    expect(errors).toEqual([
      { type: 'error', code: 'unknown_message', message: 'no message', id: 'not-mine' },
    ]);
  });

  it('the answer to a frame written by send is only an event: a pong, or an error, never settles a call', async () => {
    const socket = new FakeSocket();
    const client = new ImClient(socket);
    client.send({ action: 'ping' }); // a keep-alive the caller forgets, as the console's
    client.send({ action: 'getContacts' });
    const ping = client.ping();
    const contacts = client.getContacts();
    socket.push({ type: 'pong' }); // the first ping's
    socket.push({ type: 'error', code: 'rate_limited', message: 'too many frames' }); // the first getContacts'
    socket.push({ type: 'pong' });
    await expect(ping).resolves.toEqual({ type: 'pong' });
    socket.push({ type: 'contacts', version: 7, contacts: [] });
    await expect(contacts).resolves.toMatchObject({ version: 7 });
  });

  it('a call that timed out keeps its place: its late answer is dropped, the next call gets its own', async () => {
    jest.useFakeTimers();
    try {
      const socket = new FakeSocket();
      const client = new ImClient(socket, { timeoutMs: 1000 });
      const first = client.history({ with: '12345678', limit: 1 });
      jest.advanceTimersByTime(1000);
      await expect(first).rejects.toMatchObject({ code: 'timeout' });
      const second = client.history({ with: '12345678', limit: 2, before: '000000000000001#m2' });
      // Its answer would look like the one outstanding: a ping goes between them.
      expect(socket.sent).toEqual([
        { action: 'history', with: '12345678', limit: 1 },
        { action: 'ping' },
        { action: 'history', with: '12345678', limit: 2, before: '000000000000001#m2' },
      ]);
      socket.push(page('m2')); // the first call's answer, late
      socket.push({ type: 'pong' });
      socket.push(page('m1', 'm0'));
      await expect(second).resolves.toMatchObject({ messages: [{ id: 'm1' }, { id: 'm0' }] });
    } finally {
      jest.useRealTimers();
    }
  });

  it('a late error of a call that timed out does not reject the next call', async () => {
    jest.useFakeTimers();
    try {
      const socket = new FakeSocket();
      const client = new ImClient(socket, { timeoutMs: 1000 });
      const first = client.addContact({ imNumber: '12345678' });
      jest.advanceTimersByTime(1000);
      await expect(first).rejects.toMatchObject({ code: 'timeout' });
      const second = client.getContacts();
      expect(socket.sent.at(-1)).toEqual({ action: 'getContacts' }); // no barrier: the answers differ
      socket.push({ type: 'error', code: 'contact_exists', message: 'already a contact' });
      socket.push({ type: 'contacts', version: 1, contacts: [] });
      await expect(second).resolves.toMatchObject({ version: 1 });
    } finally {
      jest.useRealTimers();
    }
  });

  it('when the late answer never comes, the barrier pong shows it and the next call still gets its own', async () => {
    jest.useFakeTimers();
    try {
      const socket = new FakeSocket();
      const client = new ImClient(socket, { timeoutMs: 1000 });
      const first = client.history({ with: '12345678' });
      jest.advanceTimersByTime(1000);
      await expect(first).rejects.toMatchObject({ code: 'timeout' });
      const second = client.history({ with: '12345678' });
      socket.push({ type: 'pong' }); // the first answer was lost
      socket.push(page('m9'));
      await expect(second).resolves.toMatchObject({ messages: [{ id: 'm9' }] });
    } finally {
      jest.useRealTimers();
    }
  });

  it('a push that looks like an answer of a frame nobody waits for is not taken for a later call', async () => {
    const socket = new FakeSocket();
    const client = new ImClient(socket);
    const invite = client.invite({ phone: '+14155550123', name: 'Dan' });
    // An invitation's outcome is a push, never the answer to invite.
    socket.push({
      type: 'invitation',
      phone: '+14155550199',
      name: 'Eve',
      status: 'accepted',
      expiresAt: '2026-01-08T00:00:00.000Z',
      imNumber: '12345670',
    });
    const pending = {
      type: 'invitation',
      phone: '+14155550123',
      name: 'Dan',
      status: 'pending',
      expiresAt: '2026-01-08T00:00:00.000Z',
    };
    socket.push(pending);
    await expect(invite).resolves.toEqual(pending);
  });

  const answers: [ClientFrame, ServerFrame][] = [
    [{ action: 'ping' }, { type: 'pong' }],
    [
      { action: 'setPresence', status: 'offline' },
      { type: 'presence', status: 'offline' },
    ],
    [{ action: 'getContacts' }, { type: 'contacts', version: 1, unchanged: true }],
    [
      { action: 'addContact', imNumber: '12345678' },
      { type: 'contact', op: 'added', version: 1, contact: { phone: '+14155550123', name: 'D' } },
    ],
    [
      { action: 'removeContact', imNumber: '12345678' },
      { type: 'contact', op: 'removed', version: 1, contact: { phone: '+14155550123', name: 'D' } },
    ],
    [
      { action: 'updateProfile', mood: 'ok' },
      { type: 'profile', imNumber: '1', name: 'a' },
    ],
    [
      { action: 'history', with: '12345678' },
      { type: 'history', with: '12345678', messages: [] },
    ],
    [
      { action: 'invite', phone: '+14155550123', name: 'D' },
      { type: 'invitation', phone: '+1', name: 'D', status: 'pending', expiresAt: 'x' },
    ],
  ];
  it.each(answers)('%j is answered by a frame of its kind, and by no other request’s', (frame, answer) => {
    expect(answerKindOf(frame)).toBe(answerKindOfFrame(answer));
    for (const [other] of answers) {
      if (other !== frame) expect(answerKindOf(other)).not.toBe(answerKindOfFrame(answer));
    }
  });

  it.each<[string, ClientFrame | ServerFrame]>([
    ['sendMessage', { action: 'sendMessage', to: '1', text: 't', clientId: 'c' }],
    ['ack', { action: 'ack', id: 'm1' }],
  ])('%s is not answered in order (its answers name it)', (_, frame) => {
    expect(answerKindOf(frame as ClientFrame)).toBeUndefined();
  });

  it.each<[string, ServerFrame]>([
    ['a contact’s presence', { type: 'presence', imNumber: '1', status: 'online' }],
    [
      'an invitation’s outcome',
      { type: 'invitation', phone: '+1', name: 'D', status: 'declined', expiresAt: 'x' },
    ],
    ['a receipt', { type: 'receipt', clientId: 'c', id: 'm', status: 'accepted', path: ['im'] }],
    ['an error', { type: 'error', code: 'internal', message: 'x' }],
  ])('%s answers no request by its look', (_, frame) => {
    expect(answerKindOfFrame(frame)).toBeUndefined();
  });
});

describe('ImClient multi-frame helpers keep to the frame limits', () => {
  const phone = (n: number) => ({ phone: `+1415555000${n}`, name: `P${n}` });
  const limited = (retryAfterMs?: number) => ({
    type: 'error',
    code: 'rate_limited',
    message: 'too many frames; slow down and try again',
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
  /** Lets the client's promises run (fake timers do not stop microtasks). */
  const flush = async () => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };

  it('getAllContacts asks a refused page again after the error’s retryAfterMs, and reads on', async () => {
    jest.useFakeTimers();
    try {
      const socket = new FakeSocket();
      const client = new ImClient(socket);
      const all = client.getAllContacts(undefined, { limit: 1 });
      await flush();
      socket.push({ type: 'contacts', version: 2, contacts: [phone(1)], nextCursor: 'phone#+14155550001' });
      await flush();
      expect(socket.sent).toHaveLength(2);
      socket.push(limited(4000));
      await flush();
      jest.advanceTimersByTime(3999);
      await flush();
      expect(socket.sent).toHaveLength(2); // waits out the window
      jest.advanceTimersByTime(1);
      await flush();
      expect(socket.sent).toHaveLength(3);
      expect(socket.sent[2]).toEqual(socket.sent[1]); // the same page again
      socket.push({ type: 'contacts', version: 2, contacts: [phone(2)] });
      await expect(all).resolves.toEqual({ type: 'contacts', version: 2, contacts: [phone(1), phone(2)] });
    } finally {
      jest.useRealTimers();
    }
  });

  it('getAllContacts gives up with rate_limited past its retries, or when the wait is too long', async () => {
    jest.useFakeTimers();
    try {
      const socket = new FakeSocket();
      const client = new ImClient(socket);
      const all = client.getAllContacts(undefined, { pacing: { retries: 1 } });
      await flush();
      socket.push(limited()); // no retryAfterMs: 1 s
      await flush();
      jest.advanceTimersByTime(1000);
      await flush();
      expect(socket.sent).toHaveLength(2);
      socket.push(limited());
      await expect(all).rejects.toMatchObject({ code: 'rate_limited' });

      const long = client.getAllContacts(undefined, { pacing: { maxWaitMs: 5000 } });
      await flush();
      socket.push(limited(6000));
      await expect(long).rejects.toMatchObject({ code: 'rate_limited' });
    } finally {
      jest.useRealTimers();
    }
  });

  it('getAllContacts sends a burst of pages, then paces the rest', async () => {
    jest.useFakeTimers();
    try {
      const socket = new FakeSocket();
      const client = new ImClient(socket);
      const all = client.getAllContacts(undefined, { pacing: { burst: 2, framesPerSecond: 4 } });
      for (let i = 1; i <= 3; i++) {
        await flush();
        expect(socket.sent).toHaveLength(i);
        socket.push({
          type: 'contacts',
          version: 1,
          contacts: [phone(i)],
          ...(i < 4 ? { nextCursor: `phone#+1415555000${i}` } : {}),
        });
        await flush();
        if (i >= 2) {
          expect(socket.sent).toHaveLength(i); // the bucket is empty: a quarter second to the next page
          jest.advanceTimersByTime(249);
          await flush();
          expect(socket.sent).toHaveLength(i);
          jest.advanceTimersByTime(1);
        }
      }
      await flush();
      socket.push({ type: 'contacts', version: 1, contacts: [phone(4)] });
      await expect(all).resolves.toMatchObject({ contacts: [phone(1), phone(2), phone(3), phone(4)] });
    } finally {
      jest.useRealTimers();
    }
  });

  it('a single call is not retried: its caller gets rate_limited with the wait', async () => {
    const socket = new FakeSocket();
    const client = new ImClient(socket);
    const one = client.getContacts();
    socket.push(limited(2000));
    await expect(one).rejects.toMatchObject({ code: 'rate_limited', frame: { retryAfterMs: 2000 } });
    expect(socket.sent).toHaveLength(1);
  });
});
