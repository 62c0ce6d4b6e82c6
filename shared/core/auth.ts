import { createHmac, timingSafeEqual } from 'node:crypto';
import { findOrCreateUser } from './accounts';
import { badInput, conflict, forbidden, tooMany, unauthorized, unavailable } from './errors';
import { validateName } from './names';
import { assertSmsAllowed, parsePhone } from './phone';
import type { Deps } from './ports';
import { sendSmsWithRetry } from './sms-send';
import { signToken } from './tokens';

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

/** POST /auth/start: sends a 6-digit code to the phone. */
export async function startAuth(deps: Deps, input: { phone: unknown; sourceIp: string }): Promise<void> {
  const phone = parsePhone(input.phone);
  assertSmsAllowed(phone, deps.config.smsCountries);
  const now = deps.clock.now();
  for (const rule of otpRateLimits(deps.config.otpIpLimit)) {
    const key = `otp:${rule.scope}:${rule.windowMs}:${rule.scope === 'phone' ? phone.e164 : input.sourceIp}`;
    if (!(await deps.store.hitRateLimit(key, rule.windowMs, rule.limit, now))) {
      deps.log.warn('auth.rate_limited', { scope: rule.scope, windowMs: rule.windowMs });
      throw tooMany('too many codes requested; wait and try again', 'too_many_requests');
    }
  }
  const record = await deps.store.getPhone(phone.e164);
  if (record?.optedOut) {
    throw forbidden('this phone has opted out of SMS; text START to the service number first', 'opted_out');
  }
  const code = deps.ids.otpCode();
  await deps.store.putOtp(
    phone.e164,
    { hash: hashCode(deps.secrets.jwtSecret, phone.e164, code), expiresAt: now + OTP_TTL_MS, tries: 0 },
    Math.ceil(OTP_TTL_MS / 1000),
  );
  try {
    await sendSmsWithRetry(
      deps,
      {
        from: deps.config.serviceNumbers[0],
        to: phone.e164,
        body: `Your IM code is ${code}. It expires in 10 minutes.`,
      },
      'otp',
    );
  } catch {
    throw unavailable('the code could not be sent; try again later', 'sms_failed');
  }
  deps.log.info('auth.code_sent', {});
}

export interface VerifiedUser {
  token: string;
  user: { imNumber: string; name: string; phone: string };
}

/** POST /auth/verify: checks the code; the first verification creates the account. */
export async function verifyAuth(
  deps: Deps,
  input: { phone: unknown; code: unknown; name?: unknown },
): Promise<VerifiedUser> {
  const phone = parsePhone(input.phone);
  if (typeof input.code !== 'string' || !/^\d{6}$/.test(input.code)) {
    throw badInput('code must be the 6 digits sent by SMS', 'invalid_code');
  }
  const name =
    input.name === undefined || input.name === null || input.name === ''
      ? undefined
      : validateName(input.name);
  const now = deps.clock.now();
  const attempt = await deps.store.attemptOtp(phone.e164, now, OTP_MAX_TRIES);
  if (attempt.kind === 'locked') {
    deps.log.warn('auth.locked', {});
    throw tooMany('too many wrong codes; request a new code later', 'too_many_tries');
  }
  if (attempt.kind === 'missing')
    throw unauthorized('no valid code for this phone; request a new one', 'code_expired');
  const hash = hashCode(deps.secrets.jwtSecret, phone.e164, input.code);
  const matches = safeEqual(hash, attempt.record.hash);
  if (!matches) {
    deps.log.info('auth.wrong_code', { triesLeft: OTP_MAX_TRIES - attempt.record.tries });
    throw unauthorized('wrong code', 'wrong_code');
  }
  if (name) await assertNameFree(deps, phone.e164, name);
  if (!(await deps.store.consumeOtp(phone.e164, hash)))
    throw unauthorized('the code was already used', 'code_expired');
  const { user, created } = await findOrCreateUser(deps, phone.e164, name);
  deps.log.info('auth.verified', { imNumber: user.imNumber, created });
  const token = await signToken(deps.secrets.jwtSecret, { imNumber: user.imNumber, name: user.name }, now);
  return { token, user: { imNumber: user.imNumber, name: user.name, phone: user.phone } };
}

function safeEqual(x: string, y: string): boolean {
  const a = Buffer.from(x);
  const b = Buffer.from(y);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Refuses a taken name before the code is spent, so the user can pick another with the same code. */
async function assertNameFree(deps: Deps, phone: string, name: string): Promise<void> {
  const owner = await deps.store.findByName(name);
  if (!owner) return;
  const record = await deps.store.getPhone(phone);
  if (record?.imNumber === owner) return;
  if (!record?.imNumber) throw conflict(`the name ${name} is taken`, 'name_taken');
}
