import { MAX_TEXT_CHARS, cutToMaxText } from '../../../shared/core/conversion/message-text';
import { messageIdFor } from '../../../shared/core/ids';
import { receiveSms } from '../../../shared/core/im-sms/receive';
import { coreWorld, SERVICE_NUMBERS } from '../../support/core-deps';

/** A text from a phone keeps the IM frame's limit: cut to MAX_TEXT_CHARS code points, never stored whole. */
describe('an inbound SMS body past the message limit', () => {
  it('is stored and delivered cut to MAX_TEXT_CHARS code points', async () => {
    const w = coreWorld();
    const bob = await w.user({ name: 'bob' });
    const body = `@${bob.imNumber} ${'x'.repeat(300_000)}`;
    await receiveSms(w.deps, { messageSid: 'SMbig', from: '+16505550177', to: SERVICE_NUMBERS[0], body });
    const stored = await w.stores.messages.getMessage(messageIdFor('sms', 'SMbig'));
    expect(stored?.text).toBe('x'.repeat(MAX_TEXT_CHARS));
  });

  it('is cut at a grapheme boundary, counted in code points', () => {
    const thumbs = '👍🏽'; // 2 code points, 4 UTF-16 units: one grapheme
    expect(cutToMaxText('a' + thumbs.repeat(2000))).toBe('a' + thumbs.repeat(1999));
    expect([...cutToMaxText('😀'.repeat(4001))].length).toBe(MAX_TEXT_CHARS);
    expect(cutToMaxText('short')).toBe('short');
    // A first grapheme past the limit (e + 5,000 combining accents) is cut inside, never to an empty text.
    const huge = 'e' + '\u0301'.repeat(5000);
    expect(cutToMaxText(huge)).toBe(huge.slice(0, MAX_TEXT_CHARS));
    expect(cutToMaxText(' ' + huge).trim()).not.toBe('');
    const exact = '😀'.repeat(MAX_TEXT_CHARS);
    expect(cutToMaxText(exact)).toBe(exact);
  });
});
