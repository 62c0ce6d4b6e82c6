import { avatarUrlProblem, validateContactName } from '../../../shared/core/contacts/book';
import {
  hasVisibleCharacter,
  NAMED_TEXT_PATTERN,
  VISIBLE_CHARACTER,
} from '../../../shared/core/contacts/profile-rules';
import { tooMany, waitText } from '../../../shared/core/errors';
import { NAME_PATTERN, validateName } from '../../../shared/core/provisioning/names';
import { NAME_INPUT_PATTERN } from '../../../shared/runtime/frames';

/**
 * The rules behind "text must hold something that shows", the wording of refusals, and the wait a 429 names. The
 * same rules are tried through the real stack in test/e2e/route-answers.test.ts and against the published schema
 * in test/docs/protocol-schema.test.ts.
 */

/** Every code point (no surrogates) for which `test` holds. */
function codePoints(test: (ch: string) => boolean): number[] {
  const found: number[] = [];
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    if (test(String.fromCodePoint(cp))) found.push(cp);
  }
  return found;
}

describe('hasVisibleCharacter: a character that shows', () => {
  it.each([
    ['U+2800 braille blank', '\u2800'],
    ['U+115F Hangul choseong filler', '\u115f'],
    ['U+1160 Hangul jungseong filler', '\u1160'],
    ['U+3164 Hangul filler', '\u3164'],
    ['U+FFA0 half-width Hangul filler', '\uffa0'],
    ['U+FE0F variation selector 16', '\ufe0f'],
    ['U+E01EF variation selector 256', '\u{e01ef}'],
    ['U+034F combining grapheme joiner', '\u034f'],
    ['U+180E Mongolian vowel separator', '\u180e'],
    ['U+200B zero-width space', '\u200b'],
    ['U+2060 word joiner', '\u2060'],
    ['U+E0020 tag space', '\u{e0020}'],
    ['U+3000 ideographic space', '\u3000'],
    ['spaces and line breaks', ' \t\n\r\u00a0\u2028'],
    ['U+0085 next line (white space to Unicode, not to \\s)', '\u0085'],
    ['U+0001 and other control characters', '\u0001\u001b\u007f\u009f'],
    ['the empty text', ''],
  ])('%s alone shows nothing', (_what, text) => {
    expect(hasVisibleCharacter(text)).toBe(false);
    expect(hasVisibleCharacter(text + text)).toBe(false);
  });

  it.each([
    ['a letter', 'a'],
    ['an emoji', '😀'],
    ['an emoji with its variation selector', '❤\ufe0f'],
    ['a combining accent on nothing (it draws)', '\u0301'],
    ['a Hangul syllable', '김'],
    ['a letter among blanks', '\u3164a\u2800'],
  ])('%s shows', (_what, text) => {
    expect(hasVisibleCharacter(text)).toBe(true);
  });

  it('refuses every default-ignorable, control, format and white-space code point, and only the braille blank beside them', () => {
    const blank = codePoints((ch) => !new RegExp(VISIBLE_CHARACTER, 'u').test(ch));
    const expected = codePoints((ch) => /[\s\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}]/u.test(ch));
    expect(blank.filter((cp) => !expected.includes(cp))).toEqual([0x2800]);
    expect(expected.filter((cp) => !blank.includes(cp))).toEqual([]);
  });

  it('a contact name needs a character that shows, as a text does (NAMED_TEXT_PATTERN)', () => {
    for (const blank of ['\u3164', '\u2800', '\ufe0f', ' \u115f\u1160 '])
      expect(NAMED_TEXT_PATTERN.test(blank)).toBe(false);
    expect(NAMED_TEXT_PATTERN.test('Dana\ufe0f')).toBe(true);
  });
});

describe('chosen names: the Hangul fillers are no letters', () => {
  it('NAME_PATTERN and the frame input pattern refuse exactly the four default-ignorable letters among letters', () => {
    const letters = codePoints((ch) => /\p{L}/u.test(ch) && /\p{Default_Ignorable_Code_Point}/u.test(ch));
    expect(letters).toEqual([0x115f, 0x1160, 0x3164, 0xffa0]);
    for (const cp of letters) {
      const ch = String.fromCodePoint(cp);
      for (const name of [ch, `a${ch}`, `a${ch}b`, `${ch}a`]) {
        expect(NAME_PATTERN.test(name)).toBe(false);
        expect(NAME_INPUT_PATTERN.test(name)).toBe(false);
        expect(() => validateName(name)).toThrow(
          expect.objectContaining({ code: 'invalid_name', message: expect.stringMatching(/Hangul filler/) }),
        );
      }
    }
    expect(validateName('김민준')).toBe('김민준');
  });
});

describe('refusals name the one rule broken', () => {
  it.each([
    ['', 'name must not be empty (nor only spaces and characters that show as nothing)'],
    ['\u3164\u2800', 'name must not be empty (nor only spaces and characters that show as nothing)'],
    ['n'.repeat(65), 'name must be at most 64 characters'],
    ['Dan\u0007', 'name must not hold control characters'],
    [7, 'name must be a string'],
  ])('a contact name %j: %s', (name, message) => {
    expect(() => validateContactName(name)).toThrow(
      expect.objectContaining({ code: 'invalid_name', message }),
    );
  });

  it.each([
    ['https://[::1', 'must be a well-formed https URL (it does not parse as a URL)'],
    ['https://a.test/' + 'p'.repeat(498), 'must be at most 512 characters'],
    ['http://a.test/x.png', 'must be an https URL'],
    ['https://u:p@a.test/x.png', 'must not hold a user name or password'],
    ['https://a.test/\u0085', 'must not hold control characters'],
    ['https://a.test/x.png', undefined],
  ])('an avatar URL %j: %s', (url, problem) => {
    expect(avatarUrlProblem(url)).toBe(problem);
  });
});

describe('waitText: the wait a refusal names, as Retry-After counts it', () => {
  it.each([
    [1, '1 s'],
    [999, '1 s'],
    [1001, '2 s'],
    [59_000, '59 s'],
    [59_001, '1 min'],
    [60_000, '1 min'],
    [1_801_000, '31 min'],
    [3_600_000, '60 min'],
  ])('%i ms: %s', (ms, text) => {
    expect(waitText(ms)).toBe(text);
  });

  it('never names less time than the Retry-After tooMany sets for the same wait', () => {
    for (const ms of [1, 500, 59_500, 60_001, 1_800_001, 3_599_999]) {
      const seconds = tooMany('x', 'too_many_tries', ms).retryAfterSeconds!;
      const [n, unit] = waitText(ms).split(' ');
      const named = Number(n) * (unit === 'min' ? 60 : 1);
      expect(named).toBeGreaterThanOrEqual(seconds);
      expect(named - seconds).toBeLessThan(60);
    }
  });
});
