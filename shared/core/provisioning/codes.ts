import { createHmac, timingSafeEqual } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/** How long a sign-in code lives (ms). */
export const OTP_TTL_MS = 10 * 60 * 1000;

/**
 * Tries one code may take, right or wrong, from all client addresses together; then it is dead (`code_expired`)
 * and the next /auth/start sends a new one. With OTP_TRIES_PER_ADDRESS below it, one address cannot kill the
 * owner's code alone (docs/design.md, "Sign-in codes").
 */
export const OTP_MAX_TRIES = 10;

/** Tries one client address may take at one phone's codes per OTP_TRY_WINDOW_MS; then that address gets 429. */
export const OTP_TRIES_PER_ADDRESS = 5;

/** The window OTP_TRIES_PER_ADDRESS counts in (ms). */
export const OTP_TRY_WINDOW_MS = 60 * 60 * 1000;

const TEN_MINUTES = 10 * 60 * 1000;
const DAY = 24 * 60 * 60 * 1000;

/**
 * Texts one code may take in all, the first and the resends: past them, while it lives, /auth/start texts
 * nothing and answers 429 `code_pending` (the code is already on the phone), so repeated requests cost nothing.
 */
export const OTP_SENDS_PER_CODE = 3;

/** Texts a phone may be sent a day at anyone's request (new codes and resends): its open budget. */
export const OTP_PHONE_DAILY_TEXTS = 20;

/**
 * The reserve past the open budget: one new code per this window (ms, a fixed clock window), and only when the
 * phone has no live code. Nobody can use it up for good, so the owner always gets a code within this time
 * (docs/design.md, "Sign-in codes").
 */
export const OTP_RESERVE_WINDOW_MS = 60 * 60 * 1000;

/**
 * The client a source address stands for in the limits: an IPv4 address itself, an IPv6 address by its /64
 * (one home or phone gets a whole /64 and may use any address in it, so counting each address alone would give
 * one client billions of budgets). An IPv4-mapped IPv6 address (`::ffff:203.0.113.7`) counts as its IPv4 address.
 * Anything not an IP address (a test's label) is used as it is.
 */
export function clientOf(sourceIp: string): string {
  if (isIPv4(sourceIp)) return sourceIp;
  if (!isIPv6(sourceIp)) return sourceIp;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(sourceIp);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  const [head, tail = ''] = sourceIp.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = sourceIp.includes('::') && tail ? tail.split(':') : [];
  const groups = sourceIp.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** The key a client's tries at one phone's codes count under. */
export function otpTryKey(phone: string, sourceIp: string): string {
  return `otp-try:${clientOf(sourceIp)}:${phone}`;
}

/**
 * Limits on one client address sending codes (docs/design.md, "Sign-in codes"). OTP forms are a favourite target
 * of SMS pumping, so texts are limited per client address (OTP_IP_LIMIT per 10 minutes, 5× that per day) and
 * per client address and phone (3 per 10 minutes, 6 per day: what a stranger asking for someone else's phone
 * uses up is their own). The phone's own budget ({@link otpPhoneBudget}, then {@link otpPhoneReserve}) comes after these.
 */
export function otpRateLimits(ipLimit: number) {
  return [
    { scope: 'ip', windowMs: TEN_MINUTES, limit: ipLimit },
    { scope: 'ip', windowMs: DAY, limit: ipLimit * 5 },
    { scope: 'ip-phone', windowMs: TEN_MINUTES, limit: 3 },
    { scope: 'ip-phone', windowMs: DAY, limit: 6 },
  ] as const;
}

/** The key an address limit counts under: by address, or by address and phone. */
export function otpRateKey(
  rule: ReturnType<typeof otpRateLimits>[number],
  phone: string,
  sourceIp: string,
): string {
  const client = clientOf(sourceIp);
  const who = { ip: client, 'ip-phone': `${client}:${phone}` }[rule.scope];
  return `otp:${rule.scope}:${rule.windowMs}:${who}`;
}

/** The phone's open budget: OTP_PHONE_DAILY_TEXTS texts a day (key, window in ms, limit). */
export function otpPhoneBudget(phone: string) {
  return { key: `otp:phone:${DAY}:${phone}`, windowMs: DAY, limit: OTP_PHONE_DAILY_TEXTS } as const;
}

/** The phone's reserve: one new code per OTP_RESERVE_WINDOW_MS once the open budget is spent. */
export function otpPhoneReserve(phone: string) {
  return { key: `otp:phone-reserve:${phone}`, windowMs: OTP_RESERVE_WINDOW_MS, limit: 1 } as const;
}

/** A 6-digit pad from the secret, the phone and the code's expiry (epoch ms): the code sealed under it. */
function pad(secret: string, phone: string, expiresAt: number): number {
  return (
    createHmac('sha256', secret).update(`otp-seal\n${phone}\n${expiresAt}`).digest().readUInt32BE(0) % 1e6
  );
}

/**
 * Seals a code so that the server can send the same code again while it lives, yet the table alone does not
 * show it: (code + pad) mod 10^6, the pad keyed by the secret (as strong as the keyed hash beside it).
 */
export function sealCode(secret: string, phone: string, expiresAt: number, code: string): string {
  return String((Number(code) + pad(secret, phone, expiresAt)) % 1e6).padStart(6, '0');
}

/** Opens a sealed code (sealCode's inverse). */
export function unsealCode(secret: string, phone: string, expiresAt: number, sealed: string): string {
  return String((Number(sealed) - pad(secret, phone, expiresAt) + 1e6) % 1e6).padStart(6, '0');
}

/** Codes are stored as a keyed hash, so the table alone does not reveal them (6 digits are easy to brute). */
export function hashCode(secret: string, phone: string, code: string): string {
  return createHmac('sha256', secret).update(`otp\n${phone}\n${code}`).digest('base64url');
}

/** Compares two code hashes in constant time. */
export function hashesMatch(x: string, y: string): boolean {
  const a = Buffer.from(x);
  const b = Buffer.from(y);
  return a.length === b.length && timingSafeEqual(a, b);
}
