import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { badInput, forbidden } from '../errors';
import { E164_PATTERN, stripFormatCharacters } from './e164';

export { stripFormatCharacters };

export interface ParsedPhone {
  e164: string;
  countryCode: string;
}

/** Longest raw phone input read at all (format characters included), in UTF-16 units. */
const MAX_RAW_PHONE_UNITS = 128;
/** Longest phone input once its invisible format characters are gone. */
const MAX_PHONE_CHARS = 32;

/**
 * Parses a phone number given in international form (a leading + and the country code) into E.164.
 * Invisible format characters anywhere in it are dropped first ({@link stripFormatCharacters}), so
 * "\u202d+1 415 555 0123\u202c" is +14155550123. Local formats are refused because the service has no home
 * country to assume. Throws DomainError `invalid_phone` (kind invalid) for anything else.
 */
export function parsePhone(input: unknown): ParsedPhone {
  const cleaned =
    typeof input === 'string' && input.length <= MAX_RAW_PHONE_UNITS ? stripFormatCharacters(input) : '';
  if (cleaned.trim() === '' || cleaned.length > MAX_PHONE_CHARS) {
    throw badInput(
      'phone must be a phone number in international format, like +14155550100',
      'invalid_phone',
    );
  }
  const trimmed = cleaned.trim();
  if (!trimmed.startsWith('+')) {
    throw badInput('phone must start with + and the country code, like +14155550100', 'invalid_phone');
  }
  const parsed = parsePhoneNumberFromString(trimmed);
  // libphonenumber calls some 6-digit numbers possible (+49 0000); E.164 as the contract states it has 7-15.
  if (!parsed || !parsed.isPossible() || !E164_PATTERN.test(parsed.number) || !isStable(parsed.number)) {
    throw badInput('phone is not a valid phone number', 'invalid_phone');
  }
  return { e164: parsed.number, countryCode: parsed.countryCallingCode };
}

/**
 * True when an E.164 number parses back to itself. libphonenumber drops a trunk prefix written after the
 * country code (+49 0…), so a number built that way can change again on the next parse: such input is refused,
 * so that one phone never has two spellings in the table.
 */
function isStable(e164: string): boolean {
  const again = parsePhoneNumberFromString(e164);
  return Boolean(again && again.isPossible() && again.number === e164);
}

/** True when SMS may go to this number's country (an allow-list, against SMS pumping). */
export function smsAllowed(phone: string, countries: string[]): boolean {
  const code = countryCodeOf(phone);
  return code !== undefined && countries.includes(code);
}

/**
 * The country calling code of an E.164 phone (`44` for +44…), or undefined when it does not parse. What a log
 * line may carry about a phone: the code, never the number.
 */
export function countryCodeOf(phone: string): string | undefined {
  return parsePhoneNumberFromString(phone)?.countryCallingCode;
}

/** Throws 403 unless SMS may go to the phone's country. */
export function assertSmsAllowed(phone: ParsedPhone, countries: string[]): void {
  if (!countries.includes(phone.countryCode)) {
    throw forbidden(`SMS cannot be sent to country code +${phone.countryCode}`, 'country_not_allowed');
  }
}
