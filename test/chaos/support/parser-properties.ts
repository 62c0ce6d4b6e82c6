import fc from 'fast-check';
import { parseSmsAddress } from '../../../shared/core/conversion/addressing';
import { DomainError } from '../../../shared/core/errors';
import {
  ackFrame,
  clientIdOf,
  parseFrame,
  pingFrame,
  sendMessageFrame,
  setPresenceFrame,
} from '../../../shared/runtime/frames';
import { MAX_TEXT_CHARS } from '../../../shared/core/conversion/message-text';
import { parseKeyword } from '../../../shared/core/conversion/keywords';
import { NAME_PATTERN, validateName } from '../../../shared/core/provisioning/names';
import { parsePhone, smsAllowed, stripFormatCharacters } from '../../../shared/core/provisioning/phone';
import { frameArbitrary, FRAME_ERROR_CODES } from './frames';

/**
 * The parsers' properties, shared by the quick run in `npm test` (fuzz-parsers.test.ts) and the 10,000-case
 * run in `npm run test:chaos` (fuzz-parsers.chaos.ts). Each is a fast-check property over hostile input.
 */

/** Throws unless `err` is the DomainError a bad input must become: kind 'invalid' (HTTP 400) and one of `codes`. */
function expectDomain400(err: unknown, codes: readonly string[]): void {
  if (!(err instanceof DomainError)) throw new Error(`not a DomainError: ${String(err)}`);
  if (err.kind !== 'invalid' || !codes.includes(err.code))
    throw new Error(`unexpected ${err.kind} ${err.code}`);
  if (typeof err.message !== 'string' || err.message === '') throw new Error('no message');
}

const unicodeText = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
);

/** Strings as parsers meet them: noise, JSON, near-valid frames, and characters that break naive code. */
const hostileString = fc.oneof(
  unicodeText,
  fc.json({ maxDepth: 3 }),
  frameArbitrary(['12345678']),
  fc.constantFrom('', ' ', '\u0000', '\ud800', '\ufeff', '\u2028', '{}', '[]', 'null', '__proto__'),
);

const schemas = { sendMessageFrame, ackFrame, setPresenceFrame, pingFrame } as const;

const validClientId = fc.stringMatching(/^[!-~]{1,64}$/);
const validText = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 200 })
  .filter((t) => t.trim().length > 0 && [...t].length <= MAX_TEXT_CHARS);
const validSendMessage = fc.record({
  action: fc.constant('sendMessage' as const),
  to: fc.stringMatching(/^\d{4,12}$/),
  text: validText,
  clientId: validClientId,
});

const keywordWords = [
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'REVOKE',
  'OPTOUT',
  'START',
  'UNSTOP',
  'YES',
  'HELP',
  'INFO',
];
const KEYWORD_OF: Record<string, string> = Object.fromEntries(
  keywordWords.map((w) => [
    w,
    ['START', 'UNSTOP', 'YES'].includes(w) ? 'start' : ['HELP', 'INFO'].includes(w) ? 'help' : 'stop',
  ]),
);

/** SMS bodies built from the pieces addressing cares about. */
const smsBody = fc.oneof(
  unicodeText,
  fc
    .array(
      fc.constantFrom(
        '@',
        ' ',
        ':',
        ',',
        '\n',
        '\t',
        '\u00a0',
        '\u3000',
        'bob',
        'Bob_2',
        '12345678',
        '123',
        'u12345678',
        '张三',
        '😀',
        'stop',
        'hi there',
        '',
        // Read as `@`, `:` and `,` after NFKC, or dropped (format characters).
        '\uff20',
        '\ufe6b',
        '\uff1a',
        '\uff0c',
        '\u200b',
        '\u202a',
        '\uff11\uff12\uff13\uff14',
      ),
      { maxLength: 8 },
    )
    .map((parts) => parts.join('')),
);

const phoneInput = fc.oneof(
  fc.anything(),
  unicodeText,
  fc.stringMatching(/^\+?[0-9 ()\-.]{0,20}$/),
  fc
    .tuple(
      fc.constantFrom('1', '86', '44', '49', '33', '7', '91', '81', '61', '55', '999', '0', ''),
      fc.stringMatching(/^[0-9]{0,15}$/),
      fc.constantFrom('', ' ', '-', '.', '(', ')'),
    )
    .map(([cc, rest, sep]) => `+${cc}${sep}${rest.replace(/(\d{3})/g, `$1${sep}`)}`),
);

/** The properties, by name. */
export function parserProperties(): Array<{ name: string; property: fc.IProperty<never> }> {
  const props: Array<{ name: string; property: fc.IProperty<never> }> = [];
  const add = <T>(name: string, property: fc.IProperty<T>) =>
    props.push({ name, property: property as unknown as fc.IProperty<never> });

  for (const [schemaName, schema] of Object.entries(schemas)) {
    add(
      `parseFrame(${schemaName}): any string is a frame or a DomainError 400, never another exception`,
      fc.property(fc.oneof(hostileString, fc.constant(undefined), fc.constant(null)), (raw) => {
        try {
          const frame = parseFrame(schema as typeof sendMessageFrame, raw as string);
          if (typeof frame !== 'object' || frame === null) throw new Error('not an object');
        } catch (err) {
          expectDomain400(err, FRAME_ERROR_CODES);
        }
      }),
    );
  }

  add(
    'parseFrame: valid frames round-trip, whatever extra keys ride along',
    fc.property(
      fc.oneof(
        validSendMessage,
        fc.record({ action: fc.constant('ack' as const), id: fc.string({ minLength: 1, maxLength: 64 }) }),
        fc.record({
          action: fc.constant('setPresence' as const),
          status: fc.constantFrom('online' as const, 'offline' as const),
        }),
        fc.record({ action: fc.constant('ping' as const) }),
      ),
      fc.dictionary(fc.stringMatching(/^x[a-z]{0,6}$/), fc.jsonValue(), { maxKeys: 3 }),
      (frame, extra) => {
        const schema = schemas[`${frame.action}Frame` as keyof typeof schemas] as typeof sendMessageFrame;
        const parsed = parseFrame(schema, JSON.stringify({ ...extra, ...frame }));
        return JSON.stringify(parsed) === JSON.stringify(frame);
      },
    ),
  );

  add(
    'parseFrame(sendMessage): a bad field is named by its code',
    fc.property(
      validSendMessage,
      fc.constantFrom('to', 'text', 'clientId'),
      fc.oneof(
        fc.string({ maxLength: 3 }).map((s) => s.replace(/\S/g, ' ')),
        fc.constant('x'.repeat(MAX_TEXT_CHARS + 1)),
        fc.constant('abc'),
        fc.constant(''),
        fc.integer(),
        fc.constant(null),
      ),
      (frame, field, bad) => {
        const code = { to: 'invalid_recipient', text: 'invalid_text', clientId: 'invalid_client_id' }[field];
        const broken = { ...frame, [field]: bad };
        const ok = sendMessageFrame.safeParse(broken).success;
        try {
          parseFrame(sendMessageFrame, JSON.stringify(broken));
          return ok;
        } catch (err) {
          return !ok && err instanceof DomainError && err.code === code;
        }
      },
    ),
  );

  add(
    'clientIdOf: never throws, and only ever returns a valid clientId',
    fc.property(
      fc.oneof(
        hostileString,
        validSendMessage.map((f) => JSON.stringify(f)),
      ),
      (raw) => {
        const id = clientIdOf(raw);
        return id === undefined || /^[!-~]{1,64}$/.test(id);
      },
    ),
  );

  add(
    'parseSmsAddress: never throws; the address is clean and the text is what follows it',
    fc.property(smsBody, (body) => {
      const parsed = parseSmsAddress(body);
      // "@target" followed by a separator (or nothing) is always an address.
      // The address is read as keywords are: format characters dropped, NFKC (`＠bob` is `@bob`).
      const read = stripFormatCharacters(body);
      if (parsed.kind === 'none')
        return parsed.text === body.trim() && !/^\s*@[^\s@:,]+([\s:,]|$)/u.test(read);
      const target = parsed.kind === 'name' ? parsed.name : parsed.imNumber;
      const shape =
        parsed.kind === 'imNumber' ? /^\d{4,12}$/.test(target) : !/^\d{4,12}$/.test(target) && target !== '';
      return (
        shape &&
        !/[\s@:,]/u.test(target) &&
        read.trimStart().startsWith(`@${target}`) &&
        parsed.text === parsed.text.trim() &&
        body.includes(parsed.text)
      );
    }),
  );

  add(
    'parseSmsAddress: an address and its text round-trip through "@target text"',
    fc.property(smsBody, (body) => {
      const parsed = parseSmsAddress(body);
      if (parsed.kind === 'none') return true;
      const target = parsed.kind === 'name' ? parsed.name : parsed.imNumber;
      const again = parseSmsAddress(`@${target} ${parsed.text}`);
      return JSON.stringify(again) === JSON.stringify(parsed);
    }),
  );

  add(
    'parseKeyword: never throws; a keyword is a whole message of one keyword word',
    fc.property(fc.oneof(smsBody, unicodeText), (body) => {
      const keyword = parseKeyword(body);
      if (keyword === null) return true;
      // Read as a keyword is read (docs/protocol.md): format characters dropped and NFKC, so `\u200bstop` is STOP.
      const word = stripFormatCharacters(body)
        .trim()
        .replace(/[.!]+$/, '');
      return !/\s/u.test(word) && KEYWORD_OF[word.toUpperCase()] === keyword;
    }),
  );

  add(
    'parseKeyword: every keyword is found in any case, padded, with trailing . or !',
    fc.property(
      fc.constantFrom(...keywordWords),
      fc.array(fc.boolean(), { minLength: 11, maxLength: 11 }),
      fc.stringMatching(/^[ \t\n]{0,3}$/),
      fc.stringMatching(/^[.!]{0,3}$/),
      (word, upper, pad, tail) => {
        const cased = [...word].map((c, i) => (upper[i] ? c : c.toLowerCase())).join('');
        return parseKeyword(`${pad}${cased}${tail}${pad}`) === KEYWORD_OF[word];
      },
    ),
  );

  add(
    'parseKeyword: a keyword followed by more words is an ordinary message',
    fc.property(fc.constantFrom(...keywordWords), fc.stringMatching(/^ [a-z]{1,8}$/), (word, more) => {
      return parseKeyword(`${word}${more}`) === null;
    }),
  );

  add(
    'parsePhone: any input is E.164 or a DomainError invalid_phone 400',
    fc.property(phoneInput, (input) => {
      try {
        const { e164, countryCode } = parsePhone(input);
        return (
          /^\+[1-9]\d{6,14}$/.test(e164) &&
          /^[1-9]\d{0,2}$/.test(countryCode) &&
          e164.startsWith(`+${countryCode}`) &&
          parsePhone(e164).e164 === e164 &&
          typeof smsAllowed(e164, ['1', '86']) === 'boolean'
        );
      } catch (err) {
        expectDomain400(err, ['invalid_phone']);
        return true;
      }
    }),
  );

  add(
    'validateName: any input is a name matching the pattern or a DomainError invalid_name 400',
    fc.property(fc.oneof(fc.anything(), smsBody, unicodeText), (input) => {
      try {
        const name = validateName(input);
        return NAME_PATTERN.test(name) && !/^u\d+$/i.test(name) && !/[<>"'&\s]/.test(name);
      } catch (err) {
        expectDomain400(err, ['invalid_name']);
        return true;
      }
    }),
  );

  return props;
}
