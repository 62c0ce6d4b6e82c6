import fc from 'fast-check';
import {
  defaultName,
  formatSmsBody,
  IM_NUMBER_PATTERN,
  NAME_PATTERN,
  parseSmsBody,
} from '../../shared/core/rules';

/** parseSmsBody is what the console reads an IM-SMS with; it must undo exactly what the router writes. */
describe('parseSmsBody, the inverse of formatSmsBody', () => {
  it.each([
    ['Alice @12345678: hi', { fromName: 'Alice', fromImNumber: '12345678', text: 'hi' }],
    ['@12345678: hi', { fromName: null, fromImNumber: '12345678', text: 'hi' }],
    [
      '张三 @12345678: 你好\nline two',
      { fromName: '张三', fromImNumber: '12345678', text: '你好\nline two' },
    ],
    ['Bob @1234: a: b', { fromName: 'Bob', fromImNumber: '1234', text: 'a: b' }],
  ])('%j', (body, expected) => {
    expect(parseSmsBody(body)).toEqual(expected);
  });

  it.each([
    'Your IMSMS code is 123456',
    '@12: too short a number',
    'Alice @12345678 no colon',
    'two words @12345678: hi',
    '',
  ])('not an IM-SMS: %j', (body) => {
    expect(parseSmsBody(body)).toBeNull();
  });

  it('round-trips every name, imNumber and text the router can write', () => {
    const imNumber = fc.stringMatching(/^\d{4,12}$/);
    const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,31}$/);
    fc.assert(
      fc.property(
        fc.option(name, { nil: null }),
        imNumber,
        fc.string({ unit: 'grapheme' }),
        (n, num, text) => {
          expect(NAME_PATTERN.test(n ?? 'x')).toBe(true);
          expect(IM_NUMBER_PATTERN.test(num)).toBe(true);
          const body = formatSmsBody(n ?? defaultName(num), num, text);
          expect(parseSmsBody(body)).toEqual({ fromName: n, fromImNumber: num, text });
        },
      ),
    );
  });
});
