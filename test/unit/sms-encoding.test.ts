import fc from 'fast-check';

import {
  MAX_SMS_CHARS,
  TRUNCATION_MARKER,
  countSegments,
  encodeSms,
  gsm7Septets,
  isGsm7,
  normalizeForGsm7,
} from '../../shared/core/conversion/sms-encoding';

const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXTENSION = '\f^{}\\[~]|€';
const TYPOGRAPHIC = '‘’‚‛′“”„″«»–—−…\u00a0\u2009\u202f\u3000•\u200b\u200d\ufeff\u00ad';

/** Twilio's count for its 1,600-character limit: UTF-16 code units. */
const utf16Units = (s: string): number => s.length;
const hasLoneSurrogate = (s: string): boolean =>
  /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

// Independent reference for the minimal number of parts: dynamic programming over every possible cut point,
// rather than the greedy packing the implementation uses.
function minimalSegments(sizes: number[], single: number, multi: number): number {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  if (total <= single) return 1;
  const best: number[] = [0];
  for (let end = 1; end <= sizes.length; end++) {
    best[end] = Infinity;
    let used = 0;
    for (let start = end - 1; start >= 0; start--) {
      used += sizes[start];
      if (used > multi) break;
      best[end] = Math.min(best[end], best[start] + 1);
    }
  }
  return best[sizes.length];
}

const gsmChar = fc.constantFrom(...GSM7_BASIC, ...GSM7_EXTENSION);
// size 'max' so lengths spread over the whole range: the default size keeps strings to a few characters,
// which would never reach a segment boundary or the limit.
const gsmText = (maxLength: number) => fc.string({ unit: gsmChar, maxLength, size: 'max' });
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const typographicChar = fc.constantFrom(...TYPOGRAPHIC);
const exoticChar = fc.oneof(
  fc.constantFrom('中', '文', 'ç', 'á', '😀', '🇺🇸', '\t'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  loneSurrogate,
);
const textOf = (unit: fc.Arbitrary<string>, maxLength: number) => fc.string({ unit, maxLength, size: 'max' });
// Families rather than one mix: in a single mix almost every long string holds a non-GSM character, so the
// normalized path and "truncation cut off the only non-GSM character" would hardly ever be reached.
const anyText = (maxLength: number) =>
  fc.oneof(
    textOf(gsmChar, maxLength),
    textOf(fc.oneof({ arbitrary: gsmChar, weight: 4 }, { arbitrary: typographicChar, weight: 1 }), maxLength),
    textOf(fc.oneof({ arbitrary: gsmChar, weight: 40 }, { arbitrary: exoticChar, weight: 1 }), maxLength),
    textOf(fc.oneof(gsmChar, typographicChar, exoticChar), maxLength),
  );
// Dense in 2-unit characters (extension characters, surrogate pairs), so parts often end on one: the only
// case where the no-split rule changes the count, and rare in anyText.
const boundaryText = fc.oneof(
  textOf(
    fc.oneof(
      { arbitrary: fc.constantFrom('€', '{'), weight: 20 },
      { arbitrary: fc.constant('a'), weight: 1 },
    ),
    700,
  ),
  textOf(
    fc.oneof(
      { arbitrary: fc.constantFrom('😀', '🇺🇸'), weight: 20 },
      { arbitrary: fc.constant('中'), weight: 1 },
    ),
    300,
  ),
);
const limit = fc.integer({ min: utf16Units(TRUNCATION_MARKER) + 1, max: 400 });

describe('isGsm7', () => {
  it('accepts every character of the basic and extension tables', () => {
    const text = GSM7_BASIC + GSM7_EXTENSION;

    const result = isGsm7(text);

    expect(result).toBe(true);
  });

  it('rejects lowercase ç, which only exists as Ç in the table', () => {
    expect(isGsm7('ç')).toBe(false);
  });

  it('rejects the escape character, which is not itself a character', () => {
    expect(isGsm7('\u001b')).toBe(false);
  });

  it('rejects emoji and CJK', () => {
    expect([isGsm7('😀'), isGsm7('中')]).toEqual([false, false]);
  });
});

describe('gsm7Septets', () => {
  it('counts basic characters as 1 and extension characters as 2', () => {
    const text = 'a€{}';

    const septets = gsm7Septets(text);

    expect(septets).toBe(7);
  });

  it('counts every extension character, form feed included, as 2', () => {
    const septets = [...GSM7_EXTENSION].map(gsm7Septets);

    expect(septets).toEqual(Array(GSM7_EXTENSION.length).fill(2));
  });

  it('throws on text that is not GSM-7', () => {
    expect(() => gsm7Septets('中')).toThrow(RangeError);
  });
});

describe('countSegments, GSM-7', () => {
  it('is 0 segments for empty text', () => {
    expect(countSegments('')).toEqual({ encoding: 'GSM-7', segments: 0, units: 0 });
  });

  it('fits 160 plain characters in one segment', () => {
    expect(countSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', segments: 1, units: 160 });
  });

  it('needs 2 segments for 161 plain characters', () => {
    expect(countSegments('a'.repeat(161))).toEqual({ encoding: 'GSM-7', segments: 2, units: 161 });
  });

  it('fits 306 septets in 2 parts of 153', () => {
    expect(countSegments('a'.repeat(306)).segments).toBe(2);
  });

  it('needs 3 parts for 307 septets', () => {
    expect(countSegments('a'.repeat(307)).segments).toBe(3);
  });

  it('counts extension characters as 2 septets towards the single-segment limit', () => {
    const text = '€'.repeat(80) + 'a';

    const result = countSegments(text);

    expect(result).toEqual({ encoding: 'GSM-7', segments: 2, units: 161 });
  });

  it('fits 306 septets in 2 parts when no extension character straddles the boundary', () => {
    const text = 'a'.repeat(153) + '€' + 'a'.repeat(151);

    const result = countSegments(text);

    expect(result).toEqual({ encoding: 'GSM-7', segments: 2, units: 306 });
  });

  it('moves an extension character straddling a boundary to the next part, costing a segment', () => {
    // Part 1 holds 152 'a'; the € would take septets 153-154, so it opens part 2, which then overflows.
    const text = 'a'.repeat(152) + '€' + 'a'.repeat(152);

    const result = countSegments(text);

    expect(result).toEqual({ encoding: 'GSM-7', segments: 3, units: 306 });
  });
});

describe('countSegments, UCS-2', () => {
  it('fits 70 Chinese characters in one segment', () => {
    expect(countSegments('中'.repeat(70))).toEqual({ encoding: 'UCS-2', segments: 1, units: 70 });
  });

  it('needs 2 segments for 71 Chinese characters', () => {
    expect(countSegments('中'.repeat(71))).toEqual({ encoding: 'UCS-2', segments: 2, units: 71 });
  });

  it('fits 134 Chinese characters in 2 parts of 67', () => {
    expect(countSegments('中'.repeat(134)).segments).toBe(2);
  });

  it('needs 3 parts for 135 Chinese characters', () => {
    expect(countSegments('中'.repeat(135)).segments).toBe(3);
  });

  it('counts an emoji as 2 UTF-16 code units', () => {
    expect(countSegments('😀'.repeat(35))).toEqual({ encoding: 'UCS-2', segments: 1, units: 70 });
  });

  it('fits 134 code units in 2 parts when no surrogate pair straddles the boundary', () => {
    const text = '中'.repeat(67) + '😀' + '中'.repeat(65);

    const result = countSegments(text);

    expect(result).toEqual({ encoding: 'UCS-2', segments: 2, units: 134 });
  });

  it('moves a surrogate pair that would straddle a boundary to the next part, costing a segment', () => {
    const text = '中'.repeat(66) + '😀' + '中'.repeat(66);

    const result = countSegments(text);

    expect(result).toEqual({ encoding: 'UCS-2', segments: 3, units: 134 });
  });

  it('keeps an emoji with its skin-tone modifier in one part, as Twilio’s calculator does', () => {
    // Found by the oracle (test/unit/sms-segments-oracle.test.ts): 👍🏽 is 4 code units in one grapheme; at
    // 65 units only 2 are left, so the whole cluster moves on and the second part overflows into a third.
    const text = 'x'.repeat(65) + '👍🏽' + 'x'.repeat(64);

    const result = countSegments(text);

    expect(result).toEqual({ encoding: 'UCS-2', segments: 3, units: 133 });
  });

  it('makes a single non-GSM character switch the whole text to UCS-2', () => {
    const text = 'a'.repeat(100) + 'ç';

    const result = countSegments(text);

    expect(result).toEqual({ encoding: 'UCS-2', segments: 2, units: 101 });
  });
});

describe('normalizeForGsm7', () => {
  it.each([
    ['‘’‚‛′', "'''''"],
    ['“”„″«»', '""""""'],
    ['–—−‐‑', '-----'],
    ['…', '...'],
    ['•', '*'],
    ['a\u00a0b\u2009c\u202fd\u3000e', 'a b c d e'],
    ['a\u200bb\u200cc\u200dd\ufeffe\u00adf\u2060g', 'abcdefg'],
  ])('maps %j to %j', (input, expected) => {
    expect(normalizeForGsm7(input)).toBe(expected);
  });

  it('leaves characters without a typographic stand-in alone', () => {
    const text = 'ç á 中 😀 \t ∆';

    const result = normalizeForGsm7(text);

    expect(result).toBe(text);
  });
});

describe('encodeSms', () => {
  it('sends GSM-7 text unchanged', () => {
    const result = encodeSms('Hello {world} €5');

    expect(result).toEqual({
      body: 'Hello {world} €5',
      encoding: 'GSM-7',
      segments: 1,
      units: 19,
      normalized: false,
      truncated: false,
    });
  });

  it('normalizes smart quotes to GSM-7 and flags it', () => {
    const result = encodeSms('“It’s done” – ok…');

    expect(result).toMatchObject({ body: '"It\'s done" - ok...', encoding: 'GSM-7', normalized: true });
  });

  it('keeps the original characters, em dash included, when Chinese forces UCS-2', () => {
    const text = '会议 — 明天';

    const result = encodeSms(text);

    expect(result).toMatchObject({ body: text, encoding: 'UCS-2', normalized: false, units: 7 });
  });

  it('gives 0 segments for empty text', () => {
    expect(encodeSms('')).toMatchObject({ body: '', encoding: 'GSM-7', segments: 0, units: 0 });
  });

  it('does not truncate a body of exactly 1600 characters', () => {
    const text = 'a'.repeat(MAX_SMS_CHARS);

    const result = encodeSms(text);

    expect(result).toMatchObject({ body: text, truncated: false, segments: 11 });
  });

  it('truncates a body of 1601 characters to 1600 ending with the marker', () => {
    const text = 'a'.repeat(MAX_SMS_CHARS + 1);

    const result = encodeSms(text);

    expect(result).toMatchObject({
      body: 'a'.repeat(MAX_SMS_CHARS - TRUNCATION_MARKER.length) + TRUNCATION_MARKER,
      truncated: true,
      encoding: 'GSM-7',
    });
  });

  // Issue 14 item 5: Twilio refuses a body over 1,600 UTF-16 units (error 21617); an emoji is 2 of them.
  it('limits on UTF-16 code units, as Twilio counts: 1,000 emoji are cut to fit 1,600 units', () => {
    const text = '😀'.repeat(1000);

    const result = encodeSms(text);

    const room = MAX_SMS_CHARS - TRUNCATION_MARKER.length;
    expect(result.body).toBe('😀'.repeat(Math.floor(room / 2)) + TRUNCATION_MARKER);
    expect(result.body.length).toBeLessThanOrEqual(MAX_SMS_CHARS);
    expect(result).toMatchObject({ truncated: true, encoding: 'UCS-2' });
  });

  it('sends 800 emoji (exactly 1,600 units) whole', () => {
    const text = '😀'.repeat(800);

    const result = encodeSms(text);

    // 33 pairs per 67-unit part (one unit always wasted): ceil(800 / 33) = 25, not ceil(1600 / 67) = 24.
    expect(result).toMatchObject({ body: text, truncated: false, units: 1600, segments: 25 });
  });

  it('never splits a surrogate pair when truncating', () => {
    const room = MAX_SMS_CHARS - utf16Units(TRUNCATION_MARKER);
    const text = 'a'.repeat(room - 2) + '😀'.repeat(20);

    const result = encodeSms(text);

    expect(result.body).toBe('a'.repeat(room - 2) + '😀' + TRUNCATION_MARKER);
  });

  it('never splits an emoji sequence or a flag when truncating', () => {
    const room = MAX_SMS_CHARS - utf16Units(TRUNCATION_MARKER);
    // 👍🏽 is 4 units, 🇺🇸 is 4: with 3 units of room left, neither fits and neither is cut in half.
    const text = 'a'.repeat(room - 3) + '👍🏽🇺🇸'.repeat(5);

    const result = encodeSms(text);

    expect(result.body).toBe('a'.repeat(room - 3) + TRUNCATION_MARKER);
  });

  it('sends as GSM-7 when truncation removes the only non-GSM characters', () => {
    const text = 'a'.repeat(MAX_SMS_CHARS) + '中';

    const result = encodeSms(text);

    expect(result).toMatchObject({ encoding: 'GSM-7', truncated: true });
  });

  it('does not leave a double space before the marker', () => {
    const text = 'word '.repeat(10);

    const result = encodeSms(text, utf16Units(TRUNCATION_MARKER) + 'word '.length);

    expect(result.body).toBe('word' + TRUNCATION_MARKER);
  });

  it('uses a marker of GSM-7 basic characters only, so it never changes encoding', () => {
    expect(gsm7Septets(TRUNCATION_MARKER)).toBe(TRUNCATION_MARKER.length);
  });

  it('replaces a lone surrogate with U+FFFD', () => {
    const result = encodeSms('a\ud800b');

    expect(result).toMatchObject({ body: 'a\ufffdb', encoding: 'UCS-2' });
  });

  it('rejects a limit that leaves no room beside the marker', () => {
    expect(() => encodeSms('hello', utf16Units(TRUNCATION_MARKER))).toThrow(RangeError);
  });
});

describe('properties', () => {
  it('never changes a GSM-7 string within the limit', () => {
    fc.assert(
      fc.property(gsmText(MAX_SMS_CHARS), (text) => {
        const result = encodeSms(text);

        expect(result).toMatchObject({ body: text, encoding: 'GSM-7', normalized: false, truncated: false });
      }),
    );
  });

  it('encodes as GSM-7 exactly when the body is GSM-7', () => {
    fc.assert(
      fc.property(anyText(300), limit, (text, max) => {
        const result = encodeSms(text, max);

        expect(result.encoding === 'GSM-7').toBe(isGsm7(result.body));
      }),
    );
  });

  it('never alters a well-formed text that goes as UCS-2 untruncated', () => {
    fc.assert(
      fc.property(anyText(300), (text) => {
        fc.pre(!hasLoneSurrogate(text));

        const result = encodeSms(text);

        if (result.encoding === 'UCS-2') expect(result.body).toBe(text);
      }),
    );
  });

  it('reports units as septets for GSM-7 and UTF-16 code units for UCS-2', () => {
    fc.assert(
      fc.property(anyText(300), limit, (text, max) => {
        const result = encodeSms(text, max);

        const expected = result.encoding === 'GSM-7' ? gsm7Septets(result.body) : result.body.length;
        expect(result.units).toBe(expected);
      }),
    );
  });

  it('bills the minimal number of segments that respects the no-split rules', () => {
    fc.assert(
      fc.property(fc.oneof(anyText(700), boundaryText), (text) => {
        const result = countSegments(text);

        const gsm = result.encoding === 'GSM-7';
        const sizes = gsm
          ? [...text].map(gsm7Septets)
          : Array.from(
              new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text),
              (g) => g.segment.length,
            );
        const expected = gsm ? minimalSegments(sizes, 160, 153) : minimalSegments(sizes, 70, 67);
        expect(result.segments).toBe(expected);
      }),
      // The no-split rule only changes the count in narrow length windows, so it takes many runs to hit some.
      { numRuns: 500, interruptAfterTimeLimit: 10_000 },
    );
  });

  it('bills multipart messages within one unit less than the largest indivisible piece of waste per part', () => {
    // (segments - 1) * capacity < units does not hold: a 2-unit character moved to the next part leaves one
    // unit empty, a 4-unit grapheme (a flag) up to three, so the bound is per part of capacity - (largest - 1).
    fc.assert(
      fc.property(fc.oneof(anyText(700), boundaryText), (text) => {
        const { encoding, segments, units } = countSegments(text);
        const single = encoding === 'GSM-7' ? 160 : 70;
        fc.pre(units > single);
        const capacity = encoding === 'GSM-7' ? 153 : 67;
        const largest =
          encoding === 'GSM-7'
            ? 2
            : Math.max(
                ...Array.from(
                  new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text),
                  (g) => g.segment.length,
                ),
              );

        expect([segments * capacity >= units, (segments - 1) * (capacity - (largest - 1)) < units]).toEqual([
          true,
          true,
        ]);
      }),
    );
  });

  it('keeps every body within the limit and ends truncated bodies with the marker', () => {
    fc.assert(
      fc.property(anyText(300), limit, (text, max) => {
        const result = encodeSms(text, max);

        expect(utf16Units(result.body)).toBeLessThanOrEqual(max);
        if (result.truncated) expect(result.body.endsWith(TRUNCATION_MARKER)).toBe(true);
      }),
    );
  });

  it('truncates exactly when the chosen body is over the limit', () => {
    fc.assert(
      fc.property(anyText(300), limit, (text, max) => {
        const full = encodeSms(text, 100_000);

        const result = encodeSms(text, max);

        expect(result.truncated).toBe(utf16Units(full.body) > max);
      }),
    );
  });

  it('never puts a lone surrogate in a body', () => {
    fc.assert(
      fc.property(anyText(300), limit, (text, max) => {
        const result = encodeSms(text, max);

        expect(hasLoneSurrogate(result.body)).toBe(false);
      }),
    );
  });

  it('normalizes idempotently', () => {
    fc.assert(
      fc.property(anyText(200), (text) => {
        const once = normalizeForGsm7(text);

        expect(normalizeForGsm7(once)).toBe(once);
      }),
    );
  });

  it('accepts arbitrary Unicode without throwing or producing lone surrogates', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), limit, (text, max) => {
        const result = encodeSms(text, max);

        expect(hasLoneSurrogate(result.body)).toBe(false);
      }),
    );
  });
});
