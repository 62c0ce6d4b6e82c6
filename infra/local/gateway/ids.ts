import { randomBytes } from 'node:crypto';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * An id shaped like API Gateway's connection, request and message ids ('Jx-TaE0_GjQFvSw='): 11 random bytes
 * in URL-safe base64 with its one '=' of padding, so handlers that store or log ids see the same length and
 * alphabet as on AWS.
 */
export function newGatewayId(): string {
  return `${randomBytes(11).toString('base64url')}=`;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** API Gateway's `requestTime` / `time` format, always UTC: '09/Feb/2024:18:11:43 +0000'. */
export function formatRequestTime(epochMs: number): string {
  const d = new Date(epochMs);
  const date = `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}`;
  return `${date}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** An X-Ray style trace header value, as API Gateway adds to every request it forwards. */
export function newTraceId(epochMs: number): string {
  const seconds = Math.floor(epochMs / 1000).toString(16);
  return `Root=1-${seconds}-${randomBytes(12).toString('hex')}`;
}
