/** E.164 as Twilio accepts it: a plus, a non-zero country code digit, 7 to 15 digits in all. */
const E164 = /^\+[1-9]\d{6,14}$/;

/** True when `value` is an E.164 phone number. */
export function isE164(value: string): boolean {
  return E164.test(value);
}

// Twilio fills ToCountry/FromCountry with ISO codes; a few prefixes are enough for a laptop sandbox.
const COUNTRY_BY_PREFIX: ReadonlyArray<readonly [string, string]> = [
  ['+1', 'US'],
  ['+86', 'CN'],
  ['+852', 'HK'],
  ['+44', 'GB'],
  ['+49', 'DE'],
  ['+33', 'FR'],
  ['+81', 'JP'],
  ['+91', 'IN'],
  ['+61', 'AU'],
];

/** The ISO country of a number as Twilio would report it, or '' when the sandbox does not know it. */
export function countryOf(phone: string): string {
  const match = COUNTRY_BY_PREFIX.filter(([prefix]) => phone.startsWith(prefix)).sort(
    (a, b) => b[0].length - a[0].length,
  )[0];
  return match ? match[1] : '';
}
