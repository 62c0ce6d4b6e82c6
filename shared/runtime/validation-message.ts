import type * as z from 'zod/mini';

/**
 * The one formatter of the validation messages a client sees: the `message` of an `error` frame refused by a
 * frame schema (shared/runtime/frames.ts), of a `/sandbox` HTTP 400 (infra/local/sandbox) and of a bad setting
 * at start (shared/config.ts). Every message is written the project's way, `<field> <rule>`, e.g.
 * `limit must be an integer from 1 to 100`, `status must be one of "online", "offline"`, `clientId is required`:
 * a schema's own rule text where it has one, else a rule written here from zod's issue (zod's own default text,
 * "Invalid input", never reaches a client). Browser-safe: only a type import, as frames.ts is bundled into the
 * reference client.
 */

/** A zod issue as the error map sees it (before its message is set). */
type RawIssue = z.core.$ZodRawIssue;

const quote = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/** The JSON type of a value, as a rule names it: `a string`, `a number`, `an object`, … */
function typeName(expected: unknown): string {
  switch (expected) {
    case 'int':
      return 'an integer';
    case 'array':
    case 'object':
      return `an ${expected}`;
    default:
      return `a ${String(expected)}`;
  }
}

/** The unit of a size bound: characters for strings (code points where the schema counts them), items else. */
const unit = (origin: unknown, n: number) =>
  origin === 'string' ? (n === 1 ? 'character' : 'characters') : origin === 'array' ? 'items' : '';

function sizeRule(issue: RawIssue, word: 'least' | 'most'): string {
  const i = issue as RawIssue & { minimum?: number | bigint; maximum?: number | bigint; origin?: string };
  const bound = Number(word === 'least' ? i.minimum : i.maximum);
  const u = unit(i.origin, bound);
  return u ? `must be at ${word} ${bound} ${u}` : `must be at ${word} ${bound}`;
}

/**
 * The rule a zod issue broke, in the project's words, for the error map of every parse (zod keeps a schema's own
 * message over this one: a check written with its rule text says it itself).
 */
export function ruleOf(issue: RawIssue): string {
  const i = issue as RawIssue & { expected?: unknown; values?: unknown[]; format?: string; keys?: string[] };
  switch (i.code) {
    case 'invalid_type':
      return i.input === undefined ? 'is required' : `must be ${typeName(i.expected)}`;
    case 'invalid_value':
      return (i.values ?? []).length === 1
        ? `must be ${quote(i.values![0])}`
        : `must be one of ${(i.values ?? []).map(quote).join(', ')}`;
    case 'too_small':
      return sizeRule(i, 'least');
    case 'too_big':
      return sizeRule(i, 'most');
    case 'invalid_format':
      return i.format === 'regex' ? 'has the wrong form' : `must be ${i.format ?? 'well formed'}`;
    case 'not_multiple_of':
      return 'is not an allowed step';
    case 'unrecognized_keys':
      return `has unknown keys ${(i.keys ?? []).map(quote).join(', ')}`;
    default:
      return 'is not valid';
  }
}

/** The error map every parse whose message a client sees passes (`schema.safeParse(v, { error: issueRule })`). */
export const issueRule = (issue: RawIssue): string => ruleOf(issue);

/** A field path as a message names it: `limit`, `contact.phone`, `items.2`; `whole` when the issue is the value's. */
export function fieldOf(path: readonly PropertyKey[], whole: string): string {
  return path.length > 0 ? path.map(String).join('.') : whole;
}

/**
 * The message of a failed parse: its first issue, `<field> <rule>` (the field path joined with `.`, or `whole`
 * when the issue is about the whole value, e.g. `frame` or `body`).
 */
export function validationMessage(issue: z.core.$ZodIssue, whole: string): string {
  return `${fieldOf(issue.path, whole)} ${issue.message}`;
}
