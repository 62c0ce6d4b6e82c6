import { defaultName } from '../provisioning/names';
import { IM_NUMBER_PATTERN } from './addressing';

/**
 * The SMS body format (the patent's IM → SMS conversion): the first line a phone sees names the sender, and
 * `@imNumber` doubles as the way to reply to them.
 *
 *   `<fromName> @<fromImNumber>: <text>`, or `@<fromImNumber>: <text>` when the sender has the default name.
 *
 * Browser-safe (no Node imports): the local console imports it through shared/core/rules.ts.
 */
export function formatSmsBody(fromName: string, fromImNumber: string, text: string): string {
  const isDefault = fromName === defaultName(fromImNumber);
  return isDefault ? `@${fromImNumber}: ${text}` : `${fromName} @${fromImNumber}: ${text}`;
}

/**
 * The exact inverse of formatSmsBody: the sender and text of a body it made, or null for a body it cannot
 * have made. `fromName` is null when the body carries none (the sender has the default name, which
 * `defaultName(fromImNumber)` gives). Names hold no spaces and imNumbers are digits, so the first `@<digits>: `
 * after an optional `<name> ` ends the header, whatever the text holds.
 */
export function parseSmsBody(
  body: string,
): { fromName: string | null; fromImNumber: string; text: string } | null {
  const match = /^(?:([^\s@]+) )?@(\d+): ([\s\S]*)$/u.exec(body);
  if (!match || !IM_NUMBER_PATTERN.test(match[2])) return null;
  const [, name, fromImNumber, text] = match;
  // A default name is never written out, so a body that spells one was not made by formatSmsBody.
  if (name !== undefined && name === defaultName(fromImNumber)) return null;
  return { fromName: name ?? null, fromImNumber, text };
}
