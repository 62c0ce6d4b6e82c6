import { encodeFrame, MAX_FRAME_BYTES } from '../../shared/adapters/apigw-im-channel';
import { MAX_TEXT_CHARS } from '../../shared/core/conversion/message-text';
import type { ServerFrame } from '../../shared/adapters/ws-frames';

const decode = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes));

/** The longest message frame valid input can make: every field at its longest, every character at its costliest. */
const worstMessage = (text: string): ServerFrame => ({
  type: 'message',
  id: 'm'.repeat(64),
  from: '9'.repeat(12),
  fromName: '𐐀'.repeat(32),
  to: '9'.repeat(12),
  text,
  sentAt: new Date(0).toISOString(),
  via: 'sms',
});

describe('encodeFrame keeps every server frame within the 32 KB frame quota', () => {
  test.each([
    ['control characters (6 bytes each in JSON)', '\u0001'.repeat(MAX_TEXT_CHARS)],
    ['lone surrogates (6 bytes each in JSON)', '\ud800'.repeat(MAX_TEXT_CHARS)],
    ['astral characters (4 bytes each)', '😀'.repeat(MAX_TEXT_CHARS)],
  ])('the longest valid message, all %s, is sent whole', (_what, text) => {
    const bytes = encodeFrame(worstMessage(text));

    expect(bytes.length).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expect(decode(bytes)).toEqual(worstMessage(text));
  });

  test.each<[string, ServerFrame, string]>([
    ['a message text', worstMessage('😀'.repeat(20_000)), 'text'],
    [
      'a receipt reason',
      {
        type: 'receipt',
        clientId: 'c1',
        id: 'm',
        status: 'failed',
        path: ['sms'],
        reason: 'e'.repeat(50_000),
      },
      'reason',
    ],
    ['an error message', { type: 'error', code: 'internal', message: '\u0001'.repeat(9_000) }, 'message'],
  ])('%s over the quota is cut to fit, on a code point, ending with …', (_what, frame, field) => {
    const bytes = encodeFrame(frame);

    expect(bytes.length).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expect(bytes.length).toBeGreaterThan(MAX_FRAME_BYTES - 16);
    const sent = decode(bytes);
    const original = (frame as Record<string, string>)[field]!;
    expect(sent[field].endsWith('…')).toBe(true);
    expect(original.startsWith(sent[field].slice(0, -1))).toBe(true);
    expect(sent[field]).not.toMatch(/[\ud800-\udbff]…$/);
    expect({ ...sent, [field]: original }).toEqual(frame);
  });
});

describe('encodeFrame cuts free text only', () => {
  it('refuses a frame over the quota in a cursor or an id rather than send it broken', () => {
    const cursorOnly: ServerFrame = {
      type: 'history',
      with: '12345678',
      messages: [],
      next: '1'.repeat(40_000),
    };
    const idOnly: ServerFrame = {
      type: 'receipt',
      clientId: 'c1',
      id: 'm'.repeat(40_000),
      status: 'accepted',
      path: ['im'],
    };

    expect(() => encodeFrame(cursorOnly)).toThrow('frame cannot be cut to the frame limit');
    expect(() => encodeFrame(idOnly)).toThrow('frame cannot be cut to the frame limit');
  });

  it('cuts the text of a frame whose cursor is long too, and leaves the cursor whole', () => {
    const frame = { ...worstMessage('é'.repeat(20_000)), id: 'i'.repeat(1_000) };
    const sent = decode(encodeFrame(frame));
    expect(sent.id).toBe('i'.repeat(1_000));
    expect(sent.text).toMatch(/^é+…$/);
  });
});
