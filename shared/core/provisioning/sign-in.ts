import { stripFormatCharacters } from './e164';
import { findOrCreateUser } from './accounts';
import {
  badInput,
  conflict,
  type DomainError,
  forbidden,
  tooMany,
  unauthorized,
  unavailable,
  untilWindowEnds,
  waitText,
} from '../errors';
import { validateName } from './names';
import { assertSmsAllowed, parsePhone } from './phone';
import type { Deps, OtpRecord } from '../ports';
import { sendSmsWithRetry } from '../im-sms/send';
import { clearForSms, isServiceNumber, type ClearedPhone } from '../im-sms/outbound';
import { isProviderOptOut, noteProviderRefusal } from '../im-sms/provider-opt-out';
import { LogEvent } from '../log-events';
import {
  hashCode,
  hashesMatch,
  OTP_MAX_TRIES,
  OTP_SENDS_PER_CODE,
  OTP_TRIES_PER_ADDRESS,
  OTP_TRY_WINDOW_MS,
  OTP_TTL_MS,
  otpPhoneBudget,
  otpPhoneReserve,
  otpRateKey,
  otpTryKey,
  otpRateLimits,
  sealCode,
  unsealCode,
} from './codes';
import { signToken } from './tokens';

/**
 * POST /auth/start: texts a 6-digit code to the phone (docs/design.md, "Sign-in codes"). While the phone has a
 * live code, that same code is texted again, OTP_SENDS_PER_CODE times in all; past that, or past the phone's
 * open budget, a request while the code lives texts nothing and gets 429 `code_pending` (use the code on the
 * phone). A text counts against the client address's limits and the phone's open budget of
 * OTP_PHONE_DAILY_TEXTS a day; past that budget, the phone's reserve still sends one new code per
 * OTP_RESERVE_WINDOW_MS, so no number of strangers' requests keeps the owner from a code for longer.
 * `sourceIp` is the client's address as the gateway saw it. Throws DomainErrors: `invalid_phone` (400),
 * `service_number`, `country_not_allowed`, `opted_out` (403), `code_pending`, `too_many_requests` (429),
 * `sms_failed` (503).
 */
export async function startAuth(deps: Deps, input: { phone: unknown; sourceIp: string }): Promise<void> {
  const phone = parsePhone(input.phone);
  assertNotServiceNumber(deps, phone.e164);
  assertSmsAllowed(phone, deps.config.smsCountries);
  const now = deps.clock.now();
  // Every refusal that sends nothing comes before the limits: they count texts sent, so a refused request
  // (opted out, a code already pending, and the input checks above) spends no one's budget.
  const record = await deps.users.getPhone(phone.e164);
  const cleared = await clearForSms(deps, phone.e164, 'code', { optedOut: record?.optedOut ?? false });
  if (!cleared.ok) {
    throw forbidden('this phone has opted out of SMS; text START to the service number first', 'opted_out');
  }
  const secret = deps.secrets.jwtSecret;
  const previous = await deps.codes.getOtp(phone.e164);
  const live = previous && isLive(previous, now) ? previous : null;
  if (live && (live.sends ?? 1) >= OTP_SENDS_PER_CODE) throw codePending(live.expiresAt, now);
  for (const rule of otpRateLimits(deps.config.otpIpLimit)) {
    const key = otpRateKey(rule, phone.e164, input.sourceIp);
    if (!(await deps.rates.hitRateLimit(key, rule.windowMs, rule.limit, now))) {
      deps.log.warn(LogEvent.AuthRateLimited, { scope: rule.scope, windowMs: rule.windowMs });
      const wait = untilWindowEnds(now, rule.windowMs);
      throw tooMany(`too many codes requested; try again in ${waitText(wait)}`, 'too_many_requests', wait);
    }
  }
  const budget = otpPhoneBudget(phone.e164);
  if (!(await deps.rates.hitRateLimit(budget.key, budget.windowMs, budget.limit, now))) {
    // The open budget is spent. A live code is on the phone already; else the reserve may send a new one.
    if (live) throw codePending(live.expiresAt, now);
    const reserve = otpPhoneReserve(phone.e164);
    if (!(await deps.rates.hitRateLimit(reserve.key, reserve.windowMs, reserve.limit, now))) {
      deps.log.warn(LogEvent.AuthRateLimited, { scope: 'phone', windowMs: reserve.windowMs });
      const next = new Date(Math.floor(now / reserve.windowMs) * reserve.windowMs + reserve.windowMs);
      throw tooMany(
        `this phone was sent many codes today; the next can be sent at ${next.toISOString().slice(11, 16)} UTC`,
        'too_many_requests',
        next.getTime() - now,
      );
    }
  }
  let code: string;
  let expiresAt: number;
  if (live) {
    // Counted by a conditional write, so concurrent requests cannot text one code more than its sends.
    if (!(await deps.codes.countResend(phone.e164, live.expiresAt, OTP_SENDS_PER_CODE)))
      throw codePending(live.expiresAt, now);
    code = unsealCode(secret, phone.e164, live.expiresAt, live.sealed!);
    expiresAt = live.expiresAt;
  } else {
    code = deps.ids.otpCode();
    expiresAt = now + OTP_TTL_MS;
    const otp = {
      hash: hashCode(secret, phone.e164, code),
      expiresAt,
      tries: 0,
      sealed: sealCode(secret, phone.e164, expiresAt, code),
      sends: 1,
    };
    await deps.codes.putOtp(phone.e164, otp, OTP_ROW_GRACE_SECONDS);
  }
  const minutes = Math.max(1, Math.round((expiresAt - now) / 60_000));
  const outcome = await sendCode(
    deps,
    cleared.to,
    `Your IM code is ${code}. It expires in ${minutes} minutes.`,
  );
  // `unknown`: a try got no answer (a timeout: the provider may still be taking it, so it is not tried again
  // here), or a try failed and the provider could not be asked whether it got through. The caller is told it
  // failed rather than to wait for a text that may never come; asking again sends the same live code (one more
  // text, which costs but is harmless), so a text that did get through still works. One text per request, never
  // three copies of one code from one request.
  if (outcome === 'unknown' || outcome === 'unasked') {
    throw unavailable(
      'the code may not have been sent (the SMS provider did not answer); if no text arrives, try again later (the same code is sent)',
      'sms_failed',
    );
  }
  deps.log.info(LogEvent.AuthCodeSent, {});
}

/**
 * Texts a sign-in code from the first service number that may text the phone. Twilio's own opt-out works per
 * number (a STOP texted to one number makes Twilio refuse that number to the phone, error 21610, until the phone
 * texts START there; docs/design.md, "Two opt-outs"): such a refusal is immediate and sends nothing, so the next
 * number is tried, and the refusal is kept on the phone's user, if it has one, as any SMS leg keeps it.
 * @throws DomainError `opted_out` (403) when every service number is refused to the phone that way; `sms_failed`
 *   (503) when the provider failed.
 */
async function sendCode(
  deps: Deps,
  to: ClearedPhone,
  body: string,
): Promise<Awaited<ReturnType<typeof sendSmsWithRetry>>> {
  let user: Promise<string | null> | undefined; // the phone's user, read once, on a first refusal only
  for (const from of deps.config.serviceNumbers) {
    try {
      return await sendSmsWithRetry(deps, { from, to, body }, 'otp');
    } catch (err) {
      if (!isProviderOptOut(err))
        throw unavailable('the code could not be sent; try again later', 'sms_failed');
      const imNumber = await (user ??= deps.users.userOfPhone(to));
      if (imNumber) await noteProviderRefusal(deps, imNumber, from);
    }
  }
  throw forbidden(
    'the SMS provider refuses every service number to this phone (it texted STOP to them); text START to one of them first',
    'opted_out',
  );
}

/**
 * A code that can still be used and resent: not expired, tries left, and sealed (rows from before sealing
 * cannot be resent, so they count as not live and a new code replaces them).
 */
function isLive(record: OtpRecord, now: number): boolean {
  return record.expiresAt > now && record.tries < OTP_MAX_TRIES && record.sealed !== undefined;
}

/**
 * 429 `code_pending`: the phone holds a live code already; says for how long and what to do, and comes back
 * (Retry-After) when it expires, when a new code can be asked for.
 */
function codePending(expiresAt: number, now: number): DomainError {
  return tooMany(
    `a code was texted to this phone and is still valid for ${waitText(expiresAt - now)}; use the latest code it was sent ` +
      '(a new one can be asked for once it expires)',
    'code_pending',
    expiresAt - now,
  );
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
 * past them the code is dead, 401 `code_expired`, and the owner asks for a new one). A request when the phone has
 * no code to try (none sent, used, expired, or dead) is answered 401 `code_expired` before anything is counted.
 * `sourceIp` is the client's address as the gateway saw it.
 */
export async function verifyAuth(
  deps: Deps,
  input: { phone: unknown; code: unknown; name?: unknown; sourceIp: string },
): Promise<VerifiedUser> {
  const phone = parsePhone(input.phone);
  assertNotServiceNumber(deps, phone.e164);
  // Read as every typed input is (format characters dropped, NFKC: full-width １２３４５６ is 123456), spaces
  // and dashes a phone's keyboard or the user may put between the digits dropped.
  const code = typeof input.code === 'string' ? stripFormatCharacters(input.code).replace(/[\s-]/g, '') : '';
  if (!/^\d{6}$/.test(code)) {
    throw badInput('code must be the 6 digits sent by SMS', 'invalid_code');
  }
  const name =
    input.name === undefined || input.name === null || input.name === ''
      ? undefined
      : validateName(input.name);
  const now = deps.clock.now();
  // No live code, nothing to try: said so before any counter is touched, so such requests spend nothing.
  assertCodePending(await deps.codes.getOtp(phone.e164), now);
  const tryKey = otpTryKey(phone.e164, input.sourceIp);
  if (!(await deps.rates.hitRateLimit(tryKey, OTP_TRY_WINDOW_MS, OTP_TRIES_PER_ADDRESS, now))) {
    deps.log.warn(LogEvent.AuthLocked, { scope: 'ip-phone' });
    // The wait is the try window's rest (a fixed window), not a whole window: the text says what Retry-After says.
    const wait = untilWindowEnds(now, OTP_TRY_WINDOW_MS);
    throw tooMany(
      `too many tries for this phone from here; try again in ${waitText(wait)}`,
      'too_many_tries',
      wait,
    );
  }
  const attempt = await deps.codes.attemptOtp(phone.e164, now, OTP_MAX_TRIES);
  if (attempt.kind === 'locked') {
    deps.log.warn(LogEvent.AuthLocked, { scope: 'code' });
    throw unauthorized('this code had too many wrong tries; request a new one', 'code_expired');
  }
  if (attempt.kind === 'missing') throw noCode();
  const hash = hashCode(deps.secrets.jwtSecret, phone.e164, code);
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

/**
 * Throws 401 `code_expired`, with what happened, unless the phone has a code that can still be tried: none was
 * sent (or it was used: a used code is deleted), it expired, or it died of too many wrong tries.
 */
function assertCodePending(record: OtpRecord | null, now: number): void {
  if (!record) throw noCode();
  if (record.expiresAt <= now)
    throw unauthorized('the code for this phone expired; request a new one', 'code_expired');
  if (record.tries >= OTP_MAX_TRIES)
    throw unauthorized('this code had too many wrong tries; request a new one', 'code_expired');
}

/** 401 `code_expired` for a phone with no code row: never sent, already used, or long expired. */
function noCode() {
  return unauthorized(
    'no code is pending for this phone (none was sent, it was used, or it expired); request a new one',
    'code_expired',
  );
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
