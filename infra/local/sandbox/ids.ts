import { randomBytes } from 'node:crypto';

/** Twilio resource prefixes the sandbox mints: messages (SMS `SM`, MMS `MM`), media (`ME`), calls. */
export type SidPrefix = 'SM' | 'MM' | 'ME' | 'CA';

/** A new Twilio-shaped SID: the two-letter prefix and 32 lower-case hex digits. */
export function newSid(prefix: SidPrefix): string {
  return prefix + randomBytes(16).toString('hex');
}

/** True when `value` is a SID with the given prefix, as Twilio formats it. */
export function isSid(value: string, prefix: string): boolean {
  return new RegExp(`^${prefix}[0-9a-fA-F]{32}$`).test(value);
}
