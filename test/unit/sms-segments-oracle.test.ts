import fc from 'fast-check';
import { SegmentedMessage } from 'sms-segments-calculator';
import { countSegments, encodeSms } from '../../shared/core/conversion/sms-encoding';

/**
 * An independent oracle for segment counts: Twilio's published calculator (npm sms-segments-calculator,
 * github.com/TwilioDevEd/message-segment-calculator), the tool Twilio points to for how it will bill a body.
 * The core must agree with it on encoding and segment count wherever the core does not normalise; where they
 * differ by design, the differences are named below, one test each.
 */
const oracle = (text: string) => {
  const m = new SegmentedMessage(text);
  return { encoding: m.encodingName, segments: m.segmentsCount };
};

// Grapheme clusters that stay whole when concatenated in any order (none starts with a modifier, a joiner or
// a combining mark), so both sides see the same clusters whatever their Unicode version.
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmnopqrstuvwxyzäöñüà';
const gsmBasic = fc.constantFrom(...GSM_BASIC);
const gsmExtension = fc.constantFrom(...'\f^{}\\[~]|€');
const codePoint = (min: number, max: number) => fc.integer({ min, max }).map((c) => String.fromCodePoint(c));
const ucs2 = fc.oneof(
  codePoint(0x4e00, 0x9fff), // CJK
  codePoint(0x0430, 0x044f), // Cyrillic
  fc.constantFrom('ç', 'á', 'ł', 'ő', 'ş', 'ğ', 'ü', 'í', '¢', '\t', 'ا', 'ש'),
);
const emoji = codePoint(0x1f600, 0x1f64f); // one surrogate pair each
const cluster = fc.constantFrom('👍🏽', '🇺🇸', '🇫🇷', '👨‍👩‍👧', 'é', '❤️'); // several code points each
const typographic = fc.constantFrom('‘', '’', '“', '”', '–', '—', '…', '\u00a0', '•');

const textOf = (atom: fc.Arbitrary<string>, maxLength: number) =>
  fc.array(atom, { maxLength, size: 'max' }).map((atoms) => atoms.join(''));
/** A run of one atom whose length sits just around a segment boundary, then a short mixed tail. */
const aroundBoundary = (atom: fc.Arbitrary<string>, tail: fc.Arbitrary<string>) =>
  fc
    .tuple(
      atom,
      fc.constantFrom(67, 70, 134, 153, 160, 201, 306),
      fc.integer({ min: -3, max: 3 }),
      textOf(tail, 4),
    )
    .map(([a, boundary, delta, rest]) => a.repeat(Math.max(0, boundary + delta)) + rest);

const anyAtom = fc.oneof(
  { arbitrary: gsmBasic, weight: 6 },
  { arbitrary: gsmExtension, weight: 2 },
  { arbitrary: ucs2, weight: 2 },
  { arbitrary: emoji, weight: 2 },
  { arbitrary: cluster, weight: 1 },
);
const text = fc.oneof(
  textOf(gsmBasic, 400),
  textOf(fc.oneof({ arbitrary: gsmBasic, weight: 4 }, { arbitrary: gsmExtension, weight: 1 }), 400),
  textOf(ucs2, 200),
  textOf(fc.oneof(ucs2, emoji), 200),
  textOf(fc.oneof(emoji, cluster), 100),
  textOf(anyAtom, 400),
  aroundBoundary(fc.oneof(gsmBasic, gsmExtension), fc.oneof(gsmBasic, gsmExtension)),
  aroundBoundary(fc.oneof(ucs2, emoji), anyAtom),
  aroundBoundary(gsmBasic, fc.oneof(emoji, cluster, ucs2)),
);

describe('segments agree with Twilio’s calculator', () => {
  it('countSegments: same encoding and segment count for any non-empty text', () => {
    fc.assert(
      fc.property(text, (t) => {
        fc.pre(t.length > 0);
        const core = countSegments(t);

        expect({ encoding: core.encoding, segments: core.segments }).toEqual(oracle(t));
      }),
      { numRuns: 1000 },
    );
  });

  it('encodeSms: what it sends is billed as it says, normalised or not', () => {
    const withTypography = fc.oneof(
      text,
      textOf(fc.oneof({ arbitrary: gsmBasic, weight: 8 }, { arbitrary: typographic, weight: 1 }), 400),
      textOf(fc.oneof(gsmBasic, typographic, ucs2, emoji), 300),
    );
    fc.assert(
      fc.property(withTypography, (t) => {
        fc.pre(t.length > 0);
        const sent = encodeSms(t);

        expect({ encoding: sent.encoding, segments: sent.segments }).toEqual(oracle(sent.body));
      }),
      { numRuns: 500 },
    );
  });

  it('agrees at the issue’s example: 66 CJK + one emoji + 66 CJK is 3 segments', () => {
    const t = '中'.repeat(66) + '😀' + '中'.repeat(66);

    expect([countSegments(t).segments, oracle(t).segments]).toEqual([3, 3]);
  });
});

describe('where the core differs from Twilio’s calculator, by design', () => {
  it('the empty string: 0 segments (nothing is billed, and empty messages are refused earlier); it says 1', () => {
    expect([countSegments('').segments, oracle('').segments]).toEqual([0, 1]);
  });

  it('normalisation: typographic look-alikes go as GSM-7; the calculator (smart encoding off) bills UCS-2', () => {
    const t = '“Hi” – see you…';

    const sent = encodeSms(t);

    expect({ encoding: sent.encoding, segments: sent.segments, normalized: sent.normalized }).toEqual({
      encoding: 'GSM-7',
      segments: 1,
      normalized: true,
    });
    expect(oracle(t).encoding).toBe('UCS-2');
    expect(oracle(sent.body)).toEqual({ encoding: 'GSM-7', segments: 1 });
  });

  it('normalisation can save segments: 100 characters with one curly apostrophe are 1 segment, not 2', () => {
    const t = 'a'.repeat(99) + '’';

    expect([encodeSms(t).segments, oracle(t).segments]).toEqual([1, 2]);
  });

  it('a lone surrogate is sent as U+FFFD; the calculator counts the broken text as it is', () => {
    const sent = encodeSms('ok \ud800');

    expect(sent.body).toBe('ok \ufffd');
    expect(oracle(sent.body)).toEqual({ encoding: sent.encoding, segments: sent.segments });
  });
});
