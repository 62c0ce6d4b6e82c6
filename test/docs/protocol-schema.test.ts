import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import {
  ASYNCAPI_FILE,
  protocolAsyncApi,
  protocolAsyncApiText,
  protocolSchema,
  protocolSchemaText,
  SCHEMA_FILE,
} from '../../scripts/protocol-schema';
import type * as z from 'zod/mini';
import {
  MAX_AVATAR_URL_CHARS,
  MAX_CONTACT_NAME_CHARS,
  MAX_MOOD_CHARS,
} from '../../shared/core/contacts/profile-rules';
import { MAX_TEXT_CHARS } from '../../shared/core/conversion/message-text';
import type { DomainError } from '../../shared/core/errors';
import { MAX_HISTORY_LIMIT } from '../../shared/core/history/history';
import { CONVERSATION_CURSOR_PATTERN } from '../../shared/core/ports/message-log';
import * as frames from '../../shared/runtime/frames';
import { contactRefOf, parseFrame } from '../../shared/runtime/frames';
import { validateName } from '../../shared/core/provisioning/names';

const exported = Object.entries(frames).filter(([, v]) => v && typeof v === 'object' && '_zod' in v);

/** The checked-in JSON Schema of the WebSocket frames matches the zod schemas the handlers parse with. */
describe('docs/protocol.schema.json', () => {
  it('is what `npm run protocol:schema` generates now (run it after changing shared/runtime/frames.ts)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(protocolSchemaText());
  });

  it('has one definition per exported frame schema, each requiring its action', () => {
    const defs = protocolSchema().$defs as Record<string, { required: string[]; properties: object }>;
    expect(Object.keys(defs).sort()).toEqual(exported.map(([k]) => k).sort());
    for (const def of Object.values(defs)) expect(def.required).toContain('action');
  });
});

/** The checked-in AsyncAPI 3.0 document of the WebSocket API, from the same schemas. */
describe('docs/protocol.asyncapi.json', () => {
  it('is what `npm run protocol:schema` generates now (run it after changing shared/runtime/frames.ts)', () => {
    expect(readFileSync(ASYNCAPI_FILE, 'utf8')).toBe(protocolAsyncApiText());
  });

  jest.setTimeout(120_000); // the parser loads Spectral's rulesets: seconds on a busy machine

  it('is a valid AsyncAPI 3.0 document (@asyncapi/parser: no errors, no warnings)', async () => {
    const { document, diagnostics } = await new Parser().parse(readFileSync(ASYNCAPI_FILE, 'utf8'));
    // Severity 0 is an error, 1 a warning (Spectral's scale).
    expect(diagnostics.filter((d) => d.severity <= 1).map((d) => `${d.code}: ${d.message} at ${d.path.join('.')}`)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    expect(document?.channels().all().map((c) => c.id())).toEqual(['socket']);
  });

  it('has one received message per frame, whose payload is that frame’s schema and whose name is its action', async () => {
    const { document } = await new Parser().parse(protocolAsyncApiText());
    const received = document!.operations().filterByReceive();
    const defs = protocolSchema().$defs as Record<string, { properties: { action: { const: string } } }>;
    const actions = Object.values(defs).map((d) => d.properties.action.const);
    expect(received.map((o) => o.id()).sort()).toEqual([...actions].sort());
    for (const op of received) {
      const [message] = op.messages().all();
      expect(message.name()).toBe(op.id());
      expect(message.payload()?.properties()?.action?.const()).toBe(op.id());
    }
  });

  it('the parser does report a broken document (so the check above can fail)', async () => {
    const broken = protocolAsyncApi() as { operations: Record<string, { action: string }> };
    broken.operations.ping.action = 'listen';
    const { diagnostics } = await new Parser().parse(JSON.stringify(broken));
    expect(diagnostics.filter((d) => d.severity === 0).length).toBeGreaterThan(0);
  });

  it('a payload carries the same rules as the JSON Schema (both generated from the zod schema)', () => {
    const doc = protocolAsyncApi() as {
      components: { messages: Record<string, { payload: { properties: Record<string, { pattern?: string }> } }> };
    };
    expect(doc.components.messages.sendMessage.payload.properties.to.pattern).toBe(
      (protocolSchema().$defs as Record<string, { properties: Record<string, { pattern?: string }> }>).sendMessageFrame
        .properties.to.pattern,
    );
  });
});

/** Frames at and just past each limit of a contact's name, a mood and an avatar URL. */
function profileSamples(): Array<[string, unknown]> {
  const add = (name: string) => ({ action: 'addContact', phone: '+14155550100', name });
  const invite = (name: string) => ({ action: 'invite', phone: '+14155550100', name });
  const mood = (m: string) => ({ action: 'updateProfile', mood: m });
  const avatar = (u: string) => ({ action: 'updateProfile', avatarUrl: u });
  const url = (n: number) => `https://a.test/${'p'.repeat(n - 'https://a.test/'.length)}`;
  return [
    ['a contact name of 64 characters', add('n'.repeat(64))],
    ['a contact name of 65 characters', add('n'.repeat(65))],
    ['a contact name of 64 emoji', add('😀'.repeat(64))],
    ['a contact name of 65 emoji', add('😀'.repeat(65))],
    ['an empty contact name', add('')],
    ['a contact name of spaces', add('   ')],
    ['a contact name with a tab', add('Dan\tBrown')],
    ['a contact name with a C1 control (U+0085)', add('Dan\u0085')],
    ['a contact name with a zero-width space only', add('\u200b')],
    ['an invitee name of 64 characters', invite('n'.repeat(64))],
    ['an invitee name of 65 characters', invite('n'.repeat(65))],
    ['an invitee name of spaces', invite(' ')],
    ['a mood of 140 characters', mood('m'.repeat(140))],
    ['a mood of 141 characters', mood('m'.repeat(141))],
    ['a mood of 140 emoji', mood('😀'.repeat(140))],
    ['an empty mood (removes it)', mood('')],
    ['a mood with a newline', mood('at\nlunch')],
    ['an avatar URL of 512 characters', avatar(url(512))],
    ['an avatar URL of 513 characters', avatar(url(513))],
    ['an empty avatar URL (removes it)', avatar('')],
    ['an avatar URL in capitals', avatar('HTTPS://A.TEST/X.PNG')],
    ['an avatar URL with spaces around', avatar(' https://a.test/x.png ')],
    ['an http avatar URL', avatar('http://a.test/x.png')],
    ['an avatar URL with a space inside', avatar('https://a.test/x y.png')],
    ['an avatar URL that is not one', avatar('me.png')],
    ['an avatar URL with a control character', avatar('https://a.test/\u0007')],
    ['an avatar URL with a C1 control character', avatar('https://a.test/x\u0085y')],
  ];
}

/**
 * The published schema accepts and refuses what the server's own frame schemas do: a client developer who
 * validates against docs/protocol.schema.json is never stricter or looser than the server on these shapes (an
 * extra key is ignored by the server, so the schema allows it), limits included: a text's 1–4,000 code points
 * (JSON Schema's maxLength counts code points, as the server does: an emoji is one), not only whitespace, a
 * history `limit` of 1–100 and its `before` cursor, a clientId's and an ack id's 1–64 characters. Each limit is
 * tried at the bound and just past it.
 */
describe('docs/protocol.schema.json against the server’s parsing', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Ajv2020 = require('ajv/dist/2020').default as new (o: object) => {
    compile(s: object): (d: unknown) => boolean;
  };
  const validate = new Ajv2020({ strict: false }).compile(protocolSchema());
  const send = (text: string) => ({ action: 'sendMessage', to: '12345678', text, clientId: 'c1' });
  const history = (extra: object) => ({ action: 'history', with: '12345678', ...extra });
  const samples: Array<[string, unknown]> = [
    ['a ping', { action: 'ping' }],
    ['a ping with an extra key', { action: 'ping', x: 1 }],
    ['a sendMessage with an extra key', { action: 'sendMessage', to: '12345678', text: 'hi', priority: 'high' }],
    ['a sendMessage without text', { action: 'sendMessage', to: '12345678' }],
    ['a setPresence with an extra key', { action: 'setPresence', status: 'online', foo: 1 }],
    ['an unknown action', { action: 'dance' }],
    ['a getContacts with a string version', { action: 'getContacts', since: 'x' }],
    ['a text of 1 character', send('a')],
    ['a text of 4,000 characters', send('a'.repeat(4000))],
    ['a text of 4,001 characters', send('a'.repeat(4001))],
    ['a text of 4,000 emoji (8,000 UTF-16 units)', send('😀'.repeat(4000))],
    ['a text of 4,001 emoji', send('😀'.repeat(4001))],
    ['a text of 3,999 characters and an emoji', send('a'.repeat(3999) + '😀')],
    ['an empty text', send('')],
    ['a text of spaces', send('   ')],
    ['a text of a tab and a newline', send('\t\n')],
    ['a text of no-break and ideographic spaces', send('\u00a0\u3000')],
    ['a text of a byte order mark', send('\ufeff')],
    ['a text with spaces around a letter', send('  x  ')],
    ['a text of a zero-width space (not whitespace to trim)', send('\u200b')],
    ['a text of a Mongolian vowel separator (Cf)', send('\u180e')],
    ['a text of a word joiner and a bidi mark', send('\u2060\u200e ')],
    ['a text of a letter between zero-width spaces', send('\u200bx\u200b')],
    ['a text of a next-line control (U+0085: not whitespace to trim)', send('\u0085')],
    ['a history without limit', history({})],
    ['a history limit of 1', history({ limit: 1 })],
    ['a history limit of 0', history({ limit: 0 })],
    ['a history limit of 100', history({ limit: 100 })],
    ['a history limit of 101', history({ limit: 101 })],
    ['a history limit of 1.5', history({ limit: 1.5 })],
    ['a history limit of -1', history({ limit: -1 })],
    ['a history limit as a string', history({ limit: '10' })],
    ['a history before a cursor', history({ before: '000001732950000#m-Ab_9' })],
    ['a history before a cursor with a 64-character id', history({ before: `000001732950000#${'a'.repeat(64)}` })],
    ['a history before a cursor with a 65-character id', history({ before: `000001732950000#${'a'.repeat(65)}` })],
    ['a history before something else', history({ before: 'yesterday' })],
    ['a clientId of 64 characters', { ...send('hi'), clientId: 'c'.repeat(64) }],
    ['a clientId of 65 characters', { ...send('hi'), clientId: 'c'.repeat(65) }],
    ['an empty clientId', { ...send('hi'), clientId: '' }],
    ['an ack id of 64 characters', { action: 'ack', id: 'i'.repeat(64) }],
    ['an ack id of 65 characters', { action: 'ack', id: 'i'.repeat(65) }],
    ['an empty ack id', { action: 'ack', id: '' }],
    // The free-text fields of contacts and profiles, at and past the core's limits (code points, as sent).
    ...profileSamples(),
  ];
  it.each(samples)('%s: the schema and the server agree', (_what, frame) => {
    const server = exported.some(([, schema]) => (schema as z.ZodMiniType).safeParse(frame).success);
    expect(validate(frame)).toBe(server);
  });

  it.each([
    ['a text', send('\u200b')],
    ['a text', send('\u180e')],
    ['a contact name', { action: 'addContact', phone: '+14155550100', name: '\u200b' }],
    ['an invitee name', { action: 'invite', phone: '+14155550100', name: '\u2060 ' }],
  ])('%s of only invisible format characters (%j) is refused by the schema and the server', (_what, frame) => {
    expect(validate(frame)).toBe(false);
    expect(exported.some(([, schema]) => (schema as z.ZodMiniType).safeParse(frame).success)).toBe(false);
  });

  /**
   * Characters that show as nothing beyond whitespace and Cf: default-ignorable ones (variation selectors, the
   * combining grapheme joiner, Mongolian free variation selectors, tag characters), the Hangul fillers (letters
   * that draw nothing) and the braille blank. Text made only of them is refused wherever the "something that
   * shows" rule applies: a message text, a contact's and an invitee's name; a chosen name refuses the fillers
   * anywhere (they would be a space in a name that may hold none).
   */
  const BLANKS: Array<[string, string]> = [
    ['U+2800 braille blank', '\u2800'],
    ['U+115F Hangul choseong filler', '\u115f'],
    ['U+1160 Hangul jungseong filler', '\u1160'],
    ['U+3164 Hangul filler', '\u3164'],
    ['U+FFA0 half-width Hangul filler', '\uffa0'],
    ['U+FE0F variation selector 16', '\ufe0f'],
    ['U+E0100 variation selector 17', '\u{e0100}'],
    ['U+034F combining grapheme joiner', '\u034f'],
    ['U+180B Mongolian free variation selector', '\u180b'],
    ['U+E0041 tag latin capital A', '\u{e0041}'],
    ['U+17B4 Khmer inherent vowel', '\u17b4'],
    ['a mix with spaces and U+200B', ' \u3164\u200b\u2800\ufe0f '],
  ];
  const blankFrames = ([what, blank]: [string, string]): Array<[string, object]> => [
    [`a text of ${what}`, send(blank)],
    [`a contact name of ${what}`, { action: 'addContact', phone: '+14155550100', name: blank }],
    [`an invitee name of ${what}`, { action: 'invite', phone: '+14155550100', name: blank }],
  ];
  it.each(BLANKS.flatMap(blankFrames))('%s is refused by the schema and the server', (_what, frame) => {
    expect(validate(frame)).toBe(false);
    expect(exported.some(([, schema]) => (schema as z.ZodMiniType).safeParse(frame).success)).toBe(false);
  });
  it.each(BLANKS.flatMap(blankFrames))('%s beside one letter is taken by both', (_what, frame) => {
    const withLetter = JSON.parse(JSON.stringify(frame).replace(/"(text|name)":"/, '"$1":"x'));
    expect(validate(withLetter)).toBe(true);
    expect(exported.some(([, schema]) => (schema as z.ZodMiniType).safeParse(withLetter).success)).toBe(true);
  });

  it.each([
    ['U+0085 next line', '\u0085'],
    ['U+0001', '\u0001'],
    ['controls and spaces', ' \u001b\u007f\u009f '],
  ])('a text of %s (control characters) is refused by the schema and the server, and taken beside a letter', (_what, blank) => {
    for (const [text, ok] of [
      [blank, false],
      [`x${blank}`, true],
    ] as const) {
      expect(validate(send(text))).toBe(ok);
      expect(exported.some(([, schema]) => (schema as z.ZodMiniType).safeParse(send(text)).success)).toBe(ok);
    }
  });

  it('the limits are in the published schema itself, from the core’s constants', () => {
    const defs = protocolSchema().$defs as Record<string, { properties: Record<string, Record<string, unknown>> }>;
    expect(defs.sendMessageFrame.properties.text).toMatchObject({
      minLength: 1,
      maxLength: MAX_TEXT_CHARS,
      pattern: '[^\\s\\p{Cc}\\p{Cf}\\p{Default_Ignorable_Code_Point}\\u2800]',
    });
    expect(defs.historyFrame.properties.limit).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: MAX_HISTORY_LIMIT,
    });
    expect(defs.historyFrame.properties.before.pattern).toBe(CONVERSATION_CURSOR_PATTERN.source);
    // A contact's name, a mood and an avatar URL: the core's limits, not a looser outer bound.
    for (const def of [defs.addContactFrame, defs.inviteFrame])
      expect(def.properties.name).toMatchObject({ maxLength: MAX_CONTACT_NAME_CHARS, pattern: expect.any(String) });
    expect(defs.updateProfileFrame.properties.mood).toMatchObject({ maxLength: MAX_MOOD_CHARS });
    expect(defs.updateProfileFrame.properties.avatarUrl).toMatchObject({ maxLength: MAX_AVATAR_URL_CHARS });
  });

  it('a contact name, mood or avatar URL past its limits is refused with its own code when the frame is parsed', () => {
    const add = { action: 'addContact', phone: '+14155550100' };
    expect(codeOf(frames.addContactFrame, { ...add, name: 'n'.repeat(65) })).toBe('invalid_name');
    expect(codeOf(frames.inviteFrame, { ...add, action: 'invite', name: ' ' })).toBe('invalid_name');
    expect(codeOf(frames.updateProfileFrame, { action: 'updateProfile', mood: 'm'.repeat(141) })).toBe('invalid_mood');
    expect(codeOf(frames.updateProfileFrame, { action: 'updateProfile', avatarUrl: 'http://a.test/x' })).toBe(
      'invalid_avatar_url',
    );
    // No field holds a control character, an avatar URL included (it passed both before).
    expect(codeOf(frames.updateProfileFrame, { action: 'updateProfile', avatarUrl: 'https://a.test/\u0007' })).toBe(
      'invalid_avatar_url',
    );
  });

  const codeOf = (schema: z.ZodMiniType, frame: object) => {
    try {
      parseFrame(schema, JSON.stringify(frame));
      return 'accepted';
    } catch (err) {
      return (err as DomainError).code;
    }
  };

  it('a text past its limits is refused as invalid_text when the frame is parsed', () => {
    expect(codeOf(frames.sendMessageFrame, send('a'.repeat(4001)))).toBe('invalid_text');
    expect(codeOf(frames.sendMessageFrame, send(' '))).toBe('invalid_text');
    expect(codeOf(frames.sendMessageFrame, send('😀'.repeat(4000)))).toBe('accepted');
  });

  it('a history limit or cursor past its rules is refused (invalid_limit, invalid_cursor) when the frame is parsed', () => {
    for (const limit of [0, 101, 1.5, -1, '10'])
      expect(codeOf(frames.historyFrame, history({ limit }))).toBe('invalid_limit');
    expect(codeOf(frames.historyFrame, history({ limit: 100 }))).toBe('accepted');
    expect(codeOf(frames.historyFrame, history({ before: 'yesterday' }))).toBe('invalid_cursor');
  });
});

/**
 * The rules the published schema used to leave out: addContact's and removeContact's one-of shape, an empty
 * updateProfile, and updateProfile's name rule. Each sample says what the server does with it (`accepted`
 * only when the frame passes the handler's parse and, for a name, the core's name rule; else the code it is
 * refused with); the published schema must say the same. The name rules a pattern cannot state (scripts,
 * look-alikes) are tried below: the schema lets them through and its description says the server refuses them.
 */
describe('docs/protocol.schema.json states the one-of shapes and the name rule the server enforces', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Ajv2020 = require('ajv/dist/2020').default as new (o: object) => {
    compile(s: object): (d: unknown) => boolean;
  };
  const validate = new Ajv2020({ strict: false }).compile(protocolSchema());
  type Frame = { action: string; name?: unknown; [key: string]: unknown };
  const PHONE = '+14155550100';
  const add = (f: object) => ({ action: 'addContact', ...f });
  const remove = (f: object) => ({ action: 'removeContact', ...f });
  const rename = (name: string) => ({ action: 'updateProfile', name });
  const schemaOf: Record<string, z.ZodMiniType> = {
    addContact: frames.addContactFrame,
    removeContact: frames.removeContactFrame,
    updateProfile: frames.updateProfileFrame,
    invite: frames.inviteFrame,
  };
  /** What the handler does: parse the frame, then (a name) the core's rule, which runs before any write. */
  const server = (frame: Frame): string => {
    try {
      const parsed = parseFrame(schemaOf[frame.action], JSON.stringify(frame)) as Record<string, string>;
      if (frame.action !== 'updateProfile') contactRefOf(parsed, frame.action === 'addContact');
      if (frame.action === 'updateProfile' && parsed.name !== undefined) validateName(parsed.name);
      return 'accepted';
    } catch (err) {
      return (err as DomainError).code;
    }
  };
  const samples: Array<[string, Frame, string]> = [
    ['addContact by imNumber', add({ imNumber: '12345678' }), 'accepted'],
    ['addContact by phone and name', add({ phone: PHONE, name: 'Dana' }), 'accepted'],
    ['addContact with neither', add({}), 'bad_frame'],
    ['addContact with imNumber and phone', add({ imNumber: '12345678', phone: PHONE }), 'bad_frame'],
    ['addContact with imNumber and name', add({ imNumber: '12345678', name: 'Dana' }), 'bad_frame'],
    ['addContact with all three', add({ imNumber: '12345678', phone: PHONE, name: 'Dana' }), 'bad_frame'],
    ['addContact with a phone and no name', add({ phone: PHONE }), 'bad_frame'],
    ['addContact with a name only', add({ name: 'Dana' }), 'bad_frame'],
    ['removeContact by imNumber', remove({ imNumber: '12345678' }), 'accepted'],
    ['removeContact by phone', remove({ phone: PHONE }), 'accepted'],
    ['removeContact with neither', remove({}), 'bad_frame'],
    // An empty phone is no phone: refused by the schema (minLength 1) as by the server, not left to the core.
    ['addContact with an empty phone', add({ phone: '', name: 'Dana' }), 'invalid_phone'],
    ['removeContact with an empty phone', remove({ phone: '' }), 'invalid_phone'],
    ['invite with an empty phone', { action: 'invite', phone: '', name: 'Dana' }, 'invalid_phone'],
    ['invite with a phone and a name', { action: 'invite', phone: PHONE, name: 'Dana' }, 'accepted'],
    ['removeContact with both', remove({ imNumber: '12345678', phone: PHONE }), 'bad_frame'],
    ['an empty updateProfile', { action: 'updateProfile' }, 'bad_frame'],
    ['an updateProfile with only an unknown key', { action: 'updateProfile', nick: 'x' }, 'bad_frame'],
    ['an updateProfile with an empty mood (removes it)', { action: 'updateProfile', mood: '' }, 'accepted'],
    ['a name of 1 letter', rename('a'), 'accepted'],
    ['a name of 32 characters', rename('a'.repeat(31) + '1'), 'accepted'],
    ['a name of 33 characters', rename('a'.repeat(32) + '1'), 'invalid_name'],
    ['a name of 32 Han characters', rename('张'.repeat(32)), 'accepted'],
    ['a name of 33 Han characters', rename('张'.repeat(33)), 'invalid_name'],
    ['an empty name', rename(''), 'invalid_name'],
    ['a name of spaces', rename('   '), 'invalid_name'],
    ['a name with spaces around', rename('  alice  '), 'accepted'],
    ['a name starting with a digit', rename('1alice'), 'invalid_name'],
    ['a name starting with "_"', rename('_alice'), 'invalid_name'],
    ['a name ending with "."', rename('alice.'), 'invalid_name'],
    ['a name ending with a digit', rename('alice2'), 'accepted'],
    ['a name with "_", "." and "-" inside', rename('a_b.c-d'), 'accepted'],
    ['a name with a space inside', rename('alice smith'), 'invalid_name'],
    ['a name with "@"', rename('al@ce'), 'invalid_name'],
    ['a name with an emoji', rename('alice😀'), 'invalid_name'],
    ['a name with a control character', rename('ali\u0007ce'), 'invalid_name'],
    ['a name in full-width letters', rename('ａｌｉｃｅ'), 'accepted'],
    ['a name with a full-width "_"', rename('taro＿yamada'), 'accepted'],
    ['a name with a combining accent (NFD)', rename('Jose\u0301'), 'accepted'],
    // Marks NFKC cannot merge into their base stay marks; the server takes them as the schema does.
    ['a Devanagari name with vowel signs', rename('अनिल'), 'accepted'],
    ['a Devanagari name with a virama', rename('नमस्ते'), 'accepted'],
    ['a name with an acute on b (no precomposed form)', rename('ab\u0301'), 'accepted'],
    ['a name with a diaeresis on b', rename('ab\u0308'), 'accepted'],
    ['a name with a cedilla on b', rename('ab\u0327'), 'accepted'],
    ['a name with an enclosing mark (Me)', rename('a\u20dd'), 'accepted'],
    ['a name starting with a mark', rename('\u0301ab'), 'invalid_name'],
    // Hangul fillers are letters by category but draw nothing: not a name, nor inside one (a blank in a name).
    ['a name of a Hangul filler (U+3164)', rename('\u3164'), 'invalid_name'],
    ['a name of a half-width Hangul filler (U+FFA0)', rename('\uffa0'), 'invalid_name'],
    ['a name of Hangul choseong and jungseong fillers', rename('\u115f\u1160'), 'invalid_name'],
    ['a name with a Hangul filler inside', rename('ali\u3164ce'), 'invalid_name'],
    ['a name ending with a Hangul filler', rename('alice\u3164'), 'invalid_name'],
    ['a Hangul name', rename('김민준'), 'accepted'],
    ['a name with a variation selector after a letter', rename('a\ufe0fb'), 'accepted'],
    ['a name as a number', { action: 'updateProfile', name: 7 }, 'invalid_name'],
  ];
  it.each(samples)('%s: the schema agrees with the server', (_what, frame, expected) => {
    expect(server(frame)).toBe(expected);
    expect(validate(frame)).toBe(expected === 'accepted');
  });

  const beyond: Array<[string, string]> = [
    ['mixes Latin and Cyrillic letters', 'аlice'],
    ['is a default name', 'u12345678'],
    ['looks like a default name', 'uOl23456'],
    // NFKC can break the length and character rule the schema checks on the name as sent.
    ['holds a character NFKC turns into a fraction slash', 'a½'],
    ['becomes 64 letters in NFKC', 'ﬀ'.repeat(32)],
    ['becomes 94 letters in NFKC', 'a' + 'Ⅻ'.repeat(31)],
  ];
  it.each(beyond)('a name that %s passes the schema; the server refuses it (stated in the description)', (_w, name) => {
    expect(validate(rename(name))).toBe(true);
    expect(server(rename(name))).toBe('invalid_name');
    const defs = protocolSchema().$defs as Record<string, { properties: Record<string, { description?: string }> }>;
    expect(defs.updateProfileFrame.properties.name.description).toMatch(/mixes scripts.*default name.*name_taken.*after NFKC.*a½/s);
  });

  it.each(['addContactFrame', 'removeContactFrame', 'inviteFrame'])('%s: phone has minLength 1 and says the server judges it', (def) => {
    const defs = protocolSchema().$defs as Record<string, { properties: Record<string, { minLength?: number; description?: string }> }>;
    expect(defs[def].properties.phone.minLength).toBe(1);
    expect(defs[def].properties.phone.description).toMatch(/judged by the server.*libphonenumber/s);
  });
});
