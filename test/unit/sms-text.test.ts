import fc from 'fast-check';
import { parseSmsAddress } from '../../shared/core/conversion/addressing';
import { parseKeyword } from '../../shared/core/conversion/keywords';
import { formatSmsBody } from '../../shared/core/conversion/body-format';

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
});
