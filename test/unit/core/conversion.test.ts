import fc from 'fast-check';
import { parseSmsAddress } from '../../../shared/core/conversion/addressing';
import { parseKeyword } from '../../../shared/core/conversion/keywords';
import {
  defaultName,
  formatSmsBody,
  IM_NUMBER_PATTERN,
  NAME_PATTERN,
  parseSmsBody,
} from '../../../shared/core/rules';

describe('SMS addressing', () => {
  it.each([
    ['@12345678 hello there', { kind: 'imNumber', imNumber: '12345678', text: 'hello there' }],
    ['  @12345678   spaced  ', { kind: 'imNumber', imNumber: '12345678', text: 'spaced' }],
    ['@alice: hi', { kind: 'name', name: 'alice', text: 'hi' }],
    ['@张三 你好', { kind: 'name', name: '张三', text: '你好' }],
    ['@bob,multi\nline', { kind: 'name', name: 'bob', text: 'multi\nline' }],
    ['@12345678', { kind: 'imNumber', imNumber: '12345678', text: '' }],
    ['hello @12345678', { kind: 'none', text: 'hello @12345678' }],
    ['plain reply', { kind: 'none', text: 'plain reply' }],
    ['@ lonely at', { kind: 'none', text: '@ lonely at' }],
    // Punctuation after the address ends it: names end with a letter or digit.
    ['@alice. hi there', { kind: 'name', name: 'alice', text: 'hi there' }],
    ['@u57814682. hello', { kind: 'name', name: 'u57814682', text: 'hello' }],
    ['@12345678- hello', { kind: 'imNumber', imNumber: '12345678', text: 'hello' }],
    ['@j.r.r_ hi', { kind: 'name', name: 'j.r.r', text: 'hi' }],
    ['@alice.smith hi', { kind: 'name', name: 'alice.smith', text: 'hi' }],
  ])('%j', (body, expected) => {
    expect(parseSmsAddress(body)).toEqual(expected);
  });

  it('never throws, and an @-address always carries the rest of the text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (body) => {
        const parsed = parseSmsAddress(body);
        if (parsed.kind === 'none') return parsed.text === body.trim();
        return (
          body.includes(parsed.text) && !/\s/.test(parsed.kind === 'name' ? parsed.name : parsed.imNumber)
        );
      }),
      { numRuns: 2000 },
    );
  });
});

describe('SMS keywords', () => {
  it.each([
    ['STOP', 'stop'],
    [' stop ', 'stop'],
    ['Unsubscribe', 'stop'],
    ['cancel', 'stop'],
    ['Stop.', 'stop'],
    ['START', 'start'],
    ['unstop', 'start'],
    ['help', 'help'],
    ['INFO', 'help'],
    // Read as every typed input is (format characters dropped, NFKC): full-width letters from a CJK input
    // method, a zero-width space or bidi marks from a paste are still the word.
    ['\uff33\uff34\uff2f\uff30', 'stop'],
    ['stop\u200b', 'stop'],
    ['\u202dSTOP\u202c', 'stop'],
    ['\uff53tart', 'start'],
  ])('%j is %s', (body, keyword) => {
    expect(parseKeyword(body)).toBe(keyword);
  });

  it.each(['stop by at 5', 'please help me', 'started', '@123 STOP', ''])(
    '%j is an ordinary message',
    (body) => {
      expect(parseKeyword(body)).toBeNull();
    },
  );

  it('matches only a whole-message keyword (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (body) => {
        const kw = parseKeyword(body);
        return kw === null || /^[A-Za-z]+[.!]*$/.test(body.trim());
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the outbound SMS body', () => {
  it('names the sender by name and imNumber', () => {
    expect(formatSmsBody('alice', '12345678', 'hi')).toBe('alice @12345678: hi');
  });

  it('does not repeat the number for a default name', () => {
    expect(formatSmsBody('u12345678', '12345678', 'hi')).toBe('@12345678: hi');
  });

  it('carries the text unchanged', () => {
    fc.assert(fc.property(fc.string(), (text) => formatSmsBody('a', '1234', text).endsWith(`: ${text}`)));
  });

  it.each([
    ['alice @12345678: hi', { fromName: 'alice', fromImNumber: '12345678', text: 'hi' }],
    ['@12345678: hi', { fromName: null, fromImNumber: '12345678', text: 'hi' }],
    ['张三 @1234: a: b @5678: c', { fromName: '张三', fromImNumber: '1234', text: 'a: b @5678: c' }],
    ['@1234: ', { fromName: null, fromImNumber: '1234', text: '' }],
  ])('parses %j back to its sender and text', (body, expected) => {
    expect(parseSmsBody(body)).toEqual(expected);
  });

  it.each([
    'hello',
    '@123: too short a number',
    '@1234567890123: too long a number',
    'two words @1234: x',
    'u1234 @1234: a default name is never written out',
    '@1234 no colon',
    '@1234:no space',
  ])('refuses %j, which formatSmsBody cannot have made', (body) => {
    expect(parseSmsBody(body)).toBeNull();
  });

  const imNumbers = fc.stringMatching(IM_NUMBER_PATTERN);
  // Chosen names, or none (the default name); the name arbitrary is built once (it is slow to build).
  const chosenNames = fc.option(fc.stringMatching(NAME_PATTERN), { nil: undefined });
  const senders = fc
    .tuple(imNumbers, chosenNames)
    .map(([imNumber, chosen]) => ({ imNumber, name: chosen ?? defaultName(imNumber) }));

  it('parseSmsBody inverts formatSmsBody for every valid sender and any text (property)', () => {
    fc.assert(
      fc.property(senders, fc.string({ unit: 'grapheme', maxLength: 300 }), ({ imNumber, name }, text) => {
        const parsed = parseSmsBody(formatSmsBody(name, imNumber, text));
        expect(parsed).toEqual({
          fromName: name === defaultName(imNumber) ? null : name,
          fromImNumber: imNumber,
          text,
        });
      }),
      { numRuns: 500 },
    );
  });

  it('formatSmsBody rebuilds exactly every body parseSmsBody accepts (property)', () => {
    const bodies = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc
        .tuple(
          fc.option(fc.string({ maxLength: 10 })),
          fc.stringMatching(/^\d{1,14}$/),
          fc.string({ maxLength: 30 }),
        )
        .map(([name, digits, text]) => `${name === null ? '' : `${name} `}@${digits}: ${text}`),
    );
    fc.assert(
      fc.property(bodies, (body) => {
        const parsed = parseSmsBody(body);
        if (parsed) {
          const name = parsed.fromName ?? defaultName(parsed.fromImNumber);
          expect(formatSmsBody(name, parsed.fromImNumber, parsed.text)).toBe(body);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
