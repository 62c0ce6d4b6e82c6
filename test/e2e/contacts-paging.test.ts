import { MAX_TEXT_CHARS } from '../../shared/core/conversion/message-text';
import { TaskTracker } from '../../infra/local/sandbox/task-tracker';
import { WebhookClient } from '../../infra/local/sandbox/webhook-client';
import type { ContactsFrame } from '../../shared/client';
import { answer, signUp, type E2eUser, type ImClient } from '../support/e2e-client';
import { useLocalStack } from '../support/e2e-stack';

/**
 * Issue 14, item 7, for the answers that grow with what users stored: a contact list and a history page larger
 * than API Gateway's 32 KB frame come in pages, each frame under 32 KB, through the whole local stack (real
 * sockets, the real @connections client, which refuses a frame over 32 KB as API Gateway does). Before paging,
 * both answered `internal`.
 */
const AUTH_TOKEN = 'contacts-paging-auth-token';
const FRAME_LIMIT = 32 * 1024;
const trackers: TaskTracker[] = [];
const e2e = useLocalStack('contacts-paging', {
  // One socket adds some 80 contacts here: above the default frame rate, which is not what this file tests.
  env: { TWILIO_AUTH_TOKEN: AUTH_TOKEN, WS_FRAMES_PER_CONNECTION: '1000', WS_FRAMES_PER_USER: '3000' },
});
afterAll(async () => {
  await Promise.all(trackers.map((t) => t.close()));
});

let n = 300;
const newPhone = () => `+1415555${String(++n).padStart(4, '0')}`;

/** Every frame a client receives, as raw UTF-8 bytes (the server sends each message as one frame). */
const rawFrames = (client: ImClient): Buffer[] => {
  const seen: Buffer[] = [];
  client.ws.on('message', (data: Buffer) => seen.push(data));
  return seen;
};

/** The largest profile the rules allow: 32 three-byte letters, 140 emoji, a 512-character URL of 6-byte escapes. */
const bigName = (i: number) =>
  '名'.repeat(28) +
  [...String(i).padStart(4, '0')].map((d) => String.fromCodePoint(0x4e00 + Number(d))).join('');
const bigMood = '😀'.repeat(140);
const bigAvatar = 'https://a.test/' + '\ud800'.repeat(512 - 'https://a.test/'.length); // 6 bytes each, escaped

describe('getContacts in pages', () => {
  let owner: E2eUser;
  const ims: E2eUser[] = [];
  const phones: string[] = [];
  let o: ImClient;
  let frames: Buffer[];

  beforeAll(async () => {
    owner = await signUp(e2e.base, newPhone());
    o = await e2e.connect(owner);
    frames = rawFrames(o);
    for (let i = 0; i < 16; i++) {
      const user = await signUp(e2e.base, newPhone());
      const c = await e2e.connect(user);
      await c.api.updateProfile({ name: bigName(i), mood: bigMood, avatarUrl: bigAvatar });
      if (i % 4 !== 0) await c.close(); // a quarter stay online
      ims.push(user);
      await o.api.addContact({ imNumber: user.imNumber });
    }
    for (let i = 0; i < 60; i++) {
      const phone = `+1650555${String(1000 + i)}`;
      phones.push(phone);
      await o.api.addContact({ phone, name: '😀'.repeat(63) + String(i % 10) });
    }
  }, 240_000);

  it('reads the whole list of maximum-size profiles through several pages, every frame under 32 KB', async () => {
    const seen = frames.length;
    const all = await o.api.getAllContacts();

    const pages = frames.slice(seen).filter((f) => f.includes('"type":"contacts"'));
    expect(pages.length).toBeGreaterThanOrEqual(3);
    for (const f of pages) expect(f.length).toBeLessThan(FRAME_LIMIT);
    expect(Math.max(...pages.map((f) => f.length))).toBeGreaterThan(20_000); // filled pages, not a small count
    expect(all.version).toBe(76);
    expect(all.nextCursor).toBeUndefined();
    expect(all.contacts!.map((c) => ('imNumber' in c ? c.imNumber : c.phone)).sort()).toEqual(
      [...ims.map((u) => u.imNumber), ...phones].sort(),
    );
    const im = all.contacts!.find((c) => 'imNumber' in c && c.imNumber === ims[1]!.imNumber);
    expect(im).toEqual({
      imNumber: ims[1]!.imNumber,
      name: bigName(1),
      mood: bigMood,
      avatarUrl: bigAvatar,
      status: 'offline',
    });
    const online = all.contacts!.filter((c) => 'status' in c && c.status === 'online');
    expect(online.map((c) => ('imNumber' in c ? c.imNumber : '')).sort()).toEqual(
      ims
        .filter((_, i) => i % 4 === 0)
        .map((u) => u.imNumber)
        .sort(),
    );
  });

  it('answers an old client (no cursor, no limit) with its first page and a nextCursor, not an error', async () => {
    const seen = frames.length;
    const first = (await answer(o.api.getContacts())) as ContactsFrame;

    expect(first.type).toBe('contacts');
    expect(first.nextCursor).toEqual(expect.any(String));
    expect(first.contacts!.length).toBeGreaterThan(0);
    expect(frames.slice(seen).every((f) => f.length < FRAME_LIMIT)).toBe(true);
  });

  it('pages by limit, keeps `since` on the first page, and refuses a bad cursor or limit', async () => {
    const paged = await o.api.getAllContacts(undefined, { limit: 7 });
    expect(paged.contacts).toHaveLength(76);
    expect(await o.api.getAllContacts(paged.version)).toEqual({
      type: 'contacts',
      version: paged.version,
      unchanged: true,
    });
    const added = await o.api.addContact({ phone: newPhone(), name: 'Late' });
    const changed = await o.api.getAllContacts(paged.version);
    expect(changed.version).toBe(added.version);
    expect(changed.contacts).toHaveLength(77);

    const bad: Array<[Record<string, unknown>, string]> = [
      [{ action: 'getContacts', cursor: 'ROSTER#im#12345678' }, 'invalid_cursor'],
      [{ action: 'getContacts', limit: 0 }, 'invalid_limit'],
      [{ action: 'getContacts', limit: 501 }, 'invalid_limit'],
    ];
    for (const [frame, code] of bad) {
      const seen = o.frames.length;
      o.send(frame);
      await o.waitFor((f) => o.frames.indexOf(f) >= seen && f.type === 'error');
      expect(o.frames.slice(seen).find((f) => f.type === 'error')).toMatchObject({ code });
    }
  });
});

describe('history pages', () => {
  it('a conversation holding a text no rule bounds (a 40,000-character webhook body) reads in frames under 32 KB', async () => {
    const [alice, bob] = [await signUp(e2e.base, newPhone()), await signUp(e2e.base, newPhone())];
    const b = await e2e.connect(bob);
    await b.api.addContact({ imNumber: alice.imNumber });
    const tracker = new TaskTracker();
    trackers.push(tracker);
    const twilio = new WebhookClient({
      authToken: AUTH_TOKEN,
      publicUrl: e2e.stack.config.publicUrl,
      deliverTo: e2e.base,
      tracker,
    });
    const res = await twilio.send({
      url: `${e2e.stack.config.publicUrl}/twilio/sms`,
      method: 'POST',
      params: {
        MessageSid: `SM${String(++n).padStart(32, '0')}`,
        AccountSid: e2e.stack.config.twilioAccountSid,
        From: alice.phone,
        To: e2e.stack.config.serviceNumbers[0]!,
        Body: `@${bob.imNumber} ${'é'.repeat(40_000)}`,
        NumMedia: '0',
      },
    });
    expect(res.status).toBe(200);
    await b.waitFor((f) => f.type === 'message');
    await b.api.sendMessage({ to: alice.imNumber, text: 'x' + '\u0001\ud800'.repeat(1999) + '\u001f' });
    const frames = rawFrames(b);

    const newest = await b.api.history({ with: alice.imNumber, limit: 100 });
    const older = await b.api.history({ with: alice.imNumber, limit: 100, before: newest.next });

    const pages = frames.filter((f) => f.includes('"type":"history"'));
    expect(pages).toHaveLength(2);
    for (const f of pages) expect(f.length).toBeLessThan(FRAME_LIMIT);
    expect(newest.messages).toHaveLength(1); // the 24.3 KB reply; the long text would not fit beside it
    expect(older.messages).toHaveLength(1);
    expect(older.messages[0]!.text).toBe('é'.repeat(MAX_TEXT_CHARS)); // cut to the message limit when stored
    expect(older.next).toBeUndefined();
  });
});
