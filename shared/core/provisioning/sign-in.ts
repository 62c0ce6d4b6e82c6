import { findOrCreateUser } from './accounts';
import { badInput, conflict, forbidden, tooMany, unauthorized, unavailable } from '../errors';
import { validateName } from './names';
import { assertSmsAllowed, parsePhone } from './phone';
import type { Deps } from '../ports';
import { sendSmsWithRetry } from '../im-sms/send';
import { clearForSms, isServiceNumber } from '../im-sms/outbound';
import { LogEvent } from '../log-events';
import {
  hashCode,
  hashesMatch,
  OTP_MAX_TRIES,
  OTP_TRIES_PER_ADDRESS,
  OTP_TRY_WINDOW_MS,
  OTP_TTL_MS,
  otpRateKey,
  otpTryKey,
  otpRateLimits,
  sealCode,
  unsealCode,
} from './codes';
import { signToken } from './tokens';

/** POST /auth/start: sends a 6-digit code to the phone. */
export async function startAuth(deps: Deps, input: { phone: unknown; sourceIp: string }): Promise<void> {
  const phone = parsePhone(input.phone);
  assertNotServiceNumber(deps, phone.e164);
  assertSmsAllowed(phone, deps.config.smsCountries);
  const now = deps.clock.now();
  // Every refusal that sends nothing comes before the limits: they count codes sent, so a refused request
  // (opted out, and the input checks above) spends no one's budget.
  const record = await deps.users.getPhone(phone.e164);
  const cleared = await clearForSms(deps, phone.e164, 'code', { optedOut: record?.optedOut ?? false });
  if (!cleared.ok) {
    throw forbidden('this phone has opted out of SMS; text START to the service number first', 'opted_out');
  }
  for (const rule of otpRateLimits(deps.config.otpIpLimit)) {
    const key = otpRateKey(rule, phone.e164, input.sourceIp);
    if (!(await deps.rates.hitRateLimit(key, rule.windowMs, rule.limit, now))) {
      deps.log.warn(LogEvent.AuthRateLimited, { scope: rule.scope, windowMs: rule.windowMs });
      throw tooMany('too many codes requested; wait and try again', 'too_many_requests');
    }
  }
  const { code, expiresAt } = await liveOrNewCode(deps, phone.e164, now);
  const minutes = Math.max(1, Math.round((expiresAt - now) / 60_000));
  try {
    await sendSmsWithRetry(
      deps,
      {
        from: deps.config.serviceNumbers[0],
        to: cleared.to,
        body: `Your IM code is ${code}. It expires in ${minutes} minutes.`,
      },
      'otp',
    );
  } catch {
    throw unavailable('the code could not be sent; try again later', 'sms_failed');
  }
  deps.log.info(LogEvent.AuthCodeSent, {});
}

/**
 * The code to send: the live one again, unchanged (same code, expiry and tries), while it has tries left; else a
 * new one with none used. Nothing here refuses: a phone is never locked, only a code used up
 * (docs/design.md, "Sign-in codes").
 */
async function liveOrNewCode(
  deps: Deps,
  phone: string,
  now: number,
): Promise<{ code: string; expiresAt: number }> {
  const secret = deps.secrets.jwtSecret;
  const previous = await deps.codes.getOtp(phone);
  if (previous && previous.expiresAt > now && previous.sealed && previous.tries < OTP_MAX_TRIES)
    return {
      code: unsealCode(secret, phone, previous.expiresAt, previous.sealed),
      expiresAt: previous.expiresAt,
    };
  const code = deps.ids.otpCode();
  const expiresAt = now + OTP_TTL_MS;
  await deps.codes.putOtp(
    phone,
    {
      hash: hashCode(secret, phone, code),
      expiresAt,
      tries: 0,
      sealed: sealCode(secret, phone, expiresAt, code),
    },
    OTP_ROW_GRACE_SECONDS,
  );
  return { code, expiresAt };
}

/** How long a code's row may stay past its expiry before the table's TTL drops it (s). */
const OTP_ROW_GRACE_SECONDS = 60 * 60;

export interface VerifiedUser {
  token: string;
  user: { imNumber: string; name: string; phone: string };
}

/**
 * POST /auth/verify: checks the code; the first verification creates the account. Each try, right or wrong,
 * counts against the client address's tries at this phone (OTP_TRIES_PER_ADDRESS an hour: past them that address
 * gets 429 `too_many_tries`, nobody else does) and against the code's own tries (OTP_MAX_TRIES from all addresses:
 * past them the code is dead, 401 `code_expired`, and the owner asks for a new one). `sourceIp` is the client's
 * address as the gateway saw it.
 */
export async function verifyAuth(
  deps: Deps,
  input: { phone: unknown; code: unknown; name?: unknown; sourceIp: string },
): Promise<VerifiedUser> {
  const phone = parsePhone(input.phone);
  assertNotServiceNumber(deps, phone.e164);
  if (typeof input.code !== 'string' || !/^\d{6}$/.test(input.code)) {
    throw badInput('code must be the 6 digits sent by SMS', 'invalid_code');
  }
  const name =
    input.name === undefined || input.name === null || input.name === ''
      ? undefined
      : validateName(input.name);
  const now = deps.clock.now();
  const tryKey = otpTryKey(phone.e164, input.sourceIp);
  if (!(await deps.rates.hitRateLimit(tryKey, OTP_TRY_WINDOW_MS, OTP_TRIES_PER_ADDRESS, now))) {
    deps.log.warn(LogEvent.AuthLocked, { scope: 'ip-phone' });
    throw tooMany('too many tries for this phone from here; try again in an hour', 'too_many_tries');
  }
  const attempt = await deps.codes.attemptOtp(phone.e164, now, OTP_MAX_TRIES);
  if (attempt.kind === 'locked') {
    deps.log.warn(LogEvent.AuthLocked, { scope: 'code' });
    throw unauthorized('this code had too many wrong tries; request a new one', 'code_expired');
  }
  if (attempt.kind === 'missing')
    throw unauthorized('no valid code for this phone; request a new one', 'code_expired');
  const hash = hashCode(deps.secrets.jwtSecret, phone.e164, input.code);
  const matches = hashesMatch(hash, attempt.record.hash);
  if (!matches) {
    deps.log.info(LogEvent.AuthWrongCode, { triesLeft: OTP_MAX_TRIES - attempt.record.tries });
    throw unauthorized('wrong code', 'wrong_code');
  }
  if (name) await assertNameFree(deps, phone.e164, name);
  if (!(await deps.codes.consumeOtp(phone.e164, hash)))
    throw unauthorized('the code was already used', 'code_expired');
  const { user, created } = await findOrCreateUser(deps, phone.e164, name);
  deps.log.info(LogEvent.AuthVerified, { imNumber: user.imNumber, created });
  const token = await signToken(deps.secrets.jwtSecret, { imNumber: user.imNumber, name: user.name }, now);
  return { token, user: { imNumber: user.imNumber, name: user.name, phone: user.phone } };
}

/** Service numbers are ours, not people: none signs in or becomes a user (403 `service_number`). */
function assertNotServiceNumber(deps: Deps, e164: string): void {
  if (isServiceNumber(deps, e164)) {
    throw forbidden('this is one of the service’s own numbers, not a person’s phone', 'service_number');
  }
}

/** Refuses a taken name before the code is spent, so the user can pick another with the same code. */
async function assertNameFree(deps: Deps, phone: string, name: string): Promise<void> {
  const owner = await deps.users.findNameHolder(name);
  if (!owner) return;
  const record = await deps.users.getPhone(phone);
  if (record?.imNumber === owner) return;
  if (!record?.imNumber) throw conflict(`the name ${name} is taken`, 'name_taken');
}
