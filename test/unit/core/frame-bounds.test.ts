import { encodeFrame, MAX_FRAME_BYTES } from '../../../shared/adapters/apigw-im-channel';
import { toServerFrame } from '../../../shared/adapters/ws-frames';
import {
  addContact,
  MAX_AVATAR_URL_CHARS,
  MAX_CONTACT_NAME_CHARS,
  MAX_MOOD_CHARS,
  updateProfile,
} from '../../../shared/core/contacts/book';
import { MAX_TEXT_CHARS } from '../../../shared/core/conversion/message-text';
import { history, MAX_HISTORY_LIMIT } from '../../../shared/core/history/history';
import type { ImEvent } from '../../../shared/core/ports';
import { conversationCursor } from '../../../shared/core/ports/message-log';
import type { MessageRecord } from '../../../shared/core/types';
import { coreWorld, type CoreWorld } from '../../support/core-deps';

/**
 * Every server frame whose size grows with what users stored stays under API Gateway's 32 KB frame limit by
 * construction (issue 14, item 7): each built at its worst and sent through the IM adapter's encoder, which
 * throws on a frame it cannot make fit (the `internal` error a client saw) and must not need to cut these.
 */
let w: CoreWorld;
beforeEach(() => {
  w = coreWorld();
});

const T = 1_800_000_000_000;
const decode = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes));
/** The frame as sent: within the limit, and exactly what the server built (the last-resort cut untouched). */
function sentWhole(event: ImEvent) {
  const bytes = encodeFrame(toServerFrame(event));
  expect(bytes.length).toBeLessThanOrEqual(MAX_FRAME_BYTES);
  expect(decode(bytes)).toEqual(toServerFrame(event));
  return bytes.length;
}

/** The costliest valid text: 4,000 code points that JSON writes as 6-byte escapes. */
const worstText = 'x' + '\u0001\ud800'.repeat((MAX_TEXT_CHARS - 2) / 2) + '\u001f';
const worstName = '𐐀'.repeat(32);

async function pair() {
  const alice = await w.user();
  const bob = await w.user({ name: worstName });
  await addContact(w.deps, alice, { imNumber: bob.imNumber });
  return { alice, bob };
}

const message = (i: number, from: string, to: string, over: Partial<MessageRecord> = {}): MessageRecord => ({
  id: `m-${String(i).padStart(4, '0')}-${'i'.repeat(40)}`,
  from,
  fromName: worstName,
  to,
  text: worstText,
  via: 'sms',
  path: ['im', 'sms'],
  status: 'failed',
  reason: 'sms_undelivered_30008',
  sentAt: T + i,
  updatedAt: T + i,
  ...over,
});

/** Every history page, oldest cursor last, with the wire size of each. */
async function allPages(caller: string, other: string, limit: number) {
  const pages: Array<Extract<ImEvent, { kind: 'history' }>> = [];
  let before: string | undefined;
  do {
    const page = (await history(w.deps, caller, { with: other, before, limit })) as Extract<
      ImEvent,
      { kind: 'history' }
    >;
    pages.push(page);
    before = page.next;
  } while (before && pages.length < 500);
  return pages;
}

describe('history pages', () => {
  it('a conversation of the largest valid messages reads in pages under 32 KB, every message whole, once', async () => {
    const { alice, bob } = await pair();
    for (let i = 0; i < MAX_HISTORY_LIMIT; i++) {
      const [from, to] = i % 2 ? [alice.imNumber, bob.imNumber] : [bob.imNumber, alice.imNumber];
      await w.stores.messages.putMessage(message(i, from, to));
    }

    const pages = await allPages(alice.imNumber, bob.imNumber, MAX_HISTORY_LIMIT);

    const sizes = pages.map(sentWhole);
    expect(Math.max(...sizes)).toBeGreaterThan(24_000); // one 24.4 KB message a page, uncut
    const messages = pages.flatMap((p) => p.messages);
    expect(messages).toHaveLength(MAX_HISTORY_LIMIT);
    expect(new Set(messages.map((m) => m.id)).size).toBe(MAX_HISTORY_LIMIT);
    expect(messages.every((m) => m.text === worstText)).toBe(true);
  });

  it('a message no rule bounded (a 40,000-character webhook body, a long reason) is cut to fit; its cursor is not', async () => {
    const { alice, bob } = await pair();
    await w.stores.messages.putMessage(message(1, bob.imNumber, alice.imNumber, { text: 'older' }));
    const huge = message(2, bob.imNumber, alice.imNumber, {
      text: 'é'.repeat(40_000),
      reason: 'sms_failed_' + '\u0001'.repeat(10_000),
    });
    await w.stores.messages.putMessage(huge);
    await w.stores.messages.putMessage(message(3, alice.imNumber, bob.imNumber, { text: 'newest' }));

    const pages = await allPages(alice.imNumber, bob.imNumber, 3);

    pages.forEach(sentWhole);
    // The cut message takes a page of its own (with another it would not fit), its cursor intact.
    expect(pages.map((p) => p.messages.map((m) => m.text.slice(0, 6)))).toEqual([
      ['newest'],
      ['éééééé'],
      ['older'],
    ]);
    const cut = pages[1].messages[0];
    expect(cut.id).toBe(huge.id);
    expect(cut.text).toMatch(/^é+…$/);
    expect(cut.reason!.startsWith('sms_failed_\u0001')).toBe(true);
    expect(cut.reason!.endsWith('\u0001…')).toBe(true);
    expect(pages[1].next).toBe(conversationCursor(huge));
  });
});

describe('frames of one item, at their largest', () => {
  it('profile: the largest name, mood and avatar URL valid input makes', async () => {
    const alice = await w.user();
    const event = await updateProfile(w.deps, alice.imNumber, {
      mood: '\ud800'.repeat(MAX_MOOD_CHARS),
      avatarUrl: 'https://a.test/' + '\ud800'.repeat(MAX_AVATAR_URL_CHARS - 15),
    });
    expect(sentWhole(event)).toBeGreaterThan(3_500);
  });

  it('contact: an IM contact with the largest profile, and a non-IM contact with the longest name', async () => {
    const alice = await w.user();
    const bob = await w.user({
      name: worstName,
      mood: '\ud800'.repeat(MAX_MOOD_CHARS),
      avatarUrl: 'https://a.test/' + '\ud800'.repeat(MAX_AVATAR_URL_CHARS - 15),
    });
    expect(sentWhole(await addContact(w.deps, alice, { imNumber: bob.imNumber }))).toBeGreaterThan(3_500);
    const phone = await addContact(w.deps, (await w.stores.users.getUser(alice.imNumber))!, {
      phone: '+14155550123',
      name: '\ud800'.repeat(MAX_CONTACT_NAME_CHARS),
    });
    expect(sentWhole(phone)).toBeLessThan(1_024);
  });

  it('invitation, call and presence: fixed fields and names the rules bound', () => {
    const events: ImEvent[] = [
      {
        kind: 'invitation',
        invitation: {
          phone: '+861234567890123',
          inviter: '123456789012',
          inviterName: worstName,
          name: '\ud800'.repeat(MAX_CONTACT_NAME_CHARS),
          status: 'accepted',
          invitee: '123456789012',
          serviceNumber: '+15005550100',
          createdAt: T,
          expiresAt: T,
        } as Extract<ImEvent, { kind: 'invitation' }>['invitation'],
      },
      { kind: 'call', from: '123456789012', fromName: worstName },
      { kind: 'presence', mode: 'offline', imNumber: '123456789012' },
    ];
    for (const event of events) expect(sentWhole(event)).toBeLessThan(1_024);
  });
});
