import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long a sign-in code lives (ms), and how many wrong tries lock it. */
export const OTP_TTL_MS = 10 * 60 * 1000;
export const OTP_MAX_TRIES = 5;

const TEN_MINUTES = 10 * 60 * 1000;
const DAY = 24 * 60 * 60 * 1000;

/**
 * Limits on sending codes. OTP forms are a favourite target of SMS pumping, so codes are limited per client
 * address (OTP_IP_LIMIT per 10 minutes, 5× that per day) and per phone (3 per 10 minutes, 10 per day).
 */
export function otpRateLimits(ipLimit: number) {
  return [
    { scope: 'ip', windowMs: TEN_MINUTES, limit: ipLimit },
    { scope: 'ip', windowMs: DAY, limit: ipLimit * 5 },
    { scope: 'phone', windowMs: TEN_MINUTES, limit: 3 },
    { scope: 'phone', windowMs: DAY, limit: 10 },
  ] as const;
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
