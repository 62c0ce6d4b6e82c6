/**
 * The service's text rules, in one barrel for any client that must apply them exactly as the server does
 * (the local console imports this module in the browser). Every module behind it is browser-safe: no Node-only
 * imports (node:crypto and the like), no AWS or Twilio packages. Each rule is spelled once, in the module
 * named beside it; this file only re-exports.
 */
export { formatSmsBody, parseSmsBody } from './conversion/body-format'; // the SMS body: `name @imNumber: text`
export { IM_NUMBER_PATTERN, parseSmsAddress, type SmsAddress } from './conversion/addressing'; // `@imNumber`
export { parseKeyword, type Keyword } from './conversion/keywords'; // STOP, START, HELP
export { MAX_TEXT_CHARS } from './conversion/message-text'; // the longest message
export {
  countSegments,
  encodeSms,
  normalizeForGsm7,
  MAX_SMS_CHARS,
  type EncodedSms,
  type SmsEncoding,
} from './conversion/sms-encoding'; // GSM-7 / UCS-2 and segments
export { defaultName, NAME_PATTERN, nameKey } from './provisioning/names'; // display names
export { compactPhoneInput, E164_PATTERN, stripFormatCharacters } from './provisioning/e164'; // phone input
