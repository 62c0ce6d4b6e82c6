import { badInput } from '../errors';

/**
 * Display names double as SMS addresses (`@alice hi`), so they are unique (case-insensitively), start with a
 * letter (so `@123` is always an imNumber), and hold no spaces. Any script's letters are allowed: 张三 is fine.
 */
export const NAME_PATTERN = /^\p{L}[\p{L}\p{N}_.-]{0,31}$/u;

/** The prefix of default names. */
const DEFAULT_PREFIX = 'u';

/**
 * Names shaped like a default name (`u` or `U` + digits) are reserved: nobody may choose one, so `@u123` always
 * means the user whose imNumber is 123.
 */
const DEFAULT_NAME = new RegExp(`^${DEFAULT_PREFIX}\\d+$`, 'i');

/** The name a user who chose none goes by: `u` + imNumber (u12345678). The one spelling of that rule. */
export function defaultName(imNumber: string): string {
  return `${DEFAULT_PREFIX}${imNumber}`;
}

/** Validates a chosen name; returns it trimmed. */
export function validateName(input: unknown): string {
  if (typeof input !== 'string') throw badInput('name must be a string', 'invalid_name');
  const name = input.trim().normalize('NFC');
  if (!NAME_PATTERN.test(name) || DEFAULT_NAME.test(name)) {
    throw badInput(
      'name must be 1-32 letters, digits, "_", "." or "-", start with a letter, and not look like u123',
      'invalid_name',
    );
  }
  return name;
}

/** The case-insensitive key a name is unique under. */
export function nameKey(name: string): string {
  return name.normalize('NFC').toLocaleLowerCase('en-US');
}

/** The imNumber a default name stands for, if it is one. */
export function imNumberFromDefaultName(name: string): string | null {
  return DEFAULT_NAME.test(name) ? name.slice(DEFAULT_PREFIX.length) : null;
}
