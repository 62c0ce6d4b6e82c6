import { createHash, randomInt } from 'node:crypto';
import type { Ids } from './ports';

/**
 * A message's id is derived from its idempotency key, so the conditional create of the message row is itself
 * the duplicate check: a retried sendMessage (same sender + clientId) or a redelivered webhook (same
 * MessageSid) maps to the same id and is dropped.
 */
export function messageIdFor(kind: 'im' | 'sms', ...parts: string[]): string {
  const digest = createHash('sha256')
    .update([kind, ...parts].join('\n'))
    .digest('base64url');
  return `m${digest.slice(0, 23)}`;
}

/**
 * The shape of every message id {@link messageIdFor} makes: `m` and 23 base64url characters. What an id from
 * outside (a status callback's `m`) must match before it is looked up.
 */
export const MESSAGE_ID_PATTERN = /^m[A-Za-z0-9_-]{23}$/;

/** imNumbers are 8 random digits (a keypad can type them); the first is never 0. */
export const randomIds: Ids = {
  imNumber: () => String(randomInt(10_000_000, 100_000_000)),
  otpCode: () => String(randomInt(0, 1_000_000)).padStart(6, '0'),
};
